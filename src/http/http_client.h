// The HTTP transport seam: the Kinesis client speaks to this interface, libcurl implements it,
// and tests fake it so request building and response handling run without sockets.
#pragma once

#include <string>
#include <vector>

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
};

// What came back: an HTTP status and body, or a transport error (no HTTP response at all).
struct Response {
  long status = 0;
  std::string body;
  std::string transport_error;  // empty when an HTTP response arrived

  bool transport_ok() const { return transport_error.empty(); }
};

// Sends one request and waits for its response. Never throws on network failures: they come
// back as Response::transport_error. Implementations are not required to be thread-safe;
// one sender thread owns one client.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Response Send(const Request& request) = 0;
};

}  // namespace tk::http
