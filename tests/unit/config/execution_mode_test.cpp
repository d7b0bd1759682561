// Tests AWS_LAMBDA_INITIALIZATION_TYPE -> execution mode and TELEMETRY_KINESIS_FLUSH /
// TELEMETRY_KINESIS_FLUSH_BUDGET_MS -> flush strategy, with errors that name the variable.
#include "config/execution_mode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config/config.h"

namespace tk::config {
namespace {

using ::testing::HasSubstr;

LoadedConfig LoadWith(const std::map<std::string, std::string>& extra) {
  Environment environment({{"AWS_REGION", "eu-west-1"},
                           {"TELEMETRY_KINESIS_STREAM", "telemetry"},
                           {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                           {"AWS_SECRET_ACCESS_KEY", "secret"}});
  for (const auto& [name, value] : extra) environment.Set(name, value);
  return LoadConfig(environment, [](const std::string&) { return true; });
}

std::string AllErrors(const LoadedConfig& loaded) {
  std::string joined;
  for (const std::string& error : loaded.errors) joined += error + "\n";
  return joined;
}

TEST(ExecutionModeTest, MapsEveryInitializationTypeLambdaSets) {
  EXPECT_EQ(ParseExecutionMode("on-demand"), ExecutionMode::kOnDemand);
  EXPECT_EQ(ParseExecutionMode("provisioned-concurrency"), ExecutionMode::kProvisionedConcurrency);
  EXPECT_EQ(ParseExecutionMode("snap-start"), ExecutionMode::kSnapStart);
  EXPECT_EQ(ParseExecutionMode("lambda-managed-instances"), ExecutionMode::kManagedInstances);
  for (ExecutionMode mode : {ExecutionMode::kOnDemand, ExecutionMode::kProvisionedConcurrency,
                             ExecutionMode::kSnapStart, ExecutionMode::kManagedInstances}) {
    bool known = false;
    EXPECT_EQ(ParseExecutionMode(ExecutionModeName(mode), &known), mode);
    EXPECT_TRUE(known);
  }
}

TEST(ExecutionModeTest, TreatsAnUnknownOrMissingTypeAsOnDemand) {
  bool known = true;
  EXPECT_EQ(ParseExecutionMode("some-future-type", &known), ExecutionMode::kOnDemand);
  EXPECT_FALSE(known);
  EXPECT_EQ(ParseExecutionMode(std::nullopt), ExecutionMode::kOnDemand);
}

TEST(ExecutionModeTest, ConfigTakesTheModeFromAwsLambdaInitializationType) {
  LoadedConfig loaded = LoadWith({{"AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start"}});
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.execution_mode, ExecutionMode::kSnapStart);
  EXPECT_TRUE(loaded.config.execution_mode_known);

  LoadedConfig unknown = LoadWith({{"AWS_LAMBDA_INITIALIZATION_TYPE", "warp-drive"}});
  ASSERT_TRUE(unknown.ok()) << "an unknown mode must never fail the configuration";
  EXPECT_EQ(unknown.config.execution_mode, ExecutionMode::kOnDemand);
  EXPECT_FALSE(unknown.config.execution_mode_known);

  LoadedConfig absent = LoadWith({});
  EXPECT_EQ(absent.config.execution_mode, ExecutionMode::kOnDemand);
  EXPECT_TRUE(absent.config.execution_mode_known);
}

TEST(FlushStrategyTest, ParsesEveryDocumentedValue) {
  EXPECT_EQ(ParseFlushStrategy("adaptive")->mode, FlushMode::kAdaptive);
  EXPECT_EQ(ParseFlushStrategy("end")->mode, FlushMode::kEnd);
  EXPECT_EQ(ParseFlushStrategy("background")->mode, FlushMode::kBackground);
  auto periodic = ParseFlushStrategy("periodic,2500");
  ASSERT_TRUE(periodic);
  EXPECT_EQ(periodic->mode, FlushMode::kPeriodic);
  EXPECT_EQ(periodic->period_ms, 2500u);
  EXPECT_EQ(DescribeFlushStrategy(*periodic), "periodic,2500");
  EXPECT_EQ(ParseFlushStrategy("periodic,10")->period_ms, kMinFlushPeriodMs);
  EXPECT_EQ(ParseFlushStrategy("periodic,600000")->period_ms, kMaxFlushPeriodMs);
}

TEST(FlushStrategyTest, RefusesAnythingElse) {
  for (const char* text :
       {"", "Adaptive", "end ", "periodic", "periodic,", "periodic,9", "periodic,600001",
        "periodic,-5", "periodic,1s", "periodic,100,200", "periodic;100", "sometimes"}) {
    EXPECT_FALSE(ParseFlushStrategy(text)) << text;
  }
}

TEST(FlushStrategyTest, DefaultsToAdaptiveWithA300MsBudget) {
  LoadedConfig loaded = LoadWith({});
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.flush.mode, FlushMode::kAdaptive);
  EXPECT_EQ(loaded.config.flush_budget_ms, 300u);
}

TEST(FlushStrategyTest, ConfigReadsTheStrategyAndBudget) {
  LoadedConfig loaded = LoadWith(
      {{"TELEMETRY_KINESIS_FLUSH", "periodic,1000"}, {"TELEMETRY_KINESIS_FLUSH_BUDGET_MS", "50"}});
  ASSERT_TRUE(loaded.ok()) << AllErrors(loaded);
  EXPECT_EQ(loaded.config.flush.mode, FlushMode::kPeriodic);
  EXPECT_EQ(loaded.config.flush.period_ms, 1000u);
  EXPECT_EQ(loaded.config.flush_budget_ms, 50u);
}

TEST(FlushStrategyTest, ReportsAnInvalidStrategyAndBudgetByVariableNameWithWhatTheyAccept) {
  LoadedConfig loaded = LoadWith(
      {{"TELEMETRY_KINESIS_FLUSH", "periodic,5"}, {"TELEMETRY_KINESIS_FLUSH_BUDGET_MS", "0"}});
  ASSERT_EQ(loaded.errors.size(), 2u) << AllErrors(loaded);
  EXPECT_THAT(AllErrors(loaded),
              HasSubstr("TELEMETRY_KINESIS_FLUSH=\"periodic,5\" is invalid: expected adaptive, "
                        "end, background or periodic,<ms> with <ms> an integer from 10 to 600000"));
  EXPECT_THAT(AllErrors(loaded),
              HasSubstr("TELEMETRY_KINESIS_FLUSH_BUDGET_MS=\"0\" is invalid: expected an integer "
                        "from 10 to 5000"));
}

}  // namespace
}  // namespace tk::config
