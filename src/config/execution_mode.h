// How Lambda runs this environment (AWS_LAMBDA_INITIALIZATION_TYPE) and how the extension
// flushes (TELEMETRY_KINESIS_FLUSH): the two settings that pick the behaviour of each mode.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tk::config {

// The values Lambda sets in AWS_LAMBDA_INITIALIZATION_TYPE ("Defined runtime environment
// variables", Lambda developer guide; Lambda Managed Instances adds "lambda-managed-instances").
enum class ExecutionMode {
  kOnDemand,                // an environment per concurrent request, frozen between invocations
  kProvisionedConcurrency,  // initialised ahead of time, then frozen until the first invocation
  kSnapStart,               // initialised once, snapshotted, restored later (maybe many times)
  kManagedInstances,        // many invocations at once, never frozen, no INVOKE for extensions
};

// Maps AWS_LAMBDA_INITIALIZATION_TYPE to a mode. Absent or unknown values (a future type) are
// treated as on-demand, the most conservative lifecycle; `known` says whether it was recognised.
ExecutionMode ParseExecutionMode(std::optional<std::string_view> value, bool* known = nullptr);

// The AWS_LAMBDA_INITIALIZATION_TYPE spelling of `mode`, for logs.
std::string_view ExecutionModeName(ExecutionMode mode);

// When records are sent (TELEMETRY_KINESIS_FLUSH).
enum class FlushMode {
  kAdaptive,    // flush before /next while invocations are rare, in the background once frequent
  kEnd,         // always flush before /next (the invocation's data never waits in a frozen sandbox)
  kBackground,  // never wait: ship at the next invocation boundary and on the batch age
  kPeriodic,    // ship on a timer only (period_ms); nothing at invocation boundaries
};

inline constexpr uint32_t kMinFlushPeriodMs = 10;
inline constexpr uint32_t kMaxFlushPeriodMs = 600'000;  // 10 minutes

struct FlushStrategy {
  FlushMode mode = FlushMode::kAdaptive;
  uint32_t period_ms = 0;  // kPeriodic only
};

// Parses "adaptive", "end", "background" or "periodic,<ms>" (ms in [kMinFlushPeriodMs,
// kMaxFlushPeriodMs]). nullopt when the text is none of these.
std::optional<FlushStrategy> ParseFlushStrategy(std::string_view text);

// "adaptive", "end", "background", "periodic,1000": the setting as the user writes it.
std::string DescribeFlushStrategy(const FlushStrategy& strategy);

}  // namespace tk::config
