// A minimal HTTP/1.1 server for the loopback sink: blocking sockets, one thread per connection
// (the extension keeps one connection alive), Content-Length bodies only.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace sink {

struct HttpRequest {
  std::string_view method;
  std::string_view path;
  std::string_view amz_target;  // X-Amz-Target
  std::string_view content_type;
  std::string_view body;  // readable up to simdjson::SIMDJSON_PADDING bytes past its end
};

struct HttpReply {
  int status = 200;
  std::string content_type = "application/x-amz-json-1.1";
  std::string body;
};

// Bounds: connections served at once, bytes of one request (headers + body), idle time.
struct HttpServerLimits {
  size_t max_connections = 16;
  size_t max_request_bytes = 16 * 1024 * 1024;  // PutRecords bodies are < 7 MiB (5 MiB base64)
  int idle_timeout_ms = 60'000;
};

class HttpServer {
 public:
  using Handler = std::function<void(const HttpRequest&, HttpReply&)>;

  // Binds 127.0.0.1:`port` (0: any free port). Returns null and sets `error` on failure.
  static std::unique_ptr<HttpServer> Listen(uint16_t port, HttpServerLimits limits, Handler handler,
                                            std::string& error);
  ~HttpServer();

  uint16_t port() const { return port_; }

  // Accepts and serves until `stop` is set (checked at least every 200 ms); then waits for the
  // connection threads to end.
  void Run(const std::atomic<bool>& stop);

 private:
  HttpServer() = default;
  void Serve(int fd, const std::atomic<bool>& stop);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  HttpServerLimits limits_;
  Handler handler_;
  std::atomic<size_t> connections_{0};
};

}  // namespace sink
