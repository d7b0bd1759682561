// Extension output -> lines -> (our stderr, `extension` telemetry events).
#include "log_pump.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

namespace sandbox {
namespace {

// Lambda cuts log lines at 256 KiB; longer output without a newline is split there.
constexpr std::size_t kMaxLineBytes = 256 * 1024;
constexpr int kPollTimeoutMs = 50;
constexpr std::size_t kReadChunkBytes = 64 * 1024;

std::mutex& stderrMutex() {
  static std::mutex m;
  return m;
}

void writeAll(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace

LogPump::LogPump(std::vector<int> fds, bool passthrough, LineCallback on_line)
    : passthrough_(passthrough), on_line_(std::move(on_line)) {
  for (int fd : fds) {
    threads_.emplace_back([this, fd] { readLoop(fd); });
  }
}

LogPump::~LogPump() { stop(); }

void LogPump::stop() {
  stopping_.store(true);
  for (auto& t : threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
}

void LogPump::emitLine(std::string line) {
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  lines_.fetch_add(1);
  if (passthrough_) {
    const std::lock_guard lock(stderrMutex());
    line.push_back('\n');
    writeAll(STDERR_FILENO, line.data(), line.size());
    line.pop_back();
  }
  on_line_(line);
}

void LogPump::readLoop(int fd) {
  std::string pending;
  std::string chunk(kReadChunkBytes, '\0');
  // Bounded: ends at EOF (the extension and its children closed the pipe), or on stop() once
  // nothing more is readable.
  while (true) {
    pollfd pfd{fd, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, kPollTimeoutMs);
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready == 0) {
      if (stopping_.load()) {
        break;
      }
      continue;
    }
    const ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;  // EOF or error
    }
    pending.append(chunk.data(), static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      emitLine(pending.substr(start, nl - start));
    }
    pending.erase(0, start);
    while (pending.size() >= kMaxLineBytes) {
      emitLine(pending.substr(0, kMaxLineBytes));
      pending.erase(0, kMaxLineBytes);
    }
  }
  if (!pending.empty()) {
    emitLine(pending);
  }
}

}  // namespace sandbox
