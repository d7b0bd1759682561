// One-line structured logging to stderr (Lambda forwards it to CloudWatch Logs).
//
// Never call these from the telemetry listener's request path: every line the extension
// writes comes back to it as an `extension` telemetry event, so logging per batch would loop.
#pragma once

#include <string_view>

namespace tk::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Lines below this level are discarded. Default kInfo; TELEMETRY_KINESIS_LOG_LEVEL sets it.
void SetMinLevel(Level level);
Level MinLevel();

void Write(Level level, std::string_view message);

// Writes `line` as it is, plus a newline (for machine-read lines such as CloudWatch EMF).
void WriteRaw(std::string_view line);

inline void Debug(std::string_view message) { Write(Level::kDebug, message); }
inline void Info(std::string_view message) { Write(Level::kInfo, message); }
inline void Warn(std::string_view message) { Write(Level::kWarn, message); }
inline void Error(std::string_view message) { Write(Level::kError, message); }

}  // namespace tk::log
