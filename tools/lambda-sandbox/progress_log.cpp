// Progress lines on stdout, one JSON object each, written whole and flushed.
#include "progress_log.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "clock.h"

namespace sandbox {

void ProgressLog::step(const std::string& event, int invocation, const std::string& request_id) {
  if (!enabled_) {
    return;
  }
  nlohmann::ordered_json line = {{"event", event}, {"epochMs", epochMillisNow()}};
  if (invocation > 0) {
    line["invocation"] = invocation;
  }
  if (!request_id.empty()) {
    line["requestId"] = request_id;
  }
  const std::string text = "lambda-sandbox: progress " + line.dump() + "\n";
  const std::lock_guard lock(mutex_);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace sandbox
