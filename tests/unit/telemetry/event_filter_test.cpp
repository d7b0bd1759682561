// Tests the event filter (platform event types, minimum log level, drop pattern) and the level
// recognition in JSON and text log lines, with the shared Telemetry API samples.
#include "telemetry/event_filter.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace tk::telemetry {
namespace {

using config::LogLevel;

std::string Sample(const std::string& name) {
  std::ifstream file(std::string(TK_SHARED_DIR) + "/telemetry-samples/" + name);
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_FALSE(text.str().empty()) << name;
  return text.str();
}

TelemetryEvent Event(std::string_view raw, std::string_view type) { return {raw, type, ""}; }

std::string TextLog(std::string_view type, std::string_view line) {
  return R"({"time":"2024-01-01T00:00:00.000Z","type":")" + std::string(type) + R"(","record":")" +
         std::string(line) + "\"}";
}

std::string JsonLog(std::string_view level) {
  return R"({"time":"t","type":"function","record":{"timestamp":"t","level":")" +
         std::string(level) + R"(","message":"m"}})";
}

TEST(TextLogLevelTest, RecognisesTheCommonLevelPrefixes) {
  EXPECT_EQ(TextLogLevel("[ERROR] disk full"), LogLevel::kError);
  EXPECT_EQ(TextLogLevel("[INFO]\t2024-01-01T00:00:00Z\treq\tstarted"), LogLevel::kInfo);
  EXPECT_EQ(TextLogLevel("ERROR something broke"), LogLevel::kError);
  EXPECT_EQ(TextLogLevel("WARN: low memory"), LogLevel::kWarn);
  EXPECT_EQ(TextLogLevel("warning: low memory"), LogLevel::kWarn);
  EXPECT_EQ(TextLogLevel("  debug details"), LogLevel::kDebug);
  EXPECT_EQ(TextLogLevel("2024-01-01T00:00:00.000Z\t79b4f56e-95b1\tINFO\thello"), LogLevel::kInfo);
  EXPECT_EQ(TextLogLevel("2024-01-01T00:00:00.000Z\t79b4f56e-95b1\tTRACE\thello"),
            LogLevel::kTrace);
  EXPECT_EQ(TextLogLevel("time=2024 level=error msg=x"), LogLevel::kError);
  EXPECT_EQ(TextLogLevel("ts=1 level=\"debug\" msg=x"), LogLevel::kDebug);
  EXPECT_EQ(TextLogLevel("{\"level\":\"fatal\",\"msg\":\"x\"}"), LogLevel::kFatal);
  EXPECT_EQ(TextLogLevel("CRITICAL: out of cheese"), LogLevel::kFatal);
  EXPECT_EQ(TextLogLevel("[telemetry-kinesis] WARN retrying"), LogLevel::kWarn);
  EXPECT_EQ(TextLogLevel("[main] debug: starting"), LogLevel::kDebug);
}

TEST(TextLogLevelTest, LinesWithoutARecognisableLevelHaveNone) {
  EXPECT_EQ(TextLogLevel("inv-0001 line-0002 id=0123 hello"), std::nullopt);
  EXPECT_EQ(TextLogLevel("Information about the order"), std::nullopt);
  EXPECT_EQ(TextLogLevel("Debugging is fun"), std::nullopt);
  EXPECT_EQ(TextLogLevel("the errors=3 were expected"), std::nullopt);
  EXPECT_EQ(TextLogLevel("myloglevel=error"), std::nullopt);
  EXPECT_EQ(TextLogLevel(""), std::nullopt);
  EXPECT_EQ(TextLogLevel("[unclosed info"), std::nullopt);
  EXPECT_EQ(TextLogLevel("[main] started"), std::nullopt);
  EXPECT_EQ(TextLogLevel(std::string(300, 'x') + " level=error"), std::nullopt)
      << "levels are looked for near the start only";
}

TEST(LogLevelReaderTest, ReadsJsonAndTextRecordsOfTheSamples) {
  LogLevelReader reader;
  EXPECT_EQ(reader.Read(Sample("function-json.json")), LogLevel::kInfo);
  EXPECT_EQ(reader.Read(Sample("function-text.json")), LogLevel::kInfo);
  EXPECT_EQ(reader.Read(Sample("extension-json.json")), LogLevel::kInfo);
  EXPECT_EQ(reader.Read(Sample("extension-text.json")), LogLevel::kInfo);
  EXPECT_EQ(reader.Read(JsonLog("WARN")), LogLevel::kWarn);
  EXPECT_EQ(reader.Read(R"({"type":"function","record":{"message":"no level"}})"), std::nullopt);
  EXPECT_EQ(reader.Read(R"({"type":"function","record":42})"), std::nullopt);
  EXPECT_EQ(reader.Read(R"({"type":"function"})"), std::nullopt);
}

TEST(EventFilterTest, KeepsEverythingWithoutRules) {
  EventFilter filter{config::FilterOptions{}};
  const std::string report = Sample("platform.report.json");
  EXPECT_EQ(filter.Judge(Event(report, "platform.report")), FilterVerdict::kKeep);
  const std::string log = JsonLog("DEBUG");
  EXPECT_EQ(filter.Judge(Event(log, "function")), FilterVerdict::kKeep);
}

TEST(EventFilterTest, KeepsOnlyTheListedPlatformEventsAndNeverJudgesLogsByType) {
  config::FilterOptions options;
  options.platform_events = {"platform.report", "platform.start"};
  EventFilter filter(options);
  const std::string report = Sample("platform.report.json");
  const std::string done = Sample("platform.runtimeDone.json");
  const std::string log = TextLog("function", "hello");
  EXPECT_EQ(filter.Judge(Event(report, "platform.report")), FilterVerdict::kKeep);
  EXPECT_EQ(filter.Judge(Event(done, "platform.runtimeDone")), FilterVerdict::kPlatformEventType);
  EXPECT_EQ(filter.Judge(Event(log, "function")), FilterVerdict::kKeep);
}

TEST(EventFilterTest, DropsLogLinesBelowTheMinimumLevelAndKeepsUnknownLevels) {
  config::FilterOptions options;
  options.min_log_level = LogLevel::kWarn;
  EventFilter filter(options);
  const std::string debug_json = JsonLog("DEBUG");
  const std::string error_json = JsonLog("ERROR");
  const std::string info_text = TextLog("extension", "[INFO] started");
  const std::string warn_text = TextLog("function", "WARN slow");
  const std::string plain_text = TextLog("function", "no level here");
  const std::string report = Sample("platform.report.json");
  EXPECT_EQ(filter.Judge(Event(debug_json, "function")), FilterVerdict::kLogLevel);
  EXPECT_EQ(filter.Judge(Event(error_json, "function")), FilterVerdict::kKeep);
  EXPECT_EQ(filter.Judge(Event(info_text, "extension")), FilterVerdict::kLogLevel);
  EXPECT_EQ(filter.Judge(Event(warn_text, "function")), FilterVerdict::kKeep);
  EXPECT_EQ(filter.Judge(Event(plain_text, "function")), FilterVerdict::kKeep);
  EXPECT_EQ(filter.Judge(Event(report, "platform.report")), FilterVerdict::kKeep)
      << "platform events have no level";
}

TEST(EventFilterTest, DropsEventsContainingAnyDropText) {
  config::FilterOptions options;
  options.drop_substrings = {"GET /health", "\\\"probe\\\""};
  EventFilter filter(options);
  const std::string health = TextLog("function", "INFO GET /health 200");
  const std::string probe = TextLog("function", "said \\\"probe\\\" twice");
  const std::string other = TextLog("function", "GET /orders 200");
  EXPECT_EQ(filter.Judge(Event(health, "function")), FilterVerdict::kDropPattern);
  EXPECT_EQ(filter.Judge(Event(probe, "function")), FilterVerdict::kDropPattern);
  EXPECT_EQ(filter.Judge(Event(other, "function")), FilterVerdict::kKeep);
}

}  // namespace
}  // namespace tk::telemetry
