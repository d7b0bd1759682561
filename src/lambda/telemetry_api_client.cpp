// The Telemetry API subscription request.
#include "lambda/telemetry_api_client.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

namespace tk::lambda {
namespace {

constexpr char kTelemetryPath[] = "/2022-07-01/telemetry";

}  // namespace

std::string RenderSubscriptionBody(const TelemetrySubscription& subscription) {
  nlohmann::json body = {
      {"schemaVersion", kTelemetrySchemaVersion},
      {"destination", {{"protocol", "HTTP"}, {"URI", subscription.destination_uri}}},
      {"types", subscription.types},
      {"buffering",
       {{"maxItems", subscription.max_items},
        {"maxBytes", subscription.max_bytes},
        {"timeoutMs", subscription.timeout_ms}}},
  };
  return body.dump();
}

Status SubscribeToTelemetry(ExtensionsApiClient& client,
                            const TelemetrySubscription& subscription) {
  auto result =
      client.http().Put(kTelemetryPath, {{"Lambda-Extension-Identifier", client.extension_id()}},
                        RenderSubscriptionBody(subscription), "application/json");
  if (!result) {
    return Error{"Telemetry API unreachable: " + httplib::to_string(result.error())};
  }
  if (result->status != 200) {
    return Error{"Telemetry API refused the subscription (" + std::to_string(result->status) +
                 "): " + result->body.substr(0, 300)};
  }
  return Status::Ok();
}

}  // namespace tk::lambda
