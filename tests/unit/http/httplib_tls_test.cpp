// TLS verification cannot be disabled by accident: an HTTPS server on loopback with a certificate
// nobody trusts is refused (a transport error naming the certificate), with or without
// "insecure" environment variables, and the transport has no option that turns checks off.
// Connecting to a looked-up address (cpp-httplib's address map) keeps SNI and the certificate
// check on the URL's name, never on the address.
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/ssl.h>
#include <stdlib.h>

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

// HttpClientOptions is an aggregate of exactly its four fields (CA bundle, connect and request
// timeouts, proxy). A fifth field (say, `bool verify_peer`) fails to compile here: whoever adds
// one must come and read why there is none. (A proxy changes the path, not the checks: TLS runs
// inside the tunnel against the endpoint's name.)
struct AnyValue {
  template <typename T>
  operator T() const;  // NOLINT: unevaluated only
};
template <typename T, typename... Fields>
concept BracedFrom = requires(Fields... fields) {
  T{fields...};
};
static_assert(BracedFrom<HttpClientOptions, AnyValue, AnyValue, AnyValue, AnyValue>);
static_assert(
    !BracedFrom<HttpClientOptions, AnyValue, AnyValue, AnyValue, AnyValue, AnyValue>,
    "HttpClientOptions gained a field: TLS verification must stay impossible to turn off");

// A throwaway folder with a key and a self-signed certificate made by the openssl CLI.
class SelfSignedCertificate {
 public:
  explicit SelfSignedCertificate(const std::string& san) {
    char pattern[] = "/tmp/tk-tls-test-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) return;
    dir_ = pattern;
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=tk-test -addext subjectAltName=" +
        san + " -keyout " + key() + " -out " + cert() + " >/dev/null 2>&1";
    ok_ = std::system(command.c_str()) == 0;
  }
  ~SelfSignedCertificate() {
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

// An HTTPS server on 127.0.0.1 that counts the requests that reached it and records the server
// name (SNI) of the last TLS handshake.
class TlsServer {
 public:
  explicit TlsServer(const SelfSignedCertificate& certificate)
      : server_(certificate.cert().c_str(), certificate.key().c_str()) {
    server_.Post("/", [this](const httplib::Request&, httplib::Response& response) {
      requests_++;
      response.set_content("{}", "application/json");
    });
    if (SSL_CTX* context = server_.ssl_context(); context != nullptr) {
      SSL_CTX_set_tlsext_servername_callback(context, &TlsServer::OnServerName);
      SSL_CTX_set_tlsext_servername_arg(context, this);
    }
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the loop runs.
    EXPECT_TRUE(
        tk::testing::WaitUntil([this] { return server_.is_running(); }, "the TLS server running"));
  }
  ~TlsServer() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  bool valid() { return server_.is_valid() && port_ > 0; }
  std::string Url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/"; }
  int port() const { return port_; }
  int requests() const { return requests_; }
  std::string server_name() {
    std::lock_guard lock(mutex_);
    return server_name_;
  }

 private:
  static int OnServerName(SSL* ssl, int* /*alert*/, void* arg) {
    auto* self = static_cast<TlsServer*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    std::lock_guard lock(self->mutex_);
    self->server_name_ = name == nullptr ? "(none)" : name;
    return SSL_TLSEXT_ERR_OK;
  }

  std::mutex mutex_;
  std::string server_name_;
  httplib::SSLServer server_;
  std::thread thread_;
  int port_ = -1;
  std::atomic<int> requests_{0};
};

Response PostTo(const std::string& url, HttpClientOptions options = {},
                std::unique_ptr<Resolver> resolver = nullptr) {
  options.connect_timeout_ms = 5000;
  options.request_timeout_ms = 10000;
  HttplibHttpClient client(options, std::move(resolver));
  Request request;
  request.url = url;
  request.body = "{}";
  return client.Send(request);
}

class HttplibTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(certificate_.ok()) << "the openssl CLI could not make a test certificate";
    ASSERT_TRUE(server_.valid());
  }
  SelfSignedCertificate certificate_{"IP:127.0.0.1"};
  TlsServer server_{certificate_};
};

TEST_F(HttplibTlsTest, RefusesASelfSignedServerAsATransportErrorNamingTheCertificate) {
  const Response response = PostTo(server_.Url());
  EXPECT_FALSE(response.transport_ok());
  EXPECT_EQ(response.status, 0);
  EXPECT_NE(response.transport.message.find("certificate"), std::string::npos)
      << response.transport.message;
  EXPECT_EQ(response.transport.kind, ErrorKind::kTls);
  EXPECT_EQ(server_.requests(), 0);
}

TEST_F(HttplibTlsTest, AcceptsTheSameServerOnceItsCertificateIsTheConfiguredBundle) {
  // The control: the refusal above is verification, not a broken server.
  const Response response =
      PostTo(server_.Url(), HttpClientOptions{.ca_file = certificate_.cert()});
  EXPECT_TRUE(response.transport_ok()) << response.transport.message;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(server_.requests(), 1);
}

TEST_F(HttplibTlsTest, RefusesATrustedCertificateIssuedForAnotherHost) {
  SelfSignedCertificate other("DNS:kinesis.other.example");
  ASSERT_TRUE(other.ok());
  TlsServer elsewhere(other);
  ASSERT_TRUE(elsewhere.valid());
  const Response response = PostTo(elsewhere.Url(), HttpClientOptions{.ca_file = other.cert()});
  EXPECT_FALSE(response.transport_ok());
  EXPECT_NE(response.transport.message.find("the certificate does not name 127.0.0.1"),
            std::string::npos)
      << response.transport.message;
  EXPECT_EQ(response.transport.kind, ErrorKind::kTls);
  EXPECT_EQ(elsewhere.requests(), 0);
}

// A name only the test's resolver knows, mapped to the servers' address.
constexpr char kMappedHost[] = "kinesis.addr-map.test";

std::unique_ptr<Resolver> MapToLoopback(const std::string& name) {
  return testing::Make<testing::TableResolver>(
             std::map<std::string, std::vector<std::string>>{{name, {"127.0.0.1"}}})
      .first;
}

std::string UrlFor(const std::string& host, const TlsServer& server) {
  return "https://" + host + ":" + std::to_string(server.port()) + "/";
}

// "localhost" looked up by the system resolver (/etc/hosts), the connection made to 127.0.0.1; the
// certificate names only DNS:localhost, no address, so it passes on the name alone.
TEST(HttplibTlsNameTest, AcceptsACertificateForLocalhostReachedThroughItsAddress) {
  SelfSignedCertificate localhost("DNS:localhost");
  ASSERT_TRUE(localhost.ok());
  TlsServer server(localhost);
  ASSERT_TRUE(server.valid());
  const Response response =
      PostTo(UrlFor("localhost", server), HttpClientOptions{.ca_file = localhost.cert()});
  EXPECT_TRUE(response.transport_ok()) << response.transport.message;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(server.requests(), 1);
  EXPECT_EQ(server.server_name(), "localhost");
}

// The reverse: a trusted certificate that names the address connected to (IP:127.0.0.1) but not
// the URL's name is refused; the address never stands in for the name.
TEST(HttplibTlsNameTest, RefusesACertificateForTheAddressButNotTheName) {
  SelfSignedCertificate other("DNS:kinesis.other.example,IP:127.0.0.1");
  ASSERT_TRUE(other.ok());
  TlsServer server(other);
  ASSERT_TRUE(server.valid());
  const Response response =
      PostTo(UrlFor("localhost", server), HttpClientOptions{.ca_file = other.cert()});
  EXPECT_FALSE(response.transport_ok());
  EXPECT_NE(response.transport.message.find("the certificate does not name localhost"),
            std::string::npos)
      << response.transport.message;
  EXPECT_EQ(server.requests(), 0);
}

// A name no system resolver knows: the request can reach the server only through the address map,
// and SNI and verification still use the name.
TEST(HttplibTlsNameTest, VerifiesTheNameOverTheAddressMap) {
  SelfSignedCertificate mapped(std::string("DNS:") + kMappedHost);
  ASSERT_TRUE(mapped.ok());
  TlsServer server(mapped);
  ASSERT_TRUE(server.valid());
  const Response response =
      PostTo(UrlFor(kMappedHost, server), HttpClientOptions{.ca_file = mapped.cert()},
             MapToLoopback(kMappedHost));
  EXPECT_TRUE(response.transport_ok()) << response.transport.message;
  EXPECT_EQ(server.requests(), 1);
  EXPECT_EQ(server.server_name(), kMappedHost);
}

TEST(HttplibTlsNameTest, RefusesACertificateForAnotherNameOverTheAddressMap) {
  SelfSignedCertificate other("DNS:kinesis.other.example");
  ASSERT_TRUE(other.ok());
  TlsServer server(other);
  ASSERT_TRUE(server.valid());
  const Response response =
      PostTo(UrlFor(kMappedHost, server), HttpClientOptions{.ca_file = other.cert()},
             MapToLoopback(kMappedHost));
  EXPECT_FALSE(response.transport_ok());
  EXPECT_NE(
      response.transport.message.find(std::string("the certificate does not name ") + kMappedHost),
      std::string::npos)
      << response.transport.message;
  EXPECT_EQ(server.server_name(), kMappedHost);
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(HttplibTlsTest, InsecureSoundingEnvironmentVariablesChangeNothing) {
  const char* names[] = {
      "CURL_INSECURE",     "CURLOPT_SSL_VERIFYPEER",       "CURL_SSL_NO_VERIFY",
      "GIT_SSL_NO_VERIFY", "NODE_TLS_REJECT_UNAUTHORIZED", "PYTHONHTTPSVERIFY",
      "AWS_CA_BUNDLE",     "TELEMETRY_KINESIS_TLS_VERIFY", "TELEMETRY_KINESIS_INSECURE"};
  const char* values[] = {"1", "0", "1", "1", "0", "0", "", "false", "true"};
  for (size_t i = 0; i < std::size(names); ++i) ::setenv(names[i], values[i], 1);
  const Response response = PostTo(server_.Url());
  for (const char* name : names) ::unsetenv(name);
  EXPECT_FALSE(response.transport_ok());
  EXPECT_NE(response.transport.message.find("certificate"), std::string::npos)
      << response.transport.message;
  EXPECT_EQ(server_.requests(), 0);
}

}  // namespace
}  // namespace tk::http
