// The lifecycle steps that differ by execution mode: provisioned concurrency's idle gap after
// Init, SnapStart's snapshot and restore ("Lambda SnapStart", "Monitoring for Lambda SnapStart":
// the Telemetry API sends platform.restoreStart, platform.restoreRuntimeDone and
// platform.restoreReport), and Lambda Managed Instances' concurrent invocations ("Understanding
// the Lambda Managed Instances execution environment": several invocations at once in one
// environment, which runs continuously; extensions get no INVOKE).
#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "ids.h"
#include "lifecycle.h"

namespace sandbox {
namespace {

std::chrono::milliseconds ms(int v) { return std::chrono::milliseconds(v); }

}  // namespace

void Lifecycle::afterInit(ChildProcess& child) {
  const Mode mode = options_.modes.mode;
  if (mode == Mode::kProvisionedConcurrency) {
    // Lambda initialises provisioned environments ahead of traffic, then freezes them until the
    // first invocation arrives.
    if (options_.freeze) {
      router_.pause();
      child.freeze();
    }
    progress_.step(options_.freeze ? "frozen" : "idle");
    std::this_thread::sleep_for(ms(options_.modes.idle_after_init_ms));
    return;
  }
  if (mode != Mode::kSnapStart) {
    return;
  }
  // The snapshot is taken once Init is over (every extension parked in /next): nothing runs and
  // no telemetry flows until an environment is restored from it, maybe much later.
  router_.pause();
  child.freeze();
  progress_.step("snapshot");
  std::this_thread::sleep_for(ms(options_.modes.idle_after_init_ms));

  const SteadyTime restore_started = SteadyClock::now();
  const std::string restore_started_iso = isoTimeNow();
  // Lambda hands every restored environment new credentials before the runtime runs again (RIE
  // rapid/handlers.go handleRestore: UpdateCredentials); the snapshot's set is no longer valid.
  credentials_.restore();
  child.thaw();
  router_.resume();
  router_.emit(factory_.restoreStart());
  // The emulated runtime has no after-restore hooks: they take no time.
  const double hooks_ms = millisBetween(restore_started, SteadyClock::now());
  router_.emit(factory_.restoreRuntimeDone(restore_started_iso, hooks_ms));
  restore_ms_ = millisBetween(restore_started, SteadyClock::now());
  router_.emit(factory_.restoreReport(*restore_ms_, restore_started_iso, *restore_ms_));
  progress_.step("restore");
}

void Lifecycle::invokeWithoutExtension(int index) {
  const std::string request_id = newUuid();
  progress_.step("invoke", index, request_id);
  const TraceContext trace{newTraceHeader(), randomHex(16)};
  const SteadyTime t0 = SteadyClock::now();
  router_.emit(factory_.platformStart(request_id, trace));
  emitFunctionLogs(index, t0, request_id);
  std::this_thread::sleep_until(t0 + ms(options_.invoke_duration_ms));
  // Managed Instances send no platform.runtimeDone; the report follows the response at once,
  // since no extension takes part in the invocation.
  ReportMetrics metrics;
  metrics.duration_ms = millisBetween(t0, SteadyClock::now());
  router_.emit(factory_.platformReport(request_id, trace, metrics));
  progress_.step("done", index, request_id);
}

void Lifecycle::invokeConcurrently(ChildProcess& child, RunResult& result) {
  startSlowClients();  // with the first invocation
  std::atomic<int> next_index{1};
  std::atomic<int> completed{0};
  const int workers = std::min(options_.modes.concurrency, std::max(options_.invocations, 1));
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(workers));
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      // Each worker takes the next invocation until all are done (bounded by --invocations).
      for (int index = next_index++; index <= options_.invocations; index = next_index++) {
        if (child.exited()) {
          return;
        }
        invokeWithoutExtension(index);
        ++completed;
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  result.invocations_completed = completed.load();
  // The extension cannot delay a Managed Instances invocation: it does not take part in it.
  result.overhead_ms.assign(static_cast<std::size_t>(result.invocations_completed), 0.0);
  if (child.exited()) {
    result.failures.push_back("extension exited while invocations were running");
    shutdown_reason_ = "failure";
  }
}

}  // namespace sandbox
