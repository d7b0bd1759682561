// Client of the Lambda Extensions API (register, next event, error reporting).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"

namespace httplib {
class Client;
}

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

class ExtensionsApiClient {
 public:
  // `runtime_api` is AWS_LAMBDA_RUNTIME_API ("host:port").
  explicit ExtensionsApiClient(const std::string& runtime_api);
  ~ExtensionsApiClient();

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
  httplib::Client& http() { return *client_; }

 private:
  Status ReportError(const std::string& path, const std::string& error_type,
                     const std::string& message);

  std::unique_ptr<httplib::Client> client_;
  std::string extension_id_;
};

}  // namespace tk::lambda
