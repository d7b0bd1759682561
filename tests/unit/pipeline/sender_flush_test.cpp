// Tests the sender's flush before /next (FlushAndWait): it sends a partial request at once and
// returns when everything held is delivered, or at its deadline when Kinesis does not take it.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "kinesis/limits.h"
#include "pipeline/sender.h"
#include "support/fake_put_records.h"

namespace tk::pipeline {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using tk::testing::FakePutRecords;

// Generous bound for "at once" on a loaded 2-core machine or under sanitizers.
constexpr milliseconds kSoon{1'000};

class SenderFlushTest : public ::testing::Test {
 protected:
  explicit SenderFlushTest(kinesis::PutRecordsOutcome otherwise = tk::testing::Delivered())
      : kinesis_(std::move(otherwise)) {}

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
    ASSERT_TRUE(queue_.PushAll(records, SteadyClock::now()));
  }

  RecordQueue queue_{8 * kinesis::kMiB};
  DeliveryStats stats_;
  FakePutRecords kinesis_;
  std::unique_ptr<Sender> sender_;
};

TEST_F(SenderFlushTest, FlushAndWaitReturnsOnceAPartialRequestIsDelivered) {
  StartSender();
  Push(3);
  const auto start = SteadyClock::now();
  EXPECT_TRUE(sender_->FlushAndWait(start + seconds(30)));
  EXPECT_LT(SteadyClock::now() - start, kSoon);
  EXPECT_EQ(stats_.records_delivered.load(), 3u);
  EXPECT_EQ(queue_.held_bytes(), 0u);
}

TEST_F(SenderFlushTest, FlushAndWaitWithNothingHeldReturnsAtOnce) {
  StartSender();
  const auto start = SteadyClock::now();
  EXPECT_TRUE(sender_->FlushAndWait(start + seconds(30)));
  EXPECT_LT(SteadyClock::now() - start, kSoon);
  EXPECT_EQ(kinesis_.requests().size(), 0u);
}

class FailingSenderFlushTest : public SenderFlushTest {
 protected:
  FailingSenderFlushTest() : SenderFlushTest(tk::testing::Throttled()) {}
};

TEST_F(FailingSenderFlushTest, FlushAndWaitGivesUpAtItsDeadlineAndKeepsTheRecords) {
  StartSender();
  Push(2);
  const auto start = SteadyClock::now();
  EXPECT_FALSE(sender_->FlushAndWait(start + milliseconds(150)));
  const auto waited = SteadyClock::now() - start;
  EXPECT_GE(waited, milliseconds(150));
  EXPECT_LT(waited, milliseconds(150) + kSoon);
  // Nothing is lost: the records are still held, to be retried in the background.
  EXPECT_GT(queue_.held_bytes(), 0u);
  EXPECT_EQ(sender_->DrainAndStop(SteadyClock::now()), 2u);
}

}  // namespace
}  // namespace tk::pipeline
