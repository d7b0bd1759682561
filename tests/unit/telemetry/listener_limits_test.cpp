// Tests the listener's defences: stalled clients are cut off and do not starve others, many
// concurrent POSTs are all served, an oversized body is logged once, Stop() stays prompt, and
// the listener never binds a wildcard address unless told to.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "support/wait_until.h"
#include "telemetry/listener.h"

namespace tk::telemetry {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using tk::testing::WaitUntil;

// Slack on top of the listener's own timeouts for a loaded 2-core machine.
constexpr milliseconds kSlack{2000};

ListenerOptions Loopback(size_t max_body_bytes = 1 << 20) {
  ListenerOptions options;
  options.host = "127.0.0.1";
  options.max_body_bytes = max_body_bytes;
  return options;
}

TelemetryListener::BatchHandler CountingHandler(std::atomic<int>& calls) {
  return [&calls](std::string) {
    calls++;
    return ListenerReply{200, "OK"};
  };
}

// A raw TCP client that can send part of a request and then go quiet.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool Send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // The status code of the response read within `timeout`; -1 when none came.
  int ReadStatus(milliseconds timeout) {
    const auto deadline = steady_clock::now() + timeout;
    std::string got;
    char buffer[512];
    while (got.find("\r\n") == std::string::npos && steady_clock::now() < deadline) {
      pollfd poll_fd{fd_, POLLIN, 0};
      if (::poll(&poll_fd, 1, 50) <= 0) continue;
      const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      got.append(buffer, static_cast<size_t>(n));
    }
    // "HTTP/1.1 200 OK"
    if (got.size() < 12 || !got.starts_with("HTTP/1.1 ")) return -1;
    return std::stoi(got.substr(9, 3));
  }
  // True when the server closed the connection within `timeout` (EOF or reset).
  bool ClosedByServerWithin(milliseconds timeout) {
    const auto deadline = steady_clock::now() + timeout;
    char buffer[512];
    while (steady_clock::now() < deadline) {
      pollfd poll_fd{fd_, POLLIN, 0};
      const auto left =
          std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now()).count();
      if (::poll(&poll_fd, 1, static_cast<int>(std::max<int64_t>(left, 1))) <= 0) continue;
      const ssize_t got = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (got <= 0) return true;  // anything the server wrote first (e.g. a 408) is skipped
    }
    return false;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::unique_ptr<TelemetryListener> StartOrDie(const ListenerOptions& options,
                                              TelemetryListener::BatchHandler handler) {
  auto listener = TelemetryListener::Start(options, std::move(handler));
  if (!listener) ADD_FAILURE() << listener.error().message;
  return listener ? std::move(listener).value() : nullptr;
}

int PostStatus(uint16_t port, const std::string& body) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(5, 0);
  auto result = client.Post("/", body, "application/json");
  return result ? result->status : -1;
}

std::string FullRequest(const std::string& body) {
  return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
         "application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

constexpr char kPartialHead[] = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le";

TEST(ListenerLimitsTest, ClosesAStalledConnectionAfterTheReadTimeoutAndServesOthersMeanwhile) {
  std::atomic<int> calls{0};
  ListenerOptions options = Loopback();
  options.head_deadline = milliseconds(500);  // waited out: shorter than the production second
  auto listener = StartOrDie(options, CountingHandler(calls));
  ASSERT_NE(listener, nullptr);
  const auto connecting = steady_clock::now();  // no later than the listener's accept
  RawClient stalled(listener->port());
  ASSERT_TRUE(stalled.connected());
  ASSERT_TRUE(stalled.Send(kPartialHead));

  const auto start = steady_clock::now();
  EXPECT_EQ(PostStatus(listener->port(), "[]"), 200);
  EXPECT_LT(steady_clock::now() - start, options.head_deadline)
      << "a stalled client delayed another client's POST";
  EXPECT_TRUE(stalled.ClosedByServerWithin(options.head_deadline + kSlack));
  EXPECT_GE(steady_clock::now() - connecting, options.head_deadline)
      << "closed before its deadline";
  EXPECT_EQ(calls.load(), 1);
}

TEST(ListenerLimitsTest, ServesAgainWithinTheReadTimeoutWhenStalledClientsHoldEveryWorker) {
  std::atomic<int> calls{0};
  ListenerOptions options = Loopback();
  options.worker_threads = 2;
  auto listener = StartOrDie(options, CountingHandler(calls));
  ASSERT_NE(listener, nullptr);
  std::vector<std::unique_ptr<RawClient>> stalled;
  for (int i = 0; i < 3; ++i) {
    stalled.push_back(std::make_unique<RawClient>(listener->port()));
    ASSERT_TRUE(stalled.back()->Send(kPartialHead));
  }
  const auto start = steady_clock::now();
  EXPECT_EQ(PostStatus(listener->port(), "[]"), 200);
  // Two stalled clients in turn on each worker at worst.
  EXPECT_LT(steady_clock::now() - start, 2 * kListenerHeadDeadline + kSlack);
}

TEST(ListenerLimitsTest, ServesFiftyConcurrentConnectionsAllWithStatus200) {
  std::atomic<int> calls{0};
  auto listener = StartOrDie(Loopback(), CountingHandler(calls));
  ASSERT_NE(listener, nullptr);
  // Fifty connections open at once, each with a whole request sent before any answer is read (one
  // client thread: the clients themselves are never the slow part).
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 50; ++i) {
    clients.push_back(std::make_unique<RawClient>(listener->port()));
    ASSERT_TRUE(clients.back()->connected());
  }
  for (auto& client : clients) ASSERT_TRUE(client->Send(FullRequest("[]")));
  for (auto& client : clients) EXPECT_EQ(client->ReadStatus(kListenerHeadDeadline + kSlack), 200);
  EXPECT_EQ(calls.load(), 50);
}

TEST(ListenerLimitsTest, StopsPromptlyAfterServingAClientThatAskedForKeepAlive) {
  std::atomic<int> calls{0};
  auto listener = StartOrDie(Loopback(), CountingHandler(calls));
  ASSERT_NE(listener, nullptr);
  httplib::Client client("127.0.0.1", listener->port());
  client.set_keep_alive(true);
  auto result = client.Post("/", "[]", "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->get_header_value("Connection"), "close");
  const auto start = steady_clock::now();
  listener->Stop();
  EXPECT_LT(steady_clock::now() - start, milliseconds(500));
}

TEST(ListenerLimitsTest, WaitsRatherThanRefusesConnectionsPastTheCap) {
  std::atomic<int> calls{0};
  ListenerOptions options = Loopback();
  options.worker_threads = 1;
  options.max_connections = 2;
  auto listener = StartOrDie(options, CountingHandler(calls));
  ASSERT_NE(listener, nullptr);
  std::vector<std::future<int>> posts;
  for (int i = 0; i < 6; ++i) {
    posts.push_back(std::async(std::launch::async,
                               [port = listener->port()] { return PostStatus(port, "[]"); }));
  }
  for (auto& post : posts) EXPECT_EQ(post.get(), 200);
  EXPECT_EQ(calls.load(), 6);
}

TEST(ListenerLimitsTest, LogsTheFirstOversizedBodyOnlyOnce) {
  std::atomic<int> calls{0};
  auto listener = StartOrDie(Loopback(100), CountingHandler(calls));
  ASSERT_NE(listener, nullptr);
  ::testing::internal::CaptureStderr();
  const int first = PostStatus(listener->port(), std::string(101, 'x'));
  const int second = PostStatus(listener->port(), std::string(5000, 'x'));
  const std::string logged = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(first, 413);
  EXPECT_EQ(second, 413);
  EXPECT_EQ(calls.load(), 0);
  const auto first_line = logged.find("refused a telemetry POST with 413");
  ASSERT_NE(first_line, std::string::npos) << logged;
  EXPECT_EQ(logged.find("refused a telemetry POST", first_line + 1), std::string::npos) << logged;
  EXPECT_NE(logged.find("100-byte cap"), std::string::npos) << logged;
}

TEST(ListenerLimitsTest, StopsPromptlyWhileAClientIsStalledMidRequest) {
  std::atomic<int> calls{0};
  auto listener = StartOrDie(Loopback(), CountingHandler(calls));
  ASSERT_NE(listener, nullptr);
  RawClient stalled(listener->port());
  ASSERT_TRUE(stalled.Send(kPartialHead));
  // Stopped while the listener holds it, its request incomplete.
  ASSERT_TRUE(WaitUntil([&] { return listener->accepted_connections() == 1; },
                        "the listener accepted the stalled client"));
  ASSERT_EQ(listener->open_connections(), 1u);
  const auto start = steady_clock::now();
  listener->Stop();
  EXPECT_LT(steady_clock::now() - start, kListenerHeadDeadline + kSlack);
}

// Every IPv4 address of this machine that is not loopback.
std::vector<std::string> NonLoopbackAddresses() {
  std::vector<std::string> found;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return found;
  for (ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET) continue;
    const auto* address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
    if ((ntohl(address->sin_addr.s_addr) >> 24) == 127) continue;
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &address->sin_addr, text, sizeof(text));
    found.emplace_back(text);
  }
  ::freeifaddrs(list);
  return found;
}

TEST(ListenerLimitsTest, NeverListensOnAWildcardOrExternalAddressUnlessAsked) {
  for (const std::string host : {"", "sandbox.localdomain", "no-such-host.invalid", "127.0.0.1"}) {
    SCOPED_TRACE("configured host '" + host + "'");
    const std::string resolved = ResolveListenerHost(host);
    EXPECT_NE(resolved, "0.0.0.0");
    EXPECT_NE(resolved, "::");
    std::atomic<int> calls{0};
    ListenerOptions options = Loopback();
    options.host = host;
    auto listener = StartOrDie(options, CountingHandler(calls));
    ASSERT_NE(listener, nullptr);
    if (host != "sandbox.localdomain") {
      EXPECT_EQ(listener->host(), "127.0.0.1");
    }
    for (const std::string& external : NonLoopbackAddresses()) {
      httplib::Client client(external, listener->port());
      client.set_connection_timeout(1, 0);
      EXPECT_FALSE(client.Post("/", "[]", "application/json"))
          << "the listener answered on " << external;
    }
  }
  // Asked for explicitly, the wildcard is kept (TELEMETRY_KINESIS_LISTENER_HOST=0.0.0.0).
  EXPECT_EQ(ResolveListenerHost("0.0.0.0"), "0.0.0.0");
}

}  // namespace
}  // namespace tk::telemetry
