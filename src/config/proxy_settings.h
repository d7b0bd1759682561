// The HTTP proxy for the Kinesis endpoint, from the variables the AWS SDKs read: https_proxy /
// HTTPS_PROXY (http_proxy / HTTP_PROXY for an http:// endpoint) and no_proxy / NO_PROXY.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/endpoint.h"
#include "common/result.h"
#include "config/environment.h"

namespace tk::config {

// An HTTP proxy: http://[user[:password]@]host[:port]. Requests to an https endpoint go through
// a CONNECT tunnel; TLS runs inside it, end to end with the endpoint.
struct ProxyUrl {
  std::string host;  // lower-case; an IPv6 literal without its brackets
  uint16_t port = 80;
  std::string username;  // percent-decoded; Basic auth when either is non-empty
  std::string password;  // percent-decoded; never logged, never in a message

  bool has_credentials() const { return !username.empty() || !password.empty(); }
  // "http://host:port", as logs show it: never the credentials.
  std::string Display() const;
};

// Parses a proxy variable's value. Errors name `variable` and never echo the value (it may hold
// a password).
Result<ProxyUrl> ParseProxyUrl(std::string_view value, std::string_view variable);

// The hosts that bypass the proxy (NO_PROXY): names and domain suffixes, IP literals and
// prefixes (CIDR), each with an optional port; or "*" for every host.
class NoProxyList {
 public:
  // Comma-separated entries; spaces around them are ignored. Errors name `variable` and the entry.
  static Result<NoProxyList> Parse(std::string_view value, std::string_view variable);

  // True when a connection to host:port goes direct. `host` as in a URL (brackets allowed).
  bool Matches(std::string_view host, uint16_t port) const;

 private:
  struct Entry {
    std::string name;  // lower-case, no leading or trailing '.'; empty for an IP entry
    bool ipv6 = false;
    std::array<uint8_t, 16> address{};  // an IP entry: the address (IPv4 in the first 4 bytes)
    int prefix_bits = -1;               // an IP entry: bits that must match (-1: a name entry)
    std::optional<uint16_t> port;       // only this port, when given
  };
  static Result<Entry> ParseEntry(std::string_view entry, std::string_view variable);
  static bool EntryMatches(const Entry& entry, std::string_view host);

  bool everything_ = false;
  std::vector<Entry> entries_;
};

// What the environment says for one endpoint: the proxy to go through, or none (no variable for
// its scheme, or NO_PROXY names its host); and every problem found, each naming its variable.
struct ProxyChoice {
  std::optional<ProxyUrl> proxy;
  std::vector<std::string> errors;
};

// `endpoint`: the resolved one (its scheme picks the variable, its host and port meet NO_PROXY).
ProxyChoice ChooseProxy(const Environment& environment, const aws::Endpoint& endpoint);

}  // namespace tk::config
