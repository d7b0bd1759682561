// Tests the cpp-httplib transport against a real cpp-httplib server on loopback.
#include "http/httplib_http_client.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "unit/http/fake_resolvers.h"

namespace tk::http {
namespace {

using ::testing::HasSubstr;
using testing::Make;
using testing::NeverAnswers;
using testing::TableResolver;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A name only the test's TableResolver knows: a request that reaches the loopback server under it
// went there through the address handed to cpp-httplib.
constexpr char kMappedHost[] = "kinesis.addr-map.test";

// A cpp-httplib server on 127.0.0.1 with an ephemeral port, listening on its own thread.
class LoopbackServer {
 public:
  LoopbackServer() { port_ = server_.bind_to_any_port("127.0.0.1"); }
  ~LoopbackServer() { Stop(); }

  httplib::Server& server() { return server_; }
  void Start() {
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  void Stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
};

// A loopback port with nobody listening: bind an ephemeral port, then release it.
int UnusedLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// Accepts one connection on loopback, records the raw request head, answers `answer` (204 by
// default; "": closes without one). Used where cpp-httplib's parser hides what was on the wire
// (it drops empty header values), or to cut a connection off.
class RawOneShotServer {
 public:
  explicit RawOneShotServer(
      std::string answer = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
      : answer_(std::move(answer)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    socklen_t length = sizeof(address);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    ::listen(listen_fd_, 1);
    thread_ = std::thread([this] { ServeOne(); });
  }
  ~RawOneShotServer() {
    if (thread_.joinable()) thread_.join();
    ::close(listen_fd_);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  std::string Head() {
    if (thread_.joinable()) thread_.join();
    return head_;
  }

 private:
  void ServeOne() {
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    std::string data;
    char buffer[4096];
    while (data.find("\r\n\r\n") == std::string::npos) {
      const ssize_t got = ::recv(fd, buffer, sizeof(buffer), 0);
      if (got <= 0) break;
      data.append(buffer, static_cast<size_t>(got));
    }
    head_ = data.substr(0, data.find("\r\n\r\n"));
    ::send(fd, answer_.data(), answer_.size(), MSG_NOSIGNAL);
    ::close(fd);
  }

  std::string answer_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::string head_;
};

Request PostTo(const std::string& url, std::string body) {
  Request request;
  request.url = url;
  request.body = std::move(body);
  request.headers = {{"Content-Type", "application/x-amz-json-1.1"}};
  return request;
}

TEST(HttplibHttpClientTest, CapturesStatusAndBody) {
  LoopbackServer server;
  ASSERT_GT(server.port(), 0);
  server.server().Post("/put", [](const httplib::Request&, httplib::Response& res) {
    res.status = 400;
    res.set_content(R"({"__type":"ValidationException"})", "application/x-amz-json-1.1");
  });
  server.Start();
  HttplibHttpClient client;

  const Response response = client.Send(PostTo(server.Url("/put"), "{}"));

  EXPECT_TRUE(response.transport_ok()) << response.transport.message;
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body, R"({"__type":"ValidationException"})");
}

TEST(HttplibHttpClientTest, SendsHeadersAndBodyWithoutExpectContinue) {
  LoopbackServer server;
  std::mutex mutex;
  httplib::Request seen;
  server.server().Post("/put", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    seen = req;
    res.set_content("ok", "text/plain");
  });
  server.Start();
  HttplibHttpClient client;
  // Large enough that a client could add "Expect: 100-continue" (curl does above 1 MiB), which
  // Kinesis's front end would have to answer first: cpp-httplib must send the body at once.
  Request request = PostTo(server.Url("/put"), std::string(2 * 1024 * 1024, 'x'));
  request.headers.push_back({"X-Amz-Target", "Kinesis_20131202.PutRecords"});

  const Response response = client.Send(request);

  ASSERT_TRUE(response.transport_ok()) << response.transport.message;
  EXPECT_EQ(response.status, 200);
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.body, request.body);
  EXPECT_EQ(seen.get_header_value("Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(seen.get_header_value("X-Amz-Target"), "Kinesis_20131202.PutRecords");
  EXPECT_FALSE(seen.has_header("Expect"));
}

TEST(HttplibHttpClientTest, SendsHeadersWithEmptyValuesInsteadOfDroppingThem) {
  RawOneShotServer server;
  HttplibHttpClient client;
  Request request = PostTo(server.Url(), "x");
  request.headers.push_back({"X-Empty", ""});

  const Response response = client.Send(request);

  EXPECT_EQ(response.status, 204) << response.transport.message;
  EXPECT_NE(server.Head().find("\r\nX-Empty:"), std::string::npos) << server.Head();
}

TEST(HttplibHttpClientTest, SendsNoFormContentTypeWhenCallerGivesNone) {
  LoopbackServer server;
  std::mutex mutex;
  std::string content_type = "unset";
  server.server().Post("/plain", [&](const httplib::Request& req, httplib::Response&) {
    std::lock_guard lock(mutex);
    content_type = req.get_header_value("Content-Type");
  });
  server.Start();
  HttplibHttpClient client;
  Request request;
  request.url = server.Url("/plain");
  request.body = "a=b";

  ASSERT_TRUE(client.Send(request).transport_ok());

  std::lock_guard lock(mutex);
  EXPECT_EQ(content_type.find("form"), std::string::npos) << content_type;
}

TEST(HttplibHttpClientTest, ReusesOneConnectionForConsecutiveRequests) {
  LoopbackServer server;
  std::mutex mutex;
  std::vector<int> remote_ports;
  server.server().Post("/put", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    remote_ports.push_back(req.remote_port);
    res.set_content("{}", "application/json");
  });
  server.Start();
  HttplibHttpClient client;

  ASSERT_TRUE(client.Send(PostTo(server.Url("/put"), "one")).transport_ok());
  ASSERT_TRUE(client.Send(PostTo(server.Url("/put"), "two")).transport_ok());

  std::lock_guard lock(mutex);
  ASSERT_EQ(remote_ports.size(), 2u);
  EXPECT_EQ(remote_ports[0], remote_ports[1]);
}

TEST(HttplibHttpClientTest, SupportsGetAndPutOnTheSameHandle) {
  LoopbackServer server;
  server.server().Get("/get", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("got", "text/plain");
  });
  server.server().Put("/put", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content("put:" + req.body, "text/plain");
  });
  server.Start();
  HttplibHttpClient client;
  Request get;
  get.url = server.Url("/get");
  get.method = "GET";
  Request put = PostTo(server.Url("/put"), "body");
  put.method = "PUT";

  const Response got = client.Send(get);
  const Response putted = client.Send(put);

  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, "got");
  EXPECT_EQ(putted.status, 200);
  EXPECT_EQ(putted.body, "put:body");
}

TEST(HttplibHttpClientTest, ReportsConnectionRefusedAsTransportError) {
  HttplibHttpClient client;
  const std::string url = "http://127.0.0.1:" + std::to_string(UnusedLoopbackPort()) + "/put";

  const Response response = client.Send(PostTo(url, "{}"));

  EXPECT_FALSE(response.transport_ok());
  EXPECT_EQ(response.status, 0);
  EXPECT_NE(response.transport.message.find("connect"), std::string::npos)
      << response.transport.message;
  EXPECT_EQ(response.transport.kind, ErrorKind::kConnect);
}

TEST(HttplibHttpClientTest, ReportsTimeoutAsTransportErrorWithinTheRequestTimeout) {
  LoopbackServer server;
  // The peer stalls until the client gave up (or 5 s at most): then the test need not wait the
  // stall out before the server stops. Destroyed before the server, the promise releases it too.
  std::promise<void> client_gave_up;
  server.server().Post("/slow", [released = client_gave_up.get_future().share()](
                                    const httplib::Request&, httplib::Response& res) {
    released.wait_for(std::chrono::seconds(5));
    res.set_content("late", "text/plain");
  });
  server.Start();
  HttplibHttpClient client(
      HttpClientOptions{.ca_file = "", .connect_timeout_ms = 300, .request_timeout_ms = 300});
  const auto start = std::chrono::steady_clock::now();

  const Response response = client.Send(PostTo(server.Url("/slow"), "{}"));

  const auto elapsed = std::chrono::steady_clock::now() - start;
  client_gave_up.set_value();
  EXPECT_FALSE(response.transport_ok());
  EXPECT_NE(response.transport.message.find("imeout"), std::string::npos)
      << response.transport.message;
  EXPECT_EQ(response.transport.kind, ErrorKind::kTimeout);
  EXPECT_LT(elapsed, std::chrono::milliseconds(1200));
}

TEST(HttplibHttpClientTest, ReportsAPeerThatClosesWithoutAnAnswerAsALostConnection) {
  RawOneShotServer server(/*answer=*/"");
  HttplibHttpClient client;

  const Response response = client.Send(PostTo(server.Url(), "{}"));

  EXPECT_FALSE(response.transport_ok());
  EXPECT_EQ(response.transport.kind, ErrorKind::kConnectionLost) << response.transport.message;
}

TEST(HttplibHttpClientTest, ReportsAnAbortedClientsRequestsAsAborted) {
  HttplibHttpClient client;
  client.Abort();

  const Response response = client.Send(PostTo("http://127.0.0.1:9/put", "{}"));

  EXPECT_EQ(response.transport.kind, ErrorKind::kAborted) << response.transport.message;
}

TEST(HttplibHttpClientTest, TransportErrorNeverContainsRequestHeaders) {
  HttplibHttpClient client;
  Request request = PostTo("http://127.0.0.1:" + std::to_string(UnusedLoopbackPort()) + "/", "{}");
  request.headers.push_back({"Authorization", "AWS4-HMAC-SHA256 Credential=SECRETKEYID"});

  const Response response = client.Send(request);

  ASSERT_FALSE(response.transport_ok());
  EXPECT_EQ(response.transport.message.find("SECRETKEYID"), std::string::npos);
}

// A port on which connects hang: a listener with a backlog of 0 whose one pending connection is
// never accepted; the kernel drops further SYNs, so a connect waits for its own timeout.
class BlackholePort {
 public:
  BlackholePort() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    socklen_t length = sizeof(address);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    ::listen(listen_fd_, 0);
    filler_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    ::connect(filler_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  }
  ~BlackholePort() {
    ::close(filler_fd_);
    ::close(listen_fd_);
  }
  int port() const { return port_; }

 private:
  int listen_fd_ = -1;
  int filler_fd_ = -1;
  int port_ = 0;
};

std::string MappedUrl(int port, const std::string& path) {
  return std::string("http://") + kMappedHost + ":" + std::to_string(port) + path;
}

TEST(HttplibHttpClientTest, ADnsThatNeverAnswersFailsWithinTheRequestTimeoutNamingDns) {
  LoopbackServer server;
  std::atomic<int> requests{0};
  server.server().Post("/put", [&](const httplib::Request&, httplib::Response&) { ++requests; });
  server.Start();
  auto [resolver, never] = Make<NeverAnswers>();
  HttplibHttpClient client({}, std::move(resolver));  // connect 2 s, request 10 s by default
  Request request = PostTo(MappedUrl(server.port(), "/put"), "{}");
  request.timeout_ms = 200;  // a shutdown drain's deadline
  const auto start = Clock::now();

  const Response response = client.Send(request);

  EXPECT_LT(Clock::now() - start, milliseconds(1000));
  EXPECT_EQ(response.status, 0);
  EXPECT_EQ(response.transport.message, std::string("HTTP transport error: DNS lookup of ") +
                                            kMappedHost + " timed out after 200 ms");
  EXPECT_EQ(response.transport.kind, ErrorKind::kTimeout) << "the request's deadline passed";
  ASSERT_EQ(never->asked().size(), 1u);
  EXPECT_EQ(never->asked()[0].host, kMappedHost);
  EXPECT_EQ(never->asked()[0].timeout, milliseconds(200));
  EXPECT_EQ(requests, 0);
}

TEST(HttplibHttpClientTest, AFailedLookupIsATransportErrorNamingTheHost) {
  auto [resolver, table] = Make<TableResolver>(std::map<std::string, std::vector<std::string>>{});
  HttplibHttpClient client({}, std::move(resolver));
  const Response response = client.Send(PostTo("https://kinesis.nowhere.test/", "{}"));
  EXPECT_EQ(response.transport.message,
            "HTTP transport error: DNS lookup of kinesis.nowhere.test failed: Name or service not "
            "known");
  EXPECT_EQ(response.transport.kind, ErrorKind::kDns);
}

TEST(HttplibHttpClientTest, ConnectGetsOnlyWhatTheLookupLeftOfTheRequestTimeout) {
  BlackholePort blackhole;
  // The answer comes after 250 ms of a 500 ms request; connects may take 5 s by the options.
  auto [resolver, table] = Make<TableResolver>(
      std::map<std::string, std::vector<std::string>>{{kMappedHost, {"127.0.0.1"}}},
      milliseconds(250));
  HttplibHttpClient client(
      HttpClientOptions{.ca_file = "", .connect_timeout_ms = 5000, .request_timeout_ms = 10000},
      std::move(resolver));
  Request request = PostTo(MappedUrl(blackhole.port(), "/put"), "{}");
  request.timeout_ms = 500;
  const auto start = Clock::now();

  const Response response = client.Send(request);

  const auto elapsed = Clock::now() - start;
  EXPECT_THAT(response.transport.message, HasSubstr("connect timeout"));
  EXPECT_EQ(response.transport.kind, ErrorKind::kTimeout) << "cut short by the request's deadline";
  EXPECT_GE(elapsed, milliseconds(450));
  EXPECT_LT(elapsed, milliseconds(1500));
  ASSERT_EQ(table->asked().size(), 1u);
  EXPECT_EQ(table->asked()[0].timeout, milliseconds(500));
}

TEST(HttplibHttpClientTest, AConnectTimeoutWithinTheRequestTimeoutIsAFailedConnect) {
  BlackholePort blackhole;
  HttplibHttpClient client(
      HttpClientOptions{.ca_file = "", .connect_timeout_ms = 200, .request_timeout_ms = 5000});

  const Response response =
      client.Send(PostTo("http://127.0.0.1:" + std::to_string(blackhole.port()) + "/put", "{}"));

  EXPECT_THAT(response.transport.message, HasSubstr("connect timeout"));
  EXPECT_EQ(response.transport.kind, ErrorKind::kConnect);
}

TEST(HttplibHttpClientTest, LooksUpLocalhostWithTheSystemResolver) {
  LoopbackServer server;
  std::mutex mutex;
  std::string host_header;
  server.server().Post("/put", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    host_header = req.get_header_value("Host");
    res.set_content("{}", "application/json");
  });
  server.Start();
  HttplibHttpClient client;  // GaiResolver: /etc/hosts
  Request request = PostTo("http://localhost:" + std::to_string(server.port()) + "/put", "{}");
  request.timeout_ms = 2000;

  const Response response = client.Send(request);

  ASSERT_TRUE(response.transport_ok()) << response.transport.message;
  EXPECT_EQ(response.status, 200);
  std::lock_guard lock(mutex);
  EXPECT_EQ(host_header, "localhost:" + std::to_string(server.port()));
}

// The address map sends the request to the looked-up address while the Host header stays the
// URL's name (TLS: httplib_tls_test.cpp).
TEST(HttplibHttpClientTest, ConnectsToTheLookedUpAddressWithTheNameInTheHostHeader) {
  LoopbackServer server;
  std::mutex mutex;
  std::vector<std::string> host_headers;
  server.server().Post("/put", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    host_headers.push_back(req.get_header_value("Host"));
    res.set_content("{}", "application/json");
  });
  server.Start();
  auto [resolver, table] = Make<TableResolver>(
      std::map<std::string, std::vector<std::string>>{{kMappedHost, {"127.0.0.1"}}});
  HttplibHttpClient client({}, std::move(resolver));

  ASSERT_TRUE(client.Send(PostTo(MappedUrl(server.port(), "/put"), "1")).transport_ok());
  ASSERT_TRUE(client.Send(PostTo(MappedUrl(server.port(), "/put"), "2")).transport_ok());
  EXPECT_EQ(table->asked().size(), 1u) << "one lookup for one kept-alive connection";
  client.DropConnections();
  ASSERT_TRUE(client.Send(PostTo(MappedUrl(server.port(), "/put"), "3")).transport_ok());
  EXPECT_EQ(table->asked().size(), 2u) << "a dropped connection looks the name up again";

  std::lock_guard lock(mutex);
  const std::string expected = std::string(kMappedHost) + ":" + std::to_string(server.port());
  EXPECT_EQ(host_headers, (std::vector<std::string>{expected, expected, expected}));
}

// A server that closes every connection after its answer; the remote ports it saw.
class ClosingServer {
 public:
  ClosingServer() {
    server_.server().Post("/put", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      ports_.push_back(req.remote_port);
      res.set_header("Connection", "close");
      res.set_content("{}", "application/json");
    });
    server_.Start();
  }
  int port() const { return server_.port(); }
  std::vector<int> ports() {
    std::lock_guard lock(mutex_);
    return ports_;
  }

 private:
  LoopbackServer server_;
  std::mutex mutex_;
  std::vector<int> ports_;
};

TEST(HttplibHttpClientTest, ReopensAConnectionThePeerClosedToTheSameAddressWithinItsLifetime) {
  ClosingServer server;
  auto [resolver, table] = Make<TableResolver>(
      std::map<std::string, std::vector<std::string>>{{kMappedHost, {"127.0.0.1"}}});
  HttplibHttpClient client({}, std::move(resolver));

  ASSERT_TRUE(client.Send(PostTo(MappedUrl(server.port(), "/put"), "1")).transport_ok());
  ASSERT_TRUE(client.Send(PostTo(MappedUrl(server.port(), "/put"), "2")).transport_ok());

  const std::vector<int> ports = server.ports();
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_NE(ports[0], ports[1]) << "the server closed the first connection";
  EXPECT_EQ(table->asked().size(), 1u);
}

TEST(HttplibHttpClientTest, LooksTheNameUpAgainForANewConnectionOnceTheAddressIsOld) {
  ClosingServer server;
  auto [resolver, table] = Make<TableResolver>(
      std::map<std::string, std::vector<std::string>>{{kMappedHost, {"127.0.0.1"}}});
  HttplibHttpClient client({}, std::move(resolver), milliseconds(0));  // old at once

  ASSERT_TRUE(client.Send(PostTo(MappedUrl(server.port(), "/put"), "1")).transport_ok());
  ASSERT_TRUE(client.Send(PostTo(MappedUrl(server.port(), "/put"), "2")).transport_ok());

  EXPECT_EQ(table->asked().size(), 2u);
}

TEST(HttplibHttpClientTest, KeepsALiveConnectionWithoutALookupWhenTheAddressIsOld) {
  LoopbackServer server;
  server.server().Post("/put", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{}", "application/json");
  });
  server.Start();
  auto [resolver, table] = Make<TableResolver>(
      std::map<std::string, std::vector<std::string>>{{kMappedHost, {"127.0.0.1"}}});
  HttplibHttpClient client({}, std::move(resolver), milliseconds(0));

  ASSERT_TRUE(client.Send(PostTo(MappedUrl(server.port(), "/put"), "1")).transport_ok());
  const Response second = client.Send(PostTo(MappedUrl(server.port(), "/put"), "2"));

  ASSERT_TRUE(second.transport_ok()) << second.transport.message;
  EXPECT_TRUE(second.reused_connection);
  EXPECT_EQ(table->asked().size(), 1u);
}

TEST(HttplibHttpClientTest, TriesTheNextAddressWhenOneRefusesTheConnection) {
  LoopbackServer server;  // on 127.0.0.1 only: 127.0.0.2 (loopback too) refuses
  server.server().Post("/put", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{}", "application/json");
  });
  server.Start();
  auto [resolver, table] = Make<TableResolver>(
      std::map<std::string, std::vector<std::string>>{{kMappedHost, {"127.0.0.2", "127.0.0.1"}}});
  HttplibHttpClient client({}, std::move(resolver));

  const Response response = client.Send(PostTo(MappedUrl(server.port(), "/put"), "{}"));

  ASSERT_TRUE(response.transport_ok()) << response.transport.message;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(table->asked().size(), 1u);
}

TEST(HttplibHttpClientTest, SendsToAnIpLiteralWithoutAskingTheResolver) {
  LoopbackServer server;
  server.server().Post("/put", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{}", "application/json");
  });
  server.Start();
  auto [resolver, never] = Make<NeverAnswers>();
  HttplibHttpClient client({}, std::move(resolver));

  const Response response = client.Send(PostTo(server.Url("/put"), "{}"));

  EXPECT_EQ(response.status, 200) << response.transport.message;
  EXPECT_TRUE(never->asked().empty());
}

TEST(HttplibHttpClientTest, RefusesUnsupportedSchemes) {
  HttplibHttpClient client;
  Request request = PostTo("file:///etc/passwd", "");

  const Response response = client.Send(request);

  EXPECT_FALSE(response.transport_ok());
  EXPECT_EQ(response.transport.kind, ErrorKind::kInvalidInput);
}

}  // namespace
}  // namespace tk::http
