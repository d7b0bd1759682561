// Time helpers shared by the sandbox: a monotonic clock for measuring and wall-clock renderings
// for the timestamps and deadlines the Lambda APIs carry.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sandbox {

using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;

/// Milliseconds between two monotonic instants, as a double (sub-millisecond precision).
double millisBetween(SteadyTime from, SteadyTime to);

/// Wall-clock milliseconds since the Unix epoch (what `deadlineMs` in /next events is expressed
/// in).
std::int64_t epochMillisNow();

/// ISO 8601 UTC with milliseconds, e.g. "2022-10-12T00:00:15.064Z" (Telemetry API `time` field).
std::string isoTimeNow();

/// Same, for a given wall-clock instant.
std::string isoTime(std::chrono::system_clock::time_point when);

}  // namespace sandbox
