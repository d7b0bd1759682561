// The Extensions API client as the extension wires it (main.cpp): over cpp-httplib with the
// Runtime API's long-poll timeout, so these tests cover the real transport against a loopback
// stand-in for Lambda.
#pragma once

#include <string>

#include "http/httplib_http_client.h"
#include "lambda/extensions_api_client.h"

namespace tk::lambda::testing {

// Holds the transport first so that it is built before, and outlives, the client using it.
struct RuntimeApiTransport {
  http::HttplibHttpClient http{
      {.ca_file = "", .connect_timeout_ms = 2000, .request_timeout_ms = kRuntimeApiTimeoutMs}};
};

class HttplibExtensionsApiClient : private RuntimeApiTransport, public ExtensionsApiClient {
 public:
  explicit HttplibExtensionsApiClient(const std::string& runtime_api)
      : ExtensionsApiClient(http, runtime_api) {}
};

}  // namespace tk::lambda::testing
