// The shutdown drain runs once: SHUTDOWN (lifecycle thread) and a SIGTERM drain (the signal's
// thread) may race. The first caller makes the summary; a second waits until the first is done,
// including whatever the first did with it (logging it), and gets the same text.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace tk::pipeline {

class OnceSummary {
 public:
  // The first call returns make(); every later or concurrent call blocks until that has
  // returned and gets its result. If make() throws, the next call runs it again.
  std::string Run(const std::function<std::string()>& make);

 private:
  std::mutex mutex_;
  std::optional<std::string> summary_;  // set by the first Run
};

}  // namespace tk::pipeline
