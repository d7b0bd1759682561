// The credentials chain and its cache. Messages name variables and URIs, never a key, secret or
// token.
#include "aws/credentials_provider.h"
#include "common/ascii.h"

#include <arpa/inet.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tk::aws {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

// ECS's credentials host, which AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is relative to, and the
// other container hosts the reference guide allows over plain http (EKS Pod Identity, IPv4 and
// IPv6).
constexpr std::string_view kEcsCredentialsHost = "http://169.254.170.2";
constexpr std::array<std::string_view, 3> kContainerHosts = {"169.254.170.2", "169.254.170.23",
                                                             "fd00:ec2::23"};
constexpr milliseconds kMaxRefreshMargin = std::chrono::minutes(5);
// Token files are small (a JWT or a random string); anything bigger is not one.
constexpr std::streamsize kMaxTokenFileBytes = 16 * 1024;

std::string Get(const EnvironmentLookup& lookup, std::string_view name) {
  return lookup(name).value_or(std::string());
}

// The host of an http(s) URL: "[::1]" -> "::1", "127.0.0.1:9001" -> "127.0.0.1".
std::string HostOf(std::string_view uri) {
  const size_t scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos) return {};
  std::string_view authority = uri.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    return std::string(authority.substr(1, close == std::string_view::npos ? close : close - 1));
  }
  return std::string(authority.substr(0, authority.find(':')));
}

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

}  // namespace

bool IsAllowedContainerUri(std::string_view uri, std::string& why) {
  const std::string lower = AsciiLowercase(uri);
  if (lower.starts_with("https://")) return true;
  if (!lower.starts_with("http://")) {
    why = "must be an http:// or https:// URL";
    return false;
  }
  const std::string host = HostOf(lower);
  if (IsLoopbackHost(host)) return true;
  if (std::find(kContainerHosts.begin(), kContainerHosts.end(), host) != kContainerHosts.end()) {
    return true;
  }
  why =
      "over plain http it must name a loopback host or a container credentials host "
      "(169.254.170.2, 169.254.170.23, [fd00:ec2::23]); host '" +
      host + "' is neither";
  return false;
}

Result<CredentialsSourceSettings> ChooseCredentialsSource(const EnvironmentLookup& lookup) {
  CredentialsSourceSettings settings;
  const Result<Credentials> environment = CredentialsFromLookup(lookup);
  if (environment.ok()) return settings;
  const std::string relative = Get(lookup, kContainerRelativeUriVariable);
  const std::string full = Get(lookup, kContainerFullUriVariable);
  if (relative.empty() && full.empty()) {
    return Error{environment.error().message + ", and neither " +
                 std::string(kContainerFullUriVariable) + " nor " +
                 std::string(kContainerRelativeUriVariable) + " names a credentials endpoint"};
  }
  settings.kind = CredentialsSourceSettings::Kind::kContainer;
  if (!relative.empty()) {
    settings.container_uri =
        std::string(kEcsCredentialsHost) + (relative.starts_with('/') ? "" : "/") + relative;
  } else {
    std::string why;
    if (!IsAllowedContainerUri(full, why)) {
      return Error{std::string(kContainerFullUriVariable) + " " + why};
    }
    settings.container_uri = full;
  }
  settings.container_token_file = Get(lookup, kContainerTokenFileVariable);
  settings.container_token = Get(lookup, kContainerTokenVariable);
  return settings;
}

Result<TimedCredentials> EnvironmentCredentialsSource::Fetch(milliseconds /*timeout*/) {
  Result<Credentials> credentials = CredentialsFromLookup(lookup_);
  if (!credentials.ok()) return credentials.error();
  return TimedCredentials{*std::move(credentials), std::nullopt};
}

ContainerCredentialsSource::ContainerCredentialsSource(CredentialsSourceSettings settings,
                                                       http::HttpClient& http)
    : settings_(std::move(settings)), http_(http) {}

Result<std::string> ContainerCredentialsSource::Token() const {
  if (settings_.container_token_file.empty()) return settings_.container_token;
  // Re-read at every fetch: the platform may rotate the file.
  std::ifstream file(settings_.container_token_file, std::ios::binary);
  if (!file) {
    return Error{std::string(kContainerTokenFileVariable) +
                 " names a file that cannot be read: " + settings_.container_token_file};
  }
  std::string token(static_cast<size_t>(kMaxTokenFileBytes), '\0');
  file.read(token.data(), kMaxTokenFileBytes);
  token.resize(static_cast<size_t>(file.gcount()));
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  return token;
}

Result<TimedCredentials> ContainerCredentialsSource::Fetch(milliseconds timeout) {
  Result<std::string> token = Token();
  if (!token.ok()) return token.error();
  http::Request request;
  request.url = settings_.container_uri;
  request.method = "GET";
  request.timeout_ms = std::max<long>(static_cast<long>(timeout.count()), 1);
  if (!token->empty()) request.headers.push_back({"Authorization", *token});
  const http::Response response = http_.Send(request);
  const std::string where = "credentials endpoint " + settings_.container_uri;
  if (!response.transport_ok()) {
    return Error{where + ": " + response.transport.message, response.transport.kind};
  }
  if (response.status != 200) {
    return Error{where + " answered HTTP " + std::to_string(response.status) +
                 (response.status == 401 || response.status == 403
                      ? " (the authorization token was refused)"
                      : "")};
  }
  Result<TimedCredentials> parsed = ParseContainerCredentials(response.body);
  if (!parsed.ok()) return Error{where + ": " + parsed.error().message};
  return parsed;
}

Result<TimedCredentials> ParseContainerCredentials(std::string_view body) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return Error{"the answer is not a JSON object"};
  const auto text = [&json](const char* key) {
    const auto found = json.find(key);
    return found != json.end() && found->is_string() ? found->get<std::string>() : std::string();
  };
  TimedCredentials timed;
  timed.credentials = {text("AccessKeyId"), text("SecretAccessKey"), text("Token")};
  if (timed.credentials.access_key_id.empty() || timed.credentials.secret_access_key.empty()) {
    return Error{"the answer lacks AccessKeyId or SecretAccessKey"};
  }
  if (const std::string expiration = text("Expiration"); !expiration.empty()) {
    timed.expiration = ParseIso8601(expiration);
    if (!timed.expiration) return Error{"unreadable Expiration '" + expiration + "'"};
  }
  return timed;
}

std::optional<system_clock::time_point> ParseIso8601(std::string_view text) {
  if (text.size() < 19 || text.size() > 40) return std::nullopt;
  const std::string value(text);
  struct tm fields {};
  const char* rest = ::strptime(value.c_str(), "%Y-%m-%dT%H:%M:%S", &fields);
  if (rest == nullptr) return std::nullopt;
  if (*rest == '.') {  // fractions of a second are dropped (an expiry to the second is enough)
    ++rest;
    while (std::isdigit(static_cast<unsigned char>(*rest))) ++rest;
  }
  const std::string_view zone(rest);
  if (zone != "Z" && zone != "+00:00" && zone != "z") return std::nullopt;
  return system_clock::from_time_t(::timegm(&fields));
}

CredentialsProvider::CredentialsProvider(std::unique_ptr<CredentialsSource> source, WallClock now)
    : source_(std::move(source)), now_(std::move(now)) {}

milliseconds CredentialsProvider::RefreshMargin(milliseconds lifetime) {
  return std::min(kMaxRefreshMargin, std::max(lifetime, milliseconds::zero()) / 4);
}

bool CredentialsProvider::Fresh(system_clock::time_point now) const {
  if (!cached_) return false;
  if (!cached_->expiration) return true;
  const auto lifetime =
      std::chrono::duration_cast<milliseconds>(*cached_->expiration - fetched_at_);
  return now < *cached_->expiration - RefreshMargin(lifetime);
}

Result<Credentials> CredentialsProvider::Get(milliseconds timeout) {
  const system_clock::time_point now = now_();
  const bool invalidated = invalidated_.exchange(false);
  if (!invalidated && Fresh(now)) return cached_->credentials;
  Result<TimedCredentials> fetched = source_->Fetch(timeout);
  if (!fetched.ok()) {
    last_refresh_error_ = fetched.error().message;
    // A set that was refused (or replaced by a restore) stays refused: fetch again next time.
    if (invalidated) invalidated_ = true;
    // A set that has not expired yet still signs (unless Kinesis refused it).
    const bool usable =
        cached_ && !invalidated && (!cached_->expiration || now < *cached_->expiration);
    if (usable) return cached_->credentials;
    return Error{"no usable AWS credentials from the " + source_->Describe() + ": " +
                     fetched.error().message,
                 fetched.error().kind};
  }
  if (fetches_++ > 0) ++refreshes_;
  last_refresh_error_.clear();
  cached_ = *std::move(fetched);
  fetched_at_ = now;
  return cached_->credentials;
}

}  // namespace tk::aws
