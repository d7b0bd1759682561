// Tests the listener's handler: a batch is queued whole and in order (200), refused whole when
// malformed (400) or when the queue is full (503), and the shutdown wait for a report.
#include "pipeline/telemetry_ingest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "kinesis/limits.h"

namespace tk::pipeline {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kSandboxId[] = "0123456789abcdef";

std::string Prefix() {
  telemetry::FunctionMetadata metadata;
  metadata.function_name = "orders-api";
  metadata.function_version = "$LATEST";
  metadata.region = "eu-west-1";
  metadata.memory_mb = 128;
  metadata.sandbox_id = kSandboxId;
  metadata.extension_version = "telemetry-kinesis/test";
  return telemetry::RenderEnvelopePrefix(metadata);
}

telemetry::RecordEncoder Encoder() {
  return telemetry::RecordEncoder(Prefix(), config::PartitionKeyStrategy::kSandbox, kSandboxId);
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

// Everything queued, in order, as the record data.
std::vector<std::string> Drain(RecordQueue& queue) {
  std::vector<std::string> data;
  for (int requests = 0; requests < 100 && !queue.empty(); ++requests) {
    kinesis::PutRecordsBatch batch;
    queue.PopInto(batch);
    for (const kinesis::Record& record : batch.records()) data.push_back(record.data);
  }
  return data;
}

class TelemetryIngestTest : public ::testing::Test {
 protected:
  RecordQueue queue_{1 * kinesis::kMiB};
  DeliveryStats stats_;
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

TEST_F(TelemetryIngestTest, RejectsAMalformedBatchWith400AndQueuesNothingOfIt) {
  for (const std::string& body :
       {std::string("[{\"type\":\"function\""), Batch({FunctionEvent("ok"), "17"}),
        std::string("{\"type\":\"function\"}")}) {
    telemetry::ListenerReply reply = ingest_.HandleBatch(body);
    EXPECT_EQ(reply.status, 400) << body;
    EXPECT_THAT(reply.message, HasSubstr("malformed")) << body;
  }
  EXPECT_TRUE(queue_.empty());
  EXPECT_EQ(queue_.held_bytes(), 0u);
  EXPECT_EQ(stats_.batches_rejected_malformed.load(), 3u);
  EXPECT_EQ(stats_.events_received.load(), 0u);
}

TEST_F(TelemetryIngestTest, DropsAndCountsAnEventOverTheRecordLimitAndQueuesTheRest) {
  const std::string huge = FunctionEvent(std::string(kinesis::kMaxRecordBytes, 'x'));
  telemetry::ListenerReply reply =
      ingest_.HandleBatch(Batch({FunctionEvent("before"), huge, FunctionEvent("after")}));
  EXPECT_EQ(reply.status, 200);
  const std::string prefix = Prefix();
  EXPECT_THAT(Drain(queue_), ElementsAre(prefix + FunctionEvent("before") + "}",
                                         prefix + FunctionEvent("after") + "}"));
  EXPECT_EQ(stats_.events_received.load(), 3u);
  EXPECT_EQ(stats_.events_dropped_too_large.load(), 1u);
}

TEST(TelemetryIngestQueueFullTest, AnswersAFullQueueWith503AndQueuesNothingOfTheBatch) {
  // No spool here (a bare queue): past the memory budget a batch is refused whole.
  const telemetry::RecordEncoder sizer = Encoder();
  const std::string first = FunctionEvent("first");
  // Room for the first batch's record only.
  RecordQueue queue(sizer.RecordSize(first.size()));
  DeliveryStats stats;
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
  // The refused batch's report was not taken either.
  EXPECT_FALSE(ingest.WaitForReport("req-9", SteadyClock::now()));
}

TEST_F(TelemetryIngestTest, WaitForReportReturnsTrueWhenTheReportArrivesFromAnotherThread) {
  std::thread listener([this] {
    std::this_thread::sleep_for(milliseconds(20));
    ingest_.HandleBatch(Batch({FunctionEvent("log line")}));
    ingest_.HandleBatch(Batch({FunctionEvent("last words"), ReportEvent("req-42")}));
  });
  const auto start = SteadyClock::now();
  EXPECT_TRUE(ingest_.WaitForReport("req-42", start + std::chrono::seconds(10)));
  EXPECT_LT(SteadyClock::now() - start, std::chrono::seconds(5));
  listener.join();
}

TEST_F(TelemetryIngestTest, WaitForReportReturnsTrueAtOnceForAReportAlreadyReceived) {
  ASSERT_EQ(ingest_.HandleBatch(Batch({ReportEvent("req-7")})).status, 200);
  const auto start = SteadyClock::now();
  EXPECT_TRUE(ingest_.WaitForReport("req-7", start + std::chrono::seconds(10)));
  EXPECT_LT(SteadyClock::now() - start, std::chrono::seconds(1));
}

TEST_F(TelemetryIngestTest, WaitForReportReturnsFalseAtTheDeadlineWithoutThatReport) {
  ASSERT_EQ(ingest_.HandleBatch(Batch({ReportEvent("req-1")})).status, 200);
  const auto start = SteadyClock::now();
  EXPECT_FALSE(ingest_.WaitForReport("req-2", start + milliseconds(50)));
  const auto waited = SteadyClock::now() - start;
  EXPECT_GE(waited, milliseconds(50));
  EXPECT_LT(waited, std::chrono::seconds(2));
}

}  // namespace
}  // namespace tk::pipeline
