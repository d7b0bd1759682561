// Time helpers: monotonic durations and ISO 8601 wall-clock stamps for telemetry events.
#include "clock.h"

#include <ctime>

#include <array>
#include <cstdio>

namespace sandbox {

double millisBetween(SteadyTime from, SteadyTime to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

std::int64_t epochMillisNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string isoTimeNow() { return isoTime(std::chrono::system_clock::now()); }

std::string isoTime(std::chrono::system_clock::time_point when) {
  const auto ms_total =
      std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms_total / 1000);
  const int millis = static_cast<int>(ms_total % 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 96> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
  return std::string(buf.data());
}

}  // namespace sandbox
