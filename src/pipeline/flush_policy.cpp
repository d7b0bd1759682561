// Flush strategy per invocation: end, background, periodic, or adaptive between end and background.
#include "pipeline/flush_policy.h"

namespace tk::pipeline {

FlushPolicy::FlushPolicy(config::FlushStrategy strategy, bool receives_invoke,
                         bool sees_runtime_done)
    : effective_(strategy.mode), description_(config::DescribeFlushStrategy(strategy)) {
  const bool waits_at_end =
      strategy.mode == config::FlushMode::kEnd || strategy.mode == config::FlushMode::kAdaptive;
  if (waits_at_end && !receives_invoke) {
    // Lambda Managed Instances: no INVOKE, the environment is never frozen; the sender's batch
    // age is the timer that ships records.
    effective_ = config::FlushMode::kBackground;
    description_ += " -> background (no INVOKE events in this environment)";
  } else if (waits_at_end && !sees_runtime_done) {
    effective_ = config::FlushMode::kBackground;
    description_ +=
        " -> background (platform events are not subscribed, so platform.runtimeDone cannot tell "
        "when an invocation's telemetry is complete)";
  }
}

bool FlushPolicy::FlushBeforeNext(Clock::time_point now) {
  if (effective_ == config::FlushMode::kEnd) return true;
  if (effective_ != config::FlushMode::kAdaptive) return false;
  if (has_previous_invoke_) {
    const bool frequent = now - previous_invoke_ < kFrequentInvocationGap;
    frequent_gaps_ = frequent ? frequent_gaps_ + 1 : 0;
  }
  has_previous_invoke_ = true;
  previous_invoke_ = now;
  // The first invocation, and any after a pause, is treated as rare: it may be the last one for
  // a long time.
  return frequent_gaps_ < kFrequentGapsToGoBackground;
}

bool FlushPolicy::RuntimeDoneMissing() {
  if (effective_ != config::FlushMode::kAdaptive) return false;
  if (++missing_runtime_dones_ < kMissingRuntimeDonesToGoBackground) return false;
  effective_ = config::FlushMode::kBackground;
  description_ += " -> background (platform.runtimeDone did not arrive before the deadline)";
  return true;
}

}  // namespace tk::pipeline
