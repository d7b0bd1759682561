// The extension's lifecycle: configure, register, subscribe, serve /next, shut down.
#pragma once

#include <functional>
#include <string>

#include "app/delivery_pipeline.h"
#include "common/clock.h"
#include "config/environment.h"
#include "http/http_client.h"

namespace tk::app {

// What the lifecycle talks to: main.cpp wires the real ones, the lifecycle's tests fakes.
struct ExtensionWiring {
  // Carries every Extensions and Telemetry API call; allows lambda::kRuntimeApiTimeoutMs.
  http::HttpClient& runtime_api;
  // The pipeline's clients (PutRecords, the credentials endpoint).
  HttpClientFactory make_http;
  // Installs the SIGTERM/SIGINT drain (WaitForTerminationSignals in the extension). The drain
  // owns a share of the pipeline: it may run after RunExtension has returned.
  std::function<void(std::function<int()> drain)> on_termination_signal;
  // Decides every deadline and wait of the lifecycle and the pipeline; outlives the signal's
  // drain.
  const Clock* clock = &SystemClock();
};

// Runs the extension until SHUTDOWN and returns the process exit code. On a configuration
// or initialisation failure it logs one line and, by default, keeps serving /next without
// shipping anything so the user's function keeps working (TELEMETRY_KINESIS_ON_INIT_ERROR=fail
// reports the failure to Lambda instead, which fails the function's init).
int RunExtension(const config::Environment& environment, const std::string& extension_name,
                 const ExtensionWiring& wiring);

}  // namespace tk::app
