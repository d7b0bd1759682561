// Tests environment -> Config: defaults, every variable's range or choices, stream name vs ARN,
// endpoint resolution, and that every problem is reported at once without leaking secrets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/config.h"

namespace tk::config {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzSECRETVALUE";
constexpr char kToken[] = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENVALUE";

// The variables Lambda always sets, plus the one the user must set.
Environment MinimalEnvironment() {
  return Environment({
      {"AWS_REGION", "eu-west-1"},
      {"TELEMETRY_KINESIS_STREAM", "telemetry"},
      {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
      {"AWS_SECRET_ACCESS_KEY", kSecret},
      {"AWS_SESSION_TOKEN", kToken},
  });
}

LoadedConfig LoadWith(std::map<std::string, std::string> overrides) {
  Environment environment = MinimalEnvironment();
  for (auto& [name, value] : overrides) environment.Set(name, value);
  return LoadConfig(environment);
}

// Every error message joined, for "names the variable" checks.
std::string AllErrors(const LoadedConfig& loaded) {
  std::string joined;
  for (const std::string& error : loaded.errors) joined += error + "\n";
  return joined;
}

TEST(ConfigLoaderTest, AppliesDocumentedDefaultsWhenOnlyRequiredVariablesAreSet) {
  LoadedConfig loaded = LoadConfig(MinimalEnvironment());
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  const Config& config = loaded.config;
  EXPECT_EQ(config.stream_name, "telemetry");
  EXPECT_EQ(config.stream_arn, "");
  EXPECT_EQ(config.region, "eu-west-1");
  EXPECT_EQ(config.endpoint.url, "https://kinesis.eu-west-1.amazonaws.com");
  EXPECT_EQ(config.endpoint.host_header, "kinesis.eu-west-1.amazonaws.com");
  EXPECT_EQ(config.endpoint.chosen_by, "aws partition");
  EXPECT_FALSE(config.use_fips_endpoint);
  EXPECT_FALSE(config.use_dualstack_endpoint);
  EXPECT_EQ(config.credentials.kind, aws::CredentialsSourceSettings::Kind::kEnvironment);
  EXPECT_EQ(config.function_name, "");
  EXPECT_EQ(config.function_version, "");
  EXPECT_EQ(config.function_memory_mb, 0u);
  EXPECT_THAT(config.telemetry_types, ElementsAre("platform", "function", "extension"));
  EXPECT_EQ(config.buffer_max_items, 1'000u);
  EXPECT_EQ(config.buffer_max_bytes, 1'048'576u);
  EXPECT_EQ(config.buffer_timeout_ms, 100u);
  EXPECT_EQ(config.listener_host, "sandbox.localdomain");
  EXPECT_EQ(config.listener_port, 4243);
  EXPECT_EQ(config.partition_key, PartitionKeyStrategy::kSandbox);
  EXPECT_EQ(config.stream_max_record_bytes, 1'048'576u);
  EXPECT_EQ(config.queue_max_bytes, 8u * 1024 * 1024);
  EXPECT_EQ(config.spool_dir, "/tmp/telemetry-kinesis-spool");
  EXPECT_EQ(config.spool_max_bytes, 64u * 1024 * 1024);
  EXPECT_EQ(config.max_batch_age_ms, 200u);
  EXPECT_EQ(config.shutdown_margin_ms, 200u);
  EXPECT_FALSE(config.emf_metrics);
  EXPECT_EQ(config.metrics_interval_ms, 60'000u);
  EXPECT_EQ(config.on_init_error, OnInitError::kContinue);
  EXPECT_EQ(config.log_level, log::Level::kInfo);
}

TEST(ConfigLoaderTest, TakesTheRegionFromAStreamArnWhenAwsRegionIsUnset) {
  Environment environment({
      {"TELEMETRY_KINESIS_STREAM", "arn:aws:kinesis:ap-south-1:123456789012:stream/telemetry"},
      {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
      {"AWS_SECRET_ACCESS_KEY", kSecret},
  });
  LoadedConfig loaded = LoadConfig(environment);
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.region, "ap-south-1");
  EXPECT_EQ(loaded.config.endpoint.url,
            "https://123456789012.data-kinesis.ap-south-1.amazonaws.com");
}

TEST(ConfigLoaderTest, NeverEchoesAnEndpointUrlThatCouldCarryCredentials) {
  LoadedConfig loaded = LoadWith({{"AWS_ENDPOINT_URL_KINESIS", "user:hunter2@kinesis.local"}});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(AllErrors(loaded), ::testing::HasSubstr("AWS_ENDPOINT_URL_KINESIS"));
  EXPECT_THAT(AllErrors(loaded), ::testing::Not(::testing::HasSubstr("hunter2")));
}

TEST(ConfigLoaderTest, ReadsTheFunctionMetadataLambdaProvides) {
  LoadedConfig loaded = LoadWith({{"AWS_LAMBDA_FUNCTION_NAME", "orders-api"},
                                  {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
                                  {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"}});
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.function_name, "orders-api");
  EXPECT_EQ(loaded.config.function_version, "$LATEST");
  EXPECT_EQ(loaded.config.function_memory_mb, 512u);
}

TEST(ConfigLoaderTest, ReportsEveryMissingRequiredVariableAtOnce) {
  LoadedConfig loaded = LoadConfig(Environment());
  EXPECT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.errors, Contains(HasSubstr("AWS_REGION")));
  EXPECT_THAT(loaded.errors, Contains(HasSubstr("TELEMETRY_KINESIS_STREAM")));
  EXPECT_THAT(loaded.errors, Contains(HasSubstr("AWS_ACCESS_KEY_ID")));
  EXPECT_THAT(loaded.errors, Contains(HasSubstr("AWS_SECRET_ACCESS_KEY")));
  // One message for the credentials: it names the key variables and the container ones.
  EXPECT_THAT(loaded.errors, Contains(HasSubstr("AWS_CONTAINER_CREDENTIALS_FULL_URI")));
  EXPECT_THAT(loaded.errors, SizeIs(3));
}

// SnapStart: no key variables, the container credentials endpoint instead (Lambda SnapStart
// guide; AWS Lambda Runtime Interface Emulator, rapidcore/env/environment.go).
TEST(ConfigLoaderTest, TakesTheContainerCredentialsEndpointWhenThereAreNoKeys) {
  LoadedConfig loaded = LoadConfig(Environment({
      {"AWS_REGION", "us-east-1"},
      {"TELEMETRY_KINESIS_STREAM", "telemetry"},
      {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9001/2021-04-23/credentials"},
      {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "token-value"},
  }));
  ASSERT_TRUE(loaded.ok()) << loaded.errors.front();
  EXPECT_EQ(loaded.config.credentials.kind, aws::CredentialsSourceSettings::Kind::kContainer);
  EXPECT_EQ(loaded.config.credentials.container_uri,
            "http://127.0.0.1:9001/2021-04-23/credentials");
  EXPECT_EQ(loaded.config.credentials.container_token, "token-value");
}

TEST(ConfigLoaderTest, RefusesAContainerEndpointOverPlainHttpToAnotherHost) {
  LoadedConfig loaded = LoadConfig(Environment({
      {"AWS_REGION", "us-east-1"},
      {"TELEMETRY_KINESIS_STREAM", "telemetry"},
      {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://203.0.113.7/credentials"},
  }));
  ASSERT_THAT(loaded.errors, SizeIs(1));
  EXPECT_THAT(loaded.errors[0], HasSubstr("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
  EXPECT_THAT(loaded.errors[0], HasSubstr("loopback"));
}

TEST(ConfigLoaderTest, ReportsSeveralInvalidVariablesAtOnceEachByName) {
  LoadedConfig loaded = LoadWith({{"TELEMETRY_KINESIS_BUFFER_MAX_ITEMS", "5"},
                                  {"TELEMETRY_KINESIS_LISTENER_PORT", "http"},
                                  {"TELEMETRY_KINESIS_PARTITION_KEY", "shard"},
                                  {"TELEMETRY_KINESIS_TYPES", "platform,logs"}});
  EXPECT_THAT(loaded.errors, SizeIs(4));
  EXPECT_THAT(loaded.errors, Contains(HasSubstr("TELEMETRY_KINESIS_BUFFER_MAX_ITEMS")));
  EXPECT_THAT(loaded.errors, Contains(HasSubstr("TELEMETRY_KINESIS_LISTENER_PORT")));
  EXPECT_THAT(loaded.errors, Contains(HasSubstr("TELEMETRY_KINESIS_PARTITION_KEY")));
  EXPECT_THAT(loaded.errors, Contains(HasSubstr("TELEMETRY_KINESIS_TYPES")));
}

TEST(ConfigLoaderTest, TreatsAnEmptyValueAsUnset) {
  // Optional variables emptied: the defaults apply and nothing is an error.
  Environment environment = MinimalEnvironment();
  for (const char* name : {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                           "TELEMETRY_KINESIS_TYPES",
                           "TELEMETRY_KINESIS_BUFFER_MAX_ITEMS",
                           "TELEMETRY_KINESIS_BUFFER_MAX_BYTES",
                           "TELEMETRY_KINESIS_BUFFER_TIMEOUT_MS",
                           "TELEMETRY_KINESIS_LISTENER_HOST",
                           "TELEMETRY_KINESIS_LISTENER_PORT",
                           "TELEMETRY_KINESIS_PARTITION_KEY",
                           "TELEMETRY_KINESIS_PROTOCOL",
                           "TELEMETRY_KINESIS_QUEUE_MAX_BYTES",
                           "TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES",
                           "TELEMETRY_KINESIS_SPOOL_DIR",
                           "TELEMETRY_KINESIS_SPOOL_MAX_BYTES",
                           "TELEMETRY_KINESIS_MAX_BATCH_AGE_MS",
                           "TELEMETRY_KINESIS_SHUTDOWN_MARGIN_MS",
                           "TELEMETRY_KINESIS_ON_INIT_ERROR",
                           "TELEMETRY_KINESIS_LOG_LEVEL",
                           "TELEMETRY_KINESIS_METRICS",
                           "TELEMETRY_KINESIS_METRICS_INTERVAL_MS",
                           "AWS_ENDPOINT_URL_KINESIS",
                           "AWS_ENDPOINT_URL",
                           "AWS_CA_BUNDLE",
                           "AWS_SESSION_TOKEN"}) {
    environment.Set(name, "");
  }
  LoadedConfig loaded = LoadConfig(environment);
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  const Config defaults;
  EXPECT_EQ(loaded.config.telemetry_types, defaults.telemetry_types);
  EXPECT_EQ(loaded.config.buffer_max_items, defaults.buffer_max_items);
  EXPECT_EQ(loaded.config.listener_host, defaults.listener_host);
  EXPECT_EQ(loaded.config.listener_port, defaults.listener_port);
  EXPECT_EQ(loaded.config.queue_max_bytes, defaults.queue_max_bytes);
  EXPECT_EQ(loaded.config.stream_max_record_bytes, defaults.stream_max_record_bytes);
  EXPECT_EQ(loaded.config.spool_dir, defaults.spool_dir);
  EXPECT_EQ(loaded.config.spool_max_bytes, defaults.spool_max_bytes);
  EXPECT_EQ(loaded.config.endpoint.url, "https://kinesis.eu-west-1.amazonaws.com");
  EXPECT_EQ(loaded.config.credentials.kind, aws::CredentialsSourceSettings::Kind::kEnvironment);
  EXPECT_EQ(loaded.config.emf_metrics, defaults.emf_metrics);
  EXPECT_EQ(loaded.config.metrics_interval_ms, defaults.metrics_interval_ms);

  // Required variables emptied: reported as not set.
  LoadedConfig missing = LoadWith({{"AWS_REGION", ""},
                                   {"TELEMETRY_KINESIS_STREAM", ""},
                                   {"AWS_ACCESS_KEY_ID", ""},
                                   {"AWS_SECRET_ACCESS_KEY", ""}});
  EXPECT_THAT(missing.errors, SizeIs(3));
  EXPECT_THAT(missing.errors, Contains(AllOf(HasSubstr("AWS_REGION"), HasSubstr("not set"))));
  EXPECT_THAT(missing.errors,
              Contains(AllOf(HasSubstr("TELEMETRY_KINESIS_STREAM"), HasSubstr("not set"))));
  EXPECT_THAT(missing.errors,
              Contains(AllOf(HasSubstr("AWS_ACCESS_KEY_ID"), HasSubstr("not set"))));
  EXPECT_THAT(missing.errors,
              Contains(AllOf(HasSubstr("AWS_SECRET_ACCESS_KEY"), HasSubstr("not set"))));
}

// ---- Numeric variables: one table row per variable, its range and where it lands ----

struct NumericVariable {
  std::string name;
  uint64_t min;
  uint64_t max;
  std::function<uint64_t(const Config&)> read;
};

void PrintTo(const NumericVariable& variable, std::ostream* out) { *out << variable.name; }

// "TELEMETRY_KINESIS_LISTENER_PORT" -> "TELEMETRYKINESISLISTENERPORT" (gtest names are alnum).
std::string NumericVariableName(const ::testing::TestParamInfo<NumericVariable>& param) {
  std::string name;
  for (char c : param.param.name) {
    if (c != '_') name += c;
  }
  return name;
}

class NumericVariableTest : public ::testing::TestWithParam<NumericVariable> {};

TEST_P(NumericVariableTest, AcceptsBothEndsOfItsRange) {
  const NumericVariable& variable = GetParam();
  for (uint64_t value : {variable.min, variable.max, (variable.min + variable.max) / 2}) {
    LoadedConfig loaded = LoadWith({{variable.name, std::to_string(value)}});
    ASSERT_TRUE(loaded.ok()) << value << ": " << AllErrors(loaded);
    EXPECT_EQ(variable.read(loaded.config), value);
  }
}

TEST_P(NumericVariableTest, RefusesValuesOutsideItsRangeNamingTheVariableAndRange) {
  const NumericVariable& variable = GetParam();
  std::vector<std::string> invalid = {
      std::to_string(variable.max + 1), "-1", "abc", "12x", " 5", "5 ", "1.5", "+5", "0x10",
      "99999999999999999999999"};
  if (variable.min > 0) invalid.push_back(std::to_string(variable.min - 1));
  const Config defaults = LoadConfig(MinimalEnvironment()).config;
  for (const std::string& value : invalid) {
    LoadedConfig loaded = LoadWith({{variable.name, value}});
    ASSERT_THAT(loaded.errors, SizeIs(1)) << value;
    EXPECT_THAT(loaded.errors[0], HasSubstr(variable.name)) << value;
    EXPECT_THAT(loaded.errors[0], HasSubstr("from " + std::to_string(variable.min) + " to " +
                                            std::to_string(variable.max)))
        << value;
    EXPECT_EQ(variable.read(loaded.config), variable.read(defaults)) << value;
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryNumericVariable, NumericVariableTest,
    ::testing::Values(
        NumericVariable{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 0, 1'000'000,
                        [](const Config& c) { return uint64_t{c.function_memory_mb}; }},
        NumericVariable{"TELEMETRY_KINESIS_BUFFER_MAX_ITEMS", 1'000, 10'000,
                        [](const Config& c) { return uint64_t{c.buffer_max_items}; }},
        NumericVariable{"TELEMETRY_KINESIS_BUFFER_MAX_BYTES", 262'144, 1'048'576,
                        [](const Config& c) { return uint64_t{c.buffer_max_bytes}; }},
        NumericVariable{"TELEMETRY_KINESIS_BUFFER_TIMEOUT_MS", 25, 30'000,
                        [](const Config& c) { return uint64_t{c.buffer_timeout_ms}; }},
        NumericVariable{"TELEMETRY_KINESIS_LISTENER_PORT", 1, 65'535,
                        [](const Config& c) { return uint64_t{c.listener_port}; }},
        NumericVariable{"TELEMETRY_KINESIS_QUEUE_MAX_BYTES", 1'048'576, 1'073'741'824,
                        [](const Config& c) { return uint64_t{c.queue_max_bytes}; }},
        NumericVariable{"TELEMETRY_KINESIS_SPOOL_MAX_BYTES", 0, 10ull * 1024 * 1024 * 1024,
                        [](const Config& c) { return uint64_t{c.spool_max_bytes}; }},
        NumericVariable{"TELEMETRY_KINESIS_MAX_BATCH_AGE_MS", 1, 60'000,
                        [](const Config& c) { return uint64_t{c.max_batch_age_ms}; }},
        NumericVariable{"TELEMETRY_KINESIS_SHUTDOWN_MARGIN_MS", 0, 1'000,
                        [](const Config& c) { return uint64_t{c.shutdown_margin_ms}; }},
        NumericVariable{"TELEMETRY_KINESIS_METRICS_INTERVAL_MS", 1'000, 3'600'000,
                        [](const Config& c) { return uint64_t{c.metrics_interval_ms}; }}),
    NumericVariableName);

// ---- The stream's maximum record size ----

TEST(ConfigLoaderTest, ReadsTheStreamsMaximumRecordSizeFrom1To10MiB) {
  for (uint64_t value : {1'048'576ull, 5'000'000ull, 10'485'760ull}) {
    LoadedConfig loaded =
        LoadWith({{"TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES", std::to_string(value)},
                  {"TELEMETRY_KINESIS_QUEUE_MAX_BYTES", "16777216"}});
    ASSERT_TRUE(loaded.ok()) << value << ": " << AllErrors(loaded);
    EXPECT_EQ(loaded.config.stream_max_record_bytes, value);
  }
  for (std::string value : {"1048575", "10485761", "0", "10MiB", "-1"}) {
    LoadedConfig loaded = LoadWith({{"TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES", value},
                                    {"TELEMETRY_KINESIS_QUEUE_MAX_BYTES", "16777216"}});
    ASSERT_THAT(loaded.errors, SizeIs(1)) << value;
    EXPECT_THAT(loaded.errors[0],
                HasSubstr("TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES=\"" + value +
                          "\" is invalid: expected an integer from 1048576 to 10485760"));
    EXPECT_EQ(loaded.config.stream_max_record_bytes, 1'048'576u) << value;
  }
}

TEST(ConfigLoaderTest, RefusesAQueueBudgetSmallerThanTheStreamsMaximumRecord) {
  // The default budget (8 MiB) cannot hold a 10 MiB record: both variables are named.
  LoadedConfig by_default = LoadWith({{"TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES", "10485760"}});
  ASSERT_THAT(by_default.errors, SizeIs(1));
  EXPECT_THAT(by_default.errors[0],
              AllOf(HasSubstr("TELEMETRY_KINESIS_QUEUE_MAX_BYTES=8388608 (the default)"),
                    HasSubstr("TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES=10485760"),
                    HasSubstr("at least 10485760")));

  LoadedConfig set = LoadWith({{"TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES", "3000000"},
                               {"TELEMETRY_KINESIS_QUEUE_MAX_BYTES", "2999999"}});
  ASSERT_THAT(set.errors, SizeIs(1));
  EXPECT_THAT(set.errors[0], AllOf(HasSubstr("TELEMETRY_KINESIS_QUEUE_MAX_BYTES=2999999 is"),
                                   HasSubstr("TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES=3000000")));

  // Exactly one largest record fits; so does the smallest budget for a default stream.
  EXPECT_TRUE(LoadWith({{"TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES", "3000000"},
                        {"TELEMETRY_KINESIS_QUEUE_MAX_BYTES", "3000000"}})
                  .ok());
  EXPECT_TRUE(LoadWith({{"TELEMETRY_KINESIS_QUEUE_MAX_BYTES", "1048576"}}).ok());
  // An invalid budget is reported once, as invalid, not also as too small.
  EXPECT_THAT(LoadWith({{"TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES", "10485760"},
                        {"TELEMETRY_KINESIS_QUEUE_MAX_BYTES", "lots"}})
                  .errors,
              SizeIs(1));
}

// ---- Choice variables ----

TEST(ConfigLoaderTest, AcceptsEveryPartitionKeyStrategy) {
  EXPECT_EQ(LoadWith({{"TELEMETRY_KINESIS_PARTITION_KEY", "sandbox"}}).config.partition_key,
            PartitionKeyStrategy::kSandbox);
  EXPECT_EQ(LoadWith({{"TELEMETRY_KINESIS_PARTITION_KEY", "random"}}).config.partition_key,
            PartitionKeyStrategy::kRandom);
  EXPECT_EQ(LoadWith({{"TELEMETRY_KINESIS_PARTITION_KEY", "tenant"}}).config.partition_key,
            PartitionKeyStrategy::kTenant);
}

TEST(ConfigLoaderTest, ShipsCborByDefaultAndJsonOnRequest) {
  EXPECT_EQ(LoadWith({}).config.kinesis_protocol, KinesisProtocol::kCbor);
  EXPECT_EQ(LoadWith({{"TELEMETRY_KINESIS_PROTOCOL", "cbor"}}).config.kinesis_protocol,
            KinesisProtocol::kCbor);
  EXPECT_EQ(LoadWith({{"TELEMETRY_KINESIS_PROTOCOL", "json"}}).config.kinesis_protocol,
            KinesisProtocol::kJson);
  const LoadedConfig wrong = LoadWith({{"TELEMETRY_KINESIS_PROTOCOL", "JSON"}});
  EXPECT_THAT(wrong.errors, ElementsAre(HasSubstr(
                                "TELEMETRY_KINESIS_PROTOCOL=\"JSON\" is invalid: expected one of "
                                "cbor, json")));
}

TEST(ConfigLoaderTest, AcceptsEveryOnInitErrorMode) {
  EXPECT_EQ(LoadWith({{"TELEMETRY_KINESIS_ON_INIT_ERROR", "continue"}}).config.on_init_error,
            OnInitError::kContinue);
  EXPECT_EQ(LoadWith({{"TELEMETRY_KINESIS_ON_INIT_ERROR", "fail"}}).config.on_init_error,
            OnInitError::kFail);
}

TEST(ConfigLoaderTest, AcceptsEveryMetricsMode) {
  EXPECT_FALSE(LoadWith({{"TELEMETRY_KINESIS_METRICS", "none"}}).config.emf_metrics);
  EXPECT_TRUE(LoadWith({{"TELEMETRY_KINESIS_METRICS", "emf"}}).config.emf_metrics);
}

TEST(ConfigLoaderTest, AcceptsEveryLogLevel) {
  const std::map<std::string, log::Level> levels = {{"debug", log::Level::kDebug},
                                                    {"info", log::Level::kInfo},
                                                    {"warn", log::Level::kWarn},
                                                    {"error", log::Level::kError}};
  for (const auto& [text, level] : levels) {
    LoadedConfig loaded = LoadWith({{"TELEMETRY_KINESIS_LOG_LEVEL", text}});
    ASSERT_TRUE(loaded.ok()) << text << ": " << AllErrors(loaded);
    EXPECT_EQ(loaded.config.log_level, level) << text;
  }
}

struct ChoiceVariable {
  std::string name;
  std::vector<std::string> choices;
};

TEST(ConfigLoaderTest, RefusesAnUnknownChoiceNamingTheVariableAndItsChoices) {
  const std::vector<ChoiceVariable> variables = {
      {"TELEMETRY_KINESIS_PARTITION_KEY", {"sandbox", "random", "tenant"}},
      {"TELEMETRY_KINESIS_ON_INIT_ERROR", {"continue", "fail"}},
      {"TELEMETRY_KINESIS_LOG_LEVEL", {"debug", "info", "warn", "error"}},
      {"TELEMETRY_KINESIS_METRICS", {"none", "emf"}},
  };
  for (const ChoiceVariable& variable : variables) {
    // Matching is exact: other case and surrounding spaces are refused, not guessed at.
    for (std::string value : {"bogus", "RANDOM", " fail", "info "}) {
      LoadedConfig loaded = LoadWith({{variable.name, value}});
      ASSERT_THAT(loaded.errors, SizeIs(1)) << variable.name << "=" << value;
      EXPECT_THAT(loaded.errors[0], HasSubstr(variable.name));
      for (const std::string& choice : variable.choices) {
        EXPECT_THAT(loaded.errors[0], HasSubstr(choice)) << variable.name;
      }
    }
  }
}

// ---- Telemetry types and listener host ----

TEST(ConfigLoaderTest, ReadsACommaSeparatedListOfTelemetryTypesTrimmingSpaces) {
  EXPECT_THAT(LoadWith({{"TELEMETRY_KINESIS_TYPES", "platform"}}).config.telemetry_types,
              ElementsAre("platform"));
  EXPECT_THAT(
      LoadWith({{"TELEMETRY_KINESIS_TYPES", " function , extension "}}).config.telemetry_types,
      ElementsAre("function", "extension"));
  EXPECT_THAT(
      LoadWith({{"TELEMETRY_KINESIS_TYPES", "extension,platform,function"}}).config.telemetry_types,
      ElementsAre("extension", "platform", "function"));
}

TEST(ConfigLoaderTest, RefusesUnknownOrEmptyTelemetryTypesNamingTheChoices) {
  const std::vector<std::string> defaults = Config().telemetry_types;
  for (std::string value :
       {"logs", "platform,logs", "platform,,function", "platform,", ",", " ", "Platform"}) {
    LoadedConfig loaded = LoadWith({{"TELEMETRY_KINESIS_TYPES", value}});
    ASSERT_THAT(loaded.errors, SizeIs(1)) << "\"" << value << "\"";
    EXPECT_THAT(loaded.errors[0], HasSubstr("TELEMETRY_KINESIS_TYPES"));
    EXPECT_THAT(loaded.errors[0],
                AllOf(HasSubstr("platform"), HasSubstr("function"), HasSubstr("extension")));
    EXPECT_EQ(loaded.config.telemetry_types, defaults);
  }
}

TEST(ConfigLoaderTest, ReadsTheListenerHost) {
  EXPECT_EQ(LoadWith({{"TELEMETRY_KINESIS_LISTENER_HOST", "127.0.0.1"}}).config.listener_host,
            "127.0.0.1");
}

TEST(ConfigLoaderTest, ReadsAnAbsoluteSpoolDirectoryAndRefusesARelativeOne) {
  EXPECT_EQ(LoadWith({{"TELEMETRY_KINESIS_SPOOL_DIR", "/tmp/spool"}}).config.spool_dir,
            "/tmp/spool");
  LoadedConfig relative = LoadWith({{"TELEMETRY_KINESIS_SPOOL_DIR", "tmp/spool"}});
  ASSERT_THAT(relative.errors, SizeIs(1));
  EXPECT_THAT(relative.errors[0],
              AllOf(HasSubstr("TELEMETRY_KINESIS_SPOOL_DIR"), HasSubstr("absolute path")));
  EXPECT_EQ(relative.config.spool_dir, Config().spool_dir);
}

// ---- Stream name vs stream ARN ----

TEST(ConfigLoaderTest, AcceptsAStreamNameOfOneTo128AllowedCharacters) {
  for (std::string name :
       {std::string("a"), std::string("My_Stream-1.prod"), std::string(128, 'x')}) {
    LoadedConfig loaded = LoadWith({{"TELEMETRY_KINESIS_STREAM", name}});
    ASSERT_TRUE(loaded.ok()) << name << ": " << AllErrors(loaded);
    EXPECT_EQ(loaded.config.stream_name, name);
    EXPECT_EQ(loaded.config.stream_arn, "");
  }
}

TEST(ConfigLoaderTest, RefusesAnInvalidStreamNameNamingTheVariable) {
  for (std::string name : {std::string(129, 'x'), std::string("has space"),
                           std::string("slash/name"), std::string("ünïcode")}) {
    LoadedConfig loaded = LoadWith({{"TELEMETRY_KINESIS_STREAM", name}});
    ASSERT_THAT(loaded.errors, SizeIs(1)) << name;
    EXPECT_THAT(loaded.errors[0], HasSubstr("TELEMETRY_KINESIS_STREAM"));
    EXPECT_THAT(loaded.errors[0], HasSubstr("1-128"));
    EXPECT_EQ(loaded.config.stream_name, "");
  }
}

// A stream ARN is sent as PutRecords' StreamARN, for which the rule set gives the stream's
// account endpoint (https://<account-id>.data-kinesis.<region>.<suffix>).
TEST(ConfigLoaderTest, TakesTheRegionOfAStreamArnForSigningAndTheEndpoint) {
  LoadedConfig loaded = LoadWith(
      {{"TELEMETRY_KINESIS_STREAM", "arn:aws:kinesis:us-west-2:123456789012:stream/telemetry"}});
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.stream_arn, "arn:aws:kinesis:us-west-2:123456789012:stream/telemetry");
  EXPECT_EQ(loaded.config.stream_name, "");
  EXPECT_EQ(loaded.config.region, "us-west-2");  // not AWS_REGION's eu-west-1
  EXPECT_EQ(loaded.config.endpoint.url,
            "https://123456789012.data-kinesis.us-west-2.amazonaws.com");
  EXPECT_EQ(loaded.config.endpoint.host_header,
            "123456789012.data-kinesis.us-west-2.amazonaws.com");
}

TEST(ConfigLoaderTest, RefusesAnInvalidStreamArnNamingTheVariableAndThePart) {
  const std::map<std::string, std::string> arns = {
      {"arn:aws:kinesis:us-west-2:12345:stream/telemetry", "account id"},
      {"arn:aws:kinesis:us_west_2:123456789012:stream/telemetry", "region"},
      {"arn:aws:kinesis:us-west-2:123456789012:stream/bad name", "stream name"},
      {"arn:aws:sqs:us-west-2:123456789012:queue", "not a Kinesis stream ARN"},
  };
  for (const auto& [arn, part] : arns) {
    LoadedConfig loaded = LoadWith({{"TELEMETRY_KINESIS_STREAM", arn}});
    ASSERT_THAT(loaded.errors, SizeIs(1)) << arn;
    EXPECT_THAT(loaded.errors[0], HasSubstr("TELEMETRY_KINESIS_STREAM")) << arn;
    EXPECT_THAT(loaded.errors[0], HasSubstr(part)) << arn;
    EXPECT_EQ(loaded.config.stream_arn, "");
  }
}

// ---- Region and endpoint ----

TEST(ConfigLoaderTest, RefusesAnInvalidRegionNamingAwsRegion) {
  LoadedConfig loaded = LoadWith({{"AWS_REGION", "eu_west_1"}});
  ASSERT_THAT(loaded.errors, SizeIs(1));
  EXPECT_THAT(loaded.errors[0], HasSubstr("AWS_REGION"));
  EXPECT_EQ(loaded.config.endpoint.url, "");
}

TEST(ConfigLoaderTest, UsesTheChinaPartitionDnsSuffixForChinaRegions) {
  LoadedConfig loaded = LoadWith({{"AWS_REGION", "cn-north-1"}});
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.endpoint.url, "https://kinesis.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(loaded.config.endpoint.host_header, "kinesis.cn-north-1.amazonaws.com.cn");

  LoadedConfig from_arn = LoadWith(
      {{"TELEMETRY_KINESIS_STREAM", "arn:aws-cn:kinesis:cn-northwest-1:123456789012:stream/t"}});
  ASSERT_TRUE(from_arn.ok()) << AllErrors(from_arn);
  EXPECT_EQ(from_arn.config.region, "cn-northwest-1");
  EXPECT_EQ(from_arn.config.endpoint.url,
            "https://123456789012.data-kinesis.cn-northwest-1.amazonaws.com.cn");
}

TEST(ConfigLoaderTest, AcceptsTheEuropeanSovereignCloudRegion) {
  LoadedConfig loaded = LoadWith({{"AWS_REGION", "eusc-de-east-1"}});
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.endpoint.url, "https://kinesis.eusc-de-east-1.amazonaws.eu");

  LoadedConfig from_arn = LoadWith(
      {{"TELEMETRY_KINESIS_STREAM", "arn:aws-eusc:kinesis:eusc-de-east-1:123456789012:stream/t"}});
  ASSERT_TRUE(from_arn.ok()) << AllErrors(from_arn);
  EXPECT_EQ(from_arn.config.endpoint.url,
            "https://123456789012.data-kinesis.eusc-de-east-1.amazonaws.eu");
}

TEST(ConfigLoaderTest, RefusesAStreamArnWhosePartitionIsNotItsRegions) {
  LoadedConfig loaded = LoadWith(
      {{"TELEMETRY_KINESIS_STREAM", "arn:aws:kinesis:cn-north-1:123456789012:stream/telemetry"}});
  ASSERT_THAT(loaded.errors, SizeIs(1));
  EXPECT_THAT(loaded.errors[0], HasSubstr("TELEMETRY_KINESIS_STREAM"));
  EXPECT_THAT(loaded.errors[0],
              HasSubstr("Partition: aws from ARN doesn't match with partition name: aws-cn."));
}

TEST(ConfigLoaderTest, SendsAStreamArnToTheOverrideWhenOneIsSet) {
  LoadedConfig loaded =
      LoadWith({{"TELEMETRY_KINESIS_STREAM", "arn:aws:kinesis:eu-west-1:123456789012:stream/t"},
                {"AWS_ENDPOINT_URL_KINESIS", "http://127.0.0.1:4567"}});
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.endpoint.url, "http://127.0.0.1:4567");
}

TEST(ConfigLoaderTest, ReadsFipsAndDualStackInAnyCase) {
  struct Case {
    std::string fips;
    std::string dual_stack;
    bool use_fips;
    bool use_dual_stack;
    std::string url;
    std::string chosen_by;
  };
  const Case cases[] = {
      {"true", "", true, false, "https://kinesis-fips.eu-west-1.amazonaws.com",
       "aws partition, FIPS"},
      {"", "TRUE", false, true, "https://kinesis.eu-west-1.api.aws", "aws partition, dual-stack"},
      {"True", "tRuE", true, true, "https://kinesis-fips.eu-west-1.api.aws",
       "aws partition, FIPS, dual-stack"},
      {"false", "FALSE", false, false, "https://kinesis.eu-west-1.amazonaws.com", "aws partition"},
  };
  for (const Case& c : cases) {
    LoadedConfig loaded =
        LoadWith({{"AWS_USE_FIPS_ENDPOINT", c.fips}, {"AWS_USE_DUALSTACK_ENDPOINT", c.dual_stack}});
    ASSERT_TRUE(loaded.ok()) << c.fips << "/" << c.dual_stack << ": " << AllErrors(loaded);
    EXPECT_EQ(loaded.config.use_fips_endpoint, c.use_fips) << c.fips;
    EXPECT_EQ(loaded.config.use_dualstack_endpoint, c.use_dual_stack) << c.dual_stack;
    EXPECT_EQ(loaded.config.endpoint.url, c.url) << c.fips << "/" << c.dual_stack;
    EXPECT_EQ(loaded.config.endpoint.chosen_by, c.chosen_by) << c.fips << "/" << c.dual_stack;
  }
}

TEST(ConfigLoaderTest, RefusesFipsAndDualStackValuesOtherThanTrueOrFalseNamingEach) {
  for (std::string value : {"1", "yes", "on", "true "}) {
    LoadedConfig loaded =
        LoadWith({{"AWS_USE_FIPS_ENDPOINT", value}, {"AWS_USE_DUALSTACK_ENDPOINT", value}});
    ASSERT_THAT(loaded.errors, SizeIs(2)) << value;
    EXPECT_THAT(loaded.errors[0], AllOf(HasSubstr("AWS_USE_FIPS_ENDPOINT=\"" + value + "\""),
                                        HasSubstr("expected true or false")));
    EXPECT_THAT(loaded.errors[1], AllOf(HasSubstr("AWS_USE_DUALSTACK_ENDPOINT=\"" + value + "\""),
                                        HasSubstr("expected true or false")));
  }
}

TEST(ConfigLoaderTest, UsesGovCloudsFipsEndpointsAsTheRuleSetSays) {
  // FIPS alone in aws-us-gov keeps the standard host (FIPS there already); the account endpoint
  // of a stream ARN has no such exception.
  LoadedConfig by_name =
      LoadWith({{"AWS_REGION", "us-gov-west-1"}, {"AWS_USE_FIPS_ENDPOINT", "true"}});
  ASSERT_TRUE(by_name.ok()) << AllErrors(by_name);
  EXPECT_EQ(by_name.config.endpoint.url, "https://kinesis.us-gov-west-1.amazonaws.com");

  LoadedConfig by_arn = LoadWith(
      {{"TELEMETRY_KINESIS_STREAM", "arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/t"},
       {"AWS_USE_FIPS_ENDPOINT", "true"}});
  ASSERT_TRUE(by_arn.ok()) << AllErrors(by_arn);
  EXPECT_EQ(by_arn.config.endpoint.url,
            "https://123456789012.data-kinesis-fips.us-gov-west-1.amazonaws.com");
}

TEST(ConfigLoaderTest, RefusesFipsOrDualStackWithAnEndpointOverrideAsTheRuleSetDoes) {
  LoadedConfig fips = LoadWith(
      {{"AWS_USE_FIPS_ENDPOINT", "true"}, {"AWS_ENDPOINT_URL_KINESIS", "http://127.0.0.1:4567"}});
  ASSERT_THAT(fips.errors, SizeIs(1));
  EXPECT_THAT(fips.errors[0],
              AllOf(HasSubstr("AWS_USE_FIPS_ENDPOINT=true"), HasSubstr("AWS_ENDPOINT_URL_KINESIS"),
                    HasSubstr("FIPS and custom endpoint are not supported")));

  LoadedConfig dual_stack = LoadWith(
      {{"AWS_USE_DUALSTACK_ENDPOINT", "true"}, {"AWS_ENDPOINT_URL", "http://127.0.0.1:4567"}});
  ASSERT_THAT(dual_stack.errors, SizeIs(1));
  EXPECT_THAT(dual_stack.errors[0],
              AllOf(HasSubstr("AWS_USE_DUALSTACK_ENDPOINT=true"), HasSubstr("AWS_ENDPOINT_URL"),
                    HasSubstr("Dualstack and custom endpoint are not supported")));
}

TEST(ConfigLoaderTest, SaysWhichOverrideChoseTheEndpoint) {
  EXPECT_EQ(
      LoadWith({{"AWS_ENDPOINT_URL_KINESIS", "http://127.0.0.1:4567"}}).config.endpoint.chosen_by,
      "AWS_ENDPOINT_URL_KINESIS");
  EXPECT_EQ(LoadWith({{"AWS_ENDPOINT_URL", "http://127.0.0.1:4567"}}).config.endpoint.chosen_by,
            "AWS_ENDPOINT_URL");
}

TEST(ConfigLoaderTest, PrefersTheKinesisEndpointOverrideToTheGeneralOne) {
  LoadedConfig loaded = LoadWith({{"AWS_ENDPOINT_URL_KINESIS", "http://127.0.0.1:4567"},
                                  {"AWS_ENDPOINT_URL", "http://localhost:9999"}});
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.endpoint.url, "http://127.0.0.1:4567");
  EXPECT_EQ(loaded.config.endpoint.host_header, "127.0.0.1:4567");
  EXPECT_EQ(loaded.config.region, "eu-west-1");  // still the signing region
}

TEST(ConfigLoaderTest, UsesTheGeneralEndpointOverrideWhenTheKinesisOneIsUnsetOrEmpty) {
  for (std::map<std::string, std::string> overrides :
       {std::map<std::string, std::string>{{"AWS_ENDPOINT_URL", "http://localhost:9999"}},
        std::map<std::string, std::string>{{"AWS_ENDPOINT_URL", "http://localhost:9999"},
                                           {"AWS_ENDPOINT_URL_KINESIS", ""}}}) {
    LoadedConfig loaded = LoadWith(overrides);
    ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
    EXPECT_EQ(loaded.config.endpoint.url, "http://localhost:9999");
    EXPECT_EQ(loaded.config.endpoint.host_header, "localhost:9999");
  }
}

TEST(ConfigLoaderTest, RefusesAnInvalidEndpointOverrideNamingItsVariable) {
  LoadedConfig kinesis = LoadWith({{"AWS_ENDPOINT_URL_KINESIS", "ftp://127.0.0.1"}});
  ASSERT_THAT(kinesis.errors, SizeIs(1));
  EXPECT_THAT(kinesis.errors[0], HasSubstr("AWS_ENDPOINT_URL_KINESIS"));

  LoadedConfig general = LoadWith({{"AWS_ENDPOINT_URL", "http://host:99999"}});
  ASSERT_THAT(general.errors, SizeIs(1));
  EXPECT_THAT(general.errors[0], HasSubstr("AWS_ENDPOINT_URL"));
  EXPECT_THAT(general.errors[0], HasSubstr("1 to 65535"));
}

TEST(ConfigLoaderTest, TakesTheCaBundleFromAwsCaBundleBeforeSslCertFile) {
  // Existing files, so that the choice is the variables' and not the OS's bundle.
  const std::string first = std::string(TK_SHARED_DIR) + "/design.md";
  const std::string second = std::string(TK_SHARED_DIR) + "/style.md";
  EXPECT_EQ(LoadWith({{"SSL_CERT_FILE", second}}).config.ca_file, second);
  EXPECT_EQ(LoadWith({{"AWS_CA_BUNDLE", first}, {"SSL_CERT_FILE", second}}).config.ca_file, first);
}

// ---- Secrets ----

TEST(ConfigLoaderTest, NeverPutsSecretValuesInAnyErrorMessage) {
  // Every other variable invalid, so that every error path runs with the secrets set.
  const std::map<std::string, std::string> everything_invalid = {
      {"AWS_REGION", "not a region"},
      {"TELEMETRY_KINESIS_STREAM", "not a stream!"},
      {"AWS_ACCESS_KEY_ID", ""},
      {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "lots"},
      {"TELEMETRY_KINESIS_TYPES", "everything"},
      {"TELEMETRY_KINESIS_BUFFER_MAX_ITEMS", "1"},
      {"TELEMETRY_KINESIS_BUFFER_MAX_BYTES", "1"},
      {"TELEMETRY_KINESIS_BUFFER_TIMEOUT_MS", "1"},
      {"TELEMETRY_KINESIS_LISTENER_PORT", "0"},
      {"TELEMETRY_KINESIS_PARTITION_KEY", "x"},
      {"TELEMETRY_KINESIS_QUEUE_MAX_BYTES", "1"},
      {"TELEMETRY_KINESIS_SPOOL_DIR", "relative"},
      {"TELEMETRY_KINESIS_SPOOL_MAX_BYTES", "-1"},
      {"TELEMETRY_KINESIS_MAX_BATCH_AGE_MS", "0"},
      {"TELEMETRY_KINESIS_SHUTDOWN_MARGIN_MS", "5000"},
      {"TELEMETRY_KINESIS_ON_INIT_ERROR", "x"},
      {"TELEMETRY_KINESIS_LOG_LEVEL", "x"},
      {"TELEMETRY_KINESIS_METRICS", "x"},
      {"TELEMETRY_KINESIS_METRICS_INTERVAL_MS", "1"},
      {"AWS_ENDPOINT_URL_KINESIS", "nope"},
      {"AWS_USE_FIPS_ENDPOINT", "yes"},
      {"AWS_USE_DUALSTACK_ENDPOINT", "1"},
  };
  LoadedConfig loaded = LoadWith(everything_invalid);
  EXPECT_THAT(loaded.errors, SizeIs(21));
  for (const std::string& error : loaded.errors) {
    EXPECT_THAT(error, Not(HasSubstr(kSecret)));
    EXPECT_THAT(error, Not(HasSubstr(kToken)));
  }

  // And when a credential itself is the problem.
  LoadedConfig no_key_id = LoadWith({{"AWS_ACCESS_KEY_ID", ""}});
  ASSERT_THAT(no_key_id.errors, SizeIs(1));
  EXPECT_THAT(no_key_id.errors[0], Not(HasSubstr(kSecret)));
  EXPECT_THAT(no_key_id.errors[0], Not(HasSubstr(kToken)));
  EXPECT_THAT(LoadWith({{"AWS_SECRET_ACCESS_KEY", ""}}).errors,
              ElementsAre(AllOf(HasSubstr("AWS_SECRET_ACCESS_KEY"), Not(HasSubstr(kToken)))));
}

TEST(ConfigLoaderTest, IsOkWithoutErrorsAndNotOkWithAny) {
  EXPECT_THAT(LoadConfig(MinimalEnvironment()).errors, IsEmpty());
  EXPECT_FALSE(LoadWith({{"TELEMETRY_KINESIS_LOG_LEVEL", "loud"}}).ok());
}

}  // namespace
}  // namespace tk::config
