// Tests the sender thread against a scripted PutRecords: partial-failure resends, whole-request
// retries with backoff, permanent drops, flush triggers, the shutdown drain, and that every
// record is accounted for (received == delivered + dropped + unsent).
#include "pipeline/sender.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kinesis/limits.h"
#include "support/fake_put_records.h"
#include "support/manual_clock.h"

namespace tk::pipeline {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using tk::testing::FakePutRecords;
using tk::testing::ManualClock;
using tk::testing::SentRequest;

// Generous bound for "soon" on a loaded 2-core machine or under sanitizers.
constexpr milliseconds kSoon{1'000};

SenderOptions Options(milliseconds max_batch_age, milliseconds backoff_base = milliseconds(2),
                      milliseconds backoff_cap = milliseconds(8)) {
  SenderOptions options;
  options.max_batch_age = max_batch_age;
  options.request_timeout = milliseconds(10'000);
  options.backoff_base = backoff_base;
  options.backoff_cap = backoff_cap;
  options.hold_backoff_base = backoff_base;
  options.hold_backoff_cap = backoff_cap;
  return options;
}

std::vector<std::string> Names(const std::string& prefix, size_t count) {
  std::vector<std::string> names;
  for (size_t i = 0; i < count; ++i) names.push_back(prefix + std::to_string(i));
  return names;
}

// The queue, stats and fake Kinesis around one sender; the sender is destroyed first.
class SenderTest : public ::testing::Test {
 protected:
  explicit SenderTest(kinesis::PutRecordsOutcome otherwise = tk::testing::Delivered(),
                      const Clock& clock = SystemClock())
      : clock_(clock),
        queue_(64 * kinesis::kMiB, {}, clock),
        kinesis_(std::move(otherwise), clock) {}

  void StartSender(SenderOptions options) {
    // uniform01 == 0: every backoff is exactly half its exponential window.
    sender_ = std::make_unique<Sender>(queue_, kinesis_.AsFunction(), stats_, options,
                                       [] { return 0.0; });
    sender_->Start();
  }

  void Push(const std::vector<std::string>& names) {
    std::vector<kinesis::Record> records;
    for (const std::string& name : names) {
      records.push_back({.partition_key = "sandbox", .data = name, .attempts = 0});
    }
    ASSERT_TRUE(queue_.PushAll(records, clock_.SteadyNow()));
    received_ += names.size();
  }

  void ExpectEveryRecordAccountedFor() {
    EXPECT_EQ(received_, stats_.records_delivered.load() + stats_.records_dropped_invalid.load() +
                             stats_.records_unsent_at_shutdown.load());
  }

  const Clock& clock_;
  RecordQueue queue_;
  DeliveryStats stats_;
  FakePutRecords kinesis_;
  std::unique_ptr<Sender> sender_;
  uint64_t received_ = 0;
};

// The sender on a ManualClock: a test moves time itself, and sees the sender blocked in a wait by
// its deadline instead of sleeping.
struct ManualTime {
  ManualClock manual_clock;  // a base, so it outlives the sender
};

class ManualTimeSenderTest : protected ManualTime, public SenderTest {
 protected:
  explicit ManualTimeSenderTest(kinesis::PutRecordsOutcome otherwise = tk::testing::Delivered())
      : SenderTest(std::move(otherwise), manual_clock) {}

  SteadyClock::time_point Now() const { return manual_clock.SteadyNow(); }

  // Once the sender waits until exactly `deadline` (a batch age, a backoff), moves time there.
  void AdvanceToWait(SteadyClock::time_point deadline) {
    ASSERT_TRUE(manual_clock.AwaitWaiterUntil(deadline)) << "the sender is not waiting for it";
    manual_clock.AdvanceTo(deadline);
  }

  // DrainAndStop on another thread, time passing whenever it and the sender both wait for it.
  // Returns the unsent events; `returned_at`: the clock's time when the drain returned.
  uint64_t DrainLettingTimePass(SteadyClock::time_point deadline,
                                SteadyClock::time_point* returned_at = nullptr) {
    auto drained = std::async(std::launch::async, [this, deadline] {
      const uint64_t unsent = sender_->DrainAndStop(deadline);
      return std::make_pair(unsent, Now());
    });
    const auto [unsent, at] = manual_clock.RunUntilReady(drained, 2);
    if (returned_at != nullptr) *returned_at = at;
    return unsent;
  }
};

class FailingManualTimeSenderTest : public ManualTimeSenderTest {
 protected:
  FailingManualTimeSenderTest() : ManualTimeSenderTest(tk::testing::Throttled()) {}
};

TEST_F(SenderTest, RetriesOnlyFailedRecordsAfterPartialFailure) {
  kinesis_.Script(tk::testing::PartiallyFailed({1, 3}));
  Push(Names("r", 5));
  StartSender(Options(milliseconds(1)));

  ASSERT_TRUE(kinesis_.WaitForRequests(2, kSoon));
  const std::vector<SentRequest> requests = kinesis_.requests();
  EXPECT_THAT(requests[0].data, ElementsAreArray(Names("r", 5)));
  EXPECT_THAT(requests[1].data, ElementsAre("r1", "r3"));
  EXPECT_THAT(requests[1].attempts, ElementsAre(1u, 1u));

  EXPECT_EQ(sender_->DrainAndStop(SteadyClock::now() + seconds(5)), 0u);
  EXPECT_EQ(kinesis_.request_count(), 2u);
  EXPECT_EQ(stats_.records_delivered.load(), 5u);
  EXPECT_EQ(stats_.records_retried.load(), 2u);
  EXPECT_EQ(stats_.requests_sent.load(), 2u);
  EXPECT_EQ(stats_.requests_failed.load(), 0u);
  EXPECT_EQ(queue_.held_bytes(), 0u);
  ExpectEveryRecordAccountedFor();
}

TEST_F(SenderTest, CountsEventsOfPackedRecordsAndTheRecordsAndUnitsPut) {
  kinesis_.Script(tk::testing::PartiallyFailed({1}));
  std::vector<kinesis::Record> records;
  for (uint32_t events : {10u, 20u, 30u}) {
    records.push_back({.partition_key = "sandbox",
                       .data = std::string(30 * 1024, 'x'),  // two payload units each
                       .attempts = 0,
                       .events = events});
  }
  ASSERT_TRUE(queue_.PushAll(records, SteadyClock::now()));
  StartSender(Options(milliseconds(1)));

  ASSERT_TRUE(kinesis_.WaitForRequests(2, kSoon));
  EXPECT_EQ(sender_->DrainAndStop(SteadyClock::now() + seconds(5)), 0u);
  EXPECT_EQ(stats_.records_delivered.load(), 60u) << "delivered counts events";
  EXPECT_EQ(stats_.records_retried.load(), 20u);
  EXPECT_EQ(stats_.records_put.load(), 3u);
  EXPECT_EQ(stats_.put_payload_units.load(), 6u);
}

TEST_F(SenderTest, CountsUnsentEventsOfPackedRecordsAtShutdown) {
  StartSender(Options(seconds(10)));
  std::vector<kinesis::Record> records;
  records.push_back({.partition_key = "sandbox", .data = "x", .attempts = 0, .events = 7});
  ASSERT_TRUE(queue_.PushAll(records, SteadyClock::now()));
  // The deadline has passed: nothing can be sent, the record's 7 events are unsent.
  EXPECT_EQ(sender_->DrainAndStop(SteadyClock::now()), 7u);
  EXPECT_EQ(stats_.records_unsent_at_shutdown.load(), 7u);
}

TEST_F(ManualTimeSenderTest, ResendsTheWholeRequestWithBackoffAfterARetryableFailure) {
  kinesis_.Script(tk::testing::Throttled());
  kinesis_.Script(tk::testing::Throttled());
  Push(Names("r", 3));
  const auto pushed_at = Now();
  // Backoff windows 40 ms then 80 ms; with uniform01 == 0 the waits are 20 ms and 40 ms.
  StartSender(Options(milliseconds(1), milliseconds(40), milliseconds(1'000)));
  AdvanceToWait(pushed_at + milliseconds(1));  // the batch age
  ASSERT_TRUE(kinesis_.WaitForRequests(1, kSoon));
  AdvanceToWait(pushed_at + milliseconds(21));
  ASSERT_TRUE(kinesis_.WaitForRequests(2, kSoon));
  AdvanceToWait(pushed_at + milliseconds(61));
  ASSERT_TRUE(kinesis_.WaitForRequests(3, kSoon));

  const std::vector<SentRequest> requests = kinesis_.requests();
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_THAT(requests[i].data, ElementsAre("r0", "r1", "r2")) << "request " << i;
    EXPECT_THAT(requests[i].attempts, ::testing::Each(static_cast<uint32_t>(i))) << i;
  }
  EXPECT_EQ(requests[1].sent_at - requests[0].sent_at, milliseconds(20));
  EXPECT_EQ(requests[2].sent_at - requests[1].sent_at, milliseconds(40));

  EXPECT_EQ(sender_->DrainAndStop(Now() + seconds(5)), 0u);
  EXPECT_EQ(stats_.requests_failed.load(), 2u);
  EXPECT_EQ(stats_.records_retried.load(), 6u);
  EXPECT_EQ(stats_.records_delivered.load(), 3u);
  EXPECT_EQ(queue_.held_bytes(), 0u);
  ExpectEveryRecordAccountedFor();
}

TEST_F(SenderTest, HoldsRecordsOnADeploymentErrorAndDeliversThemOnceItIsFixed) {
  // The stream does not exist for three attempts (created after the function), then does.
  kinesis_.Script(tk::testing::NotFound());
  kinesis_.Script(tk::testing::NotFound());
  kinesis_.Script(tk::testing::NotFound());
  Push(Names("a", 3));
  StartSender(Options(milliseconds(1)));
  ASSERT_TRUE(kinesis_.WaitForRequests(4, kSoon));

  EXPECT_EQ(sender_->DrainAndStop(SteadyClock::now() + seconds(5)), 0u);
  EXPECT_THAT(kinesis_.requests()[3].data, ElementsAre("a0", "a1", "a2"));
  EXPECT_EQ(stats_.records_dropped_invalid.load(), 0u);  // nothing is dropped while held
  EXPECT_EQ(stats_.requests_held.load(), 3u);
  EXPECT_EQ(stats_.records_delivered.load(), 3u);
  EXPECT_EQ(queue_.held_bytes(), 0u);
  ExpectEveryRecordAccountedFor();
}

TEST_F(ManualTimeSenderTest, AFlushBeforeNextDoesNotWaitForHeldRecords) {
  kinesis_.AnswerOtherwise(tk::testing::NotFound());
  Push(Names("a", 3));
  StartSender(Options(milliseconds(1), seconds(10), seconds(10)));
  AdvanceToWait(Now() + milliseconds(1));
  ASSERT_TRUE(kinesis_.WaitForRequests(1, kSoon));
  const auto started = Now();
  EXPECT_FALSE(sender_->FlushAndWait(started + seconds(5)));
  EXPECT_EQ(Now(), started);  // returned without spending any of the budget
  sender_->DrainAndStop(Now());
}

TEST_F(SenderTest, IsolatesAnInvalidRecordByHalvingAndDropsOnlyThatRecord) {
  // Kinesis refuses every request that contains "bad" (a record over the stream's limit).
  kinesis_.RefuseRequestsContaining("bad", tk::testing::Invalid());
  Push({"a0", "a1", "a2", "bad", "a4", "a5", "a6", "a7"});
  StartSender(Options(milliseconds(1)));

  EXPECT_EQ(sender_->DrainAndStop(SteadyClock::now() + seconds(5)), 0u);
  EXPECT_EQ(stats_.records_dropped_invalid.load(), 1u);
  EXPECT_EQ(stats_.records_delivered.load(), 7u);
  // 8 refused -> 4 refused -> 2 delivered, 2 refused -> "a2" delivered, "bad" dropped -> the
  // rest in one request again.
  std::vector<size_t> sizes;
  for (const SentRequest& request : kinesis_.requests()) sizes.push_back(request.data.size());
  EXPECT_THAT(sizes, ElementsAre(8u, 4u, 2u, 2u, 1u, 1u, 4u));
  EXPECT_EQ(queue_.held_bytes(), 0u);
  ExpectEveryRecordAccountedFor();
}

// Every record refused alone: the request, not a record, is refused (say, a stream target the
// service rejects). After a few, the records are held, not dropped one by one.
TEST_F(SenderTest, HoldsInsteadOfDroppingWhenEveryRecordIsRefusedAlone) {
  kinesis_.AnswerOtherwise(tk::testing::Invalid());
  Push(Names("r", 8));
  StartSender(Options(milliseconds(1), milliseconds(1), milliseconds(2)));
  // Each drop takes a bisection (8 -> 4 -> 2 -> 1 records), the fourth refusal alone a hold.
  ASSERT_TRUE(kinesis_.WaitForRequests(20, kSoon));
  sender_->DrainAndStop(SteadyClock::now());
  EXPECT_EQ(stats_.records_dropped_invalid.load(), 3u);
  EXPECT_GE(stats_.requests_held.load(), 1u);
  ExpectEveryRecordAccountedFor();
}

TEST_F(ManualTimeSenderTest, FlushSoonSendsAPartialBatchWithoutWaitingForTheBatchAge) {
  StartSender(Options(seconds(10)));
  const auto pushed_at = Now();
  Push(Names("r", 3));
  // Without a flush, a partial request waits for its age (10 s).
  ASSERT_TRUE(manual_clock.AwaitWaiterUntil(pushed_at + seconds(10)));
  manual_clock.Advance(seconds(9));
  EXPECT_EQ(kinesis_.request_count(), 0u);

  sender_->FlushSoon();
  ASSERT_TRUE(kinesis_.WaitForRequests(1, kSoon));
  const SentRequest request = kinesis_.requests()[0];
  EXPECT_EQ(request.sent_at, pushed_at + seconds(9));  // at the flush, before the age
  EXPECT_THAT(request.data, ElementsAre("r0", "r1", "r2"));

  EXPECT_EQ(sender_->DrainAndStop(Now() + seconds(5)), 0u);
  ExpectEveryRecordAccountedFor();
}

TEST_F(ManualTimeSenderTest, FlushSoonWithNothingQueuedSendsNothing) {
  StartSender(Options(seconds(10)));
  sender_->FlushSoon();
  manual_clock.Advance(seconds(60));
  EXPECT_EQ(sender_->DrainAndStop(Now() + seconds(5)), 0u);
  EXPECT_EQ(kinesis_.request_count(), 0u);  // not even an empty request, at any time
}

TEST_F(ManualTimeSenderTest, SendsAFullRequestOfFiveHundredRecordsWithoutAFlush) {
  StartSender(Options(seconds(10)));
  const auto pushed_at = Now();
  Push(Names("r", kinesis::kMaxRecordsPerRequest + 1));

  ASSERT_TRUE(kinesis_.WaitForRequests(1, kSoon));
  const SentRequest request = kinesis_.requests()[0];
  EXPECT_EQ(request.sent_at, pushed_at);  // at once: no time has passed
  EXPECT_EQ(request.data.size(), kinesis::kMaxRecordsPerRequest);
  EXPECT_EQ(request.data.front(), "r0");
  EXPECT_EQ(request.data.back(), "r499");
  // The one left over is a partial request: it waits for its age or a flush.
  ASSERT_TRUE(manual_clock.AwaitWaiterUntil(pushed_at + seconds(10)));
  EXPECT_EQ(kinesis_.request_count(), 1u);

  EXPECT_EQ(sender_->DrainAndStop(Now() + seconds(5)), 0u);
  EXPECT_THAT(kinesis_.requests()[1].data, ElementsAre("r500"));
  EXPECT_EQ(stats_.records_delivered.load(), 501u);
  ExpectEveryRecordAccountedFor();
}

TEST_F(SenderTest, ARecordWaitingForARetryOwnsItsBytesAndLetsItsBodyGo) {
  kinesis_.Script(tk::testing::PartiallyFailed({1}));
  auto body = std::make_shared<kinesis::SharedBatch>();
  body->body = "[\"e0\",\"e1\",\"e2\"]";
  body->head = "<";
  body->tail = ">";
  std::vector<kinesis::Record> records;
  for (size_t i = 0; i < 3; ++i) {
    records.push_back({.partition_key = "sandbox",
                       .data = "",
                       .attempts = 0,
                       .events = 1,
                       .batch = body,
                       .event = std::string_view(body->body).substr(1 + 5 * i, 4)});
  }
  std::weak_ptr<const kinesis::SharedBatch> watched = body;
  body.reset();
  ASSERT_TRUE(queue_.PushAll(records, SteadyClock::now()));
  received_ += 3;
  StartSender(Options(milliseconds(1)));

  ASSERT_TRUE(kinesis_.WaitForRequests(2, kSoon));
  const std::vector<SentRequest> requests = kinesis_.requests();
  EXPECT_THAT(requests[0].data, ElementsAre("<\"e0\">", "<\"e1\">", "<\"e2\">"));
  EXPECT_THAT(requests[0].borrowed, ElementsAre(true, true, true));
  EXPECT_THAT(requests[1].data, ElementsAre("<\"e1\">"));
  EXPECT_THAT(requests[1].borrowed, ElementsAre(false)) << "copied out for its retry";
  EXPECT_EQ(sender_->DrainAndStop(SteadyClock::now() + seconds(5)), 0u);
  EXPECT_TRUE(watched.expired()) << "no record holds the body any more";
  EXPECT_EQ(queue_.held_bytes(), 0u);
  ExpectEveryRecordAccountedFor();
}

TEST_F(SenderTest, HandsTheRecordsOfADeliveredRequestToTheRecycler) {
  kinesis::RecordRecycler recycler;
  SenderOptions options = Options(seconds(10));
  options.recycler = &recycler;
  StartSender(options);
  std::vector<std::string> names;
  for (size_t i = 0; i < 3; ++i) names.push_back(std::string(200, static_cast<char>('a' + i)));
  Push(names);
  sender_->FlushSoon();
  ASSERT_TRUE(kinesis_.WaitForRequests(1, kSoon));
  EXPECT_EQ(sender_->DrainAndStop(SteadyClock::now() + seconds(5)), 0u);
  EXPECT_EQ(recycler.size(), 3u);
  ExpectEveryRecordAccountedFor();
}

TEST_F(SenderTest, DrainAndStopSendsEverythingHeldBeforeTheDeadline) {
  kinesis_.Script(tk::testing::PartiallyFailed({0, 499}));
  StartSender(Options(seconds(10)));
  Push(Names("r", 1'200));

  const auto deadline = SteadyClock::now() + seconds(5);
  EXPECT_EQ(sender_->DrainAndStop(deadline), 0u);
  EXPECT_LT(SteadyClock::now(), deadline);
  EXPECT_EQ(stats_.records_delivered.load(), 1'200u);
  EXPECT_EQ(stats_.records_unsent_at_shutdown.load(), 0u);
  EXPECT_EQ(queue_.held_bytes(), 0u);
  // The two failed records go first in the next request.
  const std::vector<SentRequest> requests = kinesis_.requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[1].data[0], "r0");
  EXPECT_EQ(requests[1].data[1], "r499");
  ExpectEveryRecordAccountedFor();
}

TEST_F(ManualTimeSenderTest, DrainAndStopReturnsAtOnceWhenNothingIsHeld) {
  StartSender(Options(seconds(10)));
  const auto start = Now();
  EXPECT_EQ(sender_->DrainAndStop(start + seconds(10)), 0u);
  EXPECT_EQ(Now(), start);
}

TEST_F(ManualTimeSenderTest, DrainAndStopSendsAPartialRequestWithoutWaitingForItsAge) {
  StartSender(Options(seconds(10)));
  Push(Names("r", 3));
  const auto start = Now();
  EXPECT_EQ(sender_->DrainAndStop(start + seconds(2)), 0u);
  EXPECT_EQ(Now(), start);
  EXPECT_EQ(stats_.records_delivered.load(), 3u);
}

TEST_F(FailingManualTimeSenderTest, DrainAndStopReturnsAtTheDeadlineAndCountsUnsentRecords) {
  StartSender(Options(seconds(10), milliseconds(10), milliseconds(50)));
  Push(Names("r", 10));

  const auto deadline = Now() + milliseconds(300);
  SteadyClock::time_point returned_at;
  EXPECT_EQ(DrainLettingTimePass(deadline, &returned_at), 10u);
  EXPECT_EQ(returned_at, deadline);
  EXPECT_EQ(stats_.records_unsent_at_shutdown.load(), 10u);
  EXPECT_EQ(stats_.records_delivered.load(), 0u);
  const std::vector<SentRequest> requests = kinesis_.requests();
  // It kept retrying within the deadline: backoffs of 5, 10, 20, 25, 25... ms (uniform01 == 0).
  EXPECT_GE(requests.size(), 10u);
  for (const SentRequest& request : requests) EXPECT_LE(request.deadline, deadline);
  ExpectEveryRecordAccountedFor();
}

TEST_F(FailingManualTimeSenderTest, DrainAndStopCutsALongBackoffShortAtTheDeadline) {
  // One failure, then a 2 s backoff (4 s window, uniform01 == 0): longer than the drain has.
  StartSender(Options(milliseconds(1), seconds(4), seconds(4)));
  Push(Names("r", 5));
  AdvanceToWait(Now() + milliseconds(1));
  ASSERT_TRUE(kinesis_.WaitForRequests(1, kSoon));
  ASSERT_TRUE(manual_clock.AwaitWaiterUntil(Now() + seconds(2)));

  const auto deadline = Now() + milliseconds(100);
  SteadyClock::time_point returned_at;
  EXPECT_EQ(DrainLettingTimePass(deadline, &returned_at), 5u);
  EXPECT_EQ(returned_at, deadline);
  EXPECT_EQ(kinesis_.request_count(), 1u);
  ExpectEveryRecordAccountedFor();
}

TEST_F(ManualTimeSenderTest, ADrainRetriesAfterOneBaseBackoffNotAfterTheEscalatedOne) {
  // Four throttled requests escalate the backoff to 4 x base (uniform01 == 0: half of 8 x base);
  // Kinesis has recovered by the time SHUTDOWN drains, which then waits one base only.
  const milliseconds base(250);
  for (int i = 0; i < 4; ++i) kinesis_.Script(tk::testing::Throttled());
  StartSender(Options(milliseconds(1), base, seconds(60)));
  Push(Names("r", 5));
  for (size_t sent = 1; sent <= 4; ++sent) {
    ASSERT_TRUE(manual_clock.AwaitWaiters(1));  // the batch age, then each backoff
    manual_clock.AdvanceTo(manual_clock.EarliestDeadline());
    ASSERT_TRUE(kinesis_.WaitForRequests(sent, kSoon));
  }
  const auto failed_at = kinesis_.requests()[3].sent_at;
  ASSERT_TRUE(manual_clock.AwaitWaiterUntil(failed_at + 4 * base));  // escalated

  EXPECT_EQ(DrainLettingTimePass(Now() + seconds(10)), 0u);
  const std::vector<SentRequest> requests = kinesis_.requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_EQ(requests[4].sent_at, failed_at + base);
  EXPECT_EQ(stats_.records_delivered.load(), 5u);
  ExpectEveryRecordAccountedFor();
}

TEST_F(FailingManualTimeSenderTest, WaitsOutABackoffWhenAFullRequestIsQueued) {
  StartSender(Options(milliseconds(1), seconds(4), seconds(4)));  // 2 s backoff
  Push(Names("r", 600));                                          // more than one request
  ASSERT_TRUE(kinesis_.WaitForRequests(1, kSoon));
  const auto failed_at = kinesis_.requests()[0].sent_at;

  // Blocked until the backoff's end although a full request is queued (a wait that the queued
  // records ended would spin), and not woken by time short of it.
  ASSERT_TRUE(manual_clock.AwaitWaiterUntil(failed_at + seconds(2)));
  const size_t waits = manual_clock.blocked_waits();
  manual_clock.Advance(seconds(1));
  EXPECT_EQ(kinesis_.request_count(), 1u);
  EXPECT_EQ(manual_clock.blocked_waits(), waits);
  manual_clock.AdvanceTo(failed_at + seconds(2));
  ASSERT_TRUE(kinesis_.WaitForRequests(2, kSoon));
  EXPECT_EQ(kinesis_.requests()[1].sent_at, failed_at + seconds(2));

  EXPECT_EQ(sender_->DrainAndStop(Now()), 600u);
  ExpectEveryRecordAccountedFor();
}

// The sender packs its requests to its queue's limits: a 5 MiB record goes out with the stream's
// maximum record size at 10 MiB, and is dropped (counted) on a default 1 MiB stream.
TEST(SenderLimitsTest, SendsA5MiBRecordOnlyWhenTheStreamTakes10MiBRecords) {
  for (const bool large : {false, true}) {
    RecordQueue queue(32 * kinesis::kMiB,
                      large ? kinesis::LimitsForStream(10 * kinesis::kMiB) : kinesis::Limits{});
    DeliveryStats stats;
    FakePutRecords kinesis(tk::testing::Delivered());
    std::vector<kinesis::Record> records;
    records.push_back({.partition_key = "sandbox", .data = "small", .attempts = 0});
    records.push_back(
        {.partition_key = "sandbox", .data = std::string(5 * kinesis::kMiB, 'x'), .attempts = 0});
    ASSERT_TRUE(queue.PushAll(records, SteadyClock::now()));
    Sender sender(queue, kinesis.AsFunction(), stats, Options(milliseconds(1)), [] { return 0.0; });
    sender.Start();

    EXPECT_EQ(sender.DrainAndStop(SteadyClock::now() + seconds(5)), 0u) << large;
    EXPECT_EQ(stats.records_delivered.load(), large ? 2u : 1u) << large;
    EXPECT_EQ(stats.records_dropped_invalid.load(), large ? 0u : 1u) << large;
    ASSERT_EQ(kinesis.request_count(), 1u) << large;
    EXPECT_EQ(kinesis.requests()[0].data.size(), large ? 2u : 1u) << large;
    EXPECT_EQ(queue.held_bytes(), 0u) << large;
  }
}

}  // namespace
}  // namespace tk::pipeline
