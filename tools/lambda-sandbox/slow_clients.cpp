// Slow local clients of the telemetry listener ("slowloris"): each connection sends one byte of
// an unending request header at a time, so a listener that waits for whole headers per worker
// keeps a worker busy with it while the sandbox's own POSTs queue up.
#include "slow_clients.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <vector>

#include "clock.h"

namespace sandbox {
namespace {

// One byte every 100-200 ms: slow enough to hold a connection open for seconds with a few
// bytes, fast enough that a per-read timeout of a second or more never fires.
constexpr int kMinByteGapMs = 100;
constexpr int kMaxByteGapMs = 200;

struct Connection {
  int fd = -1;
  std::size_t sent = 0;
  SteadyTime next_at{};
};

int connectTo(const std::string& host, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
      ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// True while the listener keeps the connection open (whatever it may have answered).
bool stillOpen(int fd) {
  char sink[512];
  while (true) {
    const ssize_t n = ::recv(fd, sink, sizeof sink, MSG_DONTWAIT);
    if (n > 0) {
      continue;  // an answer (408, 400...): the close follows
    }
    if (n == 0) {
      return false;
    }
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  }
}

// The byte at `index` of a request whose headers never end: a real request line and Host, then
// one endless padding header.
char requestByte(const std::string& head, std::size_t index) {
  return index < head.size() ? head[index] : 'a';
}

}  // namespace

SlowClients::~SlowClients() { stop(); }

void SlowClients::start(const std::string& host, int port, const std::string& path) {
  const std::lock_guard lock(mutex_);
  if (options_.count <= 0 || started_ || stopping_) {
    return;
  }
  started_ = true;
  stats_.requested = options_.count;
  thread_ = std::thread([this, host, port, path] { run(host, port, path); });
}

void SlowClients::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

SlowClientStats SlowClients::stats() const {
  const std::lock_guard lock(mutex_);
  return stats_;
}

void SlowClients::run(std::string host, int port, std::string path) {
  const std::string head = "POST " + path + " HTTP/1.1\r\nHost: " + host + ":" +
                           std::to_string(port) +
                           "\r\nContent-Type: application/json\r\nX-Sandbox-Slow-Client: 1\r\n"
                           "X-Padding: ";
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> gap_ms(kMinByteGapMs, kMaxByteGapMs);
  const SteadyTime started = SteadyClock::now();
  const SteadyTime deadline = started + std::chrono::milliseconds(options_.duration_ms);
  std::vector<Connection> connections;
  int failures = 0;
  for (int i = 0; i < options_.count; ++i) {
    const int fd = connectTo(host, port);
    if (fd < 0) {
      ++failures;
    } else {
      connections.push_back({fd, 0, started});
    }
  }
  {
    const std::lock_guard lock(mutex_);
    stats_.connected = static_cast<int>(connections.size());
    stats_.connect_failures = failures;
    stats_.started_epoch_ms = epochMillisNow();
  }
  std::int64_t bytes = 0;
  int closed_by_listener = 0;
  // Bounded by the deadline (or stop()); each round sends the bytes that are due.
  while (true) {
    SteadyTime wake = deadline;
    for (const Connection& c : connections) {
      if (c.fd >= 0) wake = std::min(wake, c.next_at);
    }
    {
      std::unique_lock lock(mutex_);
      cv_.wait_until(lock, wake, [this] { return stopping_; });
      if (stopping_) break;
    }
    const SteadyTime now = SteadyClock::now();
    if (now >= deadline) break;
    bool any_open = false;
    for (Connection& c : connections) {
      if (c.fd < 0 || now < c.next_at) {
        any_open = any_open || c.fd >= 0;
        continue;
      }
      const char byte = requestByte(head, c.sent);
      if (!stillOpen(c.fd) || ::send(c.fd, &byte, 1, MSG_NOSIGNAL) != 1) {
        ++closed_by_listener;
        ::close(c.fd);
        c.fd = -1;
        continue;
      }
      ++c.sent;
      ++bytes;
      c.next_at = now + std::chrono::milliseconds(gap_ms(rng));
      any_open = true;
    }
    if (!any_open) break;
  }
  for (Connection& c : connections) {
    if (c.fd >= 0) ::close(c.fd);
  }
  const std::lock_guard lock(mutex_);
  stats_.bytes_sent = bytes;
  stats_.closed_by_listener = closed_by_listener;
  stats_.ran_ms = millisBetween(started, SteadyClock::now());
}

}  // namespace sandbox
