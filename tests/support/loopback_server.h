// A tiny cpp-httplib server on 127.0.0.1 (ephemeral port) that plays a local API in tests:
// handlers are registered per test, every request is recorded, and it stops on destruction.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/wait_until.h"

namespace tk::testing {

// One request as the server saw it.
struct SeenRequest {
  std::string method;
  std::string path;
  httplib::Headers headers;
  std::string body;

  std::string Header(const std::string& name) const {
    auto found = headers.find(name);  // httplib::Headers compares names case-insensitively
    return found == headers.end() ? "" : found->second;
  }
};

class LoopbackServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  LoopbackServer() = default;
  ~LoopbackServer() { Stop(); }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  // Register handlers before Start().
  void Get(const std::string& path, Handler handler) { server_.Get(path, Recorded(handler)); }
  void Post(const std::string& path, Handler handler) { server_.Post(path, Recorded(handler)); }
  void Put(const std::string& path, Handler handler) { server_.Put(path, Recorded(handler)); }

  // Binds an ephemeral loopback port and serves on a thread; returns false when it cannot.
  bool Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) return false;
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the loop runs: wait (bounded) for it.
    return static_cast<bool>(
        WaitUntil([this] { return server_.is_running(); }, "the loopback server's loop runs"));
  }

  void Stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  int port() const { return port_; }
  // "127.0.0.1:<port>", the form of AWS_LAMBDA_RUNTIME_API.
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  std::vector<SeenRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  httplib::Server::Handler Recorded(Handler handler) {
    return [this, handler](const httplib::Request& request, httplib::Response& response) {
      {
        std::lock_guard lock(mutex_);
        requests_.push_back({request.method, request.path, request.headers, request.body});
      }
      handler(request, response);
    };
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::vector<SeenRequest> requests_;
};

}  // namespace tk::testing
