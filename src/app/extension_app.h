// The extension's lifecycle: configure, register, subscribe, serve /next, shut down.
#pragma once

#include <string>

#include "config/environment.h"

namespace tk::app {

// Runs the extension until SHUTDOWN and returns the process exit code. On a configuration
// or initialisation failure it logs one line and, by default, keeps serving /next without
// shipping anything so the user's function keeps working (TELEMETRY_KINESIS_ON_INIT_ERROR=fail
// reports the failure to Lambda instead, which fails the function's init).
int RunExtension(const config::Environment& environment, const std::string& extension_name);

}  // namespace tk::app
