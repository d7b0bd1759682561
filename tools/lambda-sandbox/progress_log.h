// Progress lines for tests and tools that must act at a given lifecycle step (e.g. read the
// stream while the extension is frozen): one "lambda-sandbox: progress {json}" line on stdout per
// step, when --progress is on.
#pragma once

#include <mutex>
#include <string>

namespace sandbox {

class ProgressLog {
 public:
  explicit ProgressLog(bool enabled) : enabled_(enabled) {}

  /// Writes {"event":..., "invocation":..., "requestId":...} (the last two when set) and flushes,
  /// so a reader sees the line before the sandbox moves on. Thread-safe.
  void step(const std::string& event, int invocation = 0, const std::string& request_id = "");

 private:
  const bool enabled_;
  std::mutex mutex_;
};

}  // namespace sandbox
