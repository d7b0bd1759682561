// Tests the cloudwatch-logs format: the line CloudWatch shows for each sample event of the AWS
// documentation (text and JSON log formats), RFC 3339 times, the log event objects and the
// DATA_MESSAGE records (gzip, within the target, events in order).
#include "telemetry/cloudwatch_logs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/gunzip.h"
#include "support/telemetry_samples.h"
#include "telemetry/cloudwatch_lines.h"

namespace tk::telemetry {
namespace {

using config::CloudWatchLogFormat;
using ::testing::MatchesRegex;

using tk::testing::ReadSample;

std::string TextLine(const std::string& sample) {
  const auto line = CloudWatchLineOf(ReadSample(sample), CloudWatchLogFormat::kText, "$LATEST");
  return line ? line->message : "(none)";
}

TEST(CloudWatchLineTest, RebuildsLambdasPlatformLinesFromThePlatformEvents) {
  EXPECT_EQ(TextLine("platform.start.json"),
            "START RequestId: 6d68ca91-49c9-448d-89b8-7ca3e6dc66aa Version: $LATEST\n");
  EXPECT_EQ(TextLine("platform.runtimeDone.json"),
            "END RequestId: 6d68ca91-49c9-448d-89b8-7ca3e6dc66aa\n");
  EXPECT_EQ(TextLine("platform.report.json"),
            "REPORT RequestId: 6d68ca91-49c9-448d-89b8-7ca3e6dc66aa\tDuration: 693.92 ms\t"
            "Billed Duration: 694 ms\tMemory Size: 128 MB\tMax Memory Used: 84 MB\t"
            "Init Duration: 397.68 ms\t\n");
  EXPECT_EQ(TextLine("platform.initStart.json"),
            "INIT_START Runtime Version: nodejs-14.v3\tRuntime Version ARN: arn\n");
  EXPECT_EQ(TextLine("platform.extension.json"),
            "EXTENSION\tName: my-telemetry-extension\tState: Ready\tEvents: [INVOKE, SHUTDOWN]\n");
  EXPECT_EQ(TextLine("platform.telemetrySubscription.json"),
            "TELEMETRY\tName: my-telemetry-extension\tState: Subscribed\tTypes: [Platform, "
            "Function]\n");
}

TEST(CloudWatchLineTest, WritesTheXrayPartOfAReportOnALineOfItsOwn) {
  const std::string report =
      R"({"time":"2024-05-01T12:00:00.218Z","type":"platform.report","record":{"requestId":"r-1",)"
      R"("metrics":{"durationMs":2.5,"billedDurationMs":3,"memorySizeMB":128,"maxMemoryUsedMB":10},)"
      R"("tracing":{"spanId":"9c54e4124923ee8f","type":"X-Amzn-Trace-Id",)"
      R"("value":"Root=1-68f7d85d-0f0bfbbe2ab8f94854bf83a8;Parent=1111;Sampled=1"},"status":"timeout"}})";
  const auto line = CloudWatchLineOf(report, CloudWatchLogFormat::kText, "$LATEST");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->message,
            "REPORT RequestId: r-1\tDuration: 2.50 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\t"
            "Max Memory Used: 10 MB\tStatus: timeout\t\nXRAY TraceId: "
            "1-68f7d85d-0f0bfbbe2ab8f94854bf83a8\tSegmentId: 9c54e4124923ee8f\tSampled: true\t\n");
  EXPECT_EQ(line->timestamp_ms, 1714564800218);
}

TEST(CloudWatchLineTest, KeepsFunctionLinesAsWrittenWithTheirNewline) {
  EXPECT_EQ(TextLine("function-text.json"), "[INFO] Hello world, I am a function!\n");
  const auto json =
      CloudWatchLineOf(ReadSample("function-json.json"), CloudWatchLogFormat::kJson, "$LATEST");
  ASSERT_TRUE(json);
  EXPECT_EQ(json->message, R"({"timestamp":"2022-10-12T00:03:50.000Z","level":"INFO",)"
                           R"("requestId":"79b4f56e-95b1-4643-9700-2807f4e68189",)"
                           R"("message":"Hello world, I am a function!"})");
  EXPECT_EQ(TextLine("extension-text.json").back(), '\n');
}

TEST(CloudWatchLineTest, HasNoLineForEventsCloudWatchDoesNotShow) {
  EXPECT_EQ(TextLine("platform.logsDropped.json"), "(none)");
  EXPECT_EQ(TextLine("platform.initRuntimeDone.json"), "(none)");
  EXPECT_EQ(TextLine("platform.restoreRuntimeDone.json"), "(none)");
  EXPECT_EQ(TextLine("platform.initReport.json"), "(none)") << "a successful init: in REPORT";
  EXPECT_FALSE(CloudWatchLineOf(ReadSample("platform.logsDropped.json"), CloudWatchLogFormat::kJson,
                                "$LATEST"));
  EXPECT_FALSE(CloudWatchLineOf("not json", CloudWatchLogFormat::kText, "$LATEST"));
}

TEST(CloudWatchLineTest, WritesPlatformEventsAsTheirJsonWithTheJsonLogFormat) {
  const auto line =
      CloudWatchLineOf(ReadSample("platform.start.json"), CloudWatchLogFormat::kJson, "$LATEST");
  ASSERT_TRUE(line);
  EXPECT_EQ(nlohmann::json::parse(line->message),
            nlohmann::json::parse(ReadSample("platform.start.json")));
  EXPECT_EQ(line->message.find('\n'), std::string::npos);
  EXPECT_TRUE(CloudWatchLineOf(ReadSample("platform.initRuntimeDone.json"),
                               CloudWatchLogFormat::kJson, "$LATEST"));
}

TEST(ParseRfc3339MsTest, ReadsLambdasTimesAndOffsets) {
  EXPECT_EQ(ParseRfc3339Ms("2022-10-12T00:03:50.000Z"), 1665533030000);
  EXPECT_EQ(ParseRfc3339Ms("2022-10-12T00:03:50Z"), 1665533030000);
  EXPECT_EQ(ParseRfc3339Ms("2022-10-12T00:03:50.123456Z"), 1665533030123);
  EXPECT_EQ(ParseRfc3339Ms("2022-10-12T02:03:50.5+02:00"), 1665533030500);
  EXPECT_EQ(ParseRfc3339Ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_FALSE(ParseRfc3339Ms("2022-10-12 00:03:50Z"));
  EXPECT_FALSE(ParseRfc3339Ms("2022-02-30T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339Ms("2022-10-12T00:03:50"));
  EXPECT_FALSE(ParseRfc3339Ms("2022-08-02T12:01:23:521Z"));
}

TEST(LogStreamNameTest, FollowsLambdasNamingWithTheSandboxId) {
  const auto day = std::chrono::sys_days(std::chrono::year(2024) / 5 / 1) + std::chrono::hours(13);
  const std::string name = DrawLogStreamName(day, "$LATEST", "0123456789abcdef");
  EXPECT_THAT(name, MatchesRegex(R"(2024/05/01/\[\$LATEST\]0123456789abcdef[0-9a-f]{16})"));
}

using tk::testing::Gunzip;

TEST(CloudWatchLogsPackerTest, RecordsAreDataMessagesOfTheLogEventsInOrderWithinTheTarget) {
  CloudWatchLogsSource source{"123456789012", "/aws/lambda/orders-api", "", "telemetry-kinesis"};
  auto packer = MakeCloudWatchLogsPacker(source, 4 * 1024);
  const std::string stream = "2024/05/01/[$LATEST]0123456789abcdef0123456789abcdef";
  CloudWatchLogEventEncoder encoder(stream, CloudWatchLogFormat::kText, "$LATEST");
  std::vector<kinesis::Record> records;
  const size_t kLines = 300;
  for (size_t i = 0; i < kLines; ++i) {
    const std::string event = R"({"time":"2024-05-01T12:00:00.000Z","type":"function","record":")" +
                              std::string("line ") + std::to_string(i) + " \\\"quoted\\\" " +
                              std::string(i % 50, 'x') + R"("})";
    kinesis::Record log_event;
    ASSERT_TRUE(encoder.Encode(event, EventId{i, 7}, log_event));
    EXPECT_EQ(log_event.partition_key, stream);
    ASSERT_TRUE(packer->Add(log_event.partition_key, log_event.data, records));
  }
  packer->Finish(records);
  ASSERT_GT(records.size(), 1u);
  size_t next = 0;
  for (const kinesis::Record& record : records) {
    EXPECT_LE(record.Size(), 4u * 1024);
    EXPECT_EQ(record.partition_key, stream);
    const nlohmann::json message = nlohmann::json::parse(Gunzip(record.data));
    EXPECT_EQ(message["messageType"], "DATA_MESSAGE");
    EXPECT_EQ(message["owner"], "123456789012");
    EXPECT_EQ(message["logGroup"], "/aws/lambda/orders-api");
    EXPECT_EQ(message["logStream"], stream);
    EXPECT_EQ(message["subscriptionFilters"], nlohmann::json::array({"telemetry-kinesis"}));
    EXPECT_EQ(message["logEvents"].size(), record.events);
    for (const auto& log_event : message["logEvents"]) {
      EXPECT_THAT(log_event["id"].get<std::string>(), MatchesRegex("[0-9]{56}"));
      EXPECT_EQ(log_event["timestamp"], 1714564800000);
      EXPECT_EQ(log_event["message"].get<std::string>().rfind(
                    "line " + std::to_string(next) + " \"quoted\"", 0),
                0u);
      ++next;
    }
  }
  EXPECT_EQ(next, kLines);
}

TEST(CloudWatchLogEventEncoderTest, WritesTheEventIdAsFiftySixDecimalDigits) {
  EXPECT_EQ(DecimalOf(EventId{0, 1}), std::string(55, '0') + "1");
  EXPECT_EQ(DecimalOf(EventId{~0ULL, ~0ULL}),
            std::string(17, '0') + "340282366920938463463374607431768211455");
}

}  // namespace
}  // namespace tk::telemetry
