// When the extension sends: decides, invocation by invocation, whether to flush before calling
// /next (so the invocation's telemetry is not left in a frozen sandbox) or to ship in the
// background. Pure: the lifecycle passes the time in.
#pragma once

#include <chrono>
#include <string>

#include "config/execution_mode.h"

namespace tk::pipeline {

// Adaptive: invocations closer together than this are "frequent". Then the sandbox is thawed
// again within this time anyway, so telemetry waits at most about this long without a flush
// before /next; flushing before every /next would instead add its billed time to each
// invocation (docs/execution-modes.md has the figures).
inline constexpr std::chrono::milliseconds kFrequentInvocationGap{1'000};
// ... and this many such gaps in a row switch to background; one longer gap switches back.
inline constexpr int kFrequentGapsToGoBackground = 3;
// Adaptive gives up flushing before /next after this many invocations in a row whose
// platform.runtimeDone never came (one such wait can last until the function's deadline, billed).
// One is not enough: a function that times out gets its runtimeDone only at the deadline.
inline constexpr int kMissingRuntimeDonesToGoBackground = 2;

class FlushPolicy {
 public:
  using Clock = std::chrono::steady_clock;

  // `receives_invoke`: the extension gets INVOKE events (not on Lambda Managed Instances).
  // `sees_runtime_done`: platform events are subscribed, so platform.runtimeDone tells when the
  // runtime has finished (without it there is nothing to wait for before flushing).
  FlushPolicy(config::FlushStrategy strategy, bool receives_invoke, bool sees_runtime_done);

  // An INVOKE arrived at `now`. Returns whether to flush before the next /next.
  bool FlushBeforeNext(Clock::time_point now);

  // A wait for platform.runtimeDone ran out (Lambda did not send it, e.g. telemetry was dropped).
  // Adaptive stops flushing before /next after kMissingRuntimeDonesToGoBackground in a row,
  // rather than risk that wait on every invocation. Returns whether the strategy changed now.
  bool RuntimeDoneMissing();
  void RuntimeDoneArrived() { missing_runtime_dones_ = 0; }

  // The strategy in effect, for the start-up log line, e.g. "adaptive" or "background (end
  // needs INVOKE events, which Lambda Managed Instances does not send)".
  const std::string& description() const { return description_; }

 private:
  config::FlushMode effective_;
  std::string description_;
  bool has_previous_invoke_ = false;
  Clock::time_point previous_invoke_{};
  int frequent_gaps_ = 0;
  int missing_runtime_dones_ = 0;
};

}  // namespace tk::pipeline
