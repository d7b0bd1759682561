// Tests ndjson packing: lines in order, records within the target and 1 MiB, keys, newlines in
// events, the end-of-POST flush, and gzip records that decompress to the same lines.
#include "telemetry/ndjson_packer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "kinesis/limits.h"
#include "support/gunzip.h"

namespace tk::telemetry {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

constexpr char kKey[] = "0123456789abcdef";

std::string Event(int i, size_t bytes = 200) {
  std::string text =
      R"({"function":"f","event":{"type":"function","record":"line )" + std::to_string(i) + " ";
  text.resize(std::max(text.size(), bytes - 3), 'x');
  return text + "\"}}";
}

std::vector<std::string> Lines(std::string_view data) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < data.size()) {
    size_t end = data.find('\n', start);
    EXPECT_NE(end, std::string_view::npos) << "the last line must end in a newline";
    if (end == std::string_view::npos) break;
    lines.emplace_back(data.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

using tk::testing::Gunzip;

// Every line of `records` in order (gunzipped first when `gzip`), checking each record's count.
std::vector<std::string> AllLines(const std::vector<kinesis::Record>& records, bool gzip) {
  std::vector<std::string> all;
  for (const kinesis::Record& record : records) {
    EXPECT_EQ(IsGzip(record.data), gzip);
    std::vector<std::string> lines = Lines(gzip ? Gunzip(record.data) : record.data);
    EXPECT_EQ(lines.size(), record.events);
    all.insert(all.end(), lines.begin(), lines.end());
  }
  return all;
}

TEST(NdjsonPackerTest, PacksEventsAsLinesInOrderUpToTheTarget) {
  NdjsonPacker packer(4'096, AggregateKey::kPerEventKey);
  std::vector<kinesis::Record> records;
  std::vector<std::string> events;
  for (int i = 0; i < 100; ++i) {
    events.push_back(Event(i));
    ASSERT_TRUE(packer.Add(kKey, events.back(), records));
  }
  packer.Finish(records);
  EXPECT_THAT(AllLines(records, false), ElementsAreArray(events));
  for (const kinesis::Record& record : records) {
    EXPECT_LE(record.Size(), 4'096u);
    EXPECT_EQ(record.partition_key, kKey);
  }
  // 200-byte events, 201-byte lines: 20 lines (+ a 16-byte key) fit 4,096 bytes, 21 do not.
  EXPECT_EQ(records.front().events, 20u);
  EXPECT_EQ(records.size(), 5u);
}

TEST(NdjsonPackerTest, HoldsNothingAfterFinish) {
  NdjsonPacker packer(kinesis::kDefaultMaxRecordBytes, AggregateKey::kPerEventKey);
  std::vector<kinesis::Record> records;
  ASSERT_TRUE(packer.Add(kKey, Event(1), records));
  EXPECT_TRUE(records.empty()) << "a partial record waits for the end of the POST";
  packer.Finish(records);
  ASSERT_EQ(records.size(), 1u);
  packer.Finish(records);
  EXPECT_EQ(records.size(), 1u) << "a second Finish emits nothing";
  ASSERT_TRUE(packer.Add(kKey, Event(2), records));
  packer.Finish(records);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].data, Event(2) + "\n") << "a new POST starts a new record";
}

TEST(NdjsonPackerTest, AnEventLargerThanTheTargetGetsARecordOfItsOwn) {
  NdjsonPacker packer(2'048, AggregateKey::kPerEventKey);
  std::vector<kinesis::Record> records;
  ASSERT_TRUE(packer.Add(kKey, Event(1), records));
  ASSERT_TRUE(packer.Add(kKey, Event(2, 10'000), records));
  ASSERT_TRUE(packer.Add(kKey, Event(3), records));
  packer.Finish(records);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].events, 1u);
  EXPECT_EQ(records[1].data.size(), 10'001u);
}

TEST(NdjsonPackerTest, RefusesAnEventThatCannotFitOneMebibyteWithItsNewline) {
  NdjsonPacker packer(kinesis::kDefaultMaxRecordBytes, AggregateKey::kPerEventKey);
  std::vector<kinesis::Record> records;
  const std::string key = kKey;
  EXPECT_TRUE(
      packer.Add(key, std::string(kinesis::kDefaultMaxRecordBytes - key.size() - 1, 'a'), records));
  EXPECT_FALSE(
      packer.Add(key, std::string(kinesis::kDefaultMaxRecordBytes - key.size(), 'a'), records));
  packer.Finish(records);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].Size(), kinesis::kDefaultMaxRecordBytes);
}

TEST(NdjsonPackerTest, WritesNewlinesInsideAnEventAsSpacesSoOneEventStaysOneLine) {
  NdjsonPacker packer(kinesis::kDefaultMaxRecordBytes, AggregateKey::kPerEventKey);
  std::vector<kinesis::Record> records;
  ASSERT_TRUE(packer.Add(kKey, "{\"a\":\r\n 1,\n\"b\":\"x\\ny\"}", records));
  packer.Finish(records);
  EXPECT_EQ(records[0].data, "{\"a\":   1, \"b\":\"x\\ny\"}\n");
}

TEST(NdjsonPackerTest, AKeyChangeClosesTheRecordUnderThePerEventKeyRule) {
  NdjsonPacker packer(kinesis::kDefaultMaxRecordBytes, AggregateKey::kPerEventKey);
  std::vector<kinesis::Record> records;
  for (const char* key : {"a", "a", "b", "a"}) ASSERT_TRUE(packer.Add(key, Event(1), records));
  packer.Finish(records);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].partition_key, "a");
  EXPECT_EQ(records[0].events, 2u);
  EXPECT_EQ(records[1].partition_key, "b");
  EXPECT_EQ(records[2].partition_key, "a");
}

TEST(NdjsonPackerTest, TheFirstEventKeyRuleGivesTheRecordItsFirstEventsKey) {
  NdjsonPacker packer(kinesis::kDefaultMaxRecordBytes, AggregateKey::kFirstEventKey);
  std::vector<kinesis::Record> records;
  for (const char* key : {"k1", "k2", "k3"}) ASSERT_TRUE(packer.Add(key, Event(1), records));
  packer.Finish(records);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].partition_key, "k1");
  EXPECT_EQ(records[0].events, 3u);
}

TEST(GzipNdjsonPackerTest, RecordsDecompressToTheLinesInOrderAndFitTheTarget) {
  GzipNdjsonPacker packer(kinesis::kPayloadUnitBytes, AggregateKey::kPerEventKey);
  std::vector<kinesis::Record> records;
  std::vector<std::string> events;
  for (int i = 0; i < 3'000; ++i) {
    events.push_back(Event(i, 250));
    ASSERT_TRUE(packer.Add(kKey, events.back(), records));
  }
  packer.Finish(records);
  EXPECT_THAT(AllLines(records, true), ElementsAreArray(events));
  ASSERT_GT(records.size(), 1u);
  for (const kinesis::Record& record : records) {
    EXPECT_LE(record.Size(), kinesis::kPayloadUnitBytes) << "one payload unit per record";
  }
  // Full records use most of their unit (the last one is partial).
  for (size_t i = 1; i + 1 < records.size(); ++i) {
    EXPECT_GT(records[i].Size(), kinesis::kPayloadUnitBytes * 7 / 10) << "record " << i;
  }
}

TEST(GzipNdjsonPackerTest, IncompressibleEventsStillFitTheTargetAndOneMebibyte) {
  GzipNdjsonPacker packer(8 * 1024, AggregateKey::kPerEventKey);
  std::mt19937 random(7);
  std::vector<kinesis::Record> records;
  std::vector<std::string> events;
  for (int i = 0; i < 200; ++i) {
    std::string event(300, ' ');
    for (char& c : event) c = static_cast<char>('!' + random() % 90);
    events.push_back(event);
    ASSERT_TRUE(packer.Add(kKey, event, records));
  }
  packer.Finish(records);
  EXPECT_THAT(AllLines(records, true), ElementsAreArray(events));
  for (const kinesis::Record& record : records) EXPECT_LE(record.Size(), 8u * 1024);
}

TEST(GzipNdjsonPackerTest, AOneMebibyteTargetNeverExceedsTheRecordLimit) {
  GzipNdjsonPacker packer(kinesis::kDefaultMaxRecordBytes, AggregateKey::kPerEventKey);
  std::mt19937 random(11);
  std::vector<kinesis::Record> records;
  size_t events = 0;
  for (int i = 0; i < 40; ++i, ++events) {
    std::string event(100'000, ' ');
    for (char& c : event) c = static_cast<char>(random());
    ASSERT_TRUE(packer.Add(kKey, event, records));
  }
  packer.Finish(records);
  size_t total = 0;
  for (const kinesis::Record& record : records) {
    EXPECT_LE(record.Size(), kinesis::kDefaultMaxRecordBytes);
    total += record.events;
  }
  EXPECT_EQ(total, events);
}

TEST(GzipNdjsonPackerTest, FinishEmitsThePendingLinesAndHoldsNothing) {
  GzipNdjsonPacker packer(kinesis::kPayloadUnitBytes, AggregateKey::kPerEventKey);
  std::vector<kinesis::Record> records;
  ASSERT_TRUE(packer.Add(kKey, Event(1), records));
  ASSERT_TRUE(packer.Add(kKey, Event(2), records));
  EXPECT_TRUE(records.empty());
  packer.Finish(records);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_THAT(Lines(Gunzip(records[0].data)), ElementsAre(Event(1), Event(2)));
  packer.Finish(records);
  EXPECT_EQ(records.size(), 1u);
}

TEST(GzipNdjsonPackerTest, AKeyChangeClosesTheRecord) {
  GzipNdjsonPacker packer(kinesis::kPayloadUnitBytes, AggregateKey::kPerEventKey);
  std::vector<kinesis::Record> records;
  for (const char* key : {"a", "b", "b"}) ASSERT_TRUE(packer.Add(key, Event(1), records));
  packer.Finish(records);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].partition_key, "a");
  EXPECT_EQ(records[1].partition_key, "b");
  EXPECT_EQ(records[1].events, 2u);
}

TEST(NdjsonPackerTest, TakesA5MiBEventOnlyWhenTheStreamTakes10MiBRecords) {
  const std::string event(5 * kinesis::kMiB, 'a');
  std::vector<kinesis::Record> records;
  NdjsonPacker default_packer(kinesis::kPayloadUnitBytes, AggregateKey::kPerEventKey);
  EXPECT_FALSE(default_packer.Add(kKey, event, records));

  NdjsonPacker packer(kinesis::kPayloadUnitBytes, AggregateKey::kPerEventKey,
                      kinesis::LimitsForStream(10 * kinesis::kMiB));
  ASSERT_TRUE(packer.Add(kKey, event, records));
  packer.Finish(records);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].data.size(), event.size() + 1);
}

TEST(NdjsonPackerTest, PacksUpToATargetAbove1MiBWhenTheStreamAllowsIt) {
  const kinesis::Limits limits = kinesis::LimitsForStream(10 * kinesis::kMiB);
  NdjsonPacker packer(10 * kinesis::kMiB, AggregateKey::kPerEventKey, limits);
  std::vector<kinesis::Record> records;
  // 3 MiB lines: three fit 10 MiB with the key, the fourth starts the next record.
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(packer.Add(kKey, std::string(3 * kinesis::kMiB - 1, 'a'), records));
  }
  packer.Finish(records);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].events, 3u);
  EXPECT_LE(records[0].Size(), limits.max_record_bytes);
}

TEST(GzipNdjsonPackerTest, TakesA5MiBEventOnlyWhenTheStreamTakes10MiBRecords) {
  std::mt19937 random(5);
  std::string event(5 * kinesis::kMiB, ' ');
  for (char& c : event) c = static_cast<char>('!' + random() % 90);
  std::vector<kinesis::Record> records;
  GzipNdjsonPacker default_packer(kinesis::kPayloadUnitBytes, AggregateKey::kPerEventKey);
  EXPECT_FALSE(default_packer.Add(kKey, event, records));

  const kinesis::Limits limits = kinesis::LimitsForStream(10 * kinesis::kMiB);
  GzipNdjsonPacker packer(kinesis::kPayloadUnitBytes, AggregateKey::kPerEventKey, limits);
  ASSERT_TRUE(packer.Add(kKey, event, records));
  packer.Finish(records);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_LE(records[0].Size(), limits.max_record_bytes);
  EXPECT_THAT(AllLines(records, true), ElementsAre(event));
}

TEST(RecordPackerTest, TheFactoryHandsThePackerTheStreamsLimits) {
  config::RecordOptions options;
  const std::string event(5 * kinesis::kMiB, 'a');
  std::vector<kinesis::Record> records;
  for (config::RecordFormat format : {config::RecordFormat::kNdjson, config::RecordFormat::kKpl}) {
    options.format = format;
    EXPECT_FALSE(MakeRecordPacker(options, AggregateKey::kPerEventKey)->Add(kKey, event, records));
    EXPECT_TRUE(MakeRecordPacker(options, AggregateKey::kPerEventKey,
                                 kinesis::LimitsForStream(10 * kinesis::kMiB))
                    ->Add(kKey, event, records));
  }
}

TEST(RecordPackerTest, TheFactoryPicksThePackerOfTheFormat) {
  config::RecordOptions options;
  EXPECT_EQ(MakeRecordPacker(options, AggregateKey::kPerEventKey), nullptr);
  options.format = config::RecordFormat::kNdjson;
  EXPECT_NE(
      dynamic_cast<NdjsonPacker*>(MakeRecordPacker(options, AggregateKey::kPerEventKey).get()),
      nullptr);
  options.compression = config::Compression::kGzip;
  EXPECT_NE(
      dynamic_cast<GzipNdjsonPacker*>(MakeRecordPacker(options, AggregateKey::kPerEventKey).get()),
      nullptr);
}

}  // namespace
}  // namespace tk::telemetry
