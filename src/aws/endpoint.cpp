// Endpoint settings -> the PutRecords endpoint, and ARN parsing: string checks only, no network.
#include "aws/endpoint.h"

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aws/kinesis_endpoint_rules.h"
#include "aws/partitions.h"
#include "common/text.h"

namespace tk::aws {
namespace {

// Precedence of the overrides and the URL shape they accept ("a URL including the scheme and
// host ... can optionally contain a path component"): AWS SDKs and Tools Reference Guide,
// "Service-specific endpoints",
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
// (AWS_ENDPOINT_URL_<SERVICE> overrides AWS_ENDPOINT_URL; the Kinesis identifier is KINESIS,
// https://docs.aws.amazon.com/sdkref/latest/guide/ss-endpoints-table.html). What follows from the
// chosen one, FIPS, dual-stack and the stream ARN is the rule set's (aws/kinesis_endpoint_rules.h).

// botocore's validate_region_name: ^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{,63}(?<!-)$.
constexpr size_t kMaxRegionChars = 63;
// Error messages quote at most this much of a rejected region.
constexpr size_t kMaxQuotedRegionChars = 64;

constexpr uint16_t kHttpDefaultPort = 80;
constexpr uint16_t kHttpsDefaultPort = 443;
constexpr size_t kMaxPortDigits = 5;

// AWS account ids are 12 digits; Kinesis StreamName is 1-128 of [a-zA-Z0-9_.-]
// (Kinesis API Reference, StreamName and StreamARN "arn:aws.*:kinesis:.*:\d{12}:stream/\S+").
constexpr size_t kAccountIdDigits = 12;
constexpr size_t kMaxStreamNameChars = 128;
constexpr size_t kArnFields = 6;
constexpr std::string_view kStreamResourcePrefix = "stream/";

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return IsLower(c) || (c >= 'A' && c <= 'Z'); }
char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

bool AllOf(std::string_view text, bool (*predicate)(char)) {
  for (char c : text) {
    if (!predicate(c)) return false;
  }
  return true;
}

bool IsHostChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '-' || c == '.' || c == '_'; }
bool IsIpv6LiteralChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}
bool IsStreamNameChar(char c) {
  return IsAlpha(c) || IsDigit(c) || c == '_' || c == '.' || c == '-';
}
bool IsPartitionChar(char c) { return IsLower(c) || IsDigit(c) || c == '-'; }

// Splits "host[:port]" (host may be a bracketed IPv6 literal) and validates both parts.
Result<std::pair<std::string, std::string_view>> ParseAuthority(std::string_view authority,
                                                                std::string_view variable) {
  const std::string prefix = std::string(variable) + ": ";
  std::string_view host;
  std::string_view rest;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1 ||
        !AllOf(authority.substr(1, close - 1), IsIpv6LiteralChar)) {
      return Error{prefix + "malformed IPv6 host"};
    }
    host = authority.substr(0, close + 1);
    rest = authority.substr(close + 1);
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
    if (host.empty()) return Error{prefix + "URL has no host"};
    if (!AllOf(host, IsHostChar))
      return Error{prefix + "host has characters not allowed in a name"};
  }
  std::string_view port;
  if (!rest.empty()) {
    if (rest.front() != ':') return Error{prefix + "unexpected text after the host"};
    port = rest.substr(1);
    uint32_t number = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || port.size() > kMaxPortDigits || ec != std::errc() ||
        end != port.data() + port.size() || number == 0 || number > UINT16_MAX) {
      return Error{prefix + "port must be a number from 1 to 65535"};
    }
  }
  std::string lower_host(host);
  for (char& c : lower_host) c = AsciiLower(c);
  return std::pair<std::string, std::string_view>{std::move(lower_host), port};
}

// The override in effect: AWS_ENDPOINT_URL_KINESIS, else AWS_ENDPOINT_URL; empty when neither.
std::string_view OverrideVariable(const KinesisEndpointSettings& settings) {
  if (!settings.endpoint_url_kinesis.empty()) return kEndpointUrlKinesisVariable;
  if (!settings.endpoint_url.empty()) return kEndpointUrlVariable;
  return {};
}

// The settings a rule-set error follows from, so the message names what to change.
std::string DescribeSettings(const KinesisEndpointSettings& settings,
                             std::string_view override_variable) {
  std::vector<std::string> parts;
  if (!settings.region.empty()) parts.push_back("region " + std::string(settings.region));
  if (settings.use_fips) parts.push_back(std::string(kUseFipsEndpointVariable) + "=true");
  if (settings.use_dual_stack) {
    parts.push_back(std::string(kUseDualStackEndpointVariable) + "=true");
  }
  if (!override_variable.empty()) parts.emplace_back(override_variable);
  if (!settings.stream_arn.empty()) {
    parts.push_back(std::string(kStreamVariable) + "=" + std::string(settings.stream_arn));
  }
  return Join(parts, ", ");
}

// "aws partition, the stream's account endpoint, FIPS": why this URL, for the start-up line.
std::string DescribeChoice(const KinesisRuleEndpoint& rule,
                           const KinesisEndpointSettings& settings) {
  std::string text = std::string(rule.partition) + " partition";
  if (FindPartition(settings.region) == nullptr) text += " (no partition lists the region)";
  if (rule.account_endpoint) text += ", the stream's account endpoint";
  if (settings.use_fips) text += ", FIPS";
  if (settings.use_dual_stack) text += ", dual-stack";
  return text;
}

// A rule-built URL is always https://<host>: no port, no path.
Endpoint RuleEndpoint(const KinesisRuleEndpoint& rule, const KinesisEndpointSettings& settings) {
  constexpr std::string_view kHttps = "https://";
  Endpoint endpoint;
  endpoint.url = rule.url;
  endpoint.host_header = rule.url.substr(kHttps.size());
  endpoint.path = "/";
  endpoint.tls = true;
  endpoint.chosen_by = DescribeChoice(rule, settings);
  return endpoint;
}

}  // namespace

bool IsValidRegionName(std::string_view region) {
  if (region.empty() || region.size() > kMaxRegionChars) return false;
  if (region.front() == '-' || region.back() == '-' || AllOf(region, IsDigit)) return false;
  return AllOf(region, [](char c) { return IsAlpha(c) || IsDigit(c) || c == '-'; });
}

Result<Endpoint> ParseEndpointUrl(std::string_view url, std::string_view variable) {
  const std::string prefix = std::string(variable) + ": ";
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '\x7f') {
      return Error{prefix + "URL contains whitespace or control characters"};
    }
  }
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    // The value is not echoed: it could carry user:password@ credentials.
    return Error{prefix + "is not a URL like https://host[:port]"};
  }
  std::string scheme(url.substr(0, scheme_end));
  for (char& c : scheme) c = AsciiLower(c);
  if (scheme != "http" && scheme != "https") {
    return Error{prefix + "scheme must be http or https"};
  }
  const std::string_view after_scheme = url.substr(scheme_end + 3);
  if (after_scheme.find_first_of("?#") != std::string_view::npos) {
    return Error{prefix + "URL must not have a query or fragment"};
  }
  const size_t path_start = after_scheme.find('/');
  const std::string_view authority = after_scheme.substr(0, path_start);
  if (authority.find('@') != std::string_view::npos) {
    // Not echoed: user info may hold a password.
    return Error{prefix + "URL must not contain user information"};
  }
  Result<std::pair<std::string, std::string_view>> host_port = ParseAuthority(authority, variable);
  if (!host_port.ok()) return host_port.error();

  Endpoint endpoint;
  endpoint.tls = scheme == "https";
  endpoint.host_header = std::move(host_port->first);
  const std::string_view port = host_port->second;
  const uint16_t default_port = endpoint.tls ? kHttpsDefaultPort : kHttpDefaultPort;
  // Omit a default port: curl leaves it out of Host, and the signed Host must match what is sent.
  if (!port.empty() && port != std::to_string(default_port)) {
    endpoint.host_header += ':';
    endpoint.host_header += port;
  }
  const std::string_view path =
      path_start == std::string_view::npos ? std::string_view() : after_scheme.substr(path_start);
  endpoint.path = path.empty() ? "/" : std::string(path);
  endpoint.url = scheme + "://" + endpoint.host_header;
  if (endpoint.path != "/") endpoint.url += endpoint.path;
  return endpoint;
}

Result<Endpoint> ResolveKinesisEndpoint(const KinesisEndpointSettings& settings) {
  std::vector<std::string> errors;
  if (settings.region.empty()) {
    errors.push_back(std::string(kRegionVariable) + " is not set");
  } else if (!IsValidRegionName(settings.region)) {
    errors.push_back(std::string(kRegionVariable) + ": \"" +
                     std::string(settings.region.substr(0, kMaxQuotedRegionChars)) +
                     "\" is not a region name like us-east-1");
  }
  const std::string_view override_variable = OverrideVariable(settings);
  std::optional<Endpoint> custom;
  if (!override_variable.empty()) {
    Result<Endpoint> parsed = ParseEndpointUrl(override_variable == kEndpointUrlKinesisVariable
                                                   ? settings.endpoint_url_kinesis
                                                   : settings.endpoint_url,
                                               override_variable);
    if (parsed.ok()) {
      custom = std::move(parsed).value();
    } else {
      errors.push_back(parsed.error().message);
    }
  }
  if (!errors.empty()) return Error{Join(errors, "; ")};

  const Result<KinesisRuleEndpoint> rule = EvaluateKinesisEndpointRules(
      {settings.region, settings.use_fips, settings.use_dual_stack,
       custom ? std::string_view(custom->url) : std::string_view(), settings.stream_arn});
  if (!rule.ok()) {
    return Error{"Kinesis endpoint rules (" + DescribeSettings(settings, override_variable) +
                 "): " + rule.error().message};
  }
  if (custom) {
    custom->chosen_by = std::string(override_variable);
    return *std::move(custom);
  }
  return RuleEndpoint(*rule, settings);
}

Result<StreamArn> ParseStreamArn(std::string_view arn) {
  const std::string quoted = "\"" + std::string(arn) + "\"";
  const std::vector<std::string_view> fields = Split(arn, ':');
  if (fields.size() != kArnFields || fields[0] != "arn" || fields[2] != "kinesis" ||
      !fields[5].starts_with(kStreamResourcePrefix)) {
    return Error{quoted +
                 " is not a Kinesis stream ARN "
                 "(arn:<partition>:kinesis:<region>:<account-id>:stream/<name>)"};
  }
  StreamArn result{std::string(fields[1]), std::string(fields[3]), std::string(fields[4]),
                   std::string(fields[5].substr(kStreamResourcePrefix.size()))};
  if (!result.partition.starts_with("aws") || !AllOf(result.partition, IsPartitionChar)) {
    return Error{quoted + ": partition must be aws, aws-cn, aws-us-gov, ..."};
  }
  if (!IsValidRegionName(result.region)) {
    return Error{quoted + ": region is not a region name like us-east-1"};
  }
  if (result.account_id.size() != kAccountIdDigits || !AllOf(result.account_id, IsDigit)) {
    return Error{quoted + ": account id must be 12 digits"};
  }
  if (result.stream_name.empty() || result.stream_name.size() > kMaxStreamNameChars ||
      !AllOf(result.stream_name, IsStreamNameChar)) {
    return Error{quoted + ": stream name must be 1-128 characters of a-z, A-Z, 0-9, _ . -"};
  }
  return result;
}

}  // namespace tk::aws
