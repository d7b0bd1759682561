// SIGTERM and SIGINT as a shutdown: Lambda Managed Instances send SIGTERM to the environment's
// processes at shutdown, "used by extensions to trigger clean up tasks, such as flushing buffers"
// (Lambda Managed Instances runtime guide); without a handler SIGTERM killed the extension with
// its queue. The first signal starts the same drain as SHUTDOWN, with a deadline of its own; a
// second one exits at once.
#pragma once

#include <chrono>
#include <functional>

namespace tk::app {

// How long a signal's drain may take: the Extensions API gives SHUTDOWN about 2,000 ms, and a
// signal comes with no deadline of its own, so the same is assumed.
inline constexpr std::chrono::milliseconds kSignalDrainBudget{2000};

// Blocks SIGTERM and SIGINT in the calling thread. Call it first in main(), before any thread
// starts: every thread inherits the mask, so the signals reach only WaitForTerminationSignals'
// thread (sigwait), never an arbitrary thread in the middle of a request.
void BlockTerminationSignals();

// Starts a detached thread that waits for SIGTERM or SIGINT. The first one runs `drain` on a
// thread of its own and then exits the process with `drain`'s exit code; a second one during the
// drain exits at once with status 1. `drain` must be safe to call while the lifecycle thread is
// blocked in /next (DeliveryPipeline::Shutdown is).
void WaitForTerminationSignals(std::function<int()> drain);

}  // namespace tk::app
