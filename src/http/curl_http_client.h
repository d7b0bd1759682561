// The libcurl edge of the sender: one reused easy handle that carries PutRecords requests to
// Kinesis over a kept-alive HTTPS connection. The only file pair in the tree that uses libcurl.
#pragma once

#include <memory>
#include <string>

#include "http/http_client.h"

namespace tk::http {

struct CurlOptions {
  std::string ca_file;  // PEM bundle; empty: libcurl's built-in default
  long connect_timeout_ms = 2000;
  long request_timeout_ms = 10000;  // whole request, connect included
};

// HttpClient over one libcurl easy handle. The handle (and so its connection cache) lives as
// long as the client, so consecutive requests to one host reuse one TCP+TLS connection.
// TLS peer and host verification are always on. Not thread-safe: one sender thread owns it.
// Send() never throws for network failures; they come back in Response::transport_error as
// curl's message (never request headers, so never the Authorization header).
class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(CurlOptions options = {});
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  Response Send(const Request& request) override;

 private:
  struct Impl;  // keeps <curl/curl.h> out of every includer
  std::unique_ptr<Impl> impl_;
};

}  // namespace tk::http
