// The listener's reader loop (epoll: accept, collect, deadlines, eviction), the hand-over of
// complete requests to the workers and the answers; listener.h says why it is built this way.
#include "telemetry/listener.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <deque>
#include <exception>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>

#include "common/log.h"
#include "telemetry/connection_queue.h"
#include "telemetry/request_parser.h"

namespace tk::telemetry {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr char kLoopbackHost[] = "127.0.0.1";
constexpr int kHttpContinue = 100;
constexpr int kHttpBadRequest = 400;
constexpr int kHttpMethodNotAllowed = 405;
constexpr int kHttpRequestTimeout = 408;
constexpr int kHttpPayloadTooLarge = 413;
constexpr int kHttpHeadersTooLarge = 431;
constexpr int kHttpInternalError = 500;
constexpr int kHttpServiceUnavailable = 503;
// One recv() per call: a Telemetry POST of ~330 KB in six.
constexpr size_t kReadChunk = 64 * 1024;
// Reads of one connection per turn of the loop: a large body does not hold up the others.
constexpr int kReadsPerTurn = 4;
constexpr int kMaxEvents = 64;
// After accept() failed for want of descriptors or memory, the listening socket stays readable:
// wait this long before trying again instead of spinning.
constexpr milliseconds kAcceptRetry{100};
// A wait that overran its timeout by more than this was a freeze (Lambda freezes the sandbox
// between invocations; SnapStart restores it later) or a long stall of the whole process, not
// slow peers: the deadlines move on by the gap, so that a request cut in two by a freeze is not
// closed on the first turn after the thaw before its sender, thawed too, could go on.
constexpr milliseconds kFreezeGap{500};

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

std::string ErrnoText(int error) {
  return std::error_code(error, std::system_category()).message();
}

const char* Reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

// The listener's own answers, for the requests it does not hand to the handler.
std::string_view RefusalMessage(int status) {
  switch (status) {
    case kHttpBadRequest:
      return "malformed or incomplete request";
    case kHttpMethodNotAllowed:
      return "POST or PUT only";
    case kHttpRequestTimeout:
      return "request not complete in time";
    case kHttpPayloadTooLarge:
      return "body over the listener's limit";
    case kHttpHeadersTooLarge:
      return "request head too large";
    default:
      return "listener busy";
  }
}

// One request per connection: every answer closes it.
std::string FormatAnswer(int status, std::string_view message) {
  std::string text = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) + "\r\n";
  if (status == kHttpMethodNotAllowed) text += "Allow: POST, PUT\r\n";
  text += "Content-Type: text/plain\r\nContent-Length: " + std::to_string(message.size()) +
          "\r\nConnection: close\r\n\r\n";
  text.append(message);
  return text;
}

std::string FormatAnswer(const ListenerReply& reply) {
  return FormatAnswer(reply.status, reply.message);
}

// What the socket buffer takes now: the reader thread never waits for a peer. Its answers are a
// few hundred bytes, which an empty socket buffer always takes.
void SendNow(int fd, std::string_view bytes) {
  [[maybe_unused]] const ssize_t sent =
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

// All of `bytes`, waiting for room until `deadline` at most (on a worker thread).
bool SendAll(int fd, std::string_view bytes, Clock::time_point deadline) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent > 0) {
      bytes.remove_prefix(static_cast<size_t>(sent));
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd writable{fd, POLLOUT, 0};
      if (::poll(&writable, 1, static_cast<int>(left)) < 0 && errno != EINTR) return false;
      continue;
    }
    return false;
  }
  return true;
}

Result<UniqueFd> ListenOn(const std::string& host, uint16_t port) {
  const std::string where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int error = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
      error != 0) {
    return Error{"cannot listen on " + where + ": " + ::gai_strerror(error)};
  }
  std::string last_error = "no address";
  for (addrinfo* address = found; address != nullptr; address = address->ai_next) {
    UniqueFd fd(::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                         address->ai_protocol));
    if (fd.get() < 0) {
      last_error = ErrnoText(errno);
      continue;
    }
    // SO_REUSEADDR keeps restarts working (TIME_WAIT) and still makes a taken port an error.
    // Never SO_REUSEPORT: a second listener could bind the same port and receive part of the
    // batches.
    const int yes = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (::bind(fd.get(), address->ai_addr, address->ai_addrlen) != 0 ||
        ::listen(fd.get(), kListenerAcceptBacklog) != 0) {
      last_error = ErrnoText(errno);
      continue;
    }
    ::freeaddrinfo(found);
    return fd;
  }
  ::freeaddrinfo(found);
  return Error{"cannot listen on " + where +
               " (port in use or address not available: " + last_error + ")"};
}

Result<uint16_t> BoundPort(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return Error{"cannot read the listener's port: " + ErrnoText(errno)};
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
}

}  // namespace

class TelemetryListener::Loop {
 public:
  Loop(const ListenerOptions& options, BatchHandler handler, UniqueFd listen_fd, UniqueFd epoll_fd,
       UniqueFd wake_fd)
      : handler_(std::move(handler)),
        limits_{kListenerMaxHeadBytes, options.max_body_bytes, kListenerBodyPadding},
        max_connections_(std::max<size_t>(options.max_connections, 1)),
        head_deadline_(options.head_deadline),
        request_deadline_(std::max(options.request_deadline, options.head_deadline)),
        body_budget_(kListenerBodiesInMemory * (options.max_body_bytes + kListenerBodyPadding)),
        listen_(std::move(listen_fd)),
        epoll_(std::move(epoll_fd)),
        wake_(std::move(wake_fd)),
        workers_(options.worker_threads) {}
  ~Loop() { Stop(); }
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  void Run() {
    thread_ = std::thread([this] { Serve(); });
  }

  void Stop() {
    stopping_ = true;
    Wake();
    if (thread_.joinable()) thread_.join();
    // Requests already complete are answered (their handler runs): Lambda sent them whole.
    workers_.Shutdown();
  }

  uint64_t accepted() const { return accepted_.load(); }
  // From any thread: held(), with open_'s size as the reader published it after its last turn.
  size_t open_connections() const { return incomplete_.load() + handed_off_.load(); }

 private:
  struct Connection {
    Connection(int socket, Clock::time_point now, milliseconds head_deadline,
               const RequestLimits& limits)
        : fd(socket), accepted_at(now), deadline(now + head_deadline), parser(limits) {}
    int fd;
    Clock::time_point accepted_at;
    Clock::time_point deadline;  // the head's, then the whole request's
    RequestParser parser;
    size_t charged = 0;  // of the body budget
    bool waiting_for_room = false;
    bool polled = false;  // in the epoll set
  };
  using State = RequestParser::State;

  void Serve() {
    std::array<epoll_event, kMaxEvents> events{};
    while (!stopping_) {
      Clock::time_point now = Clock::now();
      const int timeout = WaitTimeoutMs(now);
      const Clock::time_point wait_started = Clock::now();
      const int ready = ::epoll_wait(epoll_.get(), events.data(), kMaxEvents, timeout);
      now = Clock::now();
      if (timeout >= 0 && now - wait_started - milliseconds(timeout) > kFreezeGap) {
        ShiftDeadlines(now - wait_started - milliseconds(timeout));
      }
      if (ready < 0 && errno != EINTR) {
        log::Error("telemetry listener stopped: epoll_wait failed: " + ErrnoText(errno));
        break;
      }
      // Bytes that came are read before any deadline is checked.
      for (int i = 0; i < ready; ++i) {
        const int fd = events[static_cast<size_t>(i)].data.fd;
        if (fd == wake_.get()) {
          uint64_t count = 0;
          [[maybe_unused]] const ssize_t got = ::read(fd, &count, sizeof(count));
        } else if (fd == listen_.get()) {
          AcceptReady(now);
        } else {
          OnReadable(fd, events[static_cast<size_t>(i)].events, now);
        }
      }
      GrantRoom(now);
      ExpireOverdue(now);
      UpdateAccepting(now);
      // Published once per turn, not at every place open_ changes; in this order, so that a thread
      // that sees a connection accepted also sees it held.
      incomplete_ = open_.size();
      accepted_ = accepted_count_;
    }
    // Incomplete requests are not answered: Lambda retries what it did not get an answer to.
    while (!open_.empty()) Close(open_.begin()->first, 0);
    incomplete_ = 0;
    listen_.reset();
  }

  size_t held() const { return open_.size() + handed_off_.load(); }

  void AcceptReady(Clock::time_point now) {
    while (!stopping_) {
      // At the cap, only with a connection to evict for it, so the new one is not left waiting.
      const Connection* evict = nullptr;
      if (held() >= max_connections_) {
        evict = OldestPastGrace(now, /*charged_only=*/false, -1);
        if (evict == nullptr) return;
      }
      const int fd = ::accept4(listen_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          accept_retry_at_ = now + kAcceptRetry;
        }
        return;  // EAGAIN: none left in the backlog
      }
      if (evict != nullptr) Close(evict->fd, kHttpServiceUnavailable);
      Connection& connection =
          *open_.emplace(fd, std::make_unique<Connection>(fd, now, head_deadline_, limits_))
               .first->second;
      ++accepted_count_;
      // Lambda's request is usually in the socket already: it is read, answered and closed
      // before the connection would ever be polled. Only one still coming joins the epoll set.
      OnReadable(fd, EPOLLIN, now);
      if (open_.count(fd) != 0 && !connection.polled && !Watch(connection, EPOLLIN)) Close(fd, 0);
    }
  }

  void OnReadable(int fd, uint32_t events, Clock::time_point now) {
    auto found = open_.find(fd);
    if (found == open_.end()) return;
    Connection& connection = *found->second;
    if (connection.waiting_for_room) {
      // Not polled for input while it waits; a hang-up or error is still reported.
      if ((events & (EPOLLHUP | EPOLLERR)) != 0) Close(fd, 0);
      return;
    }
    for (int reads = 0; reads < kReadsPerTurn; ++reads) {
      const ssize_t got = ::recv(fd, buffer_.data(), buffer_.size(), 0);
      if (got > 0) {
        const State state = connection.parser.Feed({buffer_.data(), static_cast<size_t>(got)});
        if (!Advance(connection, state, now)) return;
        if (static_cast<size_t>(got) < buffer_.size()) return;  // nothing more for now
        continue;
      }
      if (got == 0) {
        Advance(connection, connection.parser.Finish(), now);
        return;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) Close(fd, 0);
      return;
    }
  }

  // Acts on the parser's state; false when the connection is no longer read (closed, handed
  // over or waiting for room): `connection` may then be gone.
  bool Advance(Connection& connection, State state, Clock::time_point now) {
    while (true) {
      switch (state) {
        case State::kHead:
        case State::kBody:
          return true;
        case State::kHeadComplete: {
          const RequestParser& parser = connection.parser;
          if (parser.refusal_status() != 0) {
            // Waiting for 100 Continue, the client has not sent its body: answer now. Otherwise
            // the body is read and dropped first, so that the answer is not lost to a reset.
            if (parser.expects_continue()) {
              Close(connection.fd, parser.refusal_status());
              return false;
            }
            connection.deadline = connection.accepted_at + request_deadline_;
            state = connection.parser.DiscardBody();
            break;
          }
          const size_t needed = parser.body_bytes_needed() + kListenerBodyPadding;
          if (!MakeRoom(needed, connection.fd, now)) {
            WaitForRoom(connection);
            return false;
          }
          connection.charged = needed;
          charged_ += needed;
          connection.deadline = connection.accepted_at + request_deadline_;
          if (parser.expects_continue()) {
            // The answer follows this one soon: Nagle would hold it back until an ACK.
            const int yes = 1;
            ::setsockopt(connection.fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
            SendNow(connection.fd, "HTTP/1.1 " + std::to_string(kHttpContinue) + " " +
                                       Reason(kHttpContinue) + "\r\n\r\n");
          }
          state = connection.parser.AcceptBody();
          break;
        }
        case State::kComplete:
          if (connection.parser.refusal_status() != 0) {
            Close(connection.fd, connection.parser.refusal_status());
          } else {
            HandOver(connection);
          }
          return false;
        case State::kFailed:
          Close(connection.fd, connection.parser.failure_status());
          return false;
      }
    }
  }

  // Bodies in memory stay within the budget: room for `needed` more, evicting the oldest
  // incomplete bodies past their grace if that is what it takes (never `except`'s own).
  bool MakeRoom(size_t needed, int except, Clock::time_point now) {
    while (charged_ + handed_off_bytes_.load() + needed > body_budget_) {
      const Connection* victim = OldestPastGrace(now, /*charged_only=*/true, except);
      if (victim == nullptr) return false;  // the workers hold it: wait for them
      Close(victim->fd, kHttpServiceUnavailable);
    }
    return true;
  }

  void WaitForRoom(Connection& connection) {
    connection.waiting_for_room = true;
    waiting_.push_back(connection.fd);
    Watch(connection, 0);
  }

  // Connections waiting for room, in the order they came, as long as there is room for the next.
  void GrantRoom(Clock::time_point now) {
    while (!waiting_.empty()) {
      const int fd = waiting_.front();
      Connection& connection = *open_.at(fd);
      if (!MakeRoom(connection.parser.body_bytes_needed() + kListenerBodyPadding, fd, now)) return;
      waiting_.pop_front();
      connection.waiting_for_room = false;
      Watch(connection, EPOLLIN);
      // Then read what came meanwhile: level-triggered epoll reports it on the next turn.
      Advance(connection, connection.parser.state(), now);
    }
  }

  // A small request the reader handles and answers itself: a hand-off costs two thread wake-ups
  // (the worker's, then the reader's again for the room it frees), more than the handler of a
  // small batch takes. A larger one goes to a worker, so that the reading of other connections
  // never waits for more than a small batch's handler (kListenerInlineBodyBytes).
  void HandOver(Connection& connection) {
    const int fd = connection.fd;
    const size_t charged = connection.charged;
    const bool polled = connection.polled;
    std::string body = connection.parser.TakeBody();
    charged_ -= charged;
    open_.erase(fd);  // the socket stays open: the answer closes it
    if (body.size() <= kListenerInlineBodyBytes) {
      // Its answer is a few hundred bytes, which the socket's empty buffer takes at once.
      SendNow(fd, FormatAnswer(RunHandler(std::move(body))));
      ::close(fd);  // which also takes it out of the epoll set
      return;
    }
    if (polled) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    handed_off_bytes_ += charged;
    ++handed_off_;
    workers_.Enqueue([this, fd, charged, body = std::move(body)]() mutable {
      AnswerOnWorker(fd, charged, std::move(body));
    });
  }

  ListenerReply RunHandler(std::string body) {
    try {
      return handler_(std::move(body));
    } catch (const std::exception& error) {  // a handler bug must not end the thread
      log::Error(std::string("telemetry batch handler failed: ") + error.what());
      return ListenerReply{kHttpInternalError, "internal error"};
    }
  }

  // On a worker thread.
  void AnswerOnWorker(int fd, size_t charged, std::string body) {
    const ListenerReply reply = RunHandler(std::move(body));
    handed_off_bytes_ -= charged;  // the handler owns the body now (the queue's budget counts it)
    SendAll(fd, FormatAnswer(reply), Clock::now() + kListenerWriteTimeout);
    ::close(fd);
    --handed_off_;
    Wake();  // room under the cap and the body budget
  }

  // Closes an incomplete connection, answering `status` first unless it is 0.
  void Close(int fd, int status) {
    auto found = open_.find(fd);
    if (found == open_.end()) return;
    if (status != 0) {
      if (status == kHttpPayloadTooLarge) LogRefusedOnce();
      SendNow(fd, FormatAnswer(status, RefusalMessage(status)));
    }
    charged_ -= found->second->charged;
    if (found->second->waiting_for_room) {
      waiting_.erase(std::find(waiting_.begin(), waiting_.end(), fd));
    }
    if (found->second->polled) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    open_.erase(found);
  }

  void ExpireOverdue(Clock::time_point now) {
    for (auto it = open_.begin(); it != open_.end();) {
      const Connection& connection = *it->second;
      ++it;  // Close() erases the current entry only
      if (connection.deadline > now) continue;
      const int refusal = connection.parser.refusal_status();
      Close(connection.fd, refusal != 0 ? refusal : kHttpRequestTimeout);
    }
  }

  // The oldest incomplete connection that has had its grace (holding body budget, when
  // `charged_only`), other than `except`; null when there is none.
  const Connection* OldestPastGrace(Clock::time_point now, bool charged_only, int except) const {
    const Connection* oldest = nullptr;
    for (const auto& [fd, connection] : open_) {
      if (fd == except || (charged_only && connection->charged == 0)) continue;
      if (now - connection->accepted_at < kListenerEvictionGrace) continue;
      if (oldest == nullptr || connection->accepted_at < oldest->accepted_at) {
        oldest = connection.get();
      }
    }
    return oldest;
  }

  // Polls the listening socket only while a connection could be taken: level-triggered, it
  // would otherwise report the waiting ones on every turn.
  void UpdateAccepting(Clock::time_point now) {
    const bool wanted =
        !stopping_ && now >= accept_retry_at_ &&
        (held() < max_connections_ || OldestPastGrace(now, /*charged_only=*/false, -1) != nullptr);
    if (wanted == accepting_) return;
    accepting_ = wanted;
    SetInterest(listen_.get(), wanted ? uint32_t{EPOLLIN} : 0u);
  }

  // Until the next deadline or the next moment a connection may become evictable (only needed
  // while something waits for that); -1 when nothing is due.
  int WaitTimeoutMs(Clock::time_point now) const {
    std::optional<Clock::time_point> next;
    const auto consider = [&next](Clock::time_point at) {
      if (!next || at < *next) next = at;
    };
    const bool waiting_for_grace = !accepting_ || !waiting_.empty();
    for (const auto& [fd, connection] : open_) {
      consider(connection->deadline);
      const Clock::time_point past_grace = connection->accepted_at + kListenerEvictionGrace;
      if (waiting_for_grace && past_grace > now) consider(past_grace);
    }
    if (!accepting_ && accept_retry_at_ > now) consider(accept_retry_at_);
    if (!next) return -1;
    return static_cast<int>(
        std::max<int64_t>(std::chrono::ceil<milliseconds>(*next - now).count(), 0));
  }

  void ShiftDeadlines(Clock::duration gap) {
    for (auto& [fd, connection] : open_) {
      connection->accepted_at += gap;
      connection->deadline += gap;
    }
  }

  void SetInterest(int fd, uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &event);
  }

  // Polls `connection` for `events` (0: only hang-ups and errors), adding it to the set if it is
  // not there yet; false if it could not be added.
  bool Watch(Connection& connection, uint32_t events) {
    if (connection.polled) {
      SetInterest(connection.fd, events);
      return true;
    }
    epoll_event event{};
    event.events = events;
    event.data.fd = connection.fd;
    connection.polled = ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, connection.fd, &event) == 0;
    return connection.polled;
  }

  void Wake() {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t wrote = ::write(wake_.get(), &one, sizeof(one));
  }

  void LogRefusedOnce() {
    if (logged_too_large_.exchange(true)) return;
    log::Warn("refused a telemetry POST with 413: body over the " +
              std::to_string(limits_.max_body_bytes) +
              "-byte cap (twice the subscription's maxBytes); logged once");
  }

  const BatchHandler handler_;
  const RequestLimits limits_;
  const size_t max_connections_;
  const milliseconds head_deadline_;
  const milliseconds request_deadline_;
  const size_t body_budget_;
  UniqueFd listen_;
  UniqueFd epoll_;
  UniqueFd wake_;
  // The reader thread's alone.
  std::unordered_map<int, std::unique_ptr<Connection>> open_;
  std::deque<int> waiting_;  // connections waiting for body room, oldest first
  size_t charged_ = 0;       // body budget held by open_
  bool accepting_ = true;
  Clock::time_point accept_retry_at_{};
  uint64_t accepted_count_ = 0;
  std::array<char, kReadChunk> buffer_{};
  // Shared with the workers.
  std::atomic<size_t> handed_off_{0};        // complete requests not yet answered
  std::atomic<size_t> incomplete_{0};        // open_.size() after the reader's last turn
  std::atomic<uint64_t> accepted_{0};        // accepted_count_ after the reader's last turn
  std::atomic<size_t> handed_off_bytes_{0};  // body budget they hold until the handler runs
  std::atomic<bool> stopping_{false};
  std::atomic<bool> logged_too_large_{false};
  ConnectionQueue workers_;  // after what its jobs use: it is joined first
  std::thread thread_;
};

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
  auto listen_fd = ListenOn(listener->host_, options.port);
  if (!listen_fd) return listen_fd.error();
  auto port = BoundPort(listen_fd->get());
  if (!port) return port.error();
  listener->port_ = *port;

  UniqueFd epoll_fd(::epoll_create1(EPOLL_CLOEXEC));
  UniqueFd wake_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (epoll_fd.get() < 0 || wake_fd.get() < 0) {
    return Error{"cannot start the telemetry listener: " + ErrnoText(errno)};
  }
  for (const int fd : {listen_fd->get(), wake_fd.get()}) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    if (::epoll_ctl(epoll_fd.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
      return Error{"cannot start the telemetry listener: " + ErrnoText(errno)};
    }
  }
  listener->loop_ =
      std::make_unique<Loop>(options, std::move(handler), std::move(listen_fd).value(),
                             std::move(epoll_fd), std::move(wake_fd));
  listener->loop_->Run();
  return listener;
}

TelemetryListener::~TelemetryListener() { Stop(); }

std::string TelemetryListener::SubscriptionUri() const {
  return "http://" + host_ + ":" + std::to_string(port_) + "/";
}

uint64_t TelemetryListener::accepted_connections() const { return loop_ ? loop_->accepted() : 0; }

size_t TelemetryListener::open_connections() const { return loop_ ? loop_->open_connections() : 0; }

void TelemetryListener::Stop() {
  if (loop_) loop_->Stop();
}

}  // namespace tk::telemetry
