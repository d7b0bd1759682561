// The HTTP transport seam: the Kinesis session, the credentials provider and the Lambda API
// clients speak to this interface, cpp-httplib implements it (httplib_http_client.h), and tests
// fake it so request building and response handling run without sockets.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace tk::http {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string url;
  std::string method = "POST";
  std::vector<Header> headers;
  std::string body;
  long timeout_ms = 0;  // whole request; 0 = the client's default. Shutdown drains set it.
  // Copy the headers of a 2xx answer too (Response::headers): the Extensions API's register
  // answer carries the extension's identifier in one.
  bool headers_of_success = false;
};

// What came back: an HTTP status and body, or a transport error (no HTTP response at all).
struct Response {
  long status = 0;
  std::string body;
  // The response's headers, only when the status is not 2xx (or the request asked for them): an
  // error's type may be only in x-amzn-ErrorType, and the server's Date is the clock to correct
  // skew against. Successful answers (hundreds a second) are not worth copying headers for.
  std::vector<Header> headers;
  // No HTTP response at all: why in words (message, empty when a response arrived) and which step
  // failed (kind: kDns ... kAborted, common/result.h), decided by the client that saw it fail.
  Error transport;
  // The request went over a kept-alive connection that an earlier request had used. A transport
  // error then most likely means the peer (or a NAT on the way) forgot the connection while the
  // sandbox was frozen: worth one immediate retry on a fresh connection.
  bool reused_connection = false;

  bool transport_ok() const { return transport.message.empty(); }
  // The first header named `name` (ASCII case-insensitive), or "" when there is none.
  std::string_view FindHeader(std::string_view name) const;
};

// Sends one request and waits for its response. Never throws on network failures: they come
// back as Response::transport. Implementations are not required to be thread-safe (but for
// Abort); one sender thread owns one client.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Response Send(const Request& request) = 0;
  // Closes any kept-alive connection: the next request opens a fresh one (after a SnapStart
  // restore, a long idle time, or a reused connection that failed).
  virtual void DropConnections() {}
  // The one call another thread may make: ends the request in flight at once (its Send returns a
  // transport error) and refuses every later one. For a deadline that has passed with the owner
  // still blocked in a request (the SHUTDOWN drain's, when Kinesis stopped answering).
  virtual void Abort() {}
};

}  // namespace tk::http
