// The Telemetry API subscription request.
#include "lambda/telemetry_api_client.h"

#include <nlohmann/json.hpp>

#include "common/text.h"

namespace tk::lambda {
namespace {

constexpr char kTelemetryPath[] = "/2022-07-01/telemetry";
constexpr int kValidationErrorStatus = 400;

// Whether Lambda refused the request body as invalid (Telemetry API reference, Subscribe errors:
// 400 "ValidationError"), the answer to a schemaVersion it does not know.
bool IsValidationError(long status, const std::string& body) {
  if (status != kValidationErrorStatus) return false;
  auto answer = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!answer.is_object()) return false;
  auto type = answer.find("errorType");
  return type != answer.end() && type->is_string() && *type == "ValidationError";
}

std::string Refusal(const http::Response& answer) {
  return "Telemetry API refused the subscription (" + std::to_string(answer.status) +
         "): " + answer.body.substr(0, 300);
}

http::Response PutSubscription(ExtensionsApiClient& client,
                               const TelemetrySubscription& subscription) {
  return client.Call("PUT", kTelemetryPath, RenderSubscriptionBody(subscription));
}

Error Unreachable(const http::Response& answer) {
  return Error{"Telemetry API unreachable: " + answer.transport.message, answer.transport.kind};
}

}  // namespace

std::string RenderSubscriptionBody(const TelemetrySubscription& subscription) {
  nlohmann::json body = {
      {"schemaVersion", subscription.schema_version},
      {"destination", {{"protocol", "HTTP"}, {"URI", subscription.destination_uri}}},
      {"types", subscription.types},
      {"buffering",
       {{"maxItems", subscription.max_items},
        {"maxBytes", subscription.max_bytes},
        {"timeoutMs", subscription.timeout_ms}}},
  };
  return body.dump();
}

Result<std::string> SubscribeWithNewestSchema(ExtensionsApiClient& client,
                                              TelemetrySubscription subscription,
                                              std::span<const std::string_view> schema_versions) {
  std::vector<std::string> refusals;
  for (std::string_view version : schema_versions) {
    subscription.schema_version = version;
    const http::Response answer = PutSubscription(client, subscription);
    if (!answer.transport_ok()) return Unreachable(answer);
    if (answer.status == 200) return subscription.schema_version;
    if (!IsValidationError(answer.status, answer.body)) return Error{Refusal(answer)};
    // An older Lambda: try the previous schema, and say why if none is accepted.
    refusals.push_back("schema " + subscription.schema_version + ": " + Refusal(answer));
  }
  if (refusals.empty()) return Error{"no Telemetry API schema version to subscribe with"};
  return Error{Join(refusals, "; ")};
}

}  // namespace tk::lambda
