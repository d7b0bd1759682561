// Writes each log line with a single write(2) so concurrent threads never interleave.
#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <string>

namespace tk::log {
namespace {

std::atomic<Level> g_min_level{Level::kInfo};

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "DEBUG";
    case Level::kInfo:
      return "INFO";
    case Level::kWarn:
      return "WARN";
    case Level::kError:
      return "ERROR";
  }
  return "INFO";
}

void WriteLine(std::string line) {
  line.push_back('\n');
  const char* data = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t written = ::write(STDERR_FILENO, data, left);
    if (written <= 0) return;  // stderr gone: nothing sensible left to do
    data += written;
    left -= static_cast<size_t>(written);
  }
}

}  // namespace

void SetMinLevel(Level level) { g_min_level.store(level, std::memory_order_relaxed); }
Level MinLevel() { return g_min_level.load(std::memory_order_relaxed); }

void Write(Level level, std::string_view message) {
  if (level < MinLevel()) return;
  std::string line;
  line.reserve(message.size() + 32);
  line.append("[telemetry-kinesis] ").append(LevelName(level)).append(" ").append(message);
  WriteLine(std::move(line));
}

void WriteRaw(std::string_view line) { WriteLine(std::string(line)); }

}  // namespace tk::log
