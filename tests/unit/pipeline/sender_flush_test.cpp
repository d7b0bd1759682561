// Tests the sender's flush before /next (FlushAndWait): it sends a partial request at once and
// returns when everything held is delivered, or at its deadline when Kinesis does not take it.
// Time is a ManualClock's: the deadline passes when the test moves it, not after a real wait.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "kinesis/limits.h"
#include "pipeline/sender.h"
#include "support/fake_put_records.h"
#include "support/manual_clock.h"

namespace tk::pipeline {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using tk::testing::FakePutRecords;

class SenderFlushTest : public ::testing::Test {
 protected:
  explicit SenderFlushTest(kinesis::PutRecordsOutcome otherwise = tk::testing::Delivered())
      : kinesis_(std::move(otherwise), clock_) {}

  void StartSender() {
    SenderOptions options;
    options.max_batch_age = seconds(60);  // only a flush sends a partial request
    options.backoff_base = milliseconds(10);
    options.backoff_cap = milliseconds(50);
    sender_ = std::make_unique<Sender>(queue_, kinesis_.AsFunction(), stats_, options,
                                       [] { return 0.0; });
    sender_->Start();
  }

  void Push(size_t count) {
    std::vector<kinesis::Record> records;
    for (size_t i = 0; i < count; ++i) {
      records.push_back({.partition_key = "sandbox", .data = "r" + std::to_string(i)});
    }
    ASSERT_TRUE(queue_.PushAll(records, clock_.SteadyNow()));
  }

  tk::testing::ManualClock clock_;  // first: it outlives the sender
  RecordQueue queue_{8 * kinesis::kMiB, {}, clock_};
  DeliveryStats stats_;
  FakePutRecords kinesis_;
  std::unique_ptr<Sender> sender_;
};

TEST_F(SenderFlushTest, FlushAndWaitReturnsOnceAPartialRequestIsDelivered) {
  StartSender();
  Push(3);
  const auto start = clock_.SteadyNow();
  EXPECT_TRUE(sender_->FlushAndWait(start + seconds(30)));
  EXPECT_EQ(clock_.SteadyNow(), start);  // no time had to pass
  EXPECT_EQ(stats_.records_delivered.load(), 3u);
  EXPECT_EQ(queue_.held_bytes(), 0u);
}

TEST_F(SenderFlushTest, FlushAndWaitWithNothingHeldReturnsAtOnce) {
  StartSender();
  const auto start = clock_.SteadyNow();
  EXPECT_TRUE(sender_->FlushAndWait(start + seconds(30)));
  EXPECT_EQ(clock_.SteadyNow(), start);
  EXPECT_EQ(kinesis_.requests().size(), 0u);
}

class FailingSenderFlushTest : public SenderFlushTest {
 protected:
  FailingSenderFlushTest() : SenderFlushTest(tk::testing::Throttled()) {}
};

TEST_F(FailingSenderFlushTest, FlushAndWaitGivesUpAtItsDeadlineAndKeepsTheRecords) {
  StartSender();
  Push(2);
  const auto deadline = clock_.SteadyNow() + milliseconds(150);
  auto flushed = std::async(std::launch::async, [&] {
    const bool delivered = sender_->FlushAndWait(deadline);
    return std::make_pair(delivered, clock_.SteadyNow());
  });
  // The flush and the sender's backoffs (5, 10, 20, 25 ms...) wait; time passes until the flush
  // returns.
  const auto [delivered, returned_at] = clock_.RunUntilReady(flushed, 2);
  EXPECT_FALSE(delivered);
  EXPECT_EQ(returned_at, deadline);
  EXPECT_GE(kinesis_.request_count(), 5u);  // it kept retrying meanwhile
  // Nothing is lost: the records are still held, to be retried in the background.
  EXPECT_GT(queue_.held_bytes(), 0u);
  EXPECT_EQ(sender_->DrainAndStop(clock_.SteadyNow()), 2u);
}

}  // namespace
}  // namespace tk::pipeline
