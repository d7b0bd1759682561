// Tests KPL aggregation sizes and framing (the byte-for-byte check against libprotobuf is
// tests/protobuf/kpl_aggregator_protobuf_test.cpp): magic, MD5 trailer, the target and the 1 MiB
// limit, event counts, keys and the end-of-POST flush.
#include "telemetry/kpl_aggregator.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "aws/crypto.h"
#include "kinesis/limits.h"

namespace tk::telemetry {
namespace {

constexpr char kKey[] = "0123456789abcdef";

std::string Event(int i) {
  std::string text = "{\"event\":\"line " + std::to_string(i) + " ";
  text.resize(248, 'x');
  return text + "\"}";
}

void ExpectFramed(const kinesis::Record& record) {
  ASSERT_GE(record.data.size(), 4 + kKplDigestBytes);
  EXPECT_EQ(record.data.substr(0, 4), "\xF3\x89\x9A\xC2");
  std::string_view body = std::string_view(record.data).substr(4, record.data.size() - 4 - 16);
  aws::Md5Digest digest = aws::Md5(body);
  EXPECT_EQ(record.data.substr(record.data.size() - 16), std::string(digest.begin(), digest.end()));
}

TEST(KplAggregatorTest, AggregatesEventsUpToTheTargetWithMagicAndMd5) {
  KplAggregator aggregator(kinesis::kPayloadUnitBytes, AggregateKey::kPerEventKey);
  std::vector<kinesis::Record> records;
  for (int i = 0; i < 1'000; ++i) ASSERT_TRUE(aggregator.Add(kKey, Event(i), records));
  aggregator.Finish(records);
  uint32_t events = 0;
  for (const kinesis::Record& record : records) {
    ExpectFramed(record);
    EXPECT_LE(record.Size(), kinesis::kPayloadUnitBytes);
    EXPECT_EQ(record.partition_key, kKey);
    events += record.events;
  }
  EXPECT_EQ(events, 1'000u);
  // A 250-byte event takes 258 bytes: records tag, length (2), index tag and index, data tag,
  // data length (2), data.
  ASSERT_EQ(KplAggregator::UserRecordBytes(250), 258u);
  const size_t per_record = (kinesis::kPayloadUnitBytes - 16 - KplAggregator::FixedBytes(16)) / 258;
  EXPECT_EQ(records.front().events, per_record);
  EXPECT_EQ(records.size(), (1'000 + per_record - 1) / per_record);
}

TEST(KplAggregatorTest, TheRecordSizeIsExactlyWhatTheFormulasSay) {
  KplAggregator aggregator(kinesis::kDefaultMaxRecordBytes, AggregateKey::kPerEventKey);
  std::vector<kinesis::Record> records;
  ASSERT_TRUE(aggregator.Add(kKey, std::string(300, 'a'), records));
  ASSERT_TRUE(aggregator.Add(kKey, std::string(20'000, 'b'), records));
  aggregator.Finish(records);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].data.size(), KplAggregator::FixedBytes(16) +
                                        KplAggregator::UserRecordBytes(300) +
                                        KplAggregator::UserRecordBytes(20'000));
  EXPECT_EQ(KplAggregator::UserRecordBytes(300), 1 + 2 + 2 + 1 + 2 + 300u);
}

TEST(KplAggregatorTest, RefusesAnEventThatCannotFitOneMebibyteWithTheFraming) {
  KplAggregator aggregator(kinesis::kDefaultMaxRecordBytes, AggregateKey::kPerEventKey);
  std::vector<kinesis::Record> records;
  const size_t room = kinesis::kDefaultMaxRecordBytes - 16 - KplAggregator::FixedBytes(16);
  // The largest event whose user record still fits the room.
  size_t largest = room - 1 - 3 - 3 - 3;
  ASSERT_EQ(KplAggregator::UserRecordBytes(largest), room);
  EXPECT_TRUE(aggregator.Add(kKey, std::string(largest, 'a'), records));
  EXPECT_FALSE(aggregator.Add(kKey, std::string(largest + 1, 'a'), records));
  aggregator.Finish(records);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].Size(), kinesis::kDefaultMaxRecordBytes);
  ExpectFramed(records[0]);
}

TEST(KplAggregatorTest, FollowsTheStreamsRaisedMaximumRecordSize) {
  const kinesis::Limits limits = kinesis::LimitsForStream(10 * kinesis::kMiB);
  std::vector<kinesis::Record> records;
  KplAggregator default_aggregator(kinesis::kPayloadUnitBytes, AggregateKey::kPerEventKey);
  EXPECT_FALSE(default_aggregator.Add(kKey, std::string(5 * kinesis::kMiB, 'a'), records));

  KplAggregator aggregator(kinesis::kPayloadUnitBytes, AggregateKey::kPerEventKey, limits);
  ASSERT_TRUE(aggregator.Add(kKey, std::string(5 * kinesis::kMiB, 'a'), records));
  // The largest event whose aggregate is exactly 10 MiB (data lengths of 4 varint bytes).
  const size_t room = limits.max_record_bytes - 16 - KplAggregator::FixedBytes(16);
  const size_t largest = room - 1 - 4 - 3 - 4;
  ASSERT_EQ(KplAggregator::UserRecordBytes(largest), room);
  EXPECT_TRUE(aggregator.Add(kKey, std::string(largest, 'b'), records));
  EXPECT_FALSE(aggregator.Add(kKey, std::string(largest + 1, 'b'), records));
  aggregator.Finish(records);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].Size(), limits.max_record_bytes);
  for (const kinesis::Record& record : records) ExpectFramed(record);
}

TEST(KplAggregatorTest, HoldsNothingAfterFinishAndStartsAFreshAggregateNext) {
  KplAggregator aggregator(kinesis::kPayloadUnitBytes, AggregateKey::kPerEventKey);
  std::vector<kinesis::Record> records;
  ASSERT_TRUE(aggregator.Add(kKey, Event(1), records));
  EXPECT_TRUE(records.empty());
  aggregator.Finish(records);
  aggregator.Finish(records);
  ASSERT_EQ(records.size(), 1u);
  ASSERT_TRUE(aggregator.Add(kKey, Event(2), records));
  aggregator.Finish(records);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].events, 1u);
  ExpectFramed(records[1]);
  EXPECT_EQ(records[0].data.size(), records[1].data.size());
}

TEST(KplAggregatorTest, KeyRules) {
  KplAggregator per_event(kinesis::kPayloadUnitBytes, AggregateKey::kPerEventKey);
  KplAggregator first_event(kinesis::kPayloadUnitBytes, AggregateKey::kFirstEventKey);
  std::vector<kinesis::Record> per_event_records;
  std::vector<kinesis::Record> first_event_records;
  for (const char* key : {"a", "b", "b"}) {
    ASSERT_TRUE(per_event.Add(key, Event(1), per_event_records));
    ASSERT_TRUE(first_event.Add(key, Event(1), first_event_records));
  }
  per_event.Finish(per_event_records);
  first_event.Finish(first_event_records);
  ASSERT_EQ(per_event_records.size(), 2u);
  EXPECT_EQ(per_event_records[1].partition_key, "b");
  ASSERT_EQ(first_event_records.size(), 1u);
  EXPECT_EQ(first_event_records[0].partition_key, "a");
  EXPECT_EQ(first_event_records[0].events, 3u);
}

TEST(KplAggregatorTest, VarintBytes) {
  EXPECT_EQ(VarintBytes(0), 1u);
  EXPECT_EQ(VarintBytes(127), 1u);
  EXPECT_EQ(VarintBytes(128), 2u);
  EXPECT_EQ(VarintBytes(16'383), 2u);
  EXPECT_EQ(VarintBytes(16'384), 3u);
  EXPECT_EQ(VarintBytes(UINT64_MAX), 10u);
}

}  // namespace
}  // namespace tk::telemetry
