// cpp-httplib server wiring: body cap, small worker pool, one handler for every path.
#include "telemetry/listener.h"

#include <httplib.h>
#include <netdb.h>

#include <chrono>

namespace tk::telemetry {
namespace {

constexpr char kLoopbackHost[] = "127.0.0.1";
constexpr int kStartSpinLimit = 20'000;  // x 50 us = at most 1 s

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
  listener->host_ = ResolveListenerHost(options.host);
  listener->server_ = std::make_unique<httplib::Server>();
  httplib::Server& server = *listener->server_;

  size_t workers = options.worker_threads;
  server.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  // httplib answers 413 itself for larger bodies, before reading them.
  server.set_payload_max_length(options.max_body_bytes);
  server.set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which lets a second listener bind the same port
  // and silently receive part of the batches. SO_REUSEADDR alone keeps restarts working
  // (TIME_WAIT) and makes a taken port an error.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  auto serve = [handler = std::move(handler)](const httplib::Request& request,
                                              httplib::Response& response) {
    ListenerReply reply = handler(request.body);
    response.status = reply.status;
    response.set_content(reply.message, "text/plain");
  };
  server.Post(".*", serve);
  server.Put(".*", serve);

  int port = options.port == 0
                 ? server.bind_to_any_port(listener->host_)
                 : (server.bind_to_port(listener->host_, options.port) ? options.port : -1);
  if (port <= 0) {
    return Error{"cannot listen on " + listener->host_ + ":" + std::to_string(options.port) +
                 " (port in use or address not available)"};
  }
  listener->port_ = static_cast<uint16_t>(port);
  listener->thread_ = std::thread([&server] { server.listen_after_bind(); });
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
  if (thread_.joinable()) thread_.join();
}

}  // namespace tk::telemetry
