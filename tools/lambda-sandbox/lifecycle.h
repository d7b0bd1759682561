// Drives one execution environment through the Lambda lifecycle: Init (spawn until the
// extension's first /next), N Invokes with synthetic telemetry, then Shutdown; measures it all.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "credentials_issuer.h"
#include "event_factory.h"
#include "extensions_api_server.h"
#include "options.h"
#include "progress_log.h"
#include "report.h"
#include "slow_clients.h"
#include "telemetry_router.h"

namespace sandbox {

class Lifecycle {
 public:
  Lifecycle(const Options& options, const EventFactory& factory, TelemetryRouter& router,
            ExtensionsApiServer& server, CredentialsIssuer& credentials);

  /// Runs everything and returns the outcome; `env` is the extension's full environment.
  /// `child_pgid` is published for the signal handler of main (kill the group on Ctrl-C).
  RunResult run(const std::vector<std::string>& env, std::atomic<int>& child_pgid);

 private:
  bool init(ChildProcess& child, SteadyTime spawned, const std::string& spawned_iso,
            RunResult& result);
  /// One invocation; false when it failed (reason appended, `shutdown_reason` set).
  bool invoke(int index, ChildProcess& child, RunResult& result);
  void shutdown(ChildProcess& child, RunResult& result);
  /// --sigterm-at-shutdown: SIGTERM the group, recorded in the report (`shutdown_start`: when the
  /// Shutdown phase began).
  void sendSigterm(ChildProcess& child, SteadyTime shutdown_start, RunResult& result);
  void emitFunctionLogs(int index, SteadyTime start, const std::string& request_id);
  /// --slow-clients: from the first invocation on, at the subscriber's listener.
  void startSlowClients();

  // The execution modes (lifecycle_modes.cpp).
  /// Between Init and the first invocation: provisioned concurrency idles frozen; SnapStart
  /// snapshots (freezes) and later restores with the platform.restore* events.
  void afterInit(ChildProcess& child);
  /// Lambda Managed Instances: every invocation, at most --concurrency at once, with their
  /// telemetry interleaved; no INVOKE events, no platform.runtimeDone, never frozen.
  void invokeConcurrently(ChildProcess& child, RunResult& result);
  void invokeWithoutExtension(int index);

  const Options& options_;
  const EventFactory& factory_;
  TelemetryRouter& router_;
  ExtensionsApiServer& server_;
  CredentialsIssuer& credentials_;
  std::string shutdown_reason_ = "spindown";
  ProgressLog progress_;
  std::string last_request_id_;
  std::optional<double> restore_ms_;  // SnapStart: how long the restore took
  SlowClients slow_clients_;
};

}  // namespace sandbox
