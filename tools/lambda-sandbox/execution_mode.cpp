// Execution modes: names, AWS_LAMBDA_INITIALIZATION_TYPE values and per-mode API rules.
#include "execution_mode.h"

#include <algorithm>

namespace sandbox {
namespace {

// The schema Lambda Managed Instances require (Telemetry API reference, "Subscribe").
constexpr const char* kManagedInstancesSchema = "2025-01-29";

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::optional<Mode> parseMode(const std::string& text) {
  if (text == "on-demand") return Mode::kOnDemand;
  if (text == "provisioned-concurrency") return Mode::kProvisionedConcurrency;
  if (text == "snap-start") return Mode::kSnapStart;
  if (text == "managed-instances") return Mode::kManagedInstances;
  return std::nullopt;
}

std::string initializationType(Mode mode) {
  switch (mode) {
    case Mode::kProvisionedConcurrency:
      return "provisioned-concurrency";
    case Mode::kSnapStart:
      return "snap-start";
    case Mode::kManagedInstances:
      return "lambda-managed-instances";
    case Mode::kOnDemand:
      break;
  }
  return "on-demand";
}

std::optional<std::string> ApiRules::refuseSchema(const std::string& schema_version) const {
  if (contains(rejected_schemas, schema_version)) {
    return "schemaVersion " + schema_version + " is not supported (emulated older Lambda)";
  }
  if (!only_schemas.empty() && !contains(only_schemas, schema_version)) {
    return "schema validation error: schemaVersion " + schema_version +
           " is not accepted here, expected " + only_schemas.front();
  }
  return std::nullopt;
}

ApiRules apiRulesFor(const ModeOptions& options) {
  ApiRules rules;
  rules.rejected_schemas = options.rejected_schemas;
  if (options.mode == Mode::kManagedInstances) {
    rules.invoke_registration_allowed = false;
    rules.only_schemas = {kManagedInstancesSchema};
  }
  return rules;
}

}  // namespace sandbox
