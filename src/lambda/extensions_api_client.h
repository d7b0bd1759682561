// Client of the Lambda Extensions API (register, next event, error reporting), over the
// project's HTTP seam: cpp-httplib in the extension, a scripted fake in the lifecycle's tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "http/http_client.h"

namespace tk::lambda {

// What Lambda tells an extension when it registers.
struct Registration {
  std::string extension_id;  // Lambda-Extension-Identifier, sent on every later call
  std::string function_name;
  std::string function_version;
  std::string account_id;  // present because we send Lambda-Extension-Accept-Feature: accountId
};

enum class EventType { kInvoke, kShutdown };

// The lifecycle events an extension registers for. Lambda Managed Instances refuses INVOKE for
// external extensions (their environments serve many invocations at once; the Managed Instances
// Runtime Interface Emulator answers 403 Extension.InvalidEventType), so there only SHUTDOWN.
enum class RegisterFor { kInvokeAndShutdown, kShutdownOnly };

struct LifecycleEvent {
  EventType type = EventType::kInvoke;
  std::string request_id;       // INVOKE
  std::string shutdown_reason;  // SHUTDOWN: spindown, timeout, failure
  int64_t deadline_ms = 0;      // Unix epoch milliseconds
};

// Long poll: Lambda may freeze us for minutes between events, so /next has no practical timeout
// (a poll timeout could also expire across a freeze and fail a healthy call). The client that
// carries Runtime API calls must allow it per request (HttpClientOptions::request_timeout_ms).
inline constexpr long kRuntimeApiTimeoutMs = 365L * 24 * 3600 * 1000;

class ExtensionsApiClient {
 public:
  // `runtime_api` is AWS_LAMBDA_RUNTIME_API ("host:port"); every call goes through `http`, which
  // must outlive this client and allow kRuntimeApiTimeoutMs.
  ExtensionsApiClient(http::HttpClient& http, const std::string& runtime_api);

  // POST /2020-01-01/extension/register for `events`. Errors: Lambda unreachable, non-200 answer
  // (message carries Lambda's answer), no identifier header.
  Result<Registration> Register(const std::string& extension_name,
                                RegisterFor events = RegisterFor::kInvokeAndShutdown);

  // GET /2020-01-01/extension/event/next: blocks until Lambda has the next event.
  Result<LifecycleEvent> NextEvent();

  // POST /2020-01-01/extension/init/error or /exit/error with
  // Lambda-Extension-Function-Error-Type: `error_type` (e.g. "Extension.ConfigInvalid").
  Status ReportInitError(const std::string& error_type, const std::string& message);
  Status ReportExitError(const std::string& error_type, const std::string& message);

  const std::string& extension_id() const { return extension_id_; }

  // One Runtime API call as this extension (its identifier header, once registered), for the
  // Telemetry API client, which shares the endpoint and the connection.
  // `headers` go with it; a JSON body gets its Content-Type.
  http::Response Call(const char* method, std::string_view path, std::string body,
                      std::vector<http::Header> headers = {}, bool headers_of_success = false);

 private:
  Status ReportError(const char* path, const std::string& error_type, const std::string& message);

  http::HttpClient& http_;
  std::string base_url_;  // http://host:port
  std::string extension_id_;
};

}  // namespace tk::lambda
