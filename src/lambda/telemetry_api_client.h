// Client of the Lambda Telemetry API: the one subscription call.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "lambda/extensions_api_client.h"

namespace tk::lambda {

// The event schema version we parse and document (Telemetry API schema reference).
inline constexpr char kTelemetrySchemaVersion[] = "2022-12-13";

struct TelemetrySubscription {
  std::string destination_uri;     // http://sandbox.localdomain:<port>/
  std::vector<std::string> types;  // platform, function, extension
  uint32_t max_items = 1'000;
  uint32_t max_bytes = 262'144;
  uint32_t timeout_ms = 100;
};

// Renders the PUT body for `subscription` (separate for tests).
std::string RenderSubscriptionBody(const TelemetrySubscription& subscription);

// PUT /2022-07-01/telemetry. Errors carry Lambda's answer: an extension that is not
// subscribed ships nothing, so the caller must treat this as an initialisation failure.
Status SubscribeToTelemetry(ExtensionsApiClient& client, const TelemetrySubscription& subscription);

}  // namespace tk::lambda
