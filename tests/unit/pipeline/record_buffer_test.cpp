// RecordBuffer: memory first, the spool past the budget, replay oldest first and within budget.
#include "pipeline/record_buffer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "support/test_directory.h"

#include "kinesis/put_records_batch.h"

namespace tk::pipeline {
namespace {

namespace fs = std::filesystem;

constexpr size_t kBudget = 10000;

kinesis::Record MakeRecord(int number, size_t data_bytes) {
  kinesis::Record record;
  record.partition_key = "k";
  record.data = std::to_string(number) + ":" + std::string(data_bytes, '.');
  return record;
}

int NumberOf(const kinesis::Record& record) {
  return std::stoi(record.data.substr(0, record.data.find(':')));
}

class RecordBufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = tk::testing::FreshTestDirectory("tk-record-buffer-test");
    // Half the budget per segment, as the pipeline configures it (delivery_pipeline.cpp).
    auto spool = Spool::Open({directory_.string(), 1 << 20, kBudget / 2});
    ASSERT_TRUE(spool.ok());
    spool_ = std::move(spool).value();
  }
  void TearDown() override { fs::remove_all(directory_); }

  // Takes a small request (so memory stays part full, as under a slow stream), gives its budget
  // back as a delivery does; returns the records' numbers.
  std::vector<int> Deliver() {
    kinesis::PutRecordsBatch batch(queue_.limits());
    queue_.PopInto(batch, /*max_records=*/3);
    std::vector<int> numbers;
    size_t bytes = 0;
    for (const kinesis::Record& record : batch.records()) {
      numbers.push_back(NumberOf(record));
      bytes += record.Size();
    }
    queue_.Release(bytes);
    return numbers;
  }

  fs::path directory_;
  RecordQueue queue_{kBudget};
  DeliveryStats stats_;
  std::unique_ptr<Spool> spool_;
};

// The overshoot seen under ASan (1,052,826 bytes held against 1,048,576): a spooled POST of many
// records filled a segment past its size, and the replay let the whole segment in. Now every
// replay fits the room left, whatever the POSTs looked like.
TEST_F(RecordBufferTest, ReplaysTheSpoolInOrderWithoutEverHoldingMoreThanTheBudget) {
  RecordBuffer buffer(queue_, spool_.get(), stats_);
  int next = 0;
  // POSTs of 1 to 7 records of ~900 bytes, and every fifth one of 13 (more than the whole
  // budget): some fit memory, the rest spool.
  for (int post = 0; post < 30; ++post) {
    std::vector<kinesis::Record> records;
    const int count = post % 5 == 4 ? 13 : 1 + post % 7;
    for (int i = 0; i < count; ++i) records.push_back(MakeRecord(next++, 900));
    ASSERT_NE(buffer.Accept(records), AcceptResult::kDropped);
    ASSERT_LE(queue_.held_bytes(), kBudget);
  }
  ASSERT_FALSE(buffer.spool_empty());
  std::vector<int> delivered;
  for (int round = 0; round < 1000 && (!queue_.empty() || !buffer.spool_empty()); ++round) {
    buffer.Refill();
    ASSERT_LE(queue_.held_bytes(), kBudget) << "after a refill, round " << round;
    for (int number : Deliver()) delivered.push_back(number);
  }
  ASSERT_EQ(delivered.size(), static_cast<size_t>(next));
  for (int i = 0; i < next; ++i) ASSERT_EQ(delivered[i], i) << "oldest first";
  EXPECT_GT(stats_.records_replayed_from_spool.load(), 0u);
}

// A segment bigger than the whole budget (left by a process configured with a bigger one) must
// still drain: into an empty queue, alone.
TEST_F(RecordBufferTest, ASegmentBiggerThanTheBudgetStillDrainsIntoAnEmptyQueue) {
  {
    auto earlier = Spool::Open({directory_.string(), 1 << 20, 4 * kBudget});
    ASSERT_TRUE(earlier.ok());
    std::vector<kinesis::Record> records;
    for (int i = 0; i < 15; ++i) records.push_back(MakeRecord(i, 1000));
    ASSERT_EQ(earlier.value()->Append(records), SpoolAppendResult::kAppended);
  }
  auto reopened = Spool::Open({directory_.string(), 1 << 20, kBudget / 2});
  ASSERT_TRUE(reopened.ok());
  spool_ = std::move(reopened).value();
  ASSERT_GT(spool_->oldest_segment_bytes(), kBudget);
  RecordBuffer buffer(queue_, spool_.get(), stats_);
  EXPECT_TRUE(buffer.Refill());
  EXPECT_TRUE(buffer.spool_empty());
  EXPECT_EQ(queue_.queued_records(), 15u);
}

}  // namespace
}  // namespace tk::pipeline
