// The emulated Lambda Runtime API endpoint for extensions on 127.0.0.1: Extensions API
// (register, event/next, init/error, exit/error) and Telemetry API (subscribe).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "clock.h"
#include "credentials_issuer.h"
#include "event_factory.h"
#include "execution_mode.h"
#include "telemetry_router.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace sandbox {

/// What an extension reported through init/error or exit/error.
struct ErrorReport {
  std::string type;  // Lambda-Extension-Function-Error-Type header
  std::string body;
};

/// A request the sandbox refused, kept for the report (bounded list).
struct RejectedRequest {
  std::string method_path;
  int status = 0;
  std::string message;
};

/// A consistent copy of what the server has seen, for the lifecycle and the report.
struct ApiSnapshot {
  bool registered = false;
  std::string extension_id;
  std::vector<std::string> registered_events;
  bool accepted_account_id = false;
  std::uint64_t next_calls = 0;
  std::optional<ErrorReport> init_error;
  std::optional<ErrorReport> exit_error;
  std::vector<RejectedRequest> rejected;
  std::int64_t rejected_total = 0;
};

class ExtensionsApiServer {
 public:
  /// `extension_name` is the executable's file name: Lambda requires register's
  /// Lambda-Extension-Name to equal it.
  ExtensionsApiServer(const EventFactory& factory, TelemetryRouter& router,
                      std::string extension_name);
  ~ExtensionsApiServer();
  ExtensionsApiServer(const ExtensionsApiServer&) = delete;
  ExtensionsApiServer& operator=(const ExtensionsApiServer&) = delete;

  /// The mode's rules for register and subscribe (before start()).
  void setRules(ApiRules rules) { rules_ = std::move(rules); }
  /// Serves the issuer's credentials endpoint alongside the Runtime API, as RIE does with Init
  /// Caching (before start(); container mode only).
  void setCredentialsIssuer(CredentialsIssuer* issuer) { credentials_ = issuer; }

  /// Binds 127.0.0.1:`port` (0 = ephemeral) and serves from a background thread.
  bool start(int port, std::string& error);
  int port() const { return port_; }
  void stop();

  enum class WaitResult { kNextCalled, kTimeout, kAborted };
  /// Waits until the extension has made more than `after_calls` /next calls (the latest one is
  /// then parked, waiting for an event), until `deadline`, or until `abort()` returns true (polled
  /// every few ms: child exited) or an init/error or exit/error arrives.
  WaitResult waitForNextCall(std::uint64_t after_calls, SteadyTime deadline,
                             const std::function<bool()>& abort);
  /// How many /next calls the extension has made so far.
  std::uint64_t nextCalls() const;
  /// When the latest /next call arrived.
  SteadyTime lastNextCallAt() const;
  /// Hands an event to the parked /next call (or to the next one to arrive).
  void deliver(std::string event_json);
  /// Init is over: register is refused from now on.
  void setInitDone();
  bool registeredFor(const std::string& event_type) const;
  ApiSnapshot snapshot() const;

 private:
  void handleRegister(const httplib::Request& req, httplib::Response& res);
  void handleNext(const httplib::Request& req, httplib::Response& res);
  void handleError(const httplib::Request& req, httplib::Response& res, bool init_phase);
  void handleSubscribe(const httplib::Request& req, httplib::Response& res);
  /// Checks Lambda-Extension-Identifier; answers 403 itself when wrong. Requires mutex_.
  bool checkIdentifier(const httplib::Request& req, httplib::Response& res);
  void reject(const httplib::Request& req, httplib::Response& res, int status,
              const std::string& error_type, const std::string& message);  // requires mutex_

  const EventFactory& factory_;
  TelemetryRouter& router_;
  const std::string extension_name_;
  ApiRules rules_;
  CredentialsIssuer* credentials_ = nullptr;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  ApiSnapshot state_;
  SteadyTime last_next_at_{};
  std::optional<std::string> pending_event_;
  bool init_done_ = false;
  bool error_reported_ = false;  // init/error or exit/error received
  bool stopping_ = false;
};

}  // namespace sandbox
