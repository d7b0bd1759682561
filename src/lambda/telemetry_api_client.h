// Client of the Lambda Telemetry API: the one subscription call.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "lambda/extensions_api_client.h"

namespace tk::lambda {

// Telemetry API schema versions (Telemetry API reference, "Subscribe", schemaVersion: valid values
// "2025-01-29", "2022-12-13", "2022-07-01"). 2025-01-29 is required by Lambda Managed Instances
// and "backward compatible with Lambda (default) functions"; a Lambda that predates it refuses it
// with 400 ValidationError, and then 2022-12-13 is used. The extension passes event bytes through,
// so it reads both.
inline constexpr char kTelemetrySchemaLatest[] = "2025-01-29";
inline constexpr char kTelemetrySchemaVersion[] = "2022-12-13";

// Newest first: what to try, in order, in each kind of environment.
inline constexpr std::string_view kSchemasNewestFirst[] = {kTelemetrySchemaLatest,
                                                           kTelemetrySchemaVersion};
// Managed Instances accept only 2025-01-29: nothing to fall back to.
inline constexpr std::string_view kSchemasManagedInstances[] = {kTelemetrySchemaLatest};

struct TelemetrySubscription {
  std::string destination_uri;     // http://sandbox.localdomain:<port>/
  std::vector<std::string> types;  // platform, function, extension
  uint32_t max_items = 1'000;
  uint32_t max_bytes = 262'144;
  uint32_t timeout_ms = 100;
  std::string schema_version = kTelemetrySchemaVersion;
};

// Renders the PUT body for `subscription` (separate for tests).
std::string RenderSubscriptionBody(const TelemetrySubscription& subscription);

// PUT /2022-07-01/telemetry with the first of `schema_versions` that Lambda accepts: an answer of
// 400 with errorType "ValidationError" (how Lambda refuses a schemaVersion it does not support)
// moves on to the next version. Returns the version now in effect; otherwise the error of the last
// attempt (or the first error that was not a validation error), with Lambda's answer. An
// extension that is not subscribed ships nothing: the caller treats an error as an
// initialisation failure.
Result<std::string> SubscribeWithNewestSchema(ExtensionsApiClient& client,
                                              TelemetrySubscription subscription,
                                              std::span<const std::string_view> schema_versions);

}  // namespace tk::lambda
