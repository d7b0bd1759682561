// AWS_LAMBDA_INITIALIZATION_TYPE and TELEMETRY_KINESIS_FLUSH, text <-> values.
#include "config/execution_mode.h"

#include <array>
#include <charconv>
#include <utility>

namespace tk::config {
namespace {

constexpr std::array<std::pair<std::string_view, ExecutionMode>, 4> kModeNames = {{
    {"on-demand", ExecutionMode::kOnDemand},
    {"provisioned-concurrency", ExecutionMode::kProvisionedConcurrency},
    {"snap-start", ExecutionMode::kSnapStart},
    {"lambda-managed-instances", ExecutionMode::kManagedInstances},
}};

constexpr std::string_view kPeriodicPrefix = "periodic,";

}  // namespace

ExecutionMode ParseExecutionMode(std::optional<std::string_view> value, bool* known) {
  for (const auto& [name, mode] : kModeNames) {
    if (value && *value == name) {
      if (known != nullptr) *known = true;
      return mode;
    }
  }
  if (known != nullptr) *known = false;
  return ExecutionMode::kOnDemand;
}

std::string_view ExecutionModeName(ExecutionMode mode) {
  for (const auto& [name, candidate] : kModeNames) {
    if (candidate == mode) return name;
  }
  return "on-demand";
}

std::optional<FlushStrategy> ParseFlushStrategy(std::string_view text) {
  if (text == "adaptive") return FlushStrategy{FlushMode::kAdaptive, 0};
  if (text == "end") return FlushStrategy{FlushMode::kEnd, 0};
  if (text == "background") return FlushStrategy{FlushMode::kBackground, 0};
  if (!text.starts_with(kPeriodicPrefix)) return std::nullopt;
  std::string_view digits = text.substr(kPeriodicPrefix.size());
  uint32_t period_ms = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), period_ms);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
      period_ms < kMinFlushPeriodMs || period_ms > kMaxFlushPeriodMs) {
    return std::nullopt;
  }
  return FlushStrategy{FlushMode::kPeriodic, period_ms};
}

std::string DescribeFlushStrategy(const FlushStrategy& strategy) {
  switch (strategy.mode) {
    case FlushMode::kAdaptive:
      return "adaptive";
    case FlushMode::kEnd:
      return "end";
    case FlushMode::kBackground:
      return "background";
    case FlushMode::kPeriodic:
      return std::string(kPeriodicPrefix) + std::to_string(strategy.period_ms);
  }
  return "adaptive";
}

}  // namespace tk::config
