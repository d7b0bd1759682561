// Tests the record-format and filter variables: defaults, choices and ranges, gzip only with
// ndjson, and every malformed value reported by the variable's name.
#include "config/record_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config/config.h"

namespace tk::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

LoadedConfig LoadWith(const std::map<std::string, std::string>& overrides) {
  Environment environment({
      {"AWS_REGION", "eu-west-1"},
      {"TELEMETRY_KINESIS_STREAM", "telemetry"},
      {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
      {"AWS_SECRET_ACCESS_KEY", "secret"},
  });
  for (const auto& [name, value] : overrides) environment.Set(name, value);
  return LoadConfig(environment, [](const std::string&) { return true; });
}

std::string AllErrors(const LoadedConfig& loaded) {
  std::string joined;
  for (const std::string& error : loaded.errors) joined += error + "\n";
  return joined;
}

TEST(RecordOptionsTest, DefaultsToOneRecordPerEventAndNoFilters) {
  LoadedConfig loaded = LoadWith({});
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.records.format, RecordFormat::kEvent);
  EXPECT_EQ(loaded.config.records.compression, Compression::kNone);
  EXPECT_EQ(loaded.config.records.max_record_bytes, 25'600u);
  EXPECT_FALSE(loaded.config.filters.active());
  EXPECT_EQ(DescribeRecordOptions(loaded.config.records), "event");
  EXPECT_EQ(DescribeFilters(loaded.config.filters), "");
}

TEST(RecordOptionsTest, ReadsFormatCompressionAndSize) {
  LoadedConfig loaded = LoadWith({{"TELEMETRY_KINESIS_RECORD_FORMAT", "ndjson"},
                                  {"TELEMETRY_KINESIS_COMPRESSION", "gzip"},
                                  {"TELEMETRY_KINESIS_RECORD_MAX_BYTES", "1048576"}});
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.records.format, RecordFormat::kNdjson);
  EXPECT_EQ(loaded.config.records.compression, Compression::kGzip);
  EXPECT_EQ(loaded.config.records.max_record_bytes, 1'048'576u);
  EXPECT_EQ(DescribeRecordOptions(loaded.config.records), "ndjson+gzip up to 1048576 bytes");
  loaded = LoadWith({{"TELEMETRY_KINESIS_RECORD_FORMAT", "kpl"}});
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.records.format, RecordFormat::kKpl);
}

TEST(RecordOptionsTest, CloudWatchLogsNamesTheFunctionsLogGroupAndFollowsItsLogFormat) {
  LoadedConfig loaded = LoadWith({{"TELEMETRY_KINESIS_RECORD_FORMAT", "cloudwatch-logs"},
                                  {"AWS_LAMBDA_FUNCTION_NAME", "orders-api"},
                                  {"AWS_LAMBDA_LOG_FORMAT", "JSON"}});
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  const RecordOptions& records = loaded.config.records;
  EXPECT_EQ(records.format, RecordFormat::kCloudWatchLogs);
  EXPECT_EQ(records.compression, Compression::kGzip);
  EXPECT_EQ(records.cloudwatch.log_group, "/aws/lambda/orders-api");
  EXPECT_EQ(records.cloudwatch.subscription_filter, "telemetry-kinesis");
  EXPECT_EQ(records.cloudwatch.log_format, CloudWatchLogFormat::kJson);
  EXPECT_EQ(
      DescribeRecordOptions(records),
      "cloudwatch-logs (log group /aws/lambda/orders-api, JSON log format) up to 25600 bytes");

  loaded = LoadWith({{"TELEMETRY_KINESIS_RECORD_FORMAT", "cloudwatch-logs"},
                     {"AWS_LAMBDA_LOG_FORMAT", "JSON"},
                     {"TELEMETRY_KINESIS_CLOUDWATCH_LOG_FORMAT", "text"},
                     {"TELEMETRY_KINESIS_CLOUDWATCH_LOG_GROUP", "/custom/group"},
                     {"TELEMETRY_KINESIS_CLOUDWATCH_FILTER_NAME", "to-siem"}});
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.records.cloudwatch.log_format, CloudWatchLogFormat::kText);
  EXPECT_EQ(loaded.config.records.cloudwatch.log_group, "/custom/group");
  EXPECT_EQ(loaded.config.records.cloudwatch.subscription_filter, "to-siem");
}

TEST(RecordOptionsTest, CloudWatchLogsRefusesWhatASubscriptionFilterCannotDo) {
  LoadedConfig loaded = LoadWith({{"TELEMETRY_KINESIS_RECORD_FORMAT", "cloudwatch-logs"},
                                  {"TELEMETRY_KINESIS_COMPRESSION", "none"},
                                  {"TELEMETRY_KINESIS_PARTITION_KEY", "random"},
                                  {"TELEMETRY_KINESIS_CLOUDWATCH_LOG_FORMAT", "xml"}});
  const std::string errors = AllErrors(loaded);
  EXPECT_EQ(loaded.errors.size(), 3u) << errors;
  EXPECT_THAT(errors, HasSubstr("TELEMETRY_KINESIS_COMPRESSION=\"none\" is invalid with "
                                "TELEMETRY_KINESIS_RECORD_FORMAT=cloudwatch-logs"));
  EXPECT_THAT(errors, HasSubstr("the partition key is the log stream"));
  EXPECT_THAT(errors, HasSubstr("TELEMETRY_KINESIS_CLOUDWATCH_LOG_FORMAT=\"xml\" is invalid"));
}

TEST(RecordOptionsTest, RejectsBadValuesNamingTheVariable) {
  LoadedConfig loaded = LoadWith({{"TELEMETRY_KINESIS_RECORD_FORMAT", "csv"},
                                  {"TELEMETRY_KINESIS_COMPRESSION", "zstd"},
                                  {"TELEMETRY_KINESIS_RECORD_MAX_BYTES", "1048577"},
                                  {"TELEMETRY_KINESIS_PLATFORM_EVENTS", "report"},
                                  {"TELEMETRY_KINESIS_MIN_LOG_LEVEL", "loud"},
                                  {"TELEMETRY_KINESIS_DROP_PATTERN", "a||b"}});
  std::string errors = AllErrors(loaded);
  EXPECT_EQ(loaded.errors.size(), 6u) << errors;
  EXPECT_THAT(errors, HasSubstr("TELEMETRY_KINESIS_RECORD_FORMAT=\"csv\" is invalid: expected one "
                                "of event, ndjson, kpl, cloudwatch-logs"));
  EXPECT_THAT(errors, HasSubstr("TELEMETRY_KINESIS_COMPRESSION=\"zstd\""));
  EXPECT_THAT(errors, HasSubstr("TELEMETRY_KINESIS_RECORD_MAX_BYTES=\"1048577\" is invalid: "
                                "expected an integer from 1024 to 1048576"));
  EXPECT_THAT(errors, HasSubstr("TELEMETRY_KINESIS_PLATFORM_EVENTS=\"report\""));
  EXPECT_THAT(errors, HasSubstr("TELEMETRY_KINESIS_MIN_LOG_LEVEL=\"loud\""));
  EXPECT_THAT(errors, HasSubstr("TELEMETRY_KINESIS_DROP_PATTERN=\"a||b\""));
}

TEST(RecordOptionsTest, TheRecordSizeTargetEndsAtTheStreamsMaximumRecordSize) {
  // 5 MiB: over a default stream's 1 MiB records, within a stream raised to 10 MiB.
  LoadedConfig refused = LoadWith({{"TELEMETRY_KINESIS_RECORD_MAX_BYTES", "5242880"}});
  ASSERT_EQ(refused.errors.size(), 1u) << AllErrors(refused);
  EXPECT_THAT(refused.errors[0], HasSubstr("TELEMETRY_KINESIS_RECORD_MAX_BYTES=\"5242880\" is "
                                           "invalid: expected an integer from 1024 to 1048576"));

  LoadedConfig accepted = LoadWith({{"TELEMETRY_KINESIS_RECORD_MAX_BYTES", "5242880"},
                                    {"TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES", "10485760"},
                                    {"TELEMETRY_KINESIS_QUEUE_MAX_BYTES", "16777216"}});
  ASSERT_TRUE(accepted.ok()) << AllErrors(accepted);
  EXPECT_EQ(accepted.config.records.max_record_bytes, 5'242'880u);

  LoadedConfig over = LoadWith({{"TELEMETRY_KINESIS_RECORD_MAX_BYTES", "2097153"},
                                {"TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES", "2097152"}});
  ASSERT_EQ(over.errors.size(), 1u) << AllErrors(over);
  EXPECT_THAT(over.errors[0], HasSubstr("expected an integer from 1024 to 2097152"));
}

TEST(RecordOptionsTest, GzipNeedsNdjson) {
  for (const char* format : {"event", "kpl"}) {
    LoadedConfig loaded = LoadWith(
        {{"TELEMETRY_KINESIS_RECORD_FORMAT", format}, {"TELEMETRY_KINESIS_COMPRESSION", "gzip"}});
    ASSERT_EQ(loaded.errors.size(), 1u) << format;
    EXPECT_THAT(loaded.errors[0], HasSubstr("TELEMETRY_KINESIS_COMPRESSION=gzip is invalid with "
                                            "TELEMETRY_KINESIS_RECORD_FORMAT=" +
                                            std::string(format)));
  }
}

TEST(RecordOptionsTest, ReadsTheFilters) {
  LoadedConfig loaded =
      LoadWith({{"TELEMETRY_KINESIS_PLATFORM_EVENTS", "platform.report, platform.start"},
                {"TELEMETRY_KINESIS_MIN_LOG_LEVEL", "WARN"},
                {"TELEMETRY_KINESIS_DROP_PATTERN", "GET /health|a\\|b|c\\\\d"}});
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  const FilterOptions& filters = loaded.config.filters;
  EXPECT_THAT(filters.platform_events, ElementsAre("platform.report", "platform.start"));
  EXPECT_EQ(filters.min_log_level, LogLevel::kWarn);
  EXPECT_THAT(filters.drop_substrings, ElementsAre("GET /health", "a|b", "c\\d"));
  EXPECT_EQ(DescribeFilters(filters),
            "; filters: platform events platform.report,platform.start, log level >= warn, 3 "
            "drop text(s)");
}

TEST(RecordOptionsTest, ParsesLevelsAndPatterns) {
  EXPECT_EQ(ParseLogLevel("Warning"), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("critical"), LogLevel::kFatal);
  EXPECT_EQ(ParseLogLevel(""), std::nullopt);
  EXPECT_EQ(ParsePlatformEvents(""), std::nullopt);
  EXPECT_EQ(ParsePlatformEvents("platform."), std::nullopt);
  EXPECT_EQ(ParsePlatformEvents("platform.report,"), std::nullopt);
  EXPECT_EQ(ParseDropPattern(""), std::nullopt);
  EXPECT_EQ(ParseDropPattern("a|"), std::nullopt);
  EXPECT_EQ(ParseDropPattern("a\\"), std::nullopt);
  EXPECT_EQ(ParseDropPattern("a\\n"), std::nullopt);
  EXPECT_THAT(*ParseDropPattern("x"), ElementsAre("x"));
}

}  // namespace
}  // namespace tk::config
