// Interleaving extra (big) log lines with the ordinary ones.
#include "function_logs.h"

#include <algorithm>

namespace sandbox {

std::vector<LogLinePlan> planLogLines(int log_lines, const std::vector<int>& extra,
                                      std::size_t largest_bytes) {
  std::vector<LogLinePlan> extras;
  for (std::size_t k = 0; k < extra.size(); ++k) {
    extras.push_back({static_cast<int>(k) + 1, static_cast<std::size_t>(extra[k]), false});
  }
  if (largest_bytes > 0) {
    extras.push_back({static_cast<int>(extras.size()) + 1, largest_bytes, true});
  }
  std::vector<LogLinePlan> plan;
  plan.reserve(static_cast<std::size_t>(log_lines) + extras.size());
  const auto slots = static_cast<long long>(extras.size()) + 1;
  std::size_t next_extra = 0;
  for (int line = 0; line <= log_lines; ++line) {
    if (line > 0) {
      plan.push_back({line, 0, false});
    }
    // Extra line k (1-based) goes after ordinary line floor(k * log_lines / (B + 1)).
    while (next_extra < extras.size() &&
           static_cast<long long>(next_extra + 1) * log_lines / slots <= line) {
      plan.push_back(extras[next_extra++]);
    }
  }
  return plan;
}

bool logsBigLines(int index, const std::vector<int>& only) {
  return only.empty() || std::find(only.begin(), only.end(), index) != only.end();
}

}  // namespace sandbox
