// Extensions API calls over plain HTTP to the local Runtime API endpoint.
#include "lambda/extensions_api_client.h"

#include <nlohmann/json.hpp>
#include <utility>

namespace tk::lambda {
namespace {

constexpr char kRegisterPath[] = "/2020-01-01/extension/register";
constexpr char kNextPath[] = "/2020-01-01/extension/event/next";
constexpr char kInitErrorPath[] = "/2020-01-01/extension/init/error";
constexpr char kExitErrorPath[] = "/2020-01-01/extension/exit/error";
constexpr char kIdentifierHeader[] = "Lambda-Extension-Identifier";

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

std::string Describe(const http::Response& response) {
  if (!response.transport_ok()) {
    return "Extensions API unreachable: " + response.transport.message;
  }
  return "Extensions API answered " + std::to_string(response.status) + ": " +
         response.body.substr(0, 300);
}

}  // namespace

ExtensionsApiClient::ExtensionsApiClient(http::HttpClient& http, const std::string& runtime_api)
    : http_(http), base_url_("http://" + runtime_api) {}

http::Response ExtensionsApiClient::Call(const char* method, std::string_view path,
                                         std::string body, std::vector<http::Header> headers,
                                         bool headers_of_success) {
  http::Request request;
  request.url = base_url_;
  request.url += path;
  request.method = method;
  request.headers = std::move(headers);
  if (!extension_id_.empty()) request.headers.push_back({kIdentifierHeader, extension_id_});
  if (!body.empty()) request.headers.push_back({"Content-Type", "application/json"});
  request.body = std::move(body);
  request.timeout_ms = kRuntimeApiTimeoutMs;
  request.headers_of_success = headers_of_success;
  return http_.Send(request);
}

Result<Registration> ExtensionsApiClient::Register(const std::string& extension_name,
                                                   RegisterFor events) {
  const char* events_body = events == RegisterFor::kShutdownOnly
                                ? R"({"events":["SHUTDOWN"]})"
                                : R"({"events":["INVOKE","SHUTDOWN"]})";
  http::Response answer = Call(
      "POST", kRegisterPath, events_body,
      {{"Lambda-Extension-Name", extension_name}, {"Lambda-Extension-Accept-Feature", "accountId"}},
      /*headers_of_success=*/true);
  if (answer.status != 200)
    return Error{"register failed: " + Describe(answer), answer.transport.kind};
  Registration registration;
  registration.extension_id = std::string(answer.FindHeader(kIdentifierHeader));
  if (registration.extension_id.empty()) {
    return Error{"register answer has no " + std::string(kIdentifierHeader) + " header"};
  }
  auto body = nlohmann::json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object()) {
    registration.function_name = StringField(body, "functionName");
    registration.function_version = StringField(body, "functionVersion");
    registration.account_id = StringField(body, "accountId");
  }
  extension_id_ = registration.extension_id;
  return registration;
}

Result<LifecycleEvent> ExtensionsApiClient::NextEvent() {
  http::Response answer = Call("GET", kNextPath, "");
  if (answer.status != 200)
    return Error{"event/next failed: " + Describe(answer), answer.transport.kind};
  auto body = nlohmann::json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
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

Status ExtensionsApiClient::ReportError(const char* path, const std::string& error_type,
                                        const std::string& message) {
  nlohmann::json body = {{"errorMessage", message},
                         {"errorType", error_type},
                         {"stackTrace", nlohmann::json::array()}};
  http::Response answer =
      Call("POST", path, body.dump(), {{"Lambda-Extension-Function-Error-Type", error_type}});
  // The API documents 202; an emulator answering 200 has accepted it too.
  if (answer.status == 202 || answer.status == 200) return Status::Ok();
  return Error{"error report failed: " + Describe(answer), answer.transport.kind};
}

}  // namespace tk::lambda
