// Tests packing records into PutRecords requests exactly at the service limits.
#include "kinesis/put_records_batch.h"

#include <gtest/gtest.h>

#include <string>

#include "kinesis/limits.h"

namespace tk::kinesis {
namespace {

Record MakeRecord(size_t total_bytes, std::string key = "k") {
  Record record;
  record.partition_key = std::move(key);
  record.data.assign(total_bytes - record.partition_key.size(), 'd');
  return record;
}

TEST(PutRecordsBatchTest, AcceptsExactly500RecordsAndRefusesThe501st) {
  PutRecordsBatch batch;
  for (size_t i = 0; i < kMaxRecordsPerRequest; ++i) {
    ASSERT_TRUE(batch.Add(MakeRecord(10))) << "record " << i;
  }
  const Record extra = MakeRecord(10);

  EXPECT_EQ(batch.size(), 500u);
  EXPECT_FALSE(batch.Fits(extra));
  EXPECT_FALSE(batch.Add(MakeRecord(10)));
  EXPECT_EQ(batch.size(), 500u);
}

TEST(PutRecordsBatchTest, AcceptsExactly5MiBAndRefusesOneByteMore) {
  PutRecordsBatch batch;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(batch.Add(MakeRecord(kDefaultMaxRecordBytes)));
  ASSERT_EQ(batch.bytes(), kDefaultMaxRequestBytes);

  EXPECT_FALSE(batch.Fits(MakeRecord(1)));
  EXPECT_FALSE(batch.Add(MakeRecord(1)));
  EXPECT_EQ(batch.bytes(), kDefaultMaxRequestBytes);
}

TEST(PutRecordsBatchTest, FillsTo5MiBExactlyWithALastSmallRecord) {
  PutRecordsBatch batch;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(batch.Add(MakeRecord(kDefaultMaxRecordBytes)));
  ASSERT_TRUE(batch.Add(MakeRecord(kDefaultMaxRecordBytes - 1)));

  EXPECT_TRUE(batch.Fits(MakeRecord(1)));
  EXPECT_FALSE(batch.Fits(MakeRecord(2)));
}

TEST(PutRecordsBatchTest, CountsPartitionKeyBytesTowardsTheRequestLimit) {
  PutRecordsBatch batch;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(batch.Add(MakeRecord(kDefaultMaxRecordBytes, std::string(256, 'p'))));
  }
  EXPECT_EQ(batch.bytes(), kDefaultMaxRequestBytes);
  EXPECT_FALSE(batch.Fits(MakeRecord(1)));
}

TEST(PutRecordsBatchTest, AcceptsA1MiBRecordAndRejectsOneByteMore) {
  EXPECT_TRUE(IsRecordWithinLimits(MakeRecord(kDefaultMaxRecordBytes), Limits{}));
  EXPECT_EQ(CheckRecordLimits(MakeRecord(kDefaultMaxRecordBytes + 1), Limits{}),
            RecordViolation::kRecordTooLarge);

  PutRecordsBatch batch;
  EXPECT_FALSE(batch.Add(MakeRecord(kDefaultMaxRecordBytes + 1)));
  EXPECT_TRUE(batch.empty());
}

TEST(PutRecordsBatchTest, RejectsEmptyOverlongAndNonUtf8PartitionKeys) {
  Record empty_key;
  empty_key.data = "x";
  Record bad_utf8 = MakeRecord(10, std::string("\xC3\x28", 2));

  EXPECT_EQ(CheckRecordLimits(empty_key, Limits{}), RecordViolation::kEmptyPartitionKey);
  EXPECT_EQ(CheckRecordLimits(MakeRecord(300, std::string(257, 'p')), Limits{}),
            RecordViolation::kPartitionKeyTooLong);
  EXPECT_TRUE(IsRecordWithinLimits(MakeRecord(300, std::string(256, 'p')), Limits{}));
  EXPECT_EQ(CheckRecordLimits(bad_utf8, Limits{}), RecordViolation::kPartitionKeyNotUtf8);
  EXPECT_TRUE(IsRecordWithinLimits(MakeRecord(10, "sandbox-\xC3\xA9"), Limits{}));
  // A bad byte after an ASCII prefix, and a lone continuation byte, are caught too.
  EXPECT_EQ(CheckRecordLimits(MakeRecord(10, "sandbox-\xFF"), Limits{}),
            RecordViolation::kPartitionKeyNotUtf8);
  EXPECT_EQ(CheckRecordLimits(MakeRecord(10, "\x80"), Limits{}),
            RecordViolation::kPartitionKeyNotUtf8);
  EXPECT_FALSE(Describe(RecordViolation::kPartitionKeyNotUtf8).empty());
}

TEST(PutRecordsBatchTest, LeavesARefusedRecordUntouched) {
  PutRecordsBatch batch;
  for (size_t i = 0; i < kMaxRecordsPerRequest; ++i) ASSERT_TRUE(batch.Add(MakeRecord(2)));
  Record refused = MakeRecord(20, "key");

  ASSERT_FALSE(batch.Add(std::move(refused)));

  EXPECT_EQ(refused.partition_key, "key");  // NOLINT(bugprone-use-after-move): not moved
  EXPECT_EQ(refused.Size(), 20u);
}

TEST(PutRecordsBatchTest, ClearEmptiesRecordsAndBytes) {
  PutRecordsBatch batch;
  ASSERT_TRUE(batch.Add(MakeRecord(100)));

  batch.Clear();

  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(batch.bytes(), 0u);
  EXPECT_TRUE(batch.Fits(MakeRecord(kDefaultMaxRecordBytes)));
}

TEST(PutRecordsBatchTest, KeepsRecordsInArrivalOrder) {
  PutRecordsBatch batch;
  for (char c = 'a'; c <= 'e'; ++c) {
    Record record;
    record.partition_key = std::string(1, c);
    record.data = "x";
    ASSERT_TRUE(batch.Add(std::move(record)));
  }
  std::string keys;
  for (const Record& record : batch.records()) keys += record.partition_key;
  EXPECT_EQ(keys, "abcde");
}

TEST(PutRecordsBatchTest, AcceptsA5MiBRecordOnlyWhenTheStreamTakes10MiBRecords) {
  const Limits large = LimitsForStream(10 * kMiB);
  EXPECT_TRUE(IsRecordWithinLimits(MakeRecord(5 * kMiB), large));
  EXPECT_EQ(CheckRecordLimits(MakeRecord(5 * kMiB), Limits{}), RecordViolation::kRecordTooLarge);

  PutRecordsBatch large_batch(large);
  EXPECT_TRUE(large_batch.Add(MakeRecord(5 * kMiB)));
  PutRecordsBatch default_batch;
  EXPECT_FALSE(default_batch.Add(MakeRecord(5 * kMiB)));
  EXPECT_TRUE(default_batch.empty());
}

TEST(PutRecordsBatchTest, PacksRequestsTo10MiBWhenTheStreamTakesLargeRecords) {
  PutRecordsBatch batch(LimitsForStream(10 * kMiB));
  ASSERT_TRUE(batch.Add(MakeRecord(10 * kMiB - 1)));
  ASSERT_TRUE(batch.Add(MakeRecord(1)));
  EXPECT_EQ(batch.bytes(), kLargeRecordsMaxRequestBytes);
  EXPECT_FALSE(batch.Fits(MakeRecord(1)));

  // Two 5 MiB records fill a request; a third waits for the next.
  PutRecordsBatch halves(LimitsForStream(5 * kMiB));
  ASSERT_TRUE(halves.Add(MakeRecord(5 * kMiB)));
  ASSERT_TRUE(halves.Add(MakeRecord(5 * kMiB)));
  EXPECT_FALSE(halves.Fits(MakeRecord(5 * kMiB)));
}

TEST(PutRecordsBatchTest, ALargestRecordFitsAnEmptyBatch) {
  for (size_t stream : {kDefaultMaxRecordBytes, 2 * kMiB + 3, 5 * kMiB, kLargestMaxRecordBytes}) {
    const Limits limits = LimitsForStream(stream);
    PutRecordsBatch batch(limits);
    EXPECT_TRUE(batch.Add(MakeRecord(limits.max_record_bytes))) << stream;
    EXPECT_FALSE(IsRecordWithinLimits(MakeRecord(limits.max_record_bytes + 1), limits)) << stream;
  }
}

TEST(LimitsTest, DerivesRequestLimitFromTheStreamsMaximumRecordSize) {
  EXPECT_EQ(LimitsForStream(kDefaultMaxRecordBytes), Limits{});
  EXPECT_EQ(Limits{}.max_record_bytes, 1 * kMiB);
  EXPECT_EQ(Limits{}.max_request_bytes, 5 * kMiB);
  // Any raised maximum: records up to it, requests up to 10 MiB (PutRecords, large records).
  EXPECT_EQ(LimitsForStream(kDefaultMaxRecordBytes + 1),
            (Limits{kDefaultMaxRecordBytes + 1, 10 * kMiB}));
  EXPECT_EQ(LimitsForStream(10 * kMiB), (Limits{10 * kMiB, 10 * kMiB}));
  // Outside 1..10 MiB (UpdateMaxRecordSize's range): brought within it.
  EXPECT_EQ(LimitsForStream(0), Limits{});
  EXPECT_EQ(LimitsForStream(11 * kMiB), (Limits{10 * kMiB, 10 * kMiB}));
}

TEST(LimitsTest, CountsPayloadUnitsIn25KiBChunksRoundedUp) {
  EXPECT_EQ(PayloadUnits(0), 1u);
  EXPECT_EQ(PayloadUnits(1), 1u);
  EXPECT_EQ(PayloadUnits(kPayloadUnitBytes), 1u);
  EXPECT_EQ(PayloadUnits(kPayloadUnitBytes + 1), 2u);
  EXPECT_EQ(PayloadUnits(kDefaultMaxRecordBytes), 41u);  // 1,048,576 / 25,600 = 40.96
}

}  // namespace
}  // namespace tk::kinesis
