// The HTTP endpoint Lambda's Telemetry API POSTs batches to.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "common/result.h"
#include "telemetry/connection_queue.h"

namespace httplib {
class Server;
}

namespace tk::telemetry {

// What the listener answers to one POST.
struct ListenerReply {
  int status = 200;
  std::string message;  // plain-text body (short)
};

// Lambda's Telemetry API POSTs one batch at a time over loopback, so these limits only bite a
// misbehaving local client; they keep it from starving Lambda's deliveries or the extension.
// A connection silent for this long while a request is being read or written is closed.
inline constexpr std::chrono::milliseconds kListenerReadTimeout{1000};
inline constexpr std::chrono::milliseconds kListenerWriteTimeout{1000};
// A connection that sends no request for this long is closed (whole seconds: the HTTP library's
// unit). Each connection carries one request: a kept-alive idle connection would hold one of the
// workers and make Stop() at SHUTDOWN wait for it; reconnecting over loopback costs microseconds.
inline constexpr std::chrono::seconds kListenerIdleTimeout{1};
inline constexpr size_t kListenerRequestsPerConnection = 1;
// Connections held at once (served + waiting for a worker). Past it the listener stops
// accepting until one ends: further clients wait in the kernel's accept backlog, so a flood of
// connections cannot exhaust the process's file descriptors (which the Kinesis client needs).
inline constexpr size_t kListenerMaxConnections = 64;
// Connections the kernel completes and holds until we accept them. The HTTP library listens with
// a backlog of 5: a burst of more simultaneous connections would see handshakes dropped and
// retried after a second or more, past kListenerIdleTimeout.
inline constexpr int kListenerAcceptBacklog = 64;

// The body handed to the handler is followed by at least this many readable bytes (the buffer's
// spare capacity), simdjson's padding: the batch parser reads it in place instead of copying it.
inline constexpr size_t kListenerBodyPadding = 64;

struct ListenerOptions {
  std::string host;   // "sandbox.localdomain"; loopback when that name does not resolve
  uint16_t port = 0;  // 0 = any free port (tests)
  size_t max_body_bytes = 2 * 1024 * 1024;  // larger bodies get 413 without being read
  size_t worker_threads = 2;
  size_t max_connections = kListenerMaxConnections;  // at least worker_threads
};

class TelemetryListener {
 public:
  // The handler takes the body over (records may keep pointing into it). Its capacity leaves at
  // least kListenerBodyPadding bytes after it, so the handler can parse it in place.
  using BatchHandler = std::function<ListenerReply(std::string body)>;

  // Binds and starts serving on a background thread. Errors: the port is taken, the host
  // cannot be bound. A body over max_body_bytes is answered 413 (logged once: every log line
  // comes back as telemetry); a connection silent past kListenerReadTimeout is closed.
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

  void LogRefusedOnce(int status);

  std::unique_ptr<ConnectionQueue> connections_;  // outlives server_'s listen loop
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  size_t max_body_bytes_ = 0;
  std::atomic<bool> logged_too_large_{false};
  std::string host_;
  uint16_t port_ = 0;
};

// `host` when it resolves to an address, otherwise 127.0.0.1. Never widens to 0.0.0.0.
std::string ResolveListenerHost(const std::string& host);

}  // namespace tk::telemetry
