// Tests the byte-bounded queue: all-or-nothing pushes, bytes held until released, retries at
// the front in order, packing to the request limits, and the sender's wait.
#include "pipeline/record_queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <vector>

#include "kinesis/limits.h"
#include "support/manual_clock.h"

namespace tk::pipeline {
namespace {

using std::chrono::milliseconds;
using tk::testing::ManualClock;

// A record of exactly `bytes` (partition key "k" included), tagged in its data.
kinesis::Record RecordOf(size_t bytes, char tag = 'x') {
  return kinesis::Record{.partition_key = "k", .data = std::string(bytes - 1, tag), .attempts = 0};
}

kinesis::Record Named(const std::string& name) {
  return kinesis::Record{.partition_key = "k", .data = name, .attempts = 0};
}

// Runs WaitForWork (never woken by its predicate) on another thread; the future gives the clock's
// time when it returned.
std::future<SteadyClock::time_point> WaitForWorkAside(RecordQueue& queue, const ManualClock& clock,
                                                      milliseconds max_age,
                                                      SteadyClock::time_point deadline) {
  return std::async(std::launch::async, [&queue, &clock, max_age, deadline] {
    queue.WaitForWork(max_age, deadline, [](bool) { return false; });
    return clock.SteadyNow();
  });
}

std::vector<std::string> DataOf(const kinesis::PutRecordsBatch& batch) {
  std::vector<std::string> data;
  for (const kinesis::Record& record : batch.records()) data.push_back(record.data);
  return data;
}

TEST(RecordQueueTest, TakesABatchThatFitsAndCountsItsBytes) {
  RecordQueue queue(100);
  std::vector<kinesis::Record> records = {RecordOf(30), RecordOf(20)};
  EXPECT_TRUE(queue.PushAll(records, SteadyClock::now()));
  EXPECT_TRUE(records.empty());
  EXPECT_EQ(queue.held_bytes(), 50u);
  EXPECT_EQ(queue.queued_records(), 2u);
  EXPECT_FALSE(queue.empty());
}

TEST(RecordQueueTest, RefusesABatchThatDoesNotFitWholeAndTakesNothingOfIt) {
  RecordQueue queue(100);
  std::vector<kinesis::Record> first = {RecordOf(60)};
  ASSERT_TRUE(queue.PushAll(first, SteadyClock::now()));

  std::vector<kinesis::Record> second = {RecordOf(30, 'a'), RecordOf(11, 'b')};  // 41 > 40 left
  EXPECT_FALSE(queue.PushAll(second, SteadyClock::now()));
  ASSERT_EQ(second.size(), 2u);  // the caller still has the records, intact
  EXPECT_EQ(second[0].data, std::string(29, 'a'));
  EXPECT_EQ(second[1].data, std::string(10, 'b'));
  EXPECT_EQ(queue.queued_records(), 1u);
  EXPECT_EQ(queue.held_bytes(), 60u);

  std::vector<kinesis::Record> exact = {RecordOf(40)};  // exactly the room left
  EXPECT_TRUE(queue.PushAll(exact, SteadyClock::now()));
  EXPECT_EQ(queue.held_bytes(), 100u);
}

TEST(RecordQueueTest, HoldsBytesOfTakenRecordsUntilReleased) {
  RecordQueue queue(100);
  std::vector<kinesis::Record> records = {RecordOf(70)};
  ASSERT_TRUE(queue.PushAll(records, SteadyClock::now()));

  kinesis::PutRecordsBatch batch;
  EXPECT_EQ(queue.PopInto(batch), 0u);
  EXPECT_EQ(batch.size(), 1u);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.held_bytes(), 70u);  // in flight still counts

  std::vector<kinesis::Record> more = {RecordOf(40)};
  EXPECT_FALSE(queue.PushAll(more, SteadyClock::now()));

  queue.Release(batch.bytes());
  EXPECT_EQ(queue.held_bytes(), 0u);
  EXPECT_TRUE(queue.PushAll(more, SteadyClock::now()));
}

TEST(RecordQueueTest, NeverReleasesBelowZero) {
  RecordQueue queue(100);
  std::vector<kinesis::Record> records = {RecordOf(10)};
  ASSERT_TRUE(queue.PushAll(records, SteadyClock::now()));
  queue.Release(1000);
  EXPECT_EQ(queue.held_bytes(), 0u);
}

TEST(RecordQueueTest, PutsRetriesAtTheFrontInTheirOriginalOrder) {
  RecordQueue queue(1000);
  std::vector<kinesis::Record> records = {Named("a"), Named("b"), Named("c")};
  ASSERT_TRUE(queue.PushAll(records, SteadyClock::now()));
  kinesis::PutRecordsBatch sent;
  queue.PopInto(sent);
  std::vector<kinesis::Record> later = {Named("d"), Named("e")};
  ASSERT_TRUE(queue.PushAll(later, SteadyClock::now()));
  const size_t held_before_retry = queue.held_bytes();

  std::vector<kinesis::Record> failed = {Named("a"), Named("c")};
  queue.PushFrontForRetry(std::move(failed), SteadyClock::now());
  EXPECT_EQ(queue.held_bytes(), held_before_retry);  // already held: not counted twice

  kinesis::PutRecordsBatch next;
  queue.PopInto(next);
  EXPECT_THAT(DataOf(next), ::testing::ElementsAre("a", "c", "d", "e"));
}

TEST(RecordQueueTest, PacksAtMostFiveHundredRecordsPerRequest) {
  RecordQueue queue(10 * kinesis::kMiB);
  std::vector<kinesis::Record> records;
  for (int i = 0; i < 1200; ++i) records.push_back(Named(std::to_string(i)));
  ASSERT_TRUE(queue.PushAll(records, SteadyClock::now()));

  for (size_t expected : {500u, 500u, 200u}) {
    kinesis::PutRecordsBatch batch;
    EXPECT_EQ(queue.PopInto(batch), 0u);
    EXPECT_EQ(batch.size(), expected);
  }
  EXPECT_TRUE(queue.empty());
}

TEST(RecordQueueTest, PacksAtMostFiveMebibytesPerRequest) {
  RecordQueue queue(10 * kinesis::kMiB);
  std::vector<kinesis::Record> records;
  for (int i = 0; i < 6; ++i) records.push_back(RecordOf(1'000'000));
  ASSERT_TRUE(queue.PushAll(records, SteadyClock::now()));
  kinesis::PutRecordsBatch first;
  queue.PopInto(first);
  EXPECT_EQ(first.size(), 5u);
  EXPECT_LE(first.bytes(), kinesis::kDefaultMaxRequestBytes);
  kinesis::PutRecordsBatch second;
  queue.PopInto(second);
  EXPECT_EQ(second.size(), 1u);
}

TEST(RecordQueueTest, PacksTo10MiBRequestsAndCarriesA5MiBRecordWhenTheStreamAllowsIt) {
  const kinesis::Limits limits = kinesis::LimitsForStream(10 * kinesis::kMiB);
  RecordQueue queue(32 * kinesis::kMiB, limits);
  EXPECT_EQ(queue.limits(), limits);
  std::vector<kinesis::Record> records = {RecordOf(5 * kinesis::kMiB), RecordOf(5 * kinesis::kMiB),
                                          RecordOf(5 * kinesis::kMiB)};
  ASSERT_TRUE(queue.PushAll(records, SteadyClock::now()));
  kinesis::PutRecordsBatch first(queue.limits());
  EXPECT_EQ(queue.PopInto(first), 0u);
  EXPECT_EQ(first.size(), 2u);
  EXPECT_EQ(first.bytes(), kinesis::kLargeRecordsMaxRequestBytes);
  kinesis::PutRecordsBatch second(queue.limits());
  EXPECT_EQ(queue.PopInto(second), 0u);
  EXPECT_EQ(second.size(), 1u);
}

TEST(RecordQueueTest, DiscardsA5MiBRecordOnTheDefaultStream) {
  RecordQueue queue(32 * kinesis::kMiB);
  std::vector<kinesis::Record> records = {RecordOf(5 * kinesis::kMiB), Named("b")};
  ASSERT_TRUE(queue.PushAll(records, SteadyClock::now()));
  kinesis::PutRecordsBatch batch(queue.limits());
  EXPECT_EQ(queue.PopInto(batch), 1u);
  EXPECT_THAT(DataOf(batch), ::testing::ElementsAre("b"));
}

TEST(RecordQueueTest, AFullRequestIsMeasuredByTheStreamsRequestLimit) {
  // 6 MiB queued: a full request for a 1 MiB stream (5 MiB), not for a large-record one (10 MiB).
  for (const bool large : {false, true}) {
    ManualClock clock;
    RecordQueue queue(32 * kinesis::kMiB,
                      large ? kinesis::LimitsForStream(10 * kinesis::kMiB) : kinesis::Limits{},
                      clock);
    std::vector<kinesis::Record> records(6, RecordOf(kinesis::kMiB));
    ASSERT_TRUE(queue.PushAll(records, clock.SteadyNow()));
    const auto deadline = clock.SteadyNow() + milliseconds(200);
    if (large) {
      auto returned_at = WaitForWorkAside(queue, clock, milliseconds(10'000), deadline);
      ASSERT_TRUE(clock.AwaitWaiterUntil(deadline)) << "6 MiB is not a full 10 MiB request";
      clock.Advance(milliseconds(200));
      EXPECT_EQ(returned_at.get(), deadline);
    } else {
      queue.WaitForWork(milliseconds(10'000), deadline, [](bool) { return false; });
      EXPECT_EQ(clock.blocked_waits(), 0u) << "6 MiB is a full 5 MiB request";
    }
  }
}

TEST(RecordQueueTest, DiscardsAndCountsARecordNoRequestCanCarry) {
  RecordQueue queue(1000);
  std::vector<kinesis::Record> records = {
      Named("a"), {.partition_key = "", .data = "keyless", .attempts = 0}, Named("b")};
  ASSERT_TRUE(queue.PushAll(records, SteadyClock::now()));
  kinesis::PutRecordsBatch batch;
  EXPECT_EQ(queue.PopInto(batch), 1u);
  EXPECT_THAT(DataOf(batch), ::testing::ElementsAre("a", "b"));
  EXPECT_EQ(queue.held_bytes(), batch.bytes());  // the discarded record's bytes are released
}

TEST(RecordQueueTest, DiscardsARecordLargerThanAnyRequestInsteadOfBlockingTheQueue) {
  RecordQueue queue(10 * kinesis::kMiB);
  std::vector<kinesis::Record> records = {RecordOf(kinesis::kDefaultMaxRequestBytes + 1),
                                          Named("b")};
  ASSERT_TRUE(queue.PushAll(records, SteadyClock::now()));
  kinesis::PutRecordsBatch batch;
  EXPECT_EQ(queue.PopInto(batch), 1u);
  EXPECT_THAT(DataOf(batch), ::testing::ElementsAre("b"));
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.held_bytes(), batch.bytes());
}

TEST(RecordQueueTest, WaitForWorkReturnsAtTheDeadlineWhenNothingIsQueued) {
  ManualClock clock;
  RecordQueue queue(1000, {}, clock);
  const auto deadline = clock.SteadyNow() + milliseconds(20);
  auto returned_at = WaitForWorkAside(queue, clock, milliseconds(10'000), deadline);
  ASSERT_TRUE(clock.AwaitWaiterUntil(deadline));
  clock.Advance(milliseconds(19));
  EXPECT_EQ(returned_at.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  clock.Advance(milliseconds(1));
  EXPECT_EQ(returned_at.get(), deadline);
}

TEST(RecordQueueTest, WaitForWorkReturnsWhenTheOldestRecordReachesTheBatchAge) {
  ManualClock clock;
  RecordQueue queue(1000, {}, clock);
  std::vector<kinesis::Record> records = {Named("first")};
  const auto pushed_at = clock.SteadyNow();
  ASSERT_TRUE(queue.PushAll(records, pushed_at));
  clock.Advance(milliseconds(30));
  std::vector<kinesis::Record> later = {Named("second")};
  ASSERT_TRUE(queue.PushAll(later, clock.SteadyNow()));
  const auto far = clock.SteadyNow() + std::chrono::hours(1);
  auto returned_at = WaitForWorkAside(queue, clock, milliseconds(100), far);
  // Due by the first record's age, not the second's.
  ASSERT_TRUE(clock.AwaitWaiterUntil(pushed_at + milliseconds(100)));
  clock.Advance(milliseconds(70));
  EXPECT_EQ(returned_at.get(), pushed_at + milliseconds(100));
}

TEST(RecordQueueTest, WaitForWorkReturnsAtOnceForAFullRequestOrAnOldRecord) {
  {
    ManualClock clock;
    RecordQueue queue(10 * kinesis::kMiB, {}, clock);
    std::vector<kinesis::Record> records(kinesis::kMaxRecordsPerRequest, Named("r"));
    ASSERT_TRUE(queue.PushAll(records, clock.SteadyNow()));
    queue.WaitForWork(milliseconds(10'000), clock.SteadyNow() + std::chrono::hours(1),
                      [](bool) { return false; });
    EXPECT_EQ(clock.blocked_waits(), 0u);
  }
  {
    ManualClock clock;
    RecordQueue queue(1000, {}, clock);
    std::vector<kinesis::Record> records = {Named("old")};
    ASSERT_TRUE(queue.PushAll(records, clock.SteadyNow() - milliseconds(500)));
    queue.WaitForWork(milliseconds(100), clock.SteadyNow() + std::chrono::hours(1),
                      [](bool) { return false; });
    EXPECT_EQ(clock.blocked_waits(), 0u);
  }
}

TEST(RecordQueueTest, WaitForWorkWakesOnNotifyWhenThePredicateTurnsTrue) {
  ManualClock clock;
  RecordQueue queue(1000, {}, clock);
  std::atomic<bool> wake{false};
  const auto start = clock.SteadyNow();
  auto returned_at = std::async(std::launch::async, [&] {
    queue.WaitForWork(milliseconds(10'000), start + std::chrono::seconds(10),
                      [&](bool) { return wake.load(); });
    return clock.SteadyNow();
  });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  wake = true;
  queue.Notify();
  EXPECT_EQ(returned_at.get(), start);  // woken without any time passing
}

// Pops at most `room` records (a batch already holding the rest of a request's 500 records) and
// checks that they are the next ones in arrival order.
void PopInOrder(RecordQueue& queue, size_t room, size_t& next_out) {
  kinesis::PutRecordsBatch batch;
  const size_t filler = kinesis::kMaxRecordsPerRequest - room;
  for (size_t i = 0; i < filler; ++i) {
    ASSERT_TRUE(batch.Add({.partition_key = "k", .data = "filler", .attempts = 0}));
  }
  queue.PopInto(batch);
  for (size_t i = filler; i < batch.size(); ++i) {
    ASSERT_EQ(batch.records()[i].data, std::to_string(next_out++));
  }
}

TEST(RecordQueueTest, KeepsArrivalOrderWhileItsRingWrapsAroundAndGrows) {
  RecordQueue queue(kinesis::kMiB);
  size_t next_in = 0;
  size_t next_out = 0;
  // Each round pushes 30 and pops 25: the ring wraps many times and grows as the backlog does.
  for (int round = 0; round < 40; ++round) {
    std::vector<kinesis::Record> records;
    for (int i = 0; i < 30; ++i) {
      records.push_back({.partition_key = "k", .data = std::to_string(next_in++), .attempts = 0});
    }
    ASSERT_TRUE(queue.PushAll(records, SteadyClock::now()));
    PopInOrder(queue, 25, next_out);
  }
  EXPECT_EQ(queue.queued_records(), next_in - next_out);
  while (!queue.empty()) PopInOrder(queue, 100, next_out);
  EXPECT_EQ(next_out, next_in);
}

TEST(RecordQueueTest, PutsRetriesBackInFrontOfEverythingAfterTheRingHasWrapped) {
  RecordQueue queue(kinesis::kMiB);
  for (int round = 0; round < 5; ++round) {  // move the ring's head away from slot 0
    std::vector<kinesis::Record> records(100, {.partition_key = "k", .data = "x", .attempts = 0});
    ASSERT_TRUE(queue.PushAll(records, SteadyClock::now()));
    kinesis::PutRecordsBatch batch;
    queue.PopInto(batch);
    queue.Release(batch.bytes());
  }
  std::vector<kinesis::Record> newer = {{.partition_key = "k", .data = "new", .attempts = 0}};
  ASSERT_TRUE(queue.PushAll(newer, SteadyClock::now()));
  std::vector<kinesis::Record> retries = {{.partition_key = "k", .data = "retry-1", .attempts = 1},
                                          {.partition_key = "k", .data = "retry-2", .attempts = 1}};
  queue.PushFrontForRetry(std::move(retries), SteadyClock::now());
  kinesis::PutRecordsBatch batch;
  queue.PopInto(batch);
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch.records()[0].data, "retry-1");
  EXPECT_EQ(batch.records()[1].data, "retry-2");
  EXPECT_EQ(batch.records()[2].data, "new");
}

}  // namespace
}  // namespace tk::pipeline
