// Tests the listener's handler: a batch is queued whole and in order (200), refused whole when
// malformed (400) or when the queue is full (503), and the shutdown wait for a report.
#include "telemetry/telemetry_ingest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <future>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kinesis/limits.h"
#include "support/manual_clock.h"
#include "support/tenant_events.h"

namespace tk::telemetry {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kSandboxId[] = "0123456789abcdef";

// The encoder's envelope prefix (it ends inside the id's string).
std::string EnvelopePrefix() {
  telemetry::FunctionMetadata metadata;
  metadata.function_name = "orders-api";
  metadata.function_version = "$LATEST";
  metadata.region = "eu-west-1";
  metadata.memory_mb = 128;
  metadata.sandbox_id = kSandboxId;
  metadata.extension_version = "telemetry-kinesis/test";
  return telemetry::RenderEnvelopePrefix(metadata);
}

// What a record holds before its event once WithoutIds() took the id out: the envelope up to
// `"event":`. (The ids themselves are tested in EventIdTest below.)
std::string Prefix() {
  const std::string prefix = EnvelopePrefix();
  return prefix.substr(0, prefix.size() - std::string_view(R"("id":")").size()) + R"("event":)";
}

// Bytes of an envelope's `"id":"<32 hex digits>",`.
constexpr size_t kIdFieldBytes = 6 + 32 + 2;

// `data` with every envelope's `"id":"<32 hex digits>",` taken out.
std::string WithoutIds(std::string data) {
  constexpr std::string_view kIdKey = R"("id":")";
  for (size_t at = data.find(kIdKey); at != std::string::npos; at = data.find(kIdKey, at)) {
    const bool hex =
        at + kIdFieldBytes <= data.size() &&
        data.find_first_not_of("0123456789abcdef", at + kIdKey.size()) == at + kIdKey.size() + 32 &&
        data.compare(at + kIdKey.size() + 32, 2, "\",") == 0;
    if (hex) {
      data.erase(at, kIdFieldBytes);
    } else {
      at += kIdKey.size();
    }
  }
  return data;
}

telemetry::RecordEncoder Encoder() {
  return telemetry::RecordEncoder(EnvelopePrefix(), config::PartitionKeyStrategy::kSandbox,
                                  kSandboxId);
}

std::string FunctionEvent(const std::string& message) {
  return R"({"time":"2024-01-01T00:00:00Z","type":"function","record":")" + message + "\"}";
}

std::string ReportEvent(const std::string& request_id) {
  return R"({"time":"2024-01-01T00:00:01Z","type":"platform.report","record":{"requestId":")" +
         request_id + R"(","metrics":{"durationMs":1.5}}})";
}

std::string Batch(const std::vector<std::string>& events) {
  std::string body = "[";
  for (const std::string& event : events) body += (body.size() > 1 ? "," : "") + event;
  return body + "]";
}

// Takes everything queued, in order, calling `take` with each record's data; gives the budget
// back as the sender does once records are delivered.
template <typename Take>
void DrainData(pipeline::RecordQueue& queue, Take take) {
  for (int requests = 0; requests < 100 && !queue.empty(); ++requests) {
    kinesis::PutRecordsBatch batch(queue.limits());
    queue.PopInto(batch);
    for (const kinesis::Record& record : batch.records()) {
      std::string data;
      record.AppendDataTo(data);
      take(std::move(data));
      queue.Release(record.Size());
    }
  }
}

// Everything queued, in order, as the record data (ids taken out).
std::vector<std::string> Drain(pipeline::RecordQueue& queue) {
  std::vector<std::string> data;
  DrainData(queue, [&](std::string text) { data.push_back(WithoutIds(std::move(text))); });
  return data;
}

class TelemetryIngestTest : public ::testing::Test {
 protected:
  pipeline::RecordQueue queue_{4 * kinesis::kMiB};  // room for an event shipped as fragments
  pipeline::DeliveryStats stats_;
  TelemetryIngest ingest_{Encoder(), queue_, stats_};
};

// The ingest's waits on a ManualClock (the queue's): a test moves time, and knows the wait is
// blocked by asking the clock.
class ManualTimeIngestTest : public ::testing::Test {
 protected:
  pipeline::SteadyClock::time_point Now() const { return clock_.SteadyNow(); }

  tk::testing::ManualClock clock_;
  pipeline::RecordQueue queue_{4 * kinesis::kMiB, {}, clock_};
  pipeline::DeliveryStats stats_;
  TelemetryIngest ingest_{Encoder(), queue_, stats_};
};

TEST_F(TelemetryIngestTest, QueuesEveryEventOfAValidBatchInOrderAndAnswers200) {
  const std::vector<std::string> events = {FunctionEvent("one"), ReportEvent("req-1"),
                                           FunctionEvent("three")};
  telemetry::ListenerReply reply = ingest_.HandleBatch(Batch(events));
  EXPECT_EQ(reply.status, 200);

  const std::string prefix = Prefix();
  EXPECT_THAT(Drain(queue_), ElementsAre(prefix + events[0] + "}", prefix + events[1] + "}",
                                         prefix + events[2] + "}"));
  EXPECT_EQ(stats_.batches_accepted.load(), 1u);
  EXPECT_EQ(stats_.events_received.load(), 3u);
  EXPECT_EQ(stats_.batches_rejected_malformed.load(), 0u);
}

TEST_F(TelemetryIngestTest, KeepsArrivalOrderAcrossBatches) {
  ASSERT_EQ(ingest_.HandleBatch(Batch({FunctionEvent("a"), FunctionEvent("b")})).status, 200);
  ASSERT_EQ(ingest_.HandleBatch(Batch({FunctionEvent("c")})).status, 200);
  const std::string prefix = Prefix();
  EXPECT_THAT(Drain(queue_),
              ElementsAre(prefix + FunctionEvent("a") + "}", prefix + FunctionEvent("b") + "}",
                          prefix + FunctionEvent("c") + "}"));
}

TEST_F(TelemetryIngestTest, AnswersAnEmptyBatchWith200AndQueuesNothing) {
  EXPECT_EQ(ingest_.HandleBatch("[]").status, 200);
  EXPECT_TRUE(queue_.empty());
}

TEST_F(TelemetryIngestTest, RejectsABodyWithNothingUsableWith400AndQueuesNothingOfIt) {
  for (const std::string& body :
       {std::string("not json"), std::string("[1,2]"), std::string("}{"), std::string("")}) {
    telemetry::ListenerReply reply = ingest_.HandleBatch(body);
    EXPECT_EQ(reply.status, 400) << body;
    EXPECT_THAT(reply.message, HasSubstr("malformed")) << body;
  }
  EXPECT_TRUE(queue_.empty());
  EXPECT_EQ(queue_.held_bytes(), 0u);
  EXPECT_EQ(stats_.batches_rejected_malformed.load(), 4u);
  EXPECT_EQ(stats_.events_received.load(), 0u);
}

TEST_F(TelemetryIngestTest, SalvagesTheCompleteEventsBeforeTheDamage) {
  const std::string body = Batch({FunctionEvent("one"), FunctionEvent("two"), "17"});
  EXPECT_EQ(ingest_.HandleBatch(body).status, 200);
  const std::string prefix = Prefix();
  EXPECT_THAT(Drain(queue_), ElementsAre(prefix + FunctionEvent("one") + "}",
                                         prefix + FunctionEvent("two") + "}"));
  EXPECT_EQ(stats_.batches_salvaged.load(), 1u);
  EXPECT_GT(stats_.bytes_damaged.load(), 0u);
}

// Lambda's split of an event larger than maxBytes: the first body ends inside the event, the
// second repeats its envelope (here without the leading '[') and continues the value.
TEST_F(TelemetryIngestTest, JoinsAnEventSplitAcrossTwoBodies) {
  const std::string big = FunctionEvent(std::string(300, 'a') + std::string(300, 'b'));
  const std::string envelope = big.substr(0, big.find('a'));
  const std::string head = big.substr(0, big.find('b'));
  const std::string continuation = envelope + big.substr(big.find('b'));
  EXPECT_EQ(ingest_.HandleBatch("[" + FunctionEvent("before") + "," + head).status, 200);
  EXPECT_EQ(ingest_.HandleBatch(continuation + "," + FunctionEvent("after") + "]").status, 200);
  const std::string prefix = Prefix();
  EXPECT_THAT(Drain(queue_), ElementsAre(prefix + FunctionEvent("before") + "}", prefix + big + "}",
                                         prefix + FunctionEvent("after") + "}"));
  EXPECT_EQ(stats_.events_joined.load(), 1u);
  EXPECT_EQ(stats_.events_received.load(), 3u);
}

// maxBytes 256 KiB and a 1.5 MB line: Lambda cuts it again in every body it fills.
TEST_F(TelemetryIngestTest, JoinsAnEventCutIntoThreePieces) {
  const std::string big = FunctionEvent(std::string(200, 'a') + std::string(200, 'b') +
                                        std::string(200, 'g'));  // not in the envelope
  const std::string envelope = big.substr(0, big.find('a'));
  const std::string first = "[" + big.substr(0, big.find('b'));
  const std::string middle = "[" + envelope + std::string(200, 'b');
  const std::string last = envelope + big.substr(big.find('g')) + "]";
  EXPECT_EQ(ingest_.HandleBatch(first).status, 200);
  EXPECT_EQ(ingest_.HandleBatch(middle).status, 200);
  EXPECT_EQ(ingest_.HandleBatch(last).status, 200);
  EXPECT_THAT(Drain(queue_), ElementsAre(Prefix() + big + "}"));
  EXPECT_EQ(stats_.events_joined.load(), 1u);
  EXPECT_EQ(stats_.events_truncated.load(), 0u);
}

TEST_F(TelemetryIngestTest, ShipsAHeadWhoseContinuationNeverCameAsAFragment) {
  const std::string big = FunctionEvent(std::string(100, 'a'));
  ingest_.JoinFragmentsWithin(std::chrono::milliseconds(0));
  EXPECT_EQ(ingest_.HandleBatch("[" + big.substr(0, 60)).status, 200);
  ingest_.ShipStaleFragment();
  const std::vector<std::string> records = Drain(queue_);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_THAT(records[0], HasSubstr("\"type\":\"telemetry-kinesis.fragment\""));
  EXPECT_EQ(stats_.events_truncated.load(), 1u);
  EXPECT_EQ(stats_.events_received.load(), 1u);
}

TEST_F(TelemetryIngestTest, ShipsAHeadAsAFragmentWhenTheNextBodyDoesNotContinueIt) {
  // Another envelope than the next body's first event (its own time): not a continuation.
  const std::string cut =
      R"({"time":"2026-12-02T00:00:00.000Z","type":"function","record":"aaaaaaaaaaaaaaaaaaaa)";
  EXPECT_EQ(ingest_.HandleBatch("[" + FunctionEvent("one") + "," + cut).status, 200);
  EXPECT_EQ(ingest_.HandleBatch("not json").status, 400);  // nothing usable: the head waits on
  EXPECT_EQ(ingest_.HandleBatch(Batch({FunctionEvent("two")})).status, 200);
  const std::vector<std::string> records = Drain(queue_);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[1], HasSubstr("\"type\":\"telemetry-kinesis.fragment\""));
  EXPECT_EQ(records[2], Prefix() + FunctionEvent("two") + "}");
  EXPECT_EQ(stats_.events_truncated.load(), 1u);
}

// A body cut inside an event's time: no later event is taken for its continuation, even one
// whose time starts alike.
TEST_F(TelemetryIngestTest, NeverJoinsAHeadCutBeforeItsRecord) {
  const std::string cut = R"([{"time":"2026-12-02T01:00:00.)";
  EXPECT_EQ(ingest_.HandleBatch(cut).status, 200);
  const std::string next =
      R"({"time":"2026-12-02T01:00:00.009Z","type":"function","record":"next"})";
  EXPECT_EQ(ingest_.HandleBatch("[" + next + "]").status, 200);
  const std::vector<std::string> records = Drain(queue_);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0], HasSubstr("telemetry-kinesis.fragment"));
  EXPECT_EQ(records[1], Prefix() + next + "}");
  EXPECT_EQ(stats_.events_joined.load(), 0u);
}

TEST_F(TelemetryIngestTest, ShipsAnEventOverTheRecordLimitAsFragmentsAndQueuesTheRest) {
  const std::string huge = FunctionEvent(std::string(kinesis::kDefaultMaxRecordBytes, 'x'));
  telemetry::ListenerReply reply =
      ingest_.HandleBatch(Batch({FunctionEvent("before"), huge, FunctionEvent("after")}));
  EXPECT_EQ(reply.status, 200);
  const std::vector<std::string> records = Drain(queue_);
  ASSERT_EQ(records.size(), 5u);  // before, three fragments of ~512 KB, after
  const std::string prefix = Prefix();
  EXPECT_EQ(records.front(), prefix + FunctionEvent("before") + "}");
  EXPECT_EQ(records.back(), prefix + FunctionEvent("after") + "}");
  std::string rebuilt;
  for (size_t i = 1; i + 1 < records.size(); ++i) {
    ASSERT_LE(records[i].size(), kinesis::kDefaultMaxRecordBytes);
    const auto json = nlohmann::json::parse(
        records[i].substr(prefix.size(), records[i].size() - prefix.size() - 1));
    EXPECT_EQ(json["type"], "telemetry-kinesis.fragment");
    EXPECT_EQ(json["record"]["offset"].get<size_t>(), rebuilt.size());
    EXPECT_EQ(json["record"]["eventBytes"].get<size_t>(), huge.size());
    rebuilt += json["record"]["fragment"].get<std::string>();
  }
  EXPECT_EQ(rebuilt, huge);  // byte for byte
  EXPECT_EQ(stats_.events_truncated.load(), 1u);
  EXPECT_EQ(stats_.events_dropped_too_large.load(), 0u);
  EXPECT_EQ(stats_.events_received.load(), 5u);  // the event counts once per fragment shipped
}

TEST_F(ManualTimeIngestTest, AFlushStopsWaitingForARuntimeDoneLostInADamagedBody) {
  const auto invoked_at = Now();
  EXPECT_EQ(ingest_.HandleBatch(Batch({FunctionEvent("x"), "garbage"})).status, 200);
  EXPECT_FALSE(ingest_.WaitForRuntimeDone("req-1", Now() + std::chrono::seconds(10), invoked_at));
  EXPECT_EQ(clock_.blocked_waits(), 0u);  // at once
}

TEST(TelemetryIngestLargeRecordTest, QueuesA5MiBEventOnlyWhenTheStreamTakes10MiBRecords) {
  const std::string event = FunctionEvent(std::string(5 * kinesis::kMiB, 'x'));
  const std::string body = Batch({FunctionEvent("before"), event, FunctionEvent("after")});

  // The default stream (1 MiB records): shipped as fragment events of at most 1 MiB each.
  pipeline::RecordQueue default_queue(16 * kinesis::kMiB);
  pipeline::DeliveryStats default_stats;
  TelemetryIngest default_ingest(Encoder(), default_queue, default_stats);
  ASSERT_EQ(default_ingest.HandleBatch(body).status, 200);
  EXPECT_GT(Drain(default_queue).size(), 2u + 9u);
  EXPECT_EQ(default_stats.events_truncated.load(), 1u);
  EXPECT_EQ(default_stats.events_dropped_too_large.load(), 0u);

  // TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES=10485760: queued, and sent in a request of its own.
  const kinesis::Limits limits = kinesis::LimitsForStream(10 * kinesis::kMiB);
  pipeline::RecordQueue queue(16 * kinesis::kMiB, limits);
  pipeline::DeliveryStats stats;
  TelemetryIngest ingest(
      telemetry::RecordEncoder(EnvelopePrefix(), config::PartitionKeyStrategy::kSandbox, kSandboxId,
                               limits),
      queue, stats);
  ASSERT_EQ(ingest.HandleBatch(body).status, 200);
  EXPECT_THAT(Drain(queue),
              ElementsAre(Prefix() + FunctionEvent("before") + "}", Prefix() + event + "}",
                          Prefix() + FunctionEvent("after") + "}"));
  EXPECT_EQ(stats.events_dropped_too_large.load(), 0u);
  EXPECT_EQ(stats.events_received.load(), 3u);
}

// Lambda re-sends a batch refused with 503 as it was: the join must still work on the re-send.
TEST(TelemetryIngestQueueFullTest, ABatchRefusedWith503LeavesTheSplitEventToItsReSend) {
  const std::string big = FunctionEvent(std::string(300, 'a') + std::string(300, 'b'));
  const std::string envelope = big.substr(0, big.find('a'));
  const std::string head = "[" + big.substr(0, big.find('b'));
  const std::string continuation = envelope + big.substr(big.find('b')) + "]";
  pipeline::RecordQueue queue(2 * Encoder().RecordSize(big.size()));
  pipeline::DeliveryStats stats;
  TelemetryIngest ingest(Encoder(), queue, stats);
  ASSERT_EQ(ingest.HandleBatch(head).status, 200);
  // Fill the queue so that the continuation's batch is refused.
  std::vector<kinesis::Record> filler(1);
  filler[0].partition_key = "k";
  filler[0].data = std::string(2 * Encoder().RecordSize(big.size()) - 1, 'f');
  ASSERT_TRUE(queue.PushAll(filler, pipeline::SteadyClock::now()));
  EXPECT_EQ(ingest.HandleBatch(continuation).status, 503);
  EXPECT_EQ(stats.events_joined.load(), 0u);
  queue.Release(queue.held_bytes());
  while (!queue.empty()) {
    kinesis::PutRecordsBatch drained;
    queue.PopInto(drained);
  }
  EXPECT_EQ(ingest.HandleBatch(continuation).status, 200);  // the re-send
  EXPECT_EQ(stats.events_joined.load(), 1u);
  EXPECT_EQ(stats.events_truncated.load(), 0u);
  EXPECT_THAT(Drain(queue), ElementsAre(Prefix() + big + "}"));
}

TEST(TelemetryIngestQueueFullTest, AnswersAFullQueueWith503AndQueuesNothingOfTheBatch) {
  // No spool here (a bare queue): past the memory budget a batch is refused whole.
  const telemetry::RecordEncoder sizer = Encoder();
  const std::string first = FunctionEvent("first");
  // Room for the first batch's record only.
  pipeline::RecordQueue queue(sizer.RecordSize(first.size()));
  pipeline::DeliveryStats stats;
  TelemetryIngest ingest(Encoder(), queue, stats);

  ASSERT_EQ(ingest.HandleBatch(Batch({first})).status, 200);
  telemetry::ListenerReply reply =
      ingest.HandleBatch(Batch({FunctionEvent("x"), ReportEvent("req-9")}));
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(queue.queued_records(), 1u);
  EXPECT_EQ(queue.held_bytes(), sizer.RecordSize(first.size()));
  EXPECT_EQ(stats.batches_rejected_queue_full.load(), 1u);
  EXPECT_EQ(stats.batches_accepted.load(), 1u);
  // Every received event is queued or counted as dropped.
  EXPECT_EQ(stats.events_received.load(), 3u);
  EXPECT_EQ(stats.events_dropped_overflow.load(), 2u);
  // The refused batch's report was not taken either: the shutdown still waits for it.
  EXPECT_FALSE(ingest.WaitForQuiet(milliseconds(0), pipeline::SteadyClock::now(), "req-9"));
}

std::string PlatformEvent(const std::string& type, const std::string& request_id) {
  return R"({"time":"2024-01-01T00:00:01Z","type":")" + type + R"(","record":{"requestId":")" +
         request_id + R"("}})";
}

std::string RestoreStartEvent() {
  return R"({"time":"2024-01-01T00:00:00Z","type":"platform.restoreStart","record":{}})";
}

TEST_F(ManualTimeIngestTest, WaitForRuntimeDoneReturnsWhenThatRequestsRuntimeDoneArrives) {
  ASSERT_EQ(ingest_.HandleBatch(Batch({PlatformEvent("platform.runtimeDone", "req-1")})).status,
            200);
  const auto start = Now();
  auto arrived = std::async(std::launch::async, [&] {
    return ingest_.WaitForRuntimeDone("req-2", start + std::chrono::seconds(10));
  });
  ASSERT_TRUE(clock_.AwaitWaiters(1));  // waiting for it
  ingest_.HandleBatch(Batch({FunctionEvent("done")}));
  ingest_.HandleBatch(
      Batch({FunctionEvent("done"), PlatformEvent("platform.runtimeDone", "req-2")}));
  EXPECT_TRUE(arrived.get());
  EXPECT_EQ(Now(), start);                                  // woken by the event, not by time
  EXPECT_TRUE(ingest_.WaitForRuntimeDone("req-1", Now()));  // arrived earlier
}

TEST_F(ManualTimeIngestTest, WaitForRuntimeDoneGivesUpAtTheDeadlineAndAtTheReport) {
  const auto deadline = Now() + milliseconds(20);
  auto arrived =
      std::async(std::launch::async, [&] { return ingest_.WaitForRuntimeDone("req-3", deadline); });
  ASSERT_TRUE(clock_.AwaitWaiterUntil(deadline));
  clock_.Advance(milliseconds(20));
  EXPECT_FALSE(arrived.get());
  // The report comes after runtimeDone: once it is here, runtimeDone is not waited for.
  auto after_report = std::async(std::launch::async, [&] {
    return ingest_.WaitForRuntimeDone("req-4", Now() + std::chrono::seconds(10));
  });
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  ingest_.HandleBatch(Batch({ReportEvent("req-4")}));
  EXPECT_FALSE(after_report.get());
}

TEST_F(ManualTimeIngestTest, WaitForQuietWaitsForTheQuietPeriodAfterTheLastPost) {
  const auto asked_at = Now();
  auto quiet = std::async(std::launch::async, [&] {
    const bool all = ingest_.WaitForQuiet(milliseconds(250), asked_at + std::chrono::seconds(1));
    return std::make_pair(all, Now());
  });
  // Quiet for 250 ms from the call, even after a long silence before it.
  ASSERT_TRUE(clock_.AwaitWaiterUntil(asked_at + milliseconds(250)));
  clock_.Advance(milliseconds(100));
  ingest_.HandleBatch(Batch({FunctionEvent("late")}));  // restarts the quiet period
  clock_.Advance(milliseconds(150));
  ASSERT_TRUE(clock_.AwaitWaiterUntil(asked_at + milliseconds(350)));
  clock_.Advance(milliseconds(100));
  const auto [all, returned_at] = quiet.get();
  EXPECT_TRUE(all);
  EXPECT_EQ(returned_at, asked_at + milliseconds(350));
}

TEST_F(ManualTimeIngestTest, WaitForQuietWaitsForEveryStartedInvocationsReportAndTheLastOne) {
  ASSERT_EQ(ingest_
                .HandleBatch(Batch({PlatformEvent("platform.start", "a"),
                                    PlatformEvent("platform.start", "b"),
                                    PlatformEvent("platform.report", "a")}))
                .status,
            200);
  const auto asked_at = Now();
  auto quiet = std::async(std::launch::async, [&] {
    return ingest_.WaitForQuiet(milliseconds(0), asked_at + std::chrono::seconds(1), "c");
  });
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  ingest_.HandleBatch(Batch({PlatformEvent("platform.report", "b")}));  // "c" still missing
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  ingest_.HandleBatch(Batch({PlatformEvent("platform.report", "c")}));
  EXPECT_TRUE(quiet.get());
  EXPECT_EQ(Now(), asked_at);
}

TEST_F(ManualTimeIngestTest, WaitForQuietGivesUpAtItsDeadlineWithAnInvocationOpen) {
  ASSERT_EQ(ingest_.HandleBatch(Batch({PlatformEvent("platform.start", "a")})).status, 200);
  const auto deadline = Now() + milliseconds(500);
  auto quiet = std::async(std::launch::async, [&] {
    const bool all = ingest_.WaitForQuiet(milliseconds(100), deadline);
    return std::make_pair(all, Now());
  });
  // Quiet after 100 ms; then only the report is missing, until the deadline.
  const auto [all, returned_at] = clock_.RunUntilReady(quiet, 1);
  EXPECT_FALSE(all);
  EXPECT_EQ(returned_at, deadline);
}

// A record's sandbox id, from its envelope.
std::string SandboxOf(const std::string& data) {
  const std::string key = R"("sandbox":")";
  const size_t start = data.find(key) + key.size();
  return data.substr(start, data.find('"', start) - start);
}

TEST_F(TelemetryIngestTest, RestoreStartRenewsTheSandboxIdOnceBeforeItsBatchIsEncoded) {
  int encoders_made = 0;
  int restores_told = 0;
  ingest_.OnRestore(
      [&] {
        ++encoders_made;
        telemetry::FunctionMetadata metadata;
        metadata.sandbox_id = "fedcba9876543210";
        return telemetry::RecordEncoder(telemetry::RenderEnvelopePrefix(metadata),
                                        config::PartitionKeyStrategy::kSandbox,
                                        metadata.sandbox_id);
      },
      [&] { ++restores_told; });
  ASSERT_EQ(ingest_.HandleBatch(Batch({FunctionEvent("before the snapshot")})).status, 200);
  ASSERT_EQ(ingest_.HandleBatch(Batch({FunctionEvent("x"), RestoreStartEvent()})).status, 200);
  ASSERT_EQ(ingest_.HandleBatch(Batch({RestoreStartEvent()})).status, 200);
  EXPECT_EQ(encoders_made, 1);
  EXPECT_EQ(restores_told, 2);  // told each time; acting once is the caller's job
  EXPECT_FALSE(ingest_.RenewEncoderOnce());

  const std::vector<std::string> data = Drain(queue_);
  ASSERT_EQ(data.size(), 4u);
  EXPECT_EQ(SandboxOf(data[0]), kSandboxId);
  EXPECT_EQ(SandboxOf(data[1]), "fedcba9876543210");  // same batch as restoreStart
  EXPECT_EQ(SandboxOf(data[2]), "fedcba9876543210");
}

TEST_F(TelemetryIngestTest, RenewEncoderOnceWithoutAFactoryKeepsTheEncoder) {
  EXPECT_FALSE(ingest_.RenewEncoderOnce());
  ASSERT_EQ(ingest_.HandleBatch(Batch({RestoreStartEvent()})).status, 200);
  EXPECT_EQ(SandboxOf(Drain(queue_).at(0)), kSandboxId);
}

// Record formats and filters: the ingest packs, filters and counts in events.
class TelemetryIngestFormatTest : public ::testing::Test {
 protected:
  void UseFormat(config::RecordFormat format) {
    config::RecordOptions options;
    options.format = format;
    options.max_record_bytes = 2 * 1024;
    ingest_.PackWith(telemetry::MakeRecordPacker(options, telemetry::AggregateKey::kPerEventKey));
  }

  // Everything queued: the records (moved out) and the events they carry.
  std::vector<kinesis::Record> DrainRecords() {
    std::vector<kinesis::Record> records;
    for (int requests = 0; requests < 100 && !queue_.empty(); ++requests) {
      kinesis::PutRecordsBatch batch(queue_.limits());
      queue_.PopInto(batch);
      for (kinesis::Record& record : batch.records()) records.push_back(std::move(record));
    }
    return records;
  }

  pipeline::RecordQueue queue_{8 * kinesis::kMiB};
  pipeline::DeliveryStats stats_;
  TelemetryIngest ingest_{Encoder(), queue_, stats_};
};

TEST_F(TelemetryIngestFormatTest, PacksEachBatchIntoNdjsonRecordsAndFlushesAtTheBatchEnd) {
  UseFormat(config::RecordFormat::kNdjson);
  std::vector<std::string> events;
  for (int i = 0; i < 30; ++i) events.push_back(FunctionEvent("line " + std::to_string(i)));
  ASSERT_EQ(ingest_.HandleBatch(Batch(events)).status, 200);
  ASSERT_EQ(ingest_.HandleBatch(Batch({FunctionEvent("next batch")})).status, 200);

  std::vector<kinesis::Record> records = DrainRecords();
  std::string all;
  uint32_t carried = 0;
  for (const kinesis::Record& record : records) {
    EXPECT_LE(record.Size(), 2u * 1024);
    EXPECT_EQ(record.partition_key, kSandboxId);
    record.AppendDataTo(all);
    carried += record.events;
  }
  std::string expected;
  for (const std::string& event : events) expected += Prefix() + event + "}\n";
  EXPECT_EQ(WithoutIds(all), expected + Prefix() + FunctionEvent("next batch") + "}\n");
  EXPECT_EQ(carried, 31u);
  EXPECT_EQ(records.back().events, 1u) << "the second batch's event is not held back";
  EXPECT_LT(records.size(), 31u / 4);
  EXPECT_EQ(stats_.events_received.load(), 31u);
}

TEST_F(TelemetryIngestFormatTest, AnEventTooLargeToPackIsDroppedAndCounted) {
  UseFormat(config::RecordFormat::kKpl);
  const std::string huge = FunctionEvent(
      std::string(kinesis::kDefaultMaxRecordBytes - Encoder().RecordSize(0) - 80, 'x'));
  ASSERT_EQ(ingest_.HandleBatch(Batch({FunctionEvent("a"), huge, FunctionEvent("b")})).status, 200);
  std::vector<kinesis::Record> records = DrainRecords();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].events, 2u);
  EXPECT_EQ(stats_.events_dropped_too_large.load(), 1u);
  EXPECT_EQ(stats_.events_received.load(), 3u);
}

TEST(TelemetryIngestLargeRecordTest, PacksA5MiBEventWhenTheStreamTakes10MiBRecords) {
  const kinesis::Limits limits = kinesis::LimitsForStream(10 * kinesis::kMiB);
  pipeline::RecordQueue queue(16 * kinesis::kMiB, limits);
  pipeline::DeliveryStats stats;
  TelemetryIngest ingest(
      telemetry::RecordEncoder(EnvelopePrefix(), config::PartitionKeyStrategy::kSandbox, kSandboxId,
                               limits),
      queue, stats);
  config::RecordOptions options;
  options.format = config::RecordFormat::kKpl;
  ingest.PackWith(
      telemetry::MakeRecordPacker(options, telemetry::AggregateKey::kPerEventKey, limits));
  const std::string huge = FunctionEvent(std::string(5 * kinesis::kMiB, 'x'));
  ASSERT_EQ(ingest.HandleBatch(Batch({FunctionEvent("a"), huge, FunctionEvent("b")})).status, 200);
  EXPECT_EQ(stats.events_dropped_too_large.load(), 0u);
  kinesis::PutRecordsBatch batch(queue.limits());
  EXPECT_EQ(queue.PopInto(batch), 0u);
  EXPECT_EQ(kinesis::EventCount(batch.records()), 3u);
}

TEST_F(TelemetryIngestFormatTest, FilteredEventsAreNotQueuedAndAreCountedWhileReportsAreTracked) {
  config::FilterOptions options;
  options.platform_events = {"platform.start"};
  options.drop_substrings = {"GET /health"};
  ingest_.FilterWith(std::make_unique<telemetry::EventFilter>(options));
  const std::string kept = FunctionEvent("GET /orders");
  ASSERT_EQ(
      ingest_.HandleBatch(Batch({kept, FunctionEvent("GET /health"), ReportEvent("req-5")})).status,
      200);
  EXPECT_THAT(Drain(queue_), ElementsAre(Prefix() + kept + "}"));
  EXPECT_EQ(stats_.events_received.load(), 3u);
  EXPECT_EQ(stats_.events_filtered.load(), 2u);
  // A filtered report still ends the shutdown wait: the extension follows it, ships it or not.
  EXPECT_TRUE(ingest_.WaitForQuiet(milliseconds(0), pipeline::SteadyClock::now(), "req-5"));
}

TEST_F(TelemetryIngestFormatTest, RecordsBorrowTheirEventsFromTheBodyUntilTheLastOneIsGone) {
  const std::vector<std::string> events = {FunctionEvent("one"), FunctionEvent("two")};
  // As the listener hands a body over: sized from Content-Length, with simdjson's padding.
  const std::string batch = Batch(events);
  std::string received;
  received.reserve(batch.size() + telemetry::kListenerBodyPadding);
  received.assign(batch);
  ASSERT_EQ(ingest_.HandleBatch(std::move(received)).status, 200);
  std::vector<kinesis::Record> records = DrainRecords();
  ASSERT_EQ(records.size(), 2u);
  ASSERT_TRUE(records[0].borrowed());
  EXPECT_EQ(records[0].batch, records[1].batch) << "one body shared by the batch's records";
  EXPECT_TRUE(records[0].data.empty()) << "no copy of the event";
  EXPECT_EQ(records[1].event, events[1]);
  EXPECT_EQ(records[1].DataSize(), Prefix().size() + kIdFieldBytes + events[1].size() + 1);
  std::weak_ptr<const kinesis::SharedBatch> body = records[0].batch;
  records.erase(records.begin());
  EXPECT_FALSE(body.expired()) << "the second record still points into it";
  records.clear();
  EXPECT_TRUE(body.expired()) << "freed with its last record";
}

TEST_F(TelemetryIngestFormatTest, ABodyMostlyFilteredOutIsNotKeptForTheFewEventsLeft) {
  config::FilterOptions options;
  options.drop_substrings = {"GET /health"};
  ingest_.FilterWith(std::make_unique<telemetry::EventFilter>(options));
  std::vector<std::string> events(9, FunctionEvent("GET /health"));
  const std::string kept = FunctionEvent("GET /orders");
  events.push_back(kept);
  ASSERT_EQ(ingest_.HandleBatch(Batch(events)).status, 200);
  std::vector<kinesis::Record> records = DrainRecords();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_FALSE(records[0].borrowed()) << "a tenth of the body would pin all of it";
  EXPECT_EQ(WithoutIds(records[0].data), Prefix() + kept + "}");
}

TEST(TelemetryIngestFormatQueueFullTest, APackedBatchRefusedWhenFullCountsItsEventsAsDropped) {
  pipeline::RecordQueue queue(1024);
  pipeline::DeliveryStats stats;
  TelemetryIngest ingest(Encoder(), queue, stats);
  config::RecordOptions options;
  options.format = config::RecordFormat::kNdjson;
  ingest.PackWith(telemetry::MakeRecordPacker(options, telemetry::AggregateKey::kPerEventKey));
  std::vector<std::string> events(20, FunctionEvent(std::string(100, 'y')));
  EXPECT_EQ(ingest.HandleBatch(Batch(events)).status, 503);
  EXPECT_EQ(stats.events_received.load(), 20u);
  EXPECT_EQ(stats.events_dropped_overflow.load(), 20u);
}

// ---- Tenant isolation ----

// One invocation of a tenant-isolated function as Lambda sends it: init without a tenant, the
// invocation's events with one, a plain-text log line without.
std::vector<std::string> TenantInvocation() {
  using namespace tk::testing;
  return {InitStartEvent(),      TenantStartEvent(),    TenantLogEvent("custom log line1"),
          TextLogEvent("plain"), TenantLogEvent("two"), TenantRuntimeDoneEvent(),
          TenantReportEvent()};
}

bool HasTenant(const std::string& event) { return event.find("\"tenantId\"") != event.npos; }

class TelemetryIngestTenantTest : public ::testing::Test {
 protected:
  static telemetry::RecordEncoder TenantEncoder() {
    return telemetry::RecordEncoder(EnvelopePrefix(), config::PartitionKeyStrategy::kTenant,
                                    kSandboxId);
  }
  // The envelope `encoder` gives `event` (with its tenant when it has one).
  static std::string Enveloped(const std::string& event) {
    if (!HasTenant(event)) return Prefix() + event + "}";
    const std::string prefix = Prefix();
    return prefix.substr(0, prefix.size() - 8) + R"("tenantId":"BlueTenant","event":)" + event +
           "}";
  }
  std::vector<kinesis::Record> DrainRecords() {
    std::vector<kinesis::Record> records;
    while (!queue_.empty()) {
      kinesis::PutRecordsBatch batch(queue_.limits());
      queue_.PopInto(batch);
      for (kinesis::Record& record : batch.records()) records.push_back(std::move(record));
    }
    return records;
  }

  pipeline::RecordQueue queue_{8 * kinesis::kMiB};
  pipeline::DeliveryStats stats_;
  TelemetryIngest ingest_{TenantEncoder(), queue_, stats_};
};

TEST_F(TelemetryIngestTenantTest, KeysAndEnvelopesEachEventByItsOwnTenantId) {
  const std::vector<std::string> events = TenantInvocation();
  ASSERT_EQ(ingest_.HandleBatch(Batch(events)).status, 200);
  const std::vector<kinesis::Record> records = DrainRecords();
  ASSERT_EQ(records.size(), events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    std::string data;
    records[i].AppendDataTo(data);
    EXPECT_EQ(WithoutIds(data), Enveloped(events[i])) << i;
    EXPECT_EQ(records[i].partition_key, HasTenant(events[i]) ? tk::testing::kTenant : kSandboxId)
        << i;
  }
}

TEST_F(TelemetryIngestTenantTest, EventsWithoutATenantKeepPointingIntoThePostBody) {
  // Mostly events without a tenant (a text-log function): those stay borrowed from the body, as
  // without tenant isolation; the one with a tenant has its own envelope, so its own bytes.
  std::vector<std::string> events(20, tk::testing::TextLogEvent(std::string(200, 'x')));
  events.push_back(tk::testing::TenantReportEvent());
  // As the listener hands a body over: sized from Content-Length, with simdjson's padding.
  const std::string batch = Batch(events);
  std::string received;
  received.reserve(batch.size() + telemetry::kListenerBodyPadding);
  received.assign(batch);
  ASSERT_EQ(ingest_.HandleBatch(std::move(received)).status, 200);
  const std::vector<kinesis::Record> records = DrainRecords();
  ASSERT_EQ(records.size(), events.size());
  for (size_t i = 0; i + 1 < records.size(); ++i) EXPECT_TRUE(records[i].borrowed()) << i;
  EXPECT_FALSE(records.back().borrowed());
  EXPECT_EQ(WithoutIds(records.back().data), Enveloped(events.back()));
}

TEST(TelemetryIngestTenantSandboxTest, TheSandboxStrategyKeepsOneKeyButStillRecordsTheTenant) {
  pipeline::RecordQueue queue(8 * kinesis::kMiB);
  pipeline::DeliveryStats stats;
  TelemetryIngest ingest(Encoder(), queue, stats);
  ASSERT_EQ(ingest.HandleBatch(Batch(TenantInvocation())).status, 200);
  kinesis::PutRecordsBatch batch(queue.limits());
  queue.PopInto(batch);
  size_t with_tenant = 0;
  for (const kinesis::Record& record : batch.records()) {
    EXPECT_EQ(record.partition_key, kSandboxId);
    std::string data;
    record.AppendDataTo(data);
    with_tenant += data.find(R"("tenantId":"BlueTenant","event":)") != std::string::npos;
  }
  EXPECT_EQ(with_tenant, 5u);
}

// ndjson and kpl: a record holds events of one key only, so it lands on its events' shard (and
// KCL keeps every KPL user record); the envelope of each line says which had a tenant.
class TelemetryIngestTenantPackTest : public TelemetryIngestTenantTest,
                                      public ::testing::WithParamInterface<config::RecordFormat> {};

TEST_P(TelemetryIngestTenantPackTest, ClosesARecordWhereverTheKeyChanges) {
  config::RecordOptions options;
  options.format = GetParam();
  ingest_.PackWith(telemetry::MakeRecordPacker(options, telemetry::AggregateKey::kPerEventKey));
  const std::vector<std::string> events = TenantInvocation();
  ASSERT_EQ(ingest_.HandleBatch(Batch(events)).status, 200);
  const std::vector<kinesis::Record> records = DrainRecords();
  // initStart | start, log | text log | log, runtimeDone, report
  ASSERT_EQ(records.size(), 4u);
  const std::vector<std::string> keys = {kSandboxId, tk::testing::kTenant, kSandboxId,
                                         tk::testing::kTenant};
  const std::vector<uint32_t> counts = {1, 2, 1, 3};
  size_t next_event = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].partition_key, keys[i]) << i;
    EXPECT_EQ(records[i].events, counts[i]) << i;
    for (uint32_t e = 0; e < records[i].events; ++e, ++next_event) {
      // Each event's envelope appears in its record (ndjson: a line; kpl: a user record's data).
      EXPECT_NE(WithoutIds(records[i].data).find(Enveloped(events[next_event])), std::string::npos)
          << "record " << i << " event " << next_event;
    }
  }
  EXPECT_EQ(next_event, events.size());
  EXPECT_EQ(stats_.events_received.load(), events.size());
}

std::string FormatName(const ::testing::TestParamInfo<config::RecordFormat>& param) {
  return param.param == config::RecordFormat::kKpl ? "Kpl" : "Ndjson";
}

INSTANTIATE_TEST_SUITE_P(PackedFormats, TelemetryIngestTenantPackTest,
                         ::testing::Values(config::RecordFormat::kNdjson,
                                           config::RecordFormat::kKpl),
                         FormatName);

// ---- Event ids: stable across re-deliveries, unique across events ----

// The "id" of every envelope queued, in order (one event per record: the event format).
std::vector<std::string> DrainIds(pipeline::RecordQueue& queue) {
  std::vector<std::string> ids;
  DrainData(queue, [&](const std::string& data) {
    ids.push_back(nlohmann::json::parse(data).at("id").get<std::string>());
  });
  return ids;
}

TEST_F(TelemetryIngestTest, GivesARedeliveredBodyTheSameIdsAndIdenticalLinesDifferentOnes) {
  // Two byte-identical log lines (same millisecond, same text) and a report.
  const std::string body = Batch({FunctionEvent("same"), FunctionEvent("same"), ReportEvent("r")});
  ASSERT_EQ(ingest_.HandleBatch(body).status, 200);
  ASSERT_EQ(ingest_.HandleBatch(body).status, 200);  // Lambda re-sends it: its answer was lost
  const std::vector<std::string> ids = DrainIds(queue_);
  ASSERT_EQ(ids.size(), 6u);
  for (const std::string& id : ids) EXPECT_THAT(id, ::testing::MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(std::vector<std::string>(ids.begin(), ids.begin() + 3),
            std::vector<std::string>(ids.begin() + 3, ids.end()))
      << "a re-delivery repeats every id, in order";
  EXPECT_NE(ids[0], ids[1]) << "identical lines of one body are different events";
  EXPECT_NE(ids[0], ids[2]);
  EXPECT_NE(ids[1], ids[2]);
}

TEST_F(TelemetryIngestTest, GivesTheSameLineInAnotherBodyAnotherId) {
  ASSERT_EQ(ingest_.HandleBatch(Batch({FunctionEvent("same")})).status, 200);
  ASSERT_EQ(ingest_.HandleBatch(Batch({FunctionEvent("same"), FunctionEvent("next")})).status, 200);
  const std::vector<std::string> ids = DrainIds(queue_);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_NE(ids[0], ids[1]) << "the same text in two POSTs: two events logged in one millisecond";
}

TEST(TelemetryIngestEventIdTest, AnotherEnvironmentGivesTheSameBodyOtherIds) {
  pipeline::RecordQueue first_queue(kinesis::kMiB);
  pipeline::RecordQueue second_queue(kinesis::kMiB);
  pipeline::DeliveryStats stats;
  TelemetryIngest first(Encoder(), first_queue, stats);
  telemetry::FunctionMetadata other;
  other.function_name = "orders-api";
  other.sandbox_id = "fedcba9876543210";
  TelemetryIngest second(
      telemetry::RecordEncoder(telemetry::RenderEnvelopePrefix(other),
                               config::PartitionKeyStrategy::kSandbox, other.sandbox_id),
      second_queue, stats);
  const std::string body = Batch({FunctionEvent("same")});
  ASSERT_EQ(first.HandleBatch(body).status, 200);
  ASSERT_EQ(second.HandleBatch(body).status, 200);
  EXPECT_NE(DrainIds(first_queue), DrainIds(second_queue));
}

TEST_F(TelemetryIngestTest, GivesEachFragmentOfAnOversizedEventItsOwnStableId) {
  const std::string big = FunctionEvent(std::string(2 * kinesis::kMiB, 'x'));
  const std::string body = Batch({big});
  ASSERT_EQ(ingest_.HandleBatch(body).status, 200);
  const std::vector<std::string> first = DrainIds(queue_);
  ASSERT_EQ(ingest_.HandleBatch(body).status, 200);
  const std::vector<std::string> again = DrainIds(queue_);
  ASSERT_GE(first.size(), 3u);
  EXPECT_EQ(first, again);
  EXPECT_EQ(std::set<std::string>(first.begin(), first.end()).size(), first.size());
}

}  // namespace
}  // namespace tk::telemetry
