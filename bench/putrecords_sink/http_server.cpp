// Blocking HTTP/1.1 serving for the loopback sink: parse the head, read Content-Length bytes,
// answer, keep the connection alive.
#include "http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <thread>

namespace sink {
namespace {

constexpr int kPollSliceMs = 200;            // how often blocked threads look at the stop flag
constexpr size_t kReadChunkBytes = 1 << 20;  // one recv() takes up to this much
constexpr int kListenBacklog = 64;

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool SameIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    default:
      return "Error";
  }
}

bool SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return true;
}

bool SendReply(int fd, const HttpReply& reply, bool close) {
  std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " " + Reason(reply.status) +
                     "\r\nContent-Type: " + reply.content_type +
                     "\r\nContent-Length: " + std::to_string(reply.body.size()) +
                     "\r\nx-amzn-RequestId: 00000000-0000-0000-0000-000000000000\r\n" +
                     (close ? "Connection: close\r\n" : "") + "\r\n";
  // One write for small answers; two for large ones (no copy of the body).
  if (reply.body.size() < 16 * 1024) return SendAll(fd, head + reply.body);
  return SendAll(fd, head) && SendAll(fd, reply.body);
}

// Parsed request head: where the body starts and what the headers said.
struct Head {
  std::string_view method;
  std::string_view path;
  std::string_view amz_target;
  std::string_view content_type;
  size_t body_offset = 0;
  size_t content_length = 0;
  bool chunked = false;
  bool close = false;
};

bool ParseHead(std::string_view text, Head& head) {
  const size_t end = text.find("\r\n\r\n");
  if (end == std::string_view::npos) return false;
  head.body_offset = end + 4;
  std::string_view lines = text.substr(0, end + 2);
  const size_t first_end = lines.find("\r\n");
  const std::string_view request_line = lines.substr(0, first_end);
  lines.remove_prefix(first_end + 2);
  const size_t sp1 = request_line.find(' ');
  const size_t sp2 = request_line.find(' ', sp1 + 1);
  head.method = request_line.substr(0, sp1);
  head.path = sp1 == std::string_view::npos ? "" : request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  while (!lines.empty()) {
    const size_t line_end = lines.find("\r\n");
    const std::string_view line = lines.substr(0, line_end);
    lines.remove_prefix(line_end + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = Trim(line.substr(colon + 1));
    if (SameIgnoreCase(name, "content-length")) {
      std::from_chars(value.data(), value.data() + value.size(), head.content_length);
    } else if (SameIgnoreCase(name, "x-amz-target")) {
      head.amz_target = value;
    } else if (SameIgnoreCase(name, "content-type")) {
      head.content_type = value;
    } else if (SameIgnoreCase(name, "transfer-encoding")) {
      head.chunked = true;
    } else if (SameIgnoreCase(name, "connection")) {
      head.close = SameIgnoreCase(value, "close");
    }
  }
  return true;
}

}  // namespace

std::unique_ptr<HttpServer> HttpServer::Listen(uint16_t port, HttpServerLimits limits,
                                               Handler handler, std::string& error) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return nullptr;
  }
  const int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // loopback only
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd, kListenBacklog) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    error = std::string("bind/listen on 127.0.0.1: ") + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->listen_fd_ = fd;
  server->port_ = ntohs(address.sin_port);
  server->limits_ = limits;
  server->handler_ = std::move(handler);
  return server;
}

HttpServer::~HttpServer() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void HttpServer::Run(const std::atomic<bool>& stop) {
  while (!stop) {
    pollfd waiting{listen_fd_, POLLIN, 0};
    if (::poll(&waiting, 1, kPollSliceMs) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    if (connections_ >= limits_.max_connections) {
      ::close(fd);  // over the cap: refuse rather than queue
      continue;
    }
    const int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    ++connections_;
    std::thread([this, fd, &stop] {
      Serve(fd, stop);
      ::close(fd);
      --connections_;
    }).detach();
  }
  // Connection threads notice `stop` within one poll slice.
  for (int i = 0; i < 50 && connections_ > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollSliceMs / 2));
  }
}

void HttpServer::Serve(int fd, const std::atomic<bool>& stop) {
  std::string buffer;  // bytes received and not yet consumed; padded for simdjson
  size_t used = 0;
  int idle_ms = 0;
  while (!stop) {
    Head head;
    const bool have_head = ParseHead(std::string_view(buffer.data(), used), head);
    // No Content-Length: no body (a GET). Chunked bodies are not supported (clients send a length).
    if (have_head && head.chunked) {
      SendReply(fd, HttpReply{411, "text/plain", "Content-Length required\n"}, true);
      return;
    }
    const size_t needed = have_head ? head.body_offset + head.content_length : 0;
    if (have_head && needed > limits_.max_request_bytes) {
      SendReply(fd, HttpReply{413, "text/plain", "request too large\n"}, true);
      return;
    }
    if (have_head && used >= needed) {
      HttpRequest request{head.method, head.path, head.amz_target, head.content_type,
                          std::string_view(buffer.data() + head.body_offset, head.content_length)};
      HttpReply reply;
      handler_(request, reply);
      if (!SendReply(fd, reply, head.close) || head.close) return;
      // Keep what follows (a pipelined request) at the front.
      std::memmove(buffer.data(), buffer.data() + needed, used - needed);
      used -= needed;
      continue;
    }
    if (!have_head && used > 64 * 1024) return;  // no end of head in 64 KiB: not HTTP
    // Room for the rest of this request (or the next chunk), plus simdjson's padding.
    const size_t want = std::max(needed, used + kReadChunkBytes);
    if (buffer.size() < want + simdjson::SIMDJSON_PADDING) {
      buffer.resize(want + simdjson::SIMDJSON_PADDING);
    }
    pollfd readable{fd, POLLIN, 0};
    const int ready = ::poll(&readable, 1, kPollSliceMs);
    if (ready == 0) {
      idle_ms += kPollSliceMs;
      if (idle_ms >= limits_.idle_timeout_ms) return;
      continue;
    }
    if (ready < 0 && errno == EINTR) continue;
    const ssize_t got = ::recv(fd, buffer.data() + used, want - used, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return;  // closed or failed
    used += static_cast<size_t>(got);
    idle_ms = 0;
  }
}

}  // namespace sink
