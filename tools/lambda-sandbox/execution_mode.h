// The Lambda execution modes the sandbox emulates (--mode) and the API rules each one implies:
// which lifecycle events an extension may register for, which Telemetry API schemas it accepts.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sandbox {

enum class Mode {
  kOnDemand,                // the classic lifecycle (default)
  kProvisionedConcurrency,  // Init ahead of time, an idle (frozen) gap, then invocations
  kSnapStart,               // Init, snapshot (frozen), restore later with platform.restore*
  kManagedInstances,        // concurrent invocations, no INVOKE, schema 2025-01-29, no runtimeDone
};

/// --mode spelling -> Mode; nullopt for anything else.
std::optional<Mode> parseMode(const std::string& text);
/// The value of AWS_LAMBDA_INITIALIZATION_TYPE (and of initializationType in platform.initStart)
/// Lambda uses for `mode`.
std::string initializationType(Mode mode);

/// The lifecycle flags that belong to the modes (kept apart from the classic flags in Options).
struct ModeOptions {
  Mode mode = Mode::kOnDemand;
  /// Managed Instances: invocations in flight at once.
  int concurrency = 1;
  /// snap-start: time between the snapshot and the restore; provisioned-concurrency: time between
  /// Init and the first invocation. The extension is frozen meanwhile.
  int idle_after_init_ms = 1000;
  /// How long the emulated runtime (and function) initialise. Init ends when the runtime and
  /// every extension are ready, so a snapshot or a provisioned environment comes this long after
  /// spawn at the earliest. 0: the runtime is ready at once.
  int runtime_init_ms = 0;
  /// Telemetry API schemaVersions refused with 400 ValidationError, as a Lambda that predates
  /// them would (--reject-schema, repeatable).
  std::vector<std::string> rejected_schemas;
  /// Print one "lambda-sandbox: progress {json}" line on stdout at each lifecycle step.
  bool progress = false;
};

/// Rules of the Extensions API and Telemetry API that depend on the mode.
struct ApiRules {
  /// Managed Instances refuse INVOKE registrations of external extensions (403
  /// Extension.InvalidEventType, as the Managed Instances Runtime Interface Emulator answers).
  bool invoke_registration_allowed = true;
  /// Managed Instances accept only schemaVersion 2025-01-29 (Telemetry API reference: "Lambda
  /// Managed Instances require 2025-01-29"); empty = every documented version.
  std::vector<std::string> only_schemas;
  std::vector<std::string> rejected_schemas;

  /// Why `schema_version` is refused, or nullopt when it is accepted.
  std::optional<std::string> refuseSchema(const std::string& schema_version) const;
};

ApiRules apiRulesFor(const ModeOptions& options);

}  // namespace sandbox
