// Proxy variables -> the proxy for the Kinesis endpoint, or none. String checks only, no DNS.
//
// Which variables, and in which order, as the AWS tools read them:
// - AWS CLI User Guide, "Use an HTTP proxy"
//   (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-proxy.html): HTTP_PROXY and
//   HTTPS_PROXY with host:port, user:password@ for Basic authentication, NO_PROXY for exemptions;
//   "if you specify a variable twice using different cases, the lowercase letters take
//   precedence". botocore picks the variable by the endpoint's scheme (https_proxy for https) and
//   reads a value without a scheme as http:// (httpsession.py, ProxyConfiguration._fix_proxy_url).
// - AWS SDK for Java 2.x Developer Guide, "Configure HTTP proxies"
//   (https://docs.aws.amazon.com/sdk-for-java/latest/developer-guide/http-config-proxy-support.html):
//   HTTP_PROXY, HTTPS_PROXY and NO_PROXY; its ProxyEnvironmentSetting reads the lowercase name
//   first, then the uppercase one, a blank value counting as unset.
// NO_PROXY entries match as curl's do (CURLOPT_NOPROXY): "*" alone is every host; a name matches
// itself and its subdomains, with or without a leading '.'; IP literals match only the same
// address, or addresses in a prefix such as 10.0.0.0/8.
#include "config/proxy_settings.h"
#include "common/ascii.h"
#include "common/text.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <utility>

namespace tk::config {
namespace {

constexpr uint16_t kHttpPort = 80;
constexpr uint16_t kHttpsPort = 443;
constexpr size_t kMaxPortDigits = 5;
constexpr int kIpv4Bits = 32;
constexpr int kIpv6Bits = 128;
constexpr int kBitsPerByte = 8;
constexpr std::string_view kExpectedProxy = "expected http://[user:password@]host[:port]";

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

bool IsName(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

std::optional<uint16_t> ParsePort(std::string_view text) {
  uint32_t number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (text.empty() || text.size() > kMaxPortDigits || ec != std::errc() ||
      end != text.data() + text.size() || number == 0 || number > UINT16_MAX) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(number);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = AsciiLower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 3986 percent-decoding of the user information; nullopt for a '%' not followed by two hex
// digits.
std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = HexValue(text[i + 1]);
    const int low = HexValue(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

// An IP literal (IPv6 without brackets) as 16 bytes; nullopt for anything else.
struct IpAddress {
  bool ipv6 = false;
  std::array<uint8_t, 16> bytes{};
};

std::optional<IpAddress> ParseIp(std::string_view text) {
  const std::string copy(text);  // inet_pton wants a terminated string
  IpAddress address;
  if (::inet_pton(AF_INET, copy.c_str(), address.bytes.data()) == 1) return address;
  address.ipv6 = true;
  if (::inet_pton(AF_INET6, copy.c_str(), address.bytes.data()) == 1) return address;
  return std::nullopt;
}

bool SamePrefix(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b, int bits) {
  const size_t whole = static_cast<size_t>(bits / kBitsPerByte);
  if (std::memcmp(a.data(), b.data(), whole) != 0) return false;
  const int rest = bits % kBitsPerByte;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xFF << (kBitsPerByte - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

// A URL's host as NO_PROXY compares it: lower-case, no brackets, no trailing dot.
std::string NormalHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return AsciiLowercase(host);
}

struct HostPort {
  std::string host;  // brackets removed
  std::optional<uint16_t> port;
  bool ok = true;
};

// "host", "host:port", "[v6]", "[v6]:port". A port that is not 1-65535 leaves ok false.
HostPort SplitHostPort(std::string_view authority) {
  HostPort out;
  std::string_view rest;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      out.ok = false;
      return out;
    }
    out.host = std::string(authority.substr(1, close - 1));
    rest = authority.substr(close + 1);
  } else {
    const size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) rest = authority.substr(colon);
  }
  if (rest.empty()) return out;
  out.port = rest.front() == ':' ? ParsePort(rest.substr(1)) : std::nullopt;
  out.ok = out.port.has_value();
  return out;
}

// The first set variable of `names`, with its name.
std::optional<std::pair<std::string_view, std::string>> FirstSet(
    const Environment& environment, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (auto value = environment.Get(name)) return std::pair{name, *std::move(value)};
  }
  return std::nullopt;
}

}  // namespace

std::string ProxyUrl::Display() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return "http://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ProxyUrl> ParseProxyUrl(std::string_view value, std::string_view variable) {
  // The value is never echoed: it may hold a password.
  const std::string prefix = std::string(variable) + " is invalid: ";
  const std::string suffix = "; " + std::string(kExpectedProxy);
  std::string_view text = TrimBlanks(value);
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '\x7f') {
      return Error{prefix + "it contains whitespace or control characters" + suffix};
    }
  }
  const size_t scheme_end = text.find("://");
  if (scheme_end != std::string_view::npos) {
    if (AsciiLowercase(text.substr(0, scheme_end)) != "http") {
      return Error{prefix +
                   "the proxy's scheme must be http (TLS to the proxy itself, https://, and SOCKS "
                   "are not supported; TLS to Kinesis runs inside the tunnel)" +
                   suffix};
    }
    text.remove_prefix(scheme_end + 3);
  }
  // The last '@' ends the user information: a password may hold an unencoded '@' or '/'.
  std::string_view userinfo;
  const size_t at = text.rfind('@');
  if (at != std::string_view::npos) {
    userinfo = text.substr(0, at);
    text.remove_prefix(at + 1);
  }
  const size_t path_start = text.find_first_of("/?#");
  if (path_start != std::string_view::npos && text.substr(path_start) != "/") {
    return Error{prefix + "a proxy URL has no path, query or fragment" + suffix};
  }
  const HostPort host_port = SplitHostPort(text.substr(0, path_start));
  if (!host_port.ok) return Error{prefix + "the port must be a number from 1 to 65535" + suffix};
  const bool ip = ParseIp(host_port.host).has_value();
  if (!ip && !IsName(host_port.host)) return Error{prefix + "it has no valid host" + suffix};

  ProxyUrl proxy;
  proxy.host = AsciiLowercase(host_port.host);
  proxy.port = host_port.port.value_or(kHttpPort);
  if (at != std::string_view::npos) {
    const size_t colon = userinfo.find(':');
    auto username = PercentDecode(userinfo.substr(0, colon));
    auto password = PercentDecode(colon == std::string_view::npos ? std::string_view()
                                                                  : userinfo.substr(colon + 1));
    if (!username || !password) {
      return Error{prefix + "malformed percent-encoding in the user information" + suffix};
    }
    proxy.username = *std::move(username);
    proxy.password = *std::move(password);
  }
  return proxy;
}

Result<NoProxyList> NoProxyList::Parse(std::string_view value, std::string_view variable) {
  NoProxyList list;
  for (std::string_view item : SplitCommaList(value)) {
    if (item == "*") {
      list.everything_ = true;
    } else if (!item.empty()) {
      auto entry = ParseEntry(item, variable);
      if (!entry) return entry.error();
      list.entries_.push_back(*std::move(entry));
    }
  }
  return list;
}

Result<NoProxyList::Entry> NoProxyList::ParseEntry(std::string_view item,
                                                   std::string_view variable) {
  const auto invalid = [&] {
    return Error{std::string(variable) + "=\"...\" has an invalid entry \"" + std::string(item) +
                 "\": expected a host name, .domain, an IP address, an IP prefix (10.0.0.0/8), "
                 "any of them with :port, or *"};
  };
  Entry entry;
  std::string_view text = item;
  if (const size_t slash = text.find('/'); slash != std::string_view::npos) {
    auto address = ParseIp(text.substr(0, slash));
    int bits = -1;
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (!address || ec != std::errc() || end != digits.data() + digits.size() || bits < 0 ||
        bits > (address->ipv6 ? kIpv6Bits : kIpv4Bits)) {
      return invalid();
    }
    entry.ipv6 = address->ipv6;
    entry.address = address->bytes;
    entry.prefix_bits = bits;
    return entry;
  }
  // A bare IPv6 literal has several colons and no port ("::1"); brackets come with a port.
  if (auto address = ParseIp(text)) {
    entry.ipv6 = address->ipv6;
    entry.address = address->bytes;
    entry.prefix_bits = address->ipv6 ? kIpv6Bits : kIpv4Bits;
    return entry;
  }
  const HostPort host_port = SplitHostPort(text);
  if (!host_port.ok) return invalid();
  entry.port = host_port.port;
  if (auto address = ParseIp(host_port.host)) {
    entry.ipv6 = address->ipv6;
    entry.address = address->bytes;
    entry.prefix_bits = address->ipv6 ? kIpv6Bits : kIpv4Bits;
    return entry;
  }
  std::string_view name = host_port.host;
  if (name.starts_with("*.")) name.remove_prefix(1);  // *.example.com: as .example.com
  while (!name.empty() && name.front() == '.') name.remove_prefix(1);
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (!IsName(name)) return invalid();
  entry.name = AsciiLowercase(name);
  return entry;
}

bool NoProxyList::EntryMatches(const Entry& entry, std::string_view host) {
  const std::optional<IpAddress> address = ParseIp(host);
  if (entry.prefix_bits >= 0) {
    return address && address->ipv6 == entry.ipv6 &&
           SamePrefix(address->bytes, entry.address, entry.prefix_bits);
  }
  // A name never matches an IP literal: "0.1" is no domain suffix of 10.0.0.1.
  if (address) return false;
  if (host == entry.name) return true;
  return host.size() > entry.name.size() && host.ends_with(entry.name) &&
         host[host.size() - entry.name.size() - 1] == '.';
}

bool NoProxyList::Matches(std::string_view host, uint16_t port) const {
  if (everything_) return true;
  const std::string normal = NormalHost(host);
  for (const Entry& entry : entries_) {
    if (entry.port && *entry.port != port) continue;
    if (EntryMatches(entry, normal)) return true;
  }
  return false;
}

ProxyChoice ChooseProxy(const Environment& environment, const aws::Endpoint& endpoint) {
  ProxyChoice choice;
  const bool tls = endpoint.tls;
  const auto proxy_variable = tls ? FirstSet(environment, {"https_proxy", "HTTPS_PROXY"})
                                  : FirstSet(environment, {"http_proxy", "HTTP_PROXY"});
  if (!proxy_variable) return choice;  // NO_PROXY alone means nothing

  auto proxy = ParseProxyUrl(proxy_variable->second, proxy_variable->first);
  if (!proxy) choice.errors.push_back(proxy.error().message);
  bool direct = false;
  if (auto no_proxy = FirstSet(environment, {"no_proxy", "NO_PROXY"})) {
    auto list = NoProxyList::Parse(no_proxy->second, no_proxy->first);
    if (!list) {
      choice.errors.push_back(list.error().message);
    } else {
      const HostPort target = SplitHostPort(endpoint.host_header);
      direct = list->Matches(target.host, target.port.value_or(tls ? kHttpsPort : kHttpPort));
    }
  }
  if (proxy && !direct && choice.errors.empty()) choice.proxy = *std::move(proxy);
  return choice;
}

}  // namespace tk::config
