// cpp-httplib client per origin, configured once; requests map 1:1 onto httplib calls.
#include "http/httplib_http_client.h"

#include <httplib.h>
#include <openssl/x509.h>  // the name of a certificate verification failure
#include <strings.h>

#include <algorithm>
#include <cstdint>
#include <string_view>

namespace tk::http {
namespace {

// A URL split into what httplib needs: the origin it connects to and the request target.
struct SplitUrl {
  std::string scheme;
  std::string origin;  // scheme://host[:port]
  std::string target;  // /path?query ("/" when empty)
};

bool Split(const std::string& url, SplitUrl& out) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return false;
  out.scheme = url.substr(0, scheme_end);
  if (out.scheme != "http" && out.scheme != "https") return false;
  size_t authority_start = scheme_end + 3;
  size_t path_start = url.find_first_of("/?", authority_start);
  std::string authority = url.substr(authority_start, path_start - authority_start);
  if (authority.empty()) return false;
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

void SetTimeout(httplib::Client& client, long milliseconds,
                void (httplib::Client::*setter)(time_t, time_t)) {
  (client.*setter)(static_cast<time_t>(milliseconds / 1000),
                   static_cast<time_t>((milliseconds % 1000) * 1000));
}

}  // namespace

std::string_view Response::FindHeader(std::string_view name) const {
  for (const http::Header& header : headers) {
    if (header.name.size() == name.size() &&
        ::strncasecmp(header.name.data(), name.data(), name.size()) == 0) {
      return header.value;
    }
  }
  return {};
}

struct HttplibHttpClient::Impl {
  HttpClientOptions options;
  std::string origin;
  std::unique_ptr<httplib::Client> client;
  // Requests answered on the current connection (see Response::reused_connection).
  uint64_t answered_on_connection = 0;

  httplib::Client& ClientFor(const SplitUrl& url) {
    if (client && origin == url.origin) return *client;
    client = std::make_unique<httplib::Client>(url.origin);
    origin = url.origin;
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);
    client->set_follow_location(false);
    if (url.scheme == "https") {
      // Verification is on by default in httplib; say so here, where a reader looks for it.
      client->enable_server_certificate_verification(true);
      if (!options.ca_file.empty()) client->set_ca_cert_path(options.ca_file);
    }
    SetTimeout(*client, options.connect_timeout_ms, &httplib::Client::set_connection_timeout);
    return *client;
  }
};

HttplibHttpClient::HttplibHttpClient(HttpClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

HttplibHttpClient::~HttplibHttpClient() = default;

void HttplibHttpClient::DropConnections() {
  impl_->client.reset();
  impl_->origin.clear();
  impl_->answered_on_connection = 0;
}

Response HttplibHttpClient::Send(const Request& request) {
  Response response;
  SplitUrl url;
  if (!Split(request.url, url)) {
    response.transport_error = "unsupported URL (expected http:// or https://host[:port]/path)";
    return response;
  }
  httplib::Client& client = impl_->ClientFor(url);
  response.reused_connection = impl_->answered_on_connection > 0;
  long timeout_ms = impl_->options.request_timeout_ms;
  if (request.timeout_ms > 0) timeout_ms = std::min(timeout_ms, request.timeout_ms);
  SetTimeout(client, timeout_ms, &httplib::Client::set_read_timeout);
  SetTimeout(client, timeout_ms, &httplib::Client::set_write_timeout);

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

  if (request.method != "POST" && request.method != "PUT" && request.method != "GET") {
    response.transport_error = "unsupported method " + request.method;
    return response;
  }
  // The body is streamed from the caller's buffer: httplib's (pointer, length) overloads would
  // first copy it (a PutRecords body is up to ~7 MB, sent several times a second).
  const std::string_view body = request.body;
  httplib::ContentProvider from_body = [body](size_t offset, size_t length,
                                              httplib::DataSink& sink) {
    return sink.write(body.data() + offset, length);
  };
  httplib::Result result =
      request.method == "GET" ? client.Get(url.target, headers)
      : request.method == "PUT"
          ? client.Put(url.target, headers, body.size(), from_body, content_type)
          : client.Post(url.target, headers, body.size(), from_body, content_type);

  if (!result) {
    response.transport_error = "HTTP transport error: " + Describe(result.error());
    if (result.error() == httplib::Error::SSLServerVerification) {
      response.transport_error +=
          std::string(" (certificate problem: ") +
          X509_verify_cert_error_string(client.get_openssl_verify_result()) + ")";
    }
    // The connection may be half-used: start the next request on a fresh one.
    DropConnections();
    return response;
  }
  ++impl_->answered_on_connection;
  response.status = result->status;
  response.body = std::move(result->body);
  if (response.status < 200 || response.status > 299) {
    for (const auto& [name, value] : result->headers) response.headers.push_back({name, value});
  }
  return response;
}

}  // namespace tk::http
