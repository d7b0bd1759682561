// The HTTP(S) edge of the sender: one kept-alive connection to the Kinesis endpoint through
// cpp-httplib over OpenSSL (the TLS library the extension already carries for SigV4), so the
// layer ships one HTTP library and one TLS library instead of libcurl's dependency tree.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "http/http_client.h"
#include "http/resolver.h"

namespace tk::http {

// An HTTP proxy every request goes through. https URLs: a CONNECT tunnel, then TLS inside it to
// the URL's host, verified against that host's name (never the proxy's). http URLs: requests in
// absolute form to the proxy. Basic authentication when a user name or password is given.
struct HttpProxy {
  std::string host;  // name or IP literal (IPv6 without brackets)
  uint16_t port = 0;
  std::string username;
  std::string password;  // never in a transport error
};

struct HttpClientOptions {
  std::string ca_file;  // PEM bundle; empty: OpenSSL's default verify paths
  long connect_timeout_ms = 2000;
  long request_timeout_ms = 10000;  // per socket read/write; Request::timeout_ms lowers it
  // Set: every request goes through this proxy (the caller has applied NO_PROXY). Empty: direct.
  std::optional<HttpProxy> proxy = std::nullopt;
};

// HttpClient over one cpp-httplib client per origin (scheme://host:port). Consecutive requests
// to the same origin reuse one TCP (+TLS) connection. TLS peer and host name verification are
// always on: there is no option to turn them off. Not thread-safe (but for Abort): one sender
// thread owns it. Send() never throws; network and TLS failures come back in Response::transport,
// classified by the step that failed (never with request headers, so never with the
// Authorization header).
//
// Deadlines: the host it connects to (the endpoint's, or the proxy's) is looked up through
// `resolver` within the request's timeout, before cpp-httplib connects (cpp-httplib's own lookup
// cannot be bounded); the connect and TLS handshake then get min(connect_timeout_ms, what is left
// of the request's timeout). cpp-httplib is handed the address through set_hostname_addr_map,
// which keeps the Host header, SNI and certificate verification on the name.
class HttplibHttpClient final : public HttpClient {
 public:
  // How long a looked-up address serves new connections. A dropped connection (DropConnections, a
  // failed request) forgets it at once. A connection the peer closed is re-opened to the same
  // address within this time, without a lookup that could hang; after it, the name is looked up
  // again, because AWS endpoints' names resolve to front ends that are added and retired all the
  // time (short DNS TTLs), and glibc keeps no cache to do that for us.
  static constexpr std::chrono::milliseconds kAddressLifetime = std::chrono::seconds(60);

  // `resolver`: nullptr for the system's (GaiResolver). `address_lifetime`: for tests.
  explicit HttplibHttpClient(HttpClientOptions options = {},
                             std::unique_ptr<Resolver> resolver = nullptr,
                             std::chrono::milliseconds address_lifetime = kAddressLifetime);
  ~HttplibHttpClient() override;
  HttplibHttpClient(const HttplibHttpClient&) = delete;
  HttplibHttpClient& operator=(const HttplibHttpClient&) = delete;

  Response Send(const Request& request) override;

  // Closes the pooled connection (e.g. after a SnapStart restore: the peer is long gone).
  void DropConnections() override;
  // Thread-safe: shuts the in-flight request's socket down; later requests fail at once.
  void Abort() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tk::http
