// The order of the function's log lines within one invocation: the ordinary --log-lines, with
// the extra lines of --big-log-lines (and --largest-post's one) spread evenly between them.
// Pure code.
#pragma once

#include <cstddef>
#include <vector>

namespace sandbox {

struct LogLinePlan {
  int number = 0;         // 1-based among its kind (ordinary lines, extra lines)
  std::size_t bytes = 0;  // extra lines: exact text size; 0: an ordinary line
  bool alone = false;     // --largest-post's line: POSTed whole and by itself
};

/// `log_lines` ordinary lines, then `extra` (sizes, in order) placed so that extra line k of B
/// follows ordinary line floor(k * log_lines / (B + 1)); `largest_bytes` (0: none) is the last
/// extra line.
std::vector<LogLinePlan> planLogLines(int log_lines, const std::vector<int>& extra,
                                      std::size_t largest_bytes);

/// Whether invocation `index` logs the --big-log-lines (`only`: the invocations named, empty:
/// every one).
bool logsBigLines(int index, const std::vector<int>& only);

}  // namespace sandbox
