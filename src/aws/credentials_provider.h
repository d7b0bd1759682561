// Where the signing credentials come from, in the order the AWS SDKs look (AWS SDKs and Tools
// Reference Guide, "Standardized credential providers"): the environment's keys, then the
// container credentials endpoint (what Lambda gives SnapStart functions instead of keys).
// Cached, refreshed ahead of expiry, after a SnapStart restore and when Kinesis refuses them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "common/result.h"
#include "http/http_client.h"

namespace tk::aws {

inline constexpr std::string_view kContainerFullUriVariable = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
inline constexpr std::string_view kContainerRelativeUriVariable =
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
inline constexpr std::string_view kContainerTokenVariable = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
inline constexpr std::string_view kContainerTokenFileVariable =
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";

using WallClock = std::function<std::chrono::system_clock::time_point()>;

// A credential set and when it stops working (nullopt: no expiry was given).
struct TimedCredentials {
  Credentials credentials;
  std::optional<std::chrono::system_clock::time_point> expiration;
};

// Which source the configuration chose, and what that source needs. Read once at start-up by
// the config loader; nothing here is fetched until the sender's first request, and no secret is
// kept here: the key variables are read by EnvironmentCredentialsSource at each fetch.
struct CredentialsSourceSettings {
  enum class Kind { kEnvironment, kContainer };
  Kind kind = Kind::kEnvironment;
  std::string container_uri;         // kContainer: the endpoint to GET
  std::string container_token;       // kContainer: AWS_CONTAINER_AUTHORIZATION_TOKEN
  std::string container_token_file;  // kContainer: ..._TOKEN_FILE (wins; re-read at each fetch)
};

// Chooses the source from the environment, as the SDKs order them: AWS_ACCESS_KEY_ID with
// AWS_SECRET_ACCESS_KEY; else AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (http://169.254.170.2 +
// path, ECS) or AWS_CONTAINER_CREDENTIALS_FULL_URI, which must be HTTPS or name a loopback or
// container link-local host. Errors name variables, never values.
Result<CredentialsSourceSettings> ChooseCredentialsSource(const EnvironmentLookup& lookup);

// True when `uri` is one the container provider may fetch: https to any host, or http to a
// loopback address (127.0.0.0/8, [::1], localhost) or the ECS/EKS container hosts
// (169.254.170.2, 169.254.170.23, [fd00:ec2::23]), as the reference guide's "Container
// credential provider" allows. `why` says what is wrong otherwise.
bool IsAllowedContainerUri(std::string_view uri, std::string& why);

// One fetch of a credential set.
class CredentialsSource {
 public:
  virtual ~CredentialsSource() = default;
  // `timeout` bounds the fetch. Errors are log-ready and never contain a secret.
  virtual Result<TimedCredentials> Fetch(std::chrono::milliseconds timeout) = 0;
  // "environment" or "container endpoint <uri>" (the URI carries no secret).
  virtual std::string Describe() const = 0;
};

// The key variables, re-read at every fetch (a restore may have changed them).
class EnvironmentCredentialsSource final : public CredentialsSource {
 public:
  explicit EnvironmentCredentialsSource(EnvironmentLookup lookup) : lookup_(std::move(lookup)) {}
  Result<TimedCredentials> Fetch(std::chrono::milliseconds timeout) override;
  std::string Describe() const override { return "environment"; }

 private:
  EnvironmentLookup lookup_;
};

// GET <uri> with "Authorization: <token>" (the raw token) -> {"AccessKeyId", "SecretAccessKey",
// "Token", "Expiration"} (AWS Lambda Runtime Interface Emulator, rapi/handler/credentials.go;
// SDKs and Tools Reference Guide, "Container credential provider").
class ContainerCredentialsSource final : public CredentialsSource {
 public:
  // `http` must outlive the source.
  ContainerCredentialsSource(CredentialsSourceSettings settings, http::HttpClient& http);
  Result<TimedCredentials> Fetch(std::chrono::milliseconds timeout) override;
  std::string Describe() const override { return "container endpoint " + settings_.container_uri; }

 private:
  Result<std::string> Token() const;
  CredentialsSourceSettings settings_;
  http::HttpClient& http_;
};

// Parses the container endpoint's answer. Exposed for tests.
Result<TimedCredentials> ParseContainerCredentials(std::string_view body);

// Unix time of an ISO 8601 UTC timestamp ("2026-12-02T01:34:52Z", fractions and "+00:00"
// allowed). Exposed for tests.
std::optional<std::chrono::system_clock::time_point> ParseIso8601(std::string_view text);

// The cache in front of a source. Used by the sender thread only, except Invalidate().
class CredentialsProvider {
 public:
  CredentialsProvider(std::unique_ptr<CredentialsSource> source, WallClock now);

  // The credentials to sign with now: the cached set while it is more than the refresh margin
  // away from expiring, else a fresh fetch (bounded by `timeout`). When a refresh fails but the
  // cached set has not expired yet, the cached set is returned (the failure is in
  // last_refresh_error()). Error: no usable set.
  Result<Credentials> Get(std::chrono::milliseconds timeout);

  // Forgets the cached set so the next Get() fetches: after a SnapStart restore (any thread),
  // or when Kinesis refused the set.
  void Invalidate() { invalidated_ = true; }

  // How often a set was fetched after the first one.
  uint64_t refreshes() const { return refreshes_; }
  const std::string& last_refresh_error() const { return last_refresh_error_; }
  std::string Describe() const { return source_->Describe(); }

  // How long before its expiry a set is replaced: a quarter of its lifetime, at most 5 minutes
  // (the AWS SDKs refresh 5 minutes ahead; credentials that live seconds in a test still get a
  // margin that fits in their life).
  static std::chrono::milliseconds RefreshMargin(std::chrono::milliseconds lifetime);

 private:
  bool Fresh(std::chrono::system_clock::time_point now) const;

  std::unique_ptr<CredentialsSource> source_;
  WallClock now_;
  std::optional<TimedCredentials> cached_;
  std::chrono::system_clock::time_point fetched_at_{};
  std::atomic<bool> invalidated_{false};
  uint64_t fetches_ = 0;
  std::atomic<uint64_t> refreshes_{0};
  std::string last_refresh_error_;
};

}  // namespace tk::aws
