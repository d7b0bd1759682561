// Tests that slow or idle local clients cannot starve Lambda's POSTs: with 20 and with 100 (past
// the connection cap) connections sending their head a byte every 100-200 ms, a valid POST is
// answered while they are still open, and the listener closes each of them by its deadline;
// bodies trickled slowly cannot hold the body budget; Expect: 100-continue and other methods.
// No speed target is asserted here (a loaded 2-core machine): the bounds are generous waits, and
// the POST's latency is printed. tests/integration/listener_slow_clients.test.mjs measures it
// against the real extension. The listener's deadlines are shortened here (tests wait them out),
// and a test waits for what the listener has accepted rather than sleeping for it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/wait_until.h"
#include "telemetry/listener.h"

namespace tk::telemetry {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using tk::testing::WaitUntil;

// Slack on top of the listener's own deadlines for a loaded 2-core machine.
constexpr milliseconds kSlack{2000};
// The deadlines the tests' listeners get: half a second still leaves a POST on a loaded machine
// (or under TSan) ample time to be answered while the slow clients are open.
constexpr milliseconds kHeadDeadline{500};
constexpr milliseconds kRequestDeadline{600};
// How long a valid POST may take here before the test calls it starved: generous, far below what
// waiting for the slow clients' deadlines would take in sum, and far below Lambda's 5 s timeout.
constexpr milliseconds kServedWithin{2000};
// A head that a byte every 100-200 ms takes seconds to finish.
constexpr char kSlowHead[] =
    "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    "Content-Length: 2\r\n\r\n[]";

ListenerOptions Loopback(size_t max_body_bytes = 1 << 20) {
  ListenerOptions options;
  options.host = "127.0.0.1";
  options.max_body_bytes = max_body_bytes;
  options.head_deadline = kHeadDeadline;
  options.request_deadline = kRequestDeadline;
  return options;
}

std::unique_ptr<TelemetryListener> StartOrDie(const ListenerOptions& options,
                                              TelemetryListener::BatchHandler handler) {
  auto listener = TelemetryListener::Start(options, std::move(handler));
  if (!listener) ADD_FAILURE() << listener.error().message;
  return listener ? std::move(listener).value() : nullptr;
}

TelemetryListener::BatchHandler CountingHandler(std::atomic<int>& calls) {
  return [&calls](std::string) {
    calls++;
    return ListenerReply{200, "OK"};
  };
}

int Connect(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// True once the server has closed `fd` (EOF or reset; an answer it wrote first is skipped).
bool ClosedByServer(int fd, milliseconds within) {
  const auto deadline = steady_clock::now() + within;
  char buffer[512];
  do {
    pollfd readable{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
    if (::poll(&readable, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) continue;
    if (::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT) <= 0) return true;
  } while (steady_clock::now() < deadline);
  return false;
}

// True while the server has neither answered nor closed `fd`, without waiting.
bool OpenNow(int fd) {
  pollfd readable{fd, POLLIN, 0};
  return ::poll(&readable, 1, 0) == 0;
}

// Connections that send a request one byte every 100-200 ms from a thread of their own, until
// told to stop or the server closes them.
class SlowClients {
 public:
  SlowClients(uint16_t port, int count, std::string request = kSlowHead)
      : request_(std::move(request)) {
    for (int i = 0; i < count; ++i) {
      const int fd = Connect(port);
      if (fd < 0) {
        ADD_FAILURE() << "slow client " << i << " could not connect";
        continue;
      }
      clients_.push_back(Client{fd, 0, steady_clock::now()});
    }
    opened_at_ = steady_clock::now();
    thread_ = std::thread([this] { Trickle(); });
  }
  ~SlowClients() {
    Stop();
    for (const Client& client : clients_) ::close(client.fd);
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Connections the server has not closed (nor answered) yet, without waiting.
  int StillOpen() const {
    int open = 0;
    for (const Client& client : clients_) open += OpenNow(client.fd) ? 1 : 0;
    return open;
  }
  // Every connection closed by the server within `within` of their opening.
  bool AllClosedByServerWithin(milliseconds within) const {
    for (const Client& client : clients_) {
      const auto left =
          std::chrono::duration_cast<milliseconds>(opened_at_ + within - steady_clock::now());
      if (!ClosedByServer(client.fd, std::max(left, milliseconds(1)))) return false;
    }
    return true;
  }
  int size() const { return static_cast<int>(clients_.size()); }
  steady_clock::time_point opened_at() const { return opened_at_; }

 private:
  struct Client {
    int fd;
    size_t sent;
    steady_clock::time_point next;
  };
  void Trickle() {
    std::mt19937 random(42);
    std::uniform_int_distribution<int> interval_ms(100, 200);
    while (!stop_) {
      const auto now = steady_clock::now();
      for (Client& client : clients_) {
        if (client.next > now || client.sent >= request_.size()) continue;
        // Errors are expected once the server closed the connection.
        ::send(client.fd, request_.data() + client.sent, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        ++client.sent;
        client.next = now + milliseconds(interval_ms(random));
      }
      std::this_thread::sleep_for(milliseconds(5));  // the simulated clients' pace: see `next`
    }
  }

  std::string request_;
  std::vector<Client> clients_;
  steady_clock::time_point opened_at_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

struct TimedPost {
  int status = -1;
  milliseconds took{0};
};

TimedPost Post(uint16_t port, const std::string& body = "[]") {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(5, 0);
  const auto start = steady_clock::now();
  auto result = client.Post("/", body, "application/json");
  return {result ? result->status : -1,
          std::chrono::duration_cast<milliseconds>(steady_clock::now() - start)};
}

TEST(ListenerSlowClientsTest, AnswersAPostWhileTwentySlowHeadersAreOpenAndClosesThemByTheDeadline) {
  std::atomic<int> calls{0};
  auto listener = StartOrDie(Loopback(), CountingHandler(calls));
  ASSERT_NE(listener, nullptr);
  SlowClients slow(listener->port(), 20);
  ASSERT_EQ(slow.size(), 20);
  ASSERT_TRUE(WaitUntil([&] { return listener->accepted_connections() == 20; },
                        "the listener accepted the 20 slow clients"));

  const TimedPost post = Post(listener->port());
  const int still_open = slow.StillOpen();
  std::printf("POST answered in %lld ms with 20 slow clients open\n",
              static_cast<long long>(post.took.count()));
  EXPECT_EQ(post.status, 200);
  EXPECT_LT(post.took, kServedWithin);
  // It did not wait for them to be cut off: all were still connected when it was answered.
  EXPECT_EQ(still_open, 20);
  EXPECT_EQ(calls.load(), 1);
  // A byte every 100-200 ms never completes a head within its deadline.
  EXPECT_TRUE(slow.AllClosedByServerWithin(kHeadDeadline + kSlack));
}

TEST(ListenerSlowClientsTest, AnswersAPostWhileAHundredSlowHeadersExceedTheConnectionCap) {
  std::atomic<int> calls{0};
  auto listener = StartOrDie(Loopback(), CountingHandler(calls));
  ASSERT_NE(listener, nullptr);
  SlowClients slow(listener->port(), 100);
  ASSERT_EQ(slow.size(), 100);
  // Those past the cap were accepted in place of the oldest (evicted once past their grace): the
  // cap is full of slow clients.
  ASSERT_TRUE(WaitUntil([&] { return listener->accepted_connections() == 100; },
                        "the listener accepted the 100 slow clients"));

  // At the cap, the POST's connection takes the place of the oldest slow one instead of waiting
  // in the kernel's backlog behind them.
  const TimedPost post = Post(listener->port());
  const int still_open = slow.StillOpen();
  std::printf("POST answered in %lld ms with 100 slow clients (cap %zu), %d still open\n",
              static_cast<long long>(post.took.count()), kListenerMaxConnections, still_open);
  EXPECT_EQ(post.status, 200);
  EXPECT_LT(post.took, kServedWithin);
  EXPECT_GE(still_open, static_cast<int>(kListenerMaxConnections) / 2)
      << "the POST waited for the slow clients' deadlines";
  EXPECT_EQ(calls.load(), 1);
  // Evicted or cut off at their deadline, every one is closed; the backlog's last ones are
  // accepted late, so their deadline runs from then: allow it twice.
  EXPECT_TRUE(slow.AllClosedByServerWithin(2 * kHeadDeadline + kSlack));
}

TEST(ListenerSlowClientsTest, KeepsServingPostsWhileSlowClientsComeAndGo) {
  std::atomic<int> calls{0};
  auto listener = StartOrDie(Loopback(), CountingHandler(calls));
  ASSERT_NE(listener, nullptr);
  // Two waves, the second opened while the first is being cut off. The pauses between POSTs are
  // the simulated Lambda's pace, in parts of the head deadline so that the waves overlap: the
  // second opens at 3/4 of the first's deadline, and POSTs go on until the second's.
  const milliseconds first_pace = kHeadDeadline * 3 / 20;
  const milliseconds second_pace = kHeadDeadline / 10;
  SlowClients first(listener->port(), 40);
  std::vector<TimedPost> posts;
  for (int i = 0; i < 5; ++i) {
    posts.push_back(Post(listener->port()));
    std::this_thread::sleep_for(first_pace);
  }
  SlowClients second(listener->port(), 40);
  for (int i = 0; i < 10; ++i) {
    posts.push_back(Post(listener->port()));
    std::this_thread::sleep_for(second_pace);
  }
  milliseconds slowest{0};
  for (const TimedPost& post : posts) {
    EXPECT_EQ(post.status, 200);
    slowest = std::max(slowest, post.took);
  }
  std::printf("15 POSTs among 80 slow clients, slowest %lld ms\n",
              static_cast<long long>(slowest.count()));
  EXPECT_LT(slowest, kServedWithin);
  EXPECT_EQ(calls.load(), 15);
}

TEST(ListenerSlowClientsTest, SlowBodiesCannotHoldTheBodyBudget) {
  std::atomic<int> calls{0};
  // Bodies of up to 1000 bytes: the budget holds kListenerBodiesInMemory of them.
  auto listener = StartOrDie(Loopback(1000), CountingHandler(calls));
  ASSERT_NE(listener, nullptr);
  const std::string head =
      "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: 1000\r\n\r\n";
  std::vector<int> slow_bodies;
  for (size_t i = 0; i < 3 * kListenerBodiesInMemory; ++i) {
    const int fd = Connect(listener->port());
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::send(fd, head.data(), head.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(head.size()));
    ASSERT_EQ(::send(fd, "[", 1, MSG_NOSIGNAL), 1);  // and then nothing more of the body
    slow_bodies.push_back(fd);
  }
  // Those past the budget evicted the oldest once past their grace: the budget is full of slow
  // bodies.
  ASSERT_TRUE(WaitUntil(
      [&] {
        return listener->accepted_connections() == slow_bodies.size() &&
               listener->open_connections() == kListenerBodiesInMemory;
      },
      "the slow bodies accepted and as many left open as the budget holds"));

  const TimedPost post = Post(listener->port(), R"([{"type":"function","record":"x"}])");
  int still_open = 0;
  for (const int fd : slow_bodies) still_open += OpenNow(fd) ? 1 : 0;
  EXPECT_EQ(post.status, 200);
  EXPECT_LT(post.took, kServedWithin);
  EXPECT_GE(still_open, 1) << "the POST waited for the slow bodies' deadline";
  EXPECT_EQ(calls.load(), 1);
  for (const int fd : slow_bodies) {
    EXPECT_TRUE(ClosedByServer(fd, kRequestDeadline + kSlack));
    ::close(fd);
  }
}

// The raw answer to `request`, read until the server closes the connection.
std::string Exchange(uint16_t port, const std::string& request, const std::string& then = "") {
  const int fd = Connect(port);
  if (fd < 0) return "";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string got;
  char buffer[512];
  const auto deadline = steady_clock::now() + kRequestDeadline + kSlack;
  bool sent_rest = then.empty();
  while (steady_clock::now() < deadline) {
    pollfd readable{fd, POLLIN, 0};
    if (::poll(&readable, 1, 50) <= 0) continue;
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    got.append(buffer, static_cast<size_t>(n));
    if (!sent_rest && got.find("\r\n\r\n") != std::string::npos) {
      ::send(fd, then.data(), then.size(), MSG_NOSIGNAL);
      sent_rest = true;
    }
  }
  ::close(fd);
  return got;
}

TEST(ListenerSlowClientsTest, Answers100ContinueBeforeTheBodyAnd413WithoutWaitingForIt) {
  std::atomic<int> calls{0};
  auto listener = StartOrDie(Loopback(100), CountingHandler(calls));
  ASSERT_NE(listener, nullptr);
  const std::string accepted = Exchange(
      listener->port(),
      "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n", "[]");
  EXPECT_TRUE(accepted.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")) << accepted;
  EXPECT_EQ(calls.load(), 1);

  const std::string refused =
      Exchange(listener->port(),
               "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 101\r\n\r\n");
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 413 ")) << refused;
  EXPECT_EQ(calls.load(), 1);
}

TEST(ListenerSlowClientsTest, RefusesOtherMethodsAndMalformedRequests) {
  std::atomic<int> calls{0};
  auto listener = StartOrDie(Loopback(), CountingHandler(calls));
  ASSERT_NE(listener, nullptr);
  const std::string get = Exchange(listener->port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(get.starts_with("HTTP/1.1 405 ")) << get;
  EXPECT_NE(get.find("Allow: POST, PUT\r\n"), std::string::npos) << get;
  const std::string garbage = Exchange(listener->port(), "\x16\x03\x01\x02 hello\r\n\r\n");
  EXPECT_TRUE(garbage.starts_with("HTTP/1.1 400 ")) << garbage;
  const std::string huge_head =
      Exchange(listener->port(),
               "POST / HTTP/1.1\r\nX-Pad: " + std::string(kListenerMaxHeadBytes, 'x') + "\r\n\r\n");
  EXPECT_TRUE(huge_head.starts_with("HTTP/1.1 431 ")) << huge_head;
  EXPECT_EQ(calls.load(), 0);
}

TEST(ListenerSlowClientsTest, StopsPromptlyWithAHundredSlowClientsOpen) {
  std::atomic<int> calls{0};
  auto listener = StartOrDie(Loopback(), CountingHandler(calls));
  ASSERT_NE(listener, nullptr);
  SlowClients slow(listener->port(), 100);
  ASSERT_TRUE(WaitUntil([&] { return listener->accepted_connections() == 100; },
                        "the listener accepted the 100 slow clients"));
  const auto start = steady_clock::now();
  listener->Stop();
  EXPECT_LT(steady_clock::now() - start, milliseconds(500) + kSlack);
  EXPECT_TRUE(slow.AllClosedByServerWithin(kSlack));
}

}  // namespace
}  // namespace tk::telemetry
