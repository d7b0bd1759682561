#include "pipeline/once_summary.h"

namespace tk::pipeline {

std::string OnceSummary::Run(const std::function<std::string()>& make) {
  // make() runs under the lock: a second caller (a signal's drain, which then exits the process)
  // returns only once the first caller's work, its log line included, is done.
  std::lock_guard lock(mutex_);
  if (!summary_) summary_ = make();
  return *summary_;
}

}  // namespace tk::pipeline
