// The HTTP endpoint Lambda's Telemetry API POSTs batches to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "common/result.h"

namespace httplib {
class Server;
}

namespace tk::telemetry {

// What the listener answers to one POST.
struct ListenerReply {
  int status = 200;
  std::string message;  // plain-text body (short)
};

struct ListenerOptions {
  std::string host;           // "sandbox.localdomain"; loopback when that name does not resolve
  uint16_t port = 0;          // 0 = any free port (tests)
  size_t max_body_bytes = 2 * 1024 * 1024;  // larger bodies get 413 without being read
  size_t worker_threads = 2;
};

class TelemetryListener {
 public:
  using BatchHandler = std::function<ListenerReply(std::string_view body)>;

  // Binds and starts serving on a background thread. Errors: the port is taken, the host
  // cannot be bound.
  static Result<std::unique_ptr<TelemetryListener>> Start(const ListenerOptions& options,
                                                          BatchHandler handler);
  ~TelemetryListener();
  TelemetryListener(const TelemetryListener&) = delete;
  TelemetryListener& operator=(const TelemetryListener&) = delete;

  // The URI to give the Telemetry API subscription, e.g. http://sandbox.localdomain:4243/.
  std::string SubscriptionUri() const;
  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }

  // Stops accepting and joins the serving thread; idempotent.
  void Stop();

 private:
  TelemetryListener() = default;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string host_;
  uint16_t port_ = 0;
};

// `host` when it resolves to an address, otherwise 127.0.0.1. Never widens to 0.0.0.0.
std::string ResolveListenerHost(const std::string& host);

}  // namespace tk::telemetry
