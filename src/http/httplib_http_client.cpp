// cpp-httplib client per origin, configured once; requests map 1:1 onto httplib calls.
#include "http/httplib_http_client.h"
#include "common/ascii.h"

#include <httplib.h>
#include <openssl/x509.h>  // the name of a certificate verification failure
#include <strings.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

// Two functions of cpp-httplib's implementation (httplib.cc in its split mode) that its header
// does not declare; the session's socket handling uses them as httplib's own client does.
namespace httplib::detail {
bool write_data(Stream& strm, const char* d, size_t l);
bool is_socket_alive(socket_t sock);
}  // namespace httplib::detail

namespace tk::http {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A URL split into what httplib needs: the origin it connects to and the request target.
struct SplitUrl {
  std::string scheme;
  std::string origin;  // scheme://host[:port]
  std::string host;    // an IPv6 literal without its brackets
  int port = 0;        // the scheme's default when the URL has none
  std::string target;  // /path?query ("/" when empty)
};

constexpr int kHttpPort = 80;
constexpr int kHttpsPort = 443;
constexpr int kMaxPort = 65535;

// "host", "host:port", "[v6]" or "[v6]:port" into host and port.
bool SplitAuthority(std::string_view authority, SplitUrl& out) {
  std::string_view rest;
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    out.host = std::string(authority.substr(1, close - 1));
    rest = authority.substr(close + 1);
  } else {
    const size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) rest = authority.substr(colon);
  }
  out.port = out.scheme == "https" ? kHttpsPort : kHttpPort;
  if (rest.empty()) return !out.host.empty();
  if (rest.front() != ':') return false;
  const std::string_view digits = rest.substr(1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out.port);
  return !out.host.empty() && ec == std::errc() && end == digits.data() + digits.size() &&
         out.port > 0 && out.port <= kMaxPort;
}

bool Split(const std::string& url, SplitUrl& out) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return false;
  out.scheme = url.substr(0, scheme_end);
  if (out.scheme != "http" && out.scheme != "https") return false;
  size_t authority_start = scheme_end + 3;
  size_t path_start = url.find_first_of("/?", authority_start);
  std::string authority = url.substr(authority_start, path_start - authority_start);
  if (authority.empty() || !SplitAuthority(authority, out)) return false;
  out.origin = out.scheme + "://" + authority;
  out.target = path_start == std::string::npos ? "/" : url.substr(path_start);
  if (out.target.front() == '?') out.target.insert(0, "/");
  return true;
}

// httplib's error names are terse ("Read"); say what happened in words a log reader knows.
std::string Describe(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "could not connect (connection refused or host unreachable)";
    case httplib::Error::ConnectionTimeout:
      return "connect timeout";
    case httplib::Error::Read:
      return "read timeout or connection lost before a complete response";
    case httplib::Error::Write:
      return "write timeout or connection lost while sending";
    case httplib::Error::SSLConnection:
      return "TLS handshake failed";
    case httplib::Error::SSLLoadingCerts:
      return "could not load the CA bundle";
    case httplib::Error::SSLServerVerification:
      return "TLS server verification failed";
    default:
      return httplib::to_string(error);
  }
}

// The step that failed, for callers that decide without reading Describe's words. A failure is
// a timeout only when it waited out the attempt's whole timeout (`waited_out`): cpp-httplib
// reports a silent peer and a reset one alike as Read or Write, and a connect cut short by the
// request's deadline like one that met connect_timeout_ms.
ErrorKind KindOf(httplib::Error error, bool waited_out) {
  switch (error) {
    case httplib::Error::Connection:
      return ErrorKind::kConnect;
    case httplib::Error::ConnectionTimeout:
      return waited_out ? ErrorKind::kTimeout : ErrorKind::kConnect;
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::SSLServerVerification:
      return ErrorKind::kTls;
    default:
      return waited_out ? ErrorKind::kTimeout : ErrorKind::kConnectionLost;
  }
}

void SetTimeout(httplib::ClientImpl& client, long timeout_ms,
                void (httplib::ClientImpl::*setter)(time_t, time_t)) {
  (client.*setter)(static_cast<time_t>(timeout_ms / 1000),
                   static_cast<time_t>((timeout_ms % 1000) * 1000));
}

std::string ProxyName(const HttpProxy& proxy) {
  const bool ipv6 = proxy.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + proxy.host + "]" : proxy.host) + ":" + std::to_string(proxy.port);
}

// "Basic base64(user:password)", or empty without credentials.
std::string ProxyAuthorization(const HttpProxy& proxy) {
  if (proxy.username.empty() && proxy.password.empty()) return "";
  return httplib::make_basic_authentication_header(proxy.username, proxy.password, true).second;
}

// An HTTPS client whose connection is a CONNECT tunnel through an HTTP proxy; TLS then runs over
// the tunnel exactly as over a direct connection: SNI and the certificate's name are checked
// against host_, the endpoint.
//
// httplib's own tunnel (SSLClient::set_proxy, 0.11.4) is not used: it takes a refused CONNECT
// (403, 502) for success and starts TLS on the proxy's error page; it hands a 407 back as if the
// endpoint had answered, leaving the socket open without TLS for the next request; when the
// proxy answers "Connection: close" it locks the socket mutex its caller already holds; and it
// sends Proxy-Authorization inside the tunnel with every request, i.e. to the endpoint.
class TunnelingSslClient final : public httplib::SSLClient {
 public:
  TunnelingSslClient(const std::string& host, int port, const HttpProxy& proxy)
      : httplib::SSLClient(host, port),
        proxy_(proxy),
        proxy_name_(ProxyName(proxy)),
        proxy_authorization_(ProxyAuthorization(proxy)) {}

  // Why the last connection failed at the proxy, in words; empty when it did not fail there.
  const std::string& tunnel_error() const { return tunnel_error_; }
  // Which step failed there: kConnect, kProxyRefused or kConnectionLost (no usable answer).
  ErrorKind tunnel_error_kind() const { return tunnel_error_kind_; }
  // The last connection failed before the proxy answered: no TCP connection to it.
  bool proxy_unreachable() const { return proxy_unreachable_; }
  // The proxy's address, looked up by the caller within the request's deadline; empty when
  // proxy_.host is an IP literal.
  void set_proxy_address(std::string address) { proxy_address_ = std::move(address); }

 private:
  // A CONNECT answer's status line and headers; a proxy's is a few hundred bytes.
  static constexpr size_t kMaxAnswerLines = 100;
  static constexpr size_t kLineBufferBytes = 2048;
  static constexpr int kStatusDigits = 3;

  // Called by httplib for every new connection, with its socket mutex held.
  bool create_and_connect_socket(Socket& socket, httplib::Error& error) override {
    tunnel_error_.clear();
    proxy_unreachable_ = false;
    if (!is_valid()) return false;
    socket.sock = httplib::detail::create_client_socket(
        proxy_.host, proxy_address_, proxy_.port, address_family_, tcp_nodelay_, socket_options_,
        connection_timeout_sec_, connection_timeout_usec_, read_timeout_sec_, read_timeout_usec_,
        write_timeout_sec_, write_timeout_usec_, interface_, error);
    if (socket.sock == INVALID_SOCKET) {
      tunnel_error_ = "could not reach proxy " + proxy_name_ + ": " + Describe(error);
      tunnel_error_kind_ = ErrorKind::kConnect;
      proxy_unreachable_ = true;
      return false;
    }
    if (OpenTunnel(socket.sock, error)) return true;
    shutdown_socket(socket);
    close_socket(socket);
    return false;
  }

  bool OpenTunnel(socket_t sock, httplib::Error& error) {
    return httplib::detail::process_client_socket(
        sock, read_timeout_sec_, read_timeout_usec_, write_timeout_sec_, write_timeout_usec_,
        [&](httplib::Stream& stream) { return Connect(stream, error); });
  }

  bool Connect(httplib::Stream& stream, httplib::Error& error) {
    std::string request =
        "CONNECT " + host_and_port_ + " HTTP/1.1\r\nHost: " + host_and_port_ + "\r\n";
    if (!proxy_authorization_.empty()) {
      request += "Proxy-Authorization: " + proxy_authorization_ + "\r\n";
    }
    request += "\r\n";
    if (!httplib::detail::write_data(stream, request.data(), request.size())) {
      error = httplib::Error::Write;
      tunnel_error_ = "could not send CONNECT to proxy " + proxy_name_;
      tunnel_error_kind_ = ErrorKind::kConnectionLost;
      return false;
    }
    const int status = ReadAnswer(stream);
    if (status >= 200 && status < 300) return true;
    error = httplib::Error::Connection;
    tunnel_error_kind_ = status < 0 ? ErrorKind::kConnectionLost : ErrorKind::kProxyRefused;
    tunnel_error_ = status < 0 ? "proxy " + proxy_name_ +
                                     " did not answer CONNECT (read timeout, connection lost or "
                                     "not an HTTP answer)"
                               : "proxy refused CONNECT: " + std::to_string(status) +
                                     (status == 407 ? " (proxy authentication required)" : "");
    return false;
  }

  // The status of the proxy's answer once its head has been read whole (a 2xx CONNECT answer
  // has no body: RFC 9110, 9.3.6); -1 when there is none.
  static int ReadAnswer(httplib::Stream& stream) {
    char buffer[kLineBufferBytes];
    httplib::detail::stream_line_reader reader(stream, buffer, sizeof(buffer));
    if (!reader.getline()) return -1;
    const std::string_view line(reader.ptr(), reader.size());
    const size_t space = line.find(' ');
    int status = -1;
    if (!line.starts_with("HTTP/1.") || space == std::string_view::npos ||
        line.size() < space + 1 + kStatusDigits) {
      return -1;
    }
    const char* digits = line.data() + space + 1;
    const auto [end, ec] = std::from_chars(digits, digits + kStatusDigits, status);
    if (ec != std::errc() || end != digits + kStatusDigits) return -1;
    for (size_t i = 0; i < kMaxAnswerLines; ++i) {
      if (!reader.getline()) return -1;
      const std::string_view header(reader.ptr(), reader.size());
      if (header == "\r\n" || header == "\n") return status;
    }
    return -1;
  }

  HttpProxy proxy_;
  std::string proxy_name_;
  std::string proxy_authorization_;
  std::string proxy_address_;
  std::string tunnel_error_;
  ErrorKind tunnel_error_kind_ = ErrorKind::kConnectionLost;
  bool proxy_unreachable_ = false;
};

// Milliseconds from now to `deadline`, at least 1: a timeout of 0 means "none" to cpp-httplib's
// poll-based waits.
long Remaining(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return std::max<long>(left, 1);
}

Error Aborted() {
  return {"HTTP transport error: abandoned: the caller's deadline passed", ErrorKind::kAborted};
}

}  // namespace

std::string_view Response::FindHeader(std::string_view name) const {
  for (const http::Header& header : headers) {
    if (EqualsIgnoreAsciiCase(header.name, name)) return header.value;
  }
  return {};
}

struct HttplibHttpClient::Impl {
  // The addresses of the host connections go to (the endpoint's, or the proxy's), looked up when
  // a connection was about to be opened; see kAddressLifetime.
  struct Addresses {
    std::vector<std::string> list;
    size_t current = 0;  // the one handed to cpp-httplib
    Clock::time_point looked_up;
  };

  HttpClientOptions options;
  std::unique_ptr<Resolver> resolver;
  milliseconds address_lifetime{0};
  std::optional<Addresses> addresses;  // none for an IP literal, or until looked up
  std::string origin;
  std::string origin_host;  // the key of cpp-httplib's address map
  // Swapped only under client_mutex, which Abort() (another thread) holds while it stops it.
  std::unique_ptr<httplib::ClientImpl> client;
  std::mutex client_mutex;
  std::atomic<bool> aborted{false};
  httplib::SSLClient* tls = nullptr;     // `client`, when the origin is https
  TunnelingSslClient* tunnel = nullptr;  // `client`, when that goes through the proxy
  std::string proxy_authorization;       // an http origin through the proxy: per request
  // Requests answered on the current connection (see Response::reused_connection).
  uint64_t answered_on_connection = 0;

  httplib::ClientImpl& ClientFor(const SplitUrl& url) {
    if (client && origin == url.origin) return *client;
    Reset();
    std::unique_ptr<httplib::ClientImpl> made = MakeClient(url);
    {
      std::lock_guard lock(client_mutex);
      client = std::move(made);
    }
    origin = url.origin;
    origin_host = url.host;
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);
    client->set_follow_location(false);
    if (tls) {
      // Verification is on by default in httplib; say so here, where a reader looks for it.
      client->enable_server_certificate_verification(true);
      if (!options.ca_file.empty()) client->set_ca_cert_path(options.ca_file);
    }
    return *client;
  }

  std::unique_ptr<httplib::ClientImpl> MakeClient(const SplitUrl& url) {
    const std::optional<HttpProxy>& proxy = options.proxy;
    if (url.scheme == "https") {
      std::unique_ptr<httplib::SSLClient> made;
      if (proxy) {
        auto tunneling = std::make_unique<TunnelingSslClient>(url.host, url.port, *proxy);
        tunnel = tunneling.get();
        made = std::move(tunneling);
      } else {
        made = std::make_unique<httplib::SSLClient>(url.host, url.port);
      }
      tls = made.get();
      return made;
    }
    auto made = std::make_unique<httplib::ClientImpl>(url.host, url.port);
    if (proxy) {
      // Plain HTTP through a proxy: requests in absolute form, Proxy-Authorization on each one
      // (the proxy reads every request; there is no tunnel).
      made->set_proxy(proxy->host, proxy->port);
      proxy_authorization = ProxyAuthorization(*proxy);
    }
    return made;
  }

  void Reset() {
    {
      std::lock_guard lock(client_mutex);
      client.reset();
    }
    origin.clear();
    origin_host.clear();
    addresses.reset();
    tls = nullptr;
    tunnel = nullptr;
    proxy_authorization.clear();
    answered_on_connection = 0;
  }

  // The host that connections go to: the proxy's when there is one (it resolves the endpoint's
  // name itself, from the CONNECT line or the absolute URL), else the endpoint's.
  const std::string& ConnectHost() const {
    return options.proxy ? options.proxy->host : origin_host;
  }

  // The next request opens a connection: there is none, or cpp-httplib will find that the peer
  // closed it (the same test cpp-httplib makes before reusing a socket, ClientImpl::send).
  bool WillConnect() const {
    return !client->is_socket_open() || !httplib::detail::is_socket_alive(client->socket());
  }

  // Makes sure the next connection has an address to go to, looking the host up if need be
  // within `timeout_ms`. Nothing, or why the request cannot be sent (a transport error).
  std::optional<Error> PrepareAddress(long timeout_ms) {
    const std::string& name = ConnectHost();
    if (IsIpLiteral(name)) return std::nullopt;  // cpp-httplib parses it; nothing can hang
    if (addresses && Clock::now() - addresses->looked_up < address_lifetime) return std::nullopt;
    // A live connection needs no address: looking up now could only delay a request that is
    // ready to go. The next connection looks the name up again.
    if (addresses && !WillConnect()) return std::nullopt;
    const Resolution resolution = resolver->Resolve(name, milliseconds(timeout_ms));
    const std::string where =
        options.proxy ? "could not reach proxy " + ProxyName(*options.proxy) + ": " : "";
    switch (resolution.outcome) {
      case Resolution::Outcome::kResolved:
        break;
      case Resolution::Outcome::kTimedOut:
        // The lookup used up the request's timeout: a deadline, like a read that timed out.
        return Error{where + "DNS lookup of " + name + " timed out after " +
                         std::to_string(timeout_ms) + " ms",
                     ErrorKind::kTimeout};
      case Resolution::Outcome::kFailed:
        return Error{where + "DNS lookup of " + name + " failed: " + resolution.failure,
                     ErrorKind::kDns};
    }
    addresses = Addresses{.list = resolution.addresses, .current = 0, .looked_up = Clock::now()};
    UseAddress();
    return std::nullopt;
  }

  // Hands cpp-httplib the current address. Direct: the address map, consulted only when a socket
  // is created (ClientImpl::create_client_socket), where host_ (Host header, SNI, certificate
  // name) stays the name. Through a proxy: the proxy's address in place of its name.
  void UseAddress() {
    const std::string& address = addresses->list[addresses->current];
    if (tunnel) {
      tunnel->set_proxy_address(address);
    } else if (options.proxy) {
      client->set_proxy(address, options.proxy->port);
    } else {
      client->set_hostname_addr_map({{origin_host, address}});
    }
  }

  // After a failed request: whether it failed to connect to the current address and another,
  // not yet tried for this request, is left to try (cpp-httplib tried every address of a name
  // itself when it looked the name up). No byte of the request left the host.
  bool NextAddress(httplib::Error error, size_t& tried) {
    if (!addresses || tried >= addresses->list.size()) return false;
    const bool could_not_connect =
        tunnel ? tunnel->proxy_unreachable()
               : error == httplib::Error::Connection || error == httplib::Error::ConnectionTimeout;
    if (!could_not_connect) return false;
    addresses->current = (addresses->current + 1) % addresses->list.size();
    UseAddress();
    ++tried;
    return true;
  }

  // A failed request in words and kind (KindOf says what `waited_out` is). Never the request's
  // headers (Authorization, Proxy-Authorization).
  Error DescribeFailure(httplib::Error error, const std::string& host, bool waited_out) const {
    if (tunnel && !tunnel->tunnel_error().empty()) {
      // Unreachable: `error` is the connect's own, as for a direct connection.
      ErrorKind kind =
          tunnel->proxy_unreachable() ? KindOf(error, waited_out) : tunnel->tunnel_error_kind();
      if (kind == ErrorKind::kConnectionLost && waited_out) kind = ErrorKind::kTimeout;
      return {"HTTP transport error: " + tunnel->tunnel_error(), kind};
    }
    std::string message = "HTTP transport error: " + Describe(error);
    if (options.proxy && !tls &&
        (error == httplib::Error::Connection || error == httplib::Error::ConnectionTimeout)) {
      message += " (proxy " + ProxyName(*options.proxy) + ")";
    }
    if (error == httplib::Error::SSLServerVerification && tls) {
      // A chain that verifies ("ok") failed httplib's name check: say whose name was wanted.
      const long result = tls->get_openssl_verify_result();
      message += result == X509_V_OK ? " (the certificate does not name " + host + ")"
                                     : std::string(" (certificate problem: ") +
                                           X509_verify_cert_error_string(result) + ")";
    }
    return {std::move(message), KindOf(error, waited_out)};
  }
};

HttplibHttpClient::HttplibHttpClient(HttpClientOptions options, std::unique_ptr<Resolver> resolver,
                                     std::chrono::milliseconds address_lifetime)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->resolver = resolver ? std::move(resolver) : std::make_unique<GaiResolver>();
  impl_->address_lifetime = address_lifetime;
}

HttplibHttpClient::~HttplibHttpClient() = default;

// Closes the socket but keeps the client: its TLS context, with the CA bundle parsed into it
// (tens of ms and megabytes on a small function), serves the next connection too.
// The address goes too: the next connection looks the name up again (a failed request may have
// failed because of the address; after a restore or a long idle time it may be out of date).
void HttplibHttpClient::Abort() {
  impl_->aborted = true;
  std::lock_guard lock(impl_->client_mutex);
  // cpp-httplib's stop() is its one call safe during another thread's request: it shuts the
  // socket down, so the blocked read or write fails at once.
  if (impl_->client) impl_->client->stop();
}

void HttplibHttpClient::DropConnections() {
  if (impl_->client) impl_->client->stop();
  impl_->answered_on_connection = 0;
  impl_->addresses.reset();
}

Response HttplibHttpClient::Send(const Request& request) {
  const Clock::time_point start = Clock::now();
  Response response;
  if (impl_->aborted) {
    response.transport = Aborted();
    return response;
  }
  SplitUrl url;
  if (!Split(request.url, url)) {
    response.transport = {"unsupported URL (expected http:// or https://host[:port]/path)",
                          ErrorKind::kInvalidInput};
    return response;
  }
  httplib::ClientImpl& client = impl_->ClientFor(url);
  response.reused_connection = impl_->answered_on_connection > 0;
  long timeout_ms = impl_->options.request_timeout_ms;
  if (request.timeout_ms > 0) timeout_ms = std::min(timeout_ms, request.timeout_ms);
  const Clock::time_point deadline = start + milliseconds(timeout_ms);

  httplib::Headers headers;
  std::string content_type;
  for (const Header& header : request.headers) {
    // httplib writes Content-Type from its own argument; pass ours there, not twice.
    if (::strcasecmp(header.name.c_str(), "Content-Type") == 0) {
      content_type = header.value;
    } else {
      headers.emplace(header.name, header.value);
    }
  }
  if (!impl_->proxy_authorization.empty()) {
    headers.emplace("Proxy-Authorization", impl_->proxy_authorization);
  }

  if (request.method != "POST" && request.method != "PUT" && request.method != "GET") {
    response.transport = {"unsupported method " + request.method, ErrorKind::kInvalidInput};
    return response;
  }
  // The body is streamed from the caller's buffer: httplib's (pointer, length) overloads would
  // first copy it (a PutRecords body is up to ~7 MB, sent several times a second).
  const std::string_view body = request.body;
  httplib::ContentProvider from_body = [body](size_t offset, size_t length,
                                              httplib::DataSink& sink) {
    return sink.write(body.data() + offset, length);
  };
  if (std::optional<Error> failure = impl_->PrepareAddress(timeout_ms)) {
    response.transport = {"HTTP transport error: " + failure->message, failure->kind};
    DropConnections();
    return response;
  }
  // Each attempt gets what is left of the request's timeout after the lookup (and after earlier
  // attempts at other addresses): the connect and TLS handshake at most connect_timeout_ms of it.
  Clock::time_point attempt_started;
  long attempt_timeout_ms = 0;
  const auto send = [&] {
    const long left = Remaining(deadline);
    attempt_started = Clock::now();
    attempt_timeout_ms = left;
    SetTimeout(client, std::min(impl_->options.connect_timeout_ms, left),
               &httplib::ClientImpl::set_connection_timeout);
    SetTimeout(client, left, &httplib::ClientImpl::set_read_timeout);
    SetTimeout(client, left, &httplib::ClientImpl::set_write_timeout);
    return request.method == "GET" ? client.Get(url.target, headers)
           : request.method == "PUT"
               ? client.Put(url.target, headers, body.size(), from_body, content_type)
               : client.Post(url.target, headers, body.size(), from_body, content_type);
  };
  httplib::Result result = send();
  for (size_t tried = 1;
       !result && Clock::now() < deadline && impl_->NextAddress(result.error(), tried);) {
    result = send();
  }

  if (!result) {
    // A read or write gives up only after the attempt's whole timeout: one that failed sooner
    // found the connection gone.
    const bool waited_out = Clock::now() - attempt_started >= milliseconds(attempt_timeout_ms);
    response.transport =
        impl_->aborted ? Aborted() : impl_->DescribeFailure(result.error(), url.host, waited_out);
    // The connection may be half-used: start the next request on a fresh one.
    DropConnections();
    return response;
  }
  if (result->status == 407 && impl_->options.proxy) {
    // Only a proxy answers 407 (RFC 9110, 15.5.8): Kinesis never saw the request.
    response.transport = {
        "HTTP transport error: proxy refused the request: 407 (proxy authentication required)",
        ErrorKind::kProxyRefused};
    DropConnections();
    return response;
  }
  ++impl_->answered_on_connection;
  response.status = result->status;
  response.body = std::move(result->body);
  if (request.headers_of_success || response.status < 200 || response.status > 299) {
    for (const auto& [name, value] : result->headers) response.headers.push_back({name, value});
  }
  return response;
}

}  // namespace tk::http
