// Extensions API calls over plain HTTP to the local Runtime API endpoint.
#include "lambda/extensions_api_client.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

namespace tk::lambda {
namespace {

constexpr char kRegisterPath[] = "/2020-01-01/extension/register";
constexpr char kNextPath[] = "/2020-01-01/extension/event/next";
constexpr char kInitErrorPath[] = "/2020-01-01/extension/init/error";
constexpr char kExitErrorPath[] = "/2020-01-01/extension/exit/error";
constexpr char kIdentifierHeader[] = "Lambda-Extension-Identifier";

// Long-poll: Lambda may freeze us for minutes between events, so /next has no practical
// timeout (a poll timeout could also expire across a freeze and fail a healthy call).
constexpr time_t kLongPollTimeoutSeconds = 365L * 24 * 3600;

// Lambda's answers are trusted but a field of an unexpected type must not throw (nlohmann's
// value() does): read strings and integers only when they have that type.
std::string StringField(const nlohmann::json& body, const char* name) {
  auto found = body.find(name);
  return found != body.end() && found->is_string() ? found->get<std::string>() : std::string();
}

int64_t IntegerField(const nlohmann::json& body, const char* name) {
  auto found = body.find(name);
  return found != body.end() && found->is_number_integer() ? found->get<int64_t>() : 0;
}

std::string Describe(const httplib::Result& result) {
  if (!result) return "Extensions API unreachable: " + httplib::to_string(result.error());
  return "Extensions API answered " + std::to_string(result->status) + ": " +
         result->body.substr(0, 300);
}

}  // namespace

ExtensionsApiClient::ExtensionsApiClient(const std::string& runtime_api)
    : client_(std::make_unique<httplib::Client>("http://" + runtime_api)) {
  client_->set_keep_alive(true);
  client_->set_tcp_nodelay(true);  // small request/answer pairs: no Nagle delay
  client_->set_read_timeout(kLongPollTimeoutSeconds, 0);
}

ExtensionsApiClient::~ExtensionsApiClient() = default;

Result<Registration> ExtensionsApiClient::Register(const std::string& extension_name,
                                                   RegisterFor events) {
  httplib::Headers headers = {{"Lambda-Extension-Name", extension_name},
                              {"Lambda-Extension-Accept-Feature", "accountId"}};
  const char* events_body = events == RegisterFor::kShutdownOnly
                                ? R"({"events":["SHUTDOWN"]})"
                                : R"({"events":["INVOKE","SHUTDOWN"]})";
  auto result = client_->Post(kRegisterPath, headers, events_body, "application/json");
  if (!result || result->status != 200) return Error{"register failed: " + Describe(result)};
  Registration registration;
  registration.extension_id = result->get_header_value(kIdentifierHeader);
  if (registration.extension_id.empty()) {
    return Error{"register answer has no " + std::string(kIdentifierHeader) + " header"};
  }
  auto body = nlohmann::json::parse(result->body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object()) {
    registration.function_name = StringField(body, "functionName");
    registration.function_version = StringField(body, "functionVersion");
    registration.account_id = StringField(body, "accountId");
  }
  extension_id_ = registration.extension_id;
  return registration;
}

Result<LifecycleEvent> ExtensionsApiClient::NextEvent() {
  auto result = client_->Get(kNextPath, {{kIdentifierHeader, extension_id_}});
  if (!result || result->status != 200) return Error{"event/next failed: " + Describe(result)};
  auto body = nlohmann::json::parse(result->body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return Error{"event/next answer is not a JSON object"};
  LifecycleEvent event;
  std::string type = StringField(body, "eventType");
  if (type == "INVOKE") {
    event.type = EventType::kInvoke;
    event.request_id = StringField(body, "requestId");
  } else if (type == "SHUTDOWN") {
    event.type = EventType::kShutdown;
    event.shutdown_reason = StringField(body, "shutdownReason");
  } else {
    return Error{"event/next returned unknown eventType \"" + type + "\""};
  }
  event.deadline_ms = IntegerField(body, "deadlineMs");
  return event;
}

Status ExtensionsApiClient::ReportInitError(const std::string& error_type,
                                            const std::string& message) {
  return ReportError(kInitErrorPath, error_type, message);
}

Status ExtensionsApiClient::ReportExitError(const std::string& error_type,
                                            const std::string& message) {
  return ReportError(kExitErrorPath, error_type, message);
}

Status ExtensionsApiClient::ReportError(const std::string& path, const std::string& error_type,
                                        const std::string& message) {
  nlohmann::json body = {{"errorMessage", message},
                         {"errorType", error_type},
                         {"stackTrace", nlohmann::json::array()}};
  auto result = client_->Post(
      path,
      {{kIdentifierHeader, extension_id_}, {"Lambda-Extension-Function-Error-Type", error_type}},
      body.dump(), "application/json");
  if (!result || result->status != 202) {
    if (result && result->status == 200) return Status::Ok();
    return Error{"error report failed: " + Describe(result)};
  }
  return Status::Ok();
}

}  // namespace tk::lambda
