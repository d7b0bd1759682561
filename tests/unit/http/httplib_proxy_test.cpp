// Tests the transport through an HTTP proxy on loopback: a CONNECT tunnel to a name only the proxy
// resolves, TLS verified against that name inside it, Basic credentials sent to the proxy and
// never to the endpoint or into an error, and refused or absent proxies as transport errors.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/httplib_http_client.h"
#include "support/wait_until.h"
#include "unit/http/fake_resolvers.h"

namespace tk::http {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// The endpoint's name: no resolver knows it, so only a request through the proxy reaches it.
constexpr char kEndpointHost[] = "kinesis.proxy-only.test";
constexpr char kPassword[] = "pr0xy-s3cret";
constexpr int kPollMs = 50;
// No test connection lives longer than this, whatever the client does.
constexpr auto kMaxConnectionLife = std::chrono::seconds(10);

int Listen(int& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  ::listen(fd, 4);
  return fd;
}

int ConnectToLoopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

// A one-thread HTTP proxy on 127.0.0.1, one connection at a time. CONNECT: answers `answer` (a
// whole HTTP head) and, for a 200, relays the connection to 127.0.0.1:target_port whatever host
// was asked for. Any other request (plain HTTP through the proxy): answers `answer` and closes.
class FakeProxy {
 public:
  FakeProxy(int target_port, std::string answer)
      : target_port_(target_port), answer_(std::move(answer)) {
    listen_fd_ = Listen(port_);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeProxy() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }
  std::vector<std::string> heads() {
    std::lock_guard<std::mutex> lock(mutex_);
    return heads_;
  }

 private:
  void Serve() {
    while (!stop_) {
      pollfd ready{listen_fd_, POLLIN, 0};
      if (::poll(&ready, 1, kPollMs) <= 0) continue;
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      ServeOne(fd);
      ::close(fd);
    }
  }

  void ServeOne(int fd) {
    std::string head;
    char buffer[4096];
    const auto deadline = std::chrono::steady_clock::now() + kMaxConnectionLife;
    while (head.find("\r\n\r\n") == std::string::npos && !stop_ &&
           std::chrono::steady_clock::now() < deadline) {
      pollfd ready{fd, POLLIN, 0};
      if (::poll(&ready, 1, kPollMs) <= 0) continue;
      const ssize_t got = ::recv(fd, buffer, sizeof(buffer), 0);
      if (got <= 0) return;
      head.append(buffer, static_cast<size_t>(got));
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      heads_.push_back(head.substr(0, head.find("\r\n\r\n")));
    }
    const bool tunnel = head.starts_with("CONNECT ") && answer_.starts_with("HTTP/1.1 200");
    const int upstream = tunnel ? ConnectToLoopback(target_port_) : -1;
    SendAll(fd, answer_);
    if (upstream >= 0) Relay(fd, upstream, deadline);
    if (upstream >= 0) ::close(upstream);
  }

  void Relay(int client, int upstream, std::chrono::steady_clock::time_point deadline) {
    char buffer[16384];
    while (!stop_ && std::chrono::steady_clock::now() < deadline) {
      pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
      if (::poll(fds, 2, kPollMs) <= 0) continue;
      for (int i = 0; i < 2; ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        const ssize_t got = ::recv(fds[i].fd, buffer, sizeof(buffer), 0);
        if (got <= 0) return;
        SendAll(fds[1 - i].fd, std::string(buffer, static_cast<size_t>(got)));
      }
    }
  }

  int target_port_;
  std::string answer_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> heads_;
};

constexpr char kEstablished[] =
    "HTTP/1.1 200 Connection established\r\nProxy-Agent: fake\r\nConnection: close\r\n\r\n";
constexpr char kAuthRequired[] =
    "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"t\"\r\n"
    "Content-Length: 0\r\nConnection: close\r\n\r\n";
constexpr char kBadGateway[] = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";

// A key and a certificate for `san` made by the openssl CLI in a throwaway folder.
class Certificate {
 public:
  explicit Certificate(const std::string& san) {
    char pattern[] = "/tmp/tk-proxy-test-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) return;
    dir_ = pattern;
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=tk-proxy-test -addext subjectAltName=" +
        san + " -keyout " + key() + " -out " + cert() + " >/dev/null 2>&1";
    ok_ = std::system(command.c_str()) == 0;
  }
  ~Certificate() {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  bool ok() const { return ok_; }
  std::string key() const { return dir_ + "/key.pem"; }
  std::string cert() const { return dir_ + "/cert.pem"; }

 private:
  std::string dir_;
  bool ok_ = false;
};

// The endpoint: HTTPS on loopback, counting requests and any Proxy-Authorization that reached it.
class TlsEndpoint {
 public:
  explicit TlsEndpoint(const Certificate& certificate)
      : server_(certificate.cert().c_str(), certificate.key().c_str()) {
    server_.Post("/", [this](const httplib::Request& request, httplib::Response& response) {
      requests_++;
      if (request.has_header("Proxy-Authorization")) leaked_proxy_credentials_++;
      response.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the loop runs.
    EXPECT_TRUE(tk::testing::WaitUntil([this] { return server_.is_running(); },
                                       "the TLS endpoint running"));
  }
  ~TlsEndpoint() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  int requests() const { return requests_; }
  int leaked_proxy_credentials() const { return leaked_proxy_credentials_; }

 private:
  httplib::SSLServer server_;
  std::thread thread_;
  int port_ = -1;
  std::atomic<int> requests_{0};
  std::atomic<int> leaked_proxy_credentials_{0};
};

HttpClientOptions Through(int proxy_port, const std::string& ca_file, std::string username = "",
                          std::string password = "") {
  HttpClientOptions options;
  options.ca_file = ca_file;
  options.connect_timeout_ms = 3000;
  options.request_timeout_ms = 3000;
  options.proxy = HttpProxy{"127.0.0.1", static_cast<uint16_t>(proxy_port), std::move(username),
                            std::move(password)};
  return options;
}

Request PostTo(const std::string& url) {
  Request request;
  request.url = url;
  request.body = "{}";
  request.headers = {{"Content-Type", "application/x-amz-json-1.1"}};
  return request;
}

const std::string kEndpointUrl = std::string("https://") + kEndpointHost + "/";

class HttplibProxyTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(certificate_.ok()) << "openssl could not make a cert"; }
  Certificate certificate_{std::string("DNS:") + kEndpointHost};
  TlsEndpoint endpoint_{certificate_};
};

TEST_F(HttplibProxyTest, TunnelsToANameOnlyTheProxyResolvesAndKeepsTheTunnel) {
  FakeProxy proxy(endpoint_.port(), kEstablished);
  HttplibHttpClient client(Through(proxy.port(), certificate_.cert(), "user", kPassword));

  for (int i = 0; i < 2; ++i) {
    const Response response = client.Send(PostTo(kEndpointUrl));
    ASSERT_TRUE(response.transport_ok()) << response.transport.message;
    EXPECT_EQ(response.status, 200);
  }
  EXPECT_EQ(endpoint_.requests(), 2);
  const std::vector<std::string> heads = proxy.heads();
  ASSERT_EQ(heads.size(), 1u) << "one tunnel for both requests";
  EXPECT_THAT(heads[0], StartsWith("CONNECT kinesis.proxy-only.test:443 HTTP/1.1\r\n"));
  const std::string basic =
      httplib::make_basic_authentication_header("user", kPassword, true).second;
  EXPECT_THAT(heads[0], HasSubstr("Proxy-Authorization: " + basic));
  EXPECT_EQ(endpoint_.leaked_proxy_credentials(), 0) << "proxy credentials went to the endpoint";
}

TEST_F(HttplibProxyTest, VerifiesTheEndpointsNameInsideTheTunnel) {
  Certificate other("DNS:kinesis.other.test");
  ASSERT_TRUE(other.ok());
  TlsEndpoint impostor(other);
  FakeProxy proxy(impostor.port(), kEstablished);
  HttplibHttpClient client(Through(proxy.port(), other.cert()));

  const Response response = client.Send(PostTo(kEndpointUrl));
  EXPECT_FALSE(response.transport_ok());
  EXPECT_THAT(response.transport.message,
              HasSubstr("TLS server verification failed (the certificate does not name "
                        "kinesis.proxy-only.test)"));
  EXPECT_EQ(response.transport.kind, ErrorKind::kTls);
  EXPECT_EQ(impostor.requests(), 0);
  EXPECT_EQ(proxy.heads().size(), 1u);
}

TEST_F(HttplibProxyTest, ReportsARefusedConnectWithItsStatusAndWithoutThePassword) {
  for (const char* answer : {kAuthRequired, kBadGateway}) {
    FakeProxy proxy(endpoint_.port(), answer);
    HttplibHttpClient client(Through(proxy.port(), certificate_.cert(), "user", kPassword));
    // Twice: a refused tunnel leaves nothing half-open for the next request to trip on.
    for (int i = 0; i < 2; ++i) {
      const Response response = client.Send(PostTo(kEndpointUrl));
      EXPECT_FALSE(response.transport_ok());
      EXPECT_EQ(response.status, 0);
      const std::string status = std::string(answer).substr(9, 3);
      EXPECT_THAT(response.transport.message,
                  AllOf(HasSubstr("proxy refused CONNECT: " + status), Not(HasSubstr(kPassword))));
      EXPECT_EQ(response.transport.kind, ErrorKind::kProxyRefused);
    }
    EXPECT_EQ(proxy.heads().size(), 2u);
  }
  EXPECT_EQ(endpoint_.requests(), 0);
}

TEST_F(HttplibProxyTest, ReportsAProxyThatIsNotThere) {
  int port = 0;
  ::close(Listen(port));  // a port with nobody listening
  HttplibHttpClient client(Through(port, certificate_.cert()));
  const Response response = client.Send(PostTo(kEndpointUrl));
  EXPECT_THAT(response.transport.message,
              HasSubstr("could not reach proxy 127.0.0.1:" + std::to_string(port)));
  EXPECT_EQ(response.transport.kind, ErrorKind::kConnect);
}

// The proxy's name only the test's resolver knows; the endpoint's name it does not know at all.
constexpr char kProxyHost[] = "proxy.by-name.test";

HttpClientOptions ThroughNamedProxy(int proxy_port, const std::string& ca_file) {
  HttpClientOptions options = Through(proxy_port, ca_file);
  options.proxy->host = kProxyHost;
  return options;
}

TEST_F(HttplibProxyTest, LooksUpTheProxysNameAndLeavesTheEndpointsToTheProxy) {
  FakeProxy proxy(endpoint_.port(), kEstablished);
  auto [resolver, table] = testing::Make<testing::TableResolver>(
      std::map<std::string, std::vector<std::string>>{{kProxyHost, {"127.0.0.1"}}});
  HttplibHttpClient client(ThroughNamedProxy(proxy.port(), certificate_.cert()),
                           std::move(resolver));

  const Response response = client.Send(PostTo(kEndpointUrl));

  ASSERT_TRUE(response.transport_ok()) << response.transport.message;
  EXPECT_EQ(response.status, 200);
  ASSERT_EQ(table->asked().size(), 1u);
  EXPECT_EQ(table->asked()[0].host, kProxyHost);
  ASSERT_EQ(proxy.heads().size(), 1u);
  EXPECT_THAT(proxy.heads()[0], StartsWith("CONNECT kinesis.proxy-only.test:443 HTTP/1.1\r\n"));
}

TEST_F(HttplibProxyTest, GivesUpOnTheProxysNameWithinTheRequestTimeout) {
  FakeProxy proxy(endpoint_.port(), kEstablished);
  auto [resolver, never] = testing::Make<testing::NeverAnswers>();
  HttplibHttpClient client(ThroughNamedProxy(proxy.port(), certificate_.cert()),
                           std::move(resolver));
  Request request = PostTo(kEndpointUrl);
  request.timeout_ms = 200;
  const auto start = std::chrono::steady_clock::now();

  const Response response = client.Send(request);

  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
  EXPECT_EQ(response.transport.message,
            "HTTP transport error: could not reach proxy proxy.by-name.test:" +
                std::to_string(proxy.port()) +
                ": DNS lookup of proxy.by-name.test timed out after 200 ms");
  EXPECT_EQ(response.transport.kind, ErrorKind::kTimeout);
  ASSERT_EQ(never->asked().size(), 1u);
  EXPECT_EQ(never->asked()[0].host, kProxyHost);
  EXPECT_TRUE(proxy.heads().empty());
}

TEST_F(HttplibProxyTest, SendsPlainHttpToAProxyByName) {
  FakeProxy proxy(0, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
  auto [resolver, table] = testing::Make<testing::TableResolver>(
      std::map<std::string, std::vector<std::string>>{{kProxyHost, {"127.0.0.1"}}});
  HttplibHttpClient client(ThroughNamedProxy(proxy.port(), ""), std::move(resolver));

  const Response response = client.Send(PostTo("http://kinesis.proxy-only.test:4567/"));

  ASSERT_TRUE(response.transport_ok()) << response.transport.message;
  EXPECT_EQ(response.status, 204);
  ASSERT_EQ(table->asked().size(), 1u);
  EXPECT_EQ(table->asked()[0].host, kProxyHost);
  ASSERT_EQ(proxy.heads().size(), 1u);
  EXPECT_THAT(proxy.heads()[0], StartsWith("POST http://kinesis.proxy-only.test:4567/ HTTP/1.1"));
}

TEST_F(HttplibProxyTest, SendsPlainHttpInAbsoluteFormWithProxyCredentials) {
  FakeProxy proxy(0, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
  HttplibHttpClient client(Through(proxy.port(), "", "user", kPassword));
  const Response response = client.Send(PostTo("http://kinesis.proxy-only.test:4567/"));
  ASSERT_TRUE(response.transport_ok()) << response.transport.message;
  EXPECT_EQ(response.status, 204);
  ASSERT_EQ(proxy.heads().size(), 1u);
  EXPECT_THAT(proxy.heads()[0], StartsWith("POST http://kinesis.proxy-only.test:4567/ HTTP/1.1"));
  EXPECT_THAT(proxy.heads()[0], HasSubstr("Proxy-Authorization: Basic "));
}

TEST_F(HttplibProxyTest, PlainHttpProxyAsking407IsATransportError) {
  FakeProxy proxy(0, kAuthRequired);
  HttplibHttpClient client(Through(proxy.port(), "", "user", kPassword));
  const Response response = client.Send(PostTo("http://kinesis.proxy-only.test:4567/"));
  EXPECT_THAT(response.transport.message,
              AllOf(HasSubstr("proxy refused the request: 407"), Not(HasSubstr(kPassword))));
  EXPECT_EQ(response.transport.kind, ErrorKind::kProxyRefused);
}

}  // namespace
}  // namespace tk::http
