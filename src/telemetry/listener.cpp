// cpp-httplib server wiring: body cap, timeouts, a small worker pool with a connection cap, one
// handler for every path.
#include "telemetry/listener.h"

#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>

#include "common/log.h"

namespace tk::telemetry {
namespace {

constexpr char kLoopbackHost[] = "127.0.0.1";
constexpr int kStartSpinLimit = 20'000;  // x 50 us = at most 1 s
constexpr int kHttpPayloadTooLarge = 413;

// httplib::Server with the listening socket's accept backlog settable after binding.
class BacklogServer final : public httplib::Server {
 public:
  // listen(2) on a socket that already listens only changes its backlog.
  bool SetAcceptBacklog(int backlog) { return ::listen(svr_sock_, backlog) == 0; }
};

// httplib creates its task queue when its listen loop starts and deletes it when the loop ends;
// the pool itself belongs to the listener, so Stop() can reach it at any time.
class PooledTaskQueue final : public httplib::TaskQueue {
 public:
  explicit PooledTaskQueue(ConnectionQueue& pool) : pool_(pool) {}
  void enqueue(std::function<void()> job) override { pool_.Enqueue(std::move(job)); }
  void shutdown() override { pool_.Shutdown(); }

 private:
  ConnectionQueue& pool_;
};

}  // namespace

std::string ResolveListenerHost(const std::string& host) {
  // sandbox.localdomain resolves only inside Lambda; locally fall back to loopback.
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (host.empty() || getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) {
    return kLoopbackHost;
  }
  freeaddrinfo(found);
  return host;
}

Result<std::unique_ptr<TelemetryListener>> TelemetryListener::Start(const ListenerOptions& options,
                                                                    BatchHandler handler) {
  std::unique_ptr<TelemetryListener> listener(new TelemetryListener());
  TelemetryListener& self = *listener;
  self.host_ = ResolveListenerHost(options.host);
  self.max_body_bytes_ = options.max_body_bytes;
  self.connections_ =
      std::make_unique<ConnectionQueue>(options.worker_threads, options.max_connections);
  auto owned_server = std::make_unique<BacklogServer>();
  BacklogServer& server = *owned_server;
  self.server_ = std::move(owned_server);

  server.new_task_queue = [&pool = *self.connections_] { return new PooledTaskQueue(pool); };
  // httplib answers 413 itself for larger bodies, before reading them.
  server.set_payload_max_length(options.max_body_bytes);
  // A slow or stalled client must not hold a worker (of two) for long: Lambda's POSTs arrive
  // whole over loopback, so a second of silence means the client is not Lambda.
  server.set_read_timeout(kListenerReadTimeout);
  server.set_write_timeout(kListenerWriteTimeout);
  server.set_keep_alive_timeout(static_cast<time_t>(kListenerIdleTimeout.count()));
  server.set_keep_alive_max_count(kListenerRequestsPerConnection);
  server.set_logger([&self](const httplib::Request&, const httplib::Response& response) {
    self.LogRefusedOnce(response.status);
  });
  server.set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which lets a second listener bind the same port
  // and silently receive part of the batches. SO_REUSEADDR alone keeps restarts working
  // (TIME_WAIT) and makes a taken port an error.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // The body is read through a ContentReader into one buffer sized from Content-Length: httplib
  // would otherwise grow Request::body chunk by chunk (reallocating and copying a 256 KiB-1 MiB
  // body several times per POST). The cap still holds: over it, the read fails with 413 unread.
  // The buffer keeps kListenerBodyPadding spare bytes after the body for the in-place parse.
  auto serve = [handler = std::move(handler), max_body = options.max_body_bytes](
                   const httplib::Request& request, httplib::Response& response,
                   const httplib::ContentReader& read_body) {
    std::string body;
    body.reserve(static_cast<size_t>(std::min<uint64_t>(
                     request.get_header_value<uint64_t>("Content-Length"), max_body)) +
                 kListenerBodyPadding);
    const bool complete = read_body([&body](const char* data, size_t length) {
      body.append(data, length);
      return true;
    });
    if (!complete) return;  // httplib has set 413 (over the cap) or 400 (cut short)
    // A body longer than announced (or chunked) may have grown past the reserved padding.
    if (body.capacity() - body.size() < kListenerBodyPadding) {
      body.reserve(body.size() + kListenerBodyPadding);
    }
    ListenerReply reply = handler(std::move(body));
    response.status = reply.status;
    response.set_content(reply.message, "text/plain");
  };
  server.Post(".*", serve);
  server.Put(".*", serve);

  int port = options.port == 0
                 ? server.bind_to_any_port(self.host_)
                 : (server.bind_to_port(self.host_, options.port) ? options.port : -1);
  if (port <= 0) {
    return Error{"cannot listen on " + self.host_ + ":" + std::to_string(options.port) +
                 " (port in use or address not available)"};
  }
  if (!server.SetAcceptBacklog(kListenerAcceptBacklog)) {
    return Error{"cannot set the accept backlog of " + self.host_ + ":" + std::to_string(port)};
  }
  self.port_ = static_cast<uint16_t>(port);
  self.thread_ = std::thread([&server] { server.listen_after_bind(); });
  // Wait until the loop runs: httplib's stop() is a no-op before that, and Stop() would hang.
  for (int spins = 0; spins < kStartSpinLimit && !server.is_running(); ++spins) {
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  return listener;
}

TelemetryListener::~TelemetryListener() { Stop(); }

std::string TelemetryListener::SubscriptionUri() const {
  return "http://" + host_ + ":" + std::to_string(port_) + "/";
}

void TelemetryListener::Stop() {
  if (server_) server_->stop();
  // The accepting thread may be waiting for room under the connection cap: let it go, so it
  // sees the closed socket and ends (what it hands over is closed unserved).
  if (connections_) connections_->ReleaseWaiters();
  if (thread_.joinable()) thread_.join();
}

void TelemetryListener::LogRefusedOnce(int status) {
  if (status != kHttpPayloadTooLarge || logged_too_large_.exchange(true)) return;
  log::Warn("refused a telemetry POST with 413: body over the " + std::to_string(max_body_bytes_) +
            "-byte cap (twice the subscription's maxBytes); logged once");
}

}  // namespace tk::telemetry
