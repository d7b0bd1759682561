// Drives one execution environment through the Lambda lifecycle: Init (spawn until the
// extension's first /next), N Invokes with synthetic telemetry, then Shutdown; measures it all.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "event_factory.h"
#include "extensions_api_server.h"
#include "options.h"
#include "report.h"
#include "telemetry_router.h"

namespace sandbox {

class Lifecycle {
 public:
  Lifecycle(const Options& options, const EventFactory& factory, TelemetryRouter& router,
            ExtensionsApiServer& server);

  /// Runs everything and returns the outcome; `env` is the extension's full environment.
  /// `child_pgid` is published for the signal handler of main (kill the group on Ctrl-C).
  RunResult run(const std::vector<std::string>& env, std::atomic<int>& child_pgid);

 private:
  bool init(ChildProcess& child, RunResult& result);
  /// One invocation; false when it failed (reason appended, `shutdown_reason` set).
  bool invoke(int index, ChildProcess& child, RunResult& result);
  void shutdown(ChildProcess& child, RunResult& result);
  void emitFunctionLogs(int index, SteadyTime start);

  const Options& options_;
  const EventFactory& factory_;
  TelemetryRouter& router_;
  ExtensionsApiServer& server_;
  std::string shutdown_reason_ = "spindown";
};

}  // namespace sandbox
