// Extensions API and Telemetry API as Lambda serves them to external extensions (AWS docs:
// "Lambda Extensions API" reference, "Lambda Telemetry API" reference). Error `errorType` strings
// follow Lambda's "Extension.*" style; where AWS does not document one, the name is our own.
#include "extensions_api_server.h"

#include <httplib.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "ids.h"

namespace sandbox {
namespace {

using nlohmann::json;

constexpr const char* kIdentifierHeader = "Lambda-Extension-Identifier";
constexpr const char* kNameHeader = "Lambda-Extension-Name";
constexpr const char* kAcceptFeatureHeader = "Lambda-Extension-Accept-Feature";
constexpr const char* kErrorTypeHeader = "Lambda-Extension-Function-Error-Type";
constexpr const char* kEventIdentifierHeader = "Lambda-Extension-Event-Identifier";
constexpr std::size_t kMaxRejectedKept = 100;
// Extension requests are tiny; anything bigger is a bug in the extension.
constexpr std::size_t kMaxRequestBodyBytes = 1024 * 1024;
// /next is a long poll; the handler re-checks for shutdown of the server this often.
constexpr auto kLongPollRecheck = std::chrono::milliseconds(100);
constexpr auto kAbortPollInterval = std::chrono::milliseconds(5);

void replyJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

}  // namespace

ExtensionsApiServer::ExtensionsApiServer(const EventFactory& factory, TelemetryRouter& router,
                                         std::string extension_name)
    : factory_(factory), router_(router), extension_name_(std::move(extension_name)) {}

ExtensionsApiServer::~ExtensionsApiServer() { stop(); }

bool ExtensionsApiServer::start(int port, std::string& error) {
  server_ = std::make_unique<httplib::Server>();
  server_->set_payload_max_length(kMaxRequestBodyBytes);
  // Small request/answer pairs: Nagle + delayed ACK would add ~40 ms to measured latencies.
  server_->set_tcp_nodelay(true);
  server_->Post(
      "/2020-01-01/extension/register",
      [this](const httplib::Request& req, httplib::Response& res) { handleRegister(req, res); });
  server_->Get(
      "/2020-01-01/extension/event/next",
      [this](const httplib::Request& req, httplib::Response& res) { handleNext(req, res); });
  server_->Post("/2020-01-01/extension/init/error",
                [this](const httplib::Request& req, httplib::Response& res) {
                  handleError(req, res, /*init_phase=*/true);
                });
  server_->Post("/2020-01-01/extension/exit/error",
                [this](const httplib::Request& req, httplib::Response& res) {
                  handleError(req, res, /*init_phase=*/false);
                });
  // The docs show both /2022-07-01/telemetry and /2022-07-01/telemetry/.
  server_->Put(
      R"(/2022-07-01/telemetry/?)",
      [this](const httplib::Request& req, httplib::Response& res) { handleSubscribe(req, res); });
  if (credentials_ != nullptr && credentials_->mode() == CredentialsMode::kContainer) {
    // RIE mounts the credentials router on the Runtime API server only with Init Caching
    // (rapi/server.go). The issuer has its own lock: a parked /next holds ours.
    server_->Get(CredentialsIssuer::endpointPath(), [this](const httplib::Request& req,
                                                           httplib::Response& res) {
      const CredentialsAnswer answer = credentials_->answer(req.get_header_value("Authorization"));
      res.status = answer.status;
      res.set_content(answer.body, answer.content_type);
    });
  }

  if (port == 0) {
    port_ = server_->bind_to_any_port("127.0.0.1");
  } else {
    port_ = server_->bind_to_port("127.0.0.1", port) ? port : -1;
  }
  if (port_ <= 0) {
    error = "cannot bind 127.0.0.1:" + std::to_string(port);
    return false;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return true;
}

void ExtensionsApiServer::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (server_) {
    server_->stop();
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

bool ExtensionsApiServer::checkIdentifier(const httplib::Request& req, httplib::Response& res) {
  if (!req.has_header(kIdentifierHeader)) {
    reject(req, res, 403, "Extension.MissingExtensionIdentifier",
           "missing Lambda-Extension-Identifier header");
    return false;
  }
  if (!state_.registered || req.get_header_value(kIdentifierHeader) != state_.extension_id) {
    reject(req, res, 403, "Extension.InvalidExtensionIdentifier",
           "unknown Lambda-Extension-Identifier");
    return false;
  }
  return true;
}

void ExtensionsApiServer::reject(const httplib::Request& req, httplib::Response& res, int status,
                                 const std::string& error_type, const std::string& message) {
  ++state_.rejected_total;
  if (state_.rejected.size() < kMaxRejectedKept) {
    state_.rejected.push_back({req.method + " " + req.path, status, message});
  }
  replyJson(res, status, {{"errorMessage", message}, {"errorType", error_type}});
}

void ExtensionsApiServer::handleRegister(const httplib::Request& req, httplib::Response& res) {
  std::vector<std::string> events;
  {
    const std::lock_guard lock(mutex_);
    // Register is only allowed during the Init phase, once per extension.
    if (init_done_ || state_.registered) {
      reject(req, res, 403, "Extension.RegistrationNotAllowed",
             state_.registered ? "extension is already registered"
                               : "register is only allowed during the Init phase");
      return;
    }
    // Lambda-Extension-Name must be the full file name of the extension.
    const std::string name = req.get_header_value(kNameHeader);
    if (name != extension_name_) {
      reject(req, res, 403, "Extension.InvalidExtensionName",
             "Lambda-Extension-Name '" + name + "' is not the executable's file name '" +
                 extension_name_ + "'");
      return;
    }
    const json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object() || !body.contains("events") ||
        !body["events"].is_array()) {
      reject(req, res, 400, "InvalidRequestFormat", "body must be {\"events\":[...]}");
      return;
    }
    for (const json& e : body["events"]) {
      // External extensions can register for INVOKE and SHUTDOWN.
      if (!e.is_string() || (e != "INVOKE" && e != "SHUTDOWN")) {
        reject(req, res, 400, "Extension.InvalidEventType",
               "events may only contain INVOKE and SHUTDOWN, got " + e.dump());
        return;
      }
      if (e == "INVOKE" && !rules_.invoke_registration_allowed) {
        // Lambda Managed Instances: external extensions may register for SHUTDOWN only.
        reject(req, res, 403, "Extension.InvalidEventType",
               "INVOKE: external extensions cannot register for INVOKE on Lambda Managed "
               "Instances");
        return;
      }
      events.push_back(e.get<std::string>());
    }
    state_.registered = true;
    state_.extension_id = newUuid();
    state_.registered_events = events;
    state_.accepted_account_id = req.get_header_value(kAcceptFeatureHeader) == "accountId";

    const FunctionInfo& info = factory_.info();
    json reply = {{"functionName", info.function_name},
                  {"functionVersion", info.function_version},
                  {"handler", info.handler}};
    // The account id is only returned to extensions that opt in with
    // Lambda-Extension-Accept-Feature: accountId.
    if (state_.accepted_account_id) {
      reply["accountId"] = info.account_id;
    }
    res.set_header(kIdentifierHeader, state_.extension_id);
    replyJson(res, 200, reply);
  }
  router_.emit(factory_.platformExtension(extension_name_, events));
}

void ExtensionsApiServer::handleNext(const httplib::Request& req, httplib::Response& res) {
  std::unique_lock lock(mutex_);
  if (!checkIdentifier(req, res)) {
    return;
  }
  ++state_.next_calls;
  last_next_at_ = SteadyClock::now();
  cv_.notify_all();
  // Long poll: the call parks here until the sandbox has an event for it. Lambda may keep it
  // parked for as long as the environment lives, so there is no timeout, only server shutdown.
  while (!pending_event_ && !stopping_) {
    cv_.wait_for(lock, kLongPollRecheck);
  }
  if (!pending_event_) {
    reject(req, res, 500, "Extension.Stopping", "sandbox is stopping");
    return;
  }
  res.set_header(kEventIdentifierHeader, newUuid());
  res.status = 200;
  res.set_content(std::move(*pending_event_), "application/json");
  pending_event_.reset();
  cv_.notify_all();
}

void ExtensionsApiServer::handleError(const httplib::Request& req, httplib::Response& res,
                                      bool init_phase) {
  const std::lock_guard lock(mutex_);
  if (!checkIdentifier(req, res)) {
    return;
  }
  ErrorReport report{req.get_header_value(kErrorTypeHeader), req.body};
  // init/error: Lambda fails the Init phase (and resets the environment); exit/error: the
  // extension tells Lambda it is about to exit because of an error.
  (init_phase ? state_.init_error : state_.exit_error) = std::move(report);
  error_reported_ = true;
  cv_.notify_all();
  replyJson(res, 202, {{"status", "OK"}});
}

void ExtensionsApiServer::handleSubscribe(const httplib::Request& req, httplib::Response& res) {
  SubscriptionParse parsed;
  {
    const std::lock_guard lock(mutex_);
    if (!checkIdentifier(req, res)) {
      return;
    }
    // Lambda closes subscription at the end of Init, once every extension has called /next:
    // RIE's doInit turns the Telemetry and Logs subscription APIs off after AwaitAgentsReady
    // (internal/lambda/rapid/handlers.go), and a later Subscribe gets 403 with this type and
    // message (rapi/handler/runtimelogs.go, RenderForbiddenWithTypeMsg; runtimelogs_test.go,
    // TestRenderTelemetrySubscriptionClosed). The Logs API guide says it too: "After the
    // initialization phase completes, Lambda does not process subscription requests."
    if (init_done_) {
      reject(req, res, 403, "Telemetry.SubscriptionClosed",
             "Telemetry API subscription is closed already");
      return;
    }
    parsed = parseSubscription(req.body);
    if (!parsed.subscription) {
      reject(req, res, 400, "ValidationError", parsed.error_message);
      return;
    }
    if (auto refused = rules_.refuseSchema(parsed.subscription->schema_version)) {
      reject(req, res, 400, "ValidationError", *refused);
      return;
    }
  }
  router_.subscribe(*parsed.subscription, extension_name_);
  // Success answer per the Telemetry API reference: HTTP 200 with body "OK".
  res.status = 200;
  res.set_content("\"OK\"", "application/json");
}

ExtensionsApiServer::WaitResult ExtensionsApiServer::waitForNextCall(
    std::uint64_t after_calls, SteadyTime deadline, const std::function<bool()>& abort) {
  std::unique_lock lock(mutex_);
  while (true) {
    if (state_.next_calls > after_calls) {
      return WaitResult::kNextCalled;
    }
    if (error_reported_) {
      return WaitResult::kAborted;
    }
    lock.unlock();
    const bool aborted = abort();
    lock.lock();
    if (aborted) {
      return WaitResult::kAborted;
    }
    const SteadyTime now = SteadyClock::now();
    if (now >= deadline) {
      return WaitResult::kTimeout;
    }
    cv_.wait_until(lock, std::min(deadline, now + kAbortPollInterval));
  }
}

std::uint64_t ExtensionsApiServer::nextCalls() const {
  const std::lock_guard lock(mutex_);
  return state_.next_calls;
}

SteadyTime ExtensionsApiServer::lastNextCallAt() const {
  const std::lock_guard lock(mutex_);
  return last_next_at_;
}

void ExtensionsApiServer::deliver(std::string event_json) {
  {
    const std::lock_guard lock(mutex_);
    pending_event_ = std::move(event_json);
  }
  cv_.notify_all();
}

void ExtensionsApiServer::setInitDone() {
  const std::lock_guard lock(mutex_);
  init_done_ = true;
}

bool ExtensionsApiServer::registeredFor(const std::string& event_type) const {
  const std::lock_guard lock(mutex_);
  const auto& ev = state_.registered_events;
  return std::find(ev.begin(), ev.end(), event_type) != ev.end();
}

ApiSnapshot ExtensionsApiServer::snapshot() const {
  const std::lock_guard lock(mutex_);
  return state_;
}

}  // namespace sandbox
