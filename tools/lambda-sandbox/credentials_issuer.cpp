// Credentials as Lambda hands them out, after the AWS Lambda Runtime Interface Emulator (RIE,
// github.com/aws/aws-lambda-runtime-interface-emulator, internal/lambda/...):
// - rapidcore/env/environment.go: StoreEnvironmentVariablesFromInit sets AWS_ACCESS_KEY_ID,
//   AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; with Init Caching (SnapStart)
//   StoreEnvironmentVariablesFromInitForInitCaching sets instead
//   AWS_CONTAINER_CREDENTIALS_FULL_URI=http://<Runtime API host>:<port>/2021-04-23/credentials and
//   AWS_CONTAINER_AUTHORIZATION_TOKEN (rapid/handlers.go: a random UUID);
// - rapidcore/env/customer.go: inherited credential variables are not passed on;
// - rapi/handler/credentials.go + core/credentials.go: GET with the raw token in Authorization
//   answers {"AccessKeyId","SecretAccessKey","Token","Expiration"}; any other token, or none, is
//   404 "cannot get credentials for the provided token";
// - rapid/handlers.go handleRestore: UpdateCredentials replaces the set behind the token.
// The Lambda guide agrees ("Activating and managing Lambda SnapStart", "Using SnapStart with AWS
// SDKs": with SnapStart the runtime uses AWS_CONTAINER_CREDENTIALS_FULL_URI and
// AWS_CONTAINER_AUTHORIZATION_TOKEN instead of the access key variables, "This prevents
// credentials from expiring before the function is restored"), as does the SDKs and Tools
// reference guide ("Container credential provider": the SDK sends the token as the Authorization
// header of a GET to the full URI).
#include "credentials_issuer.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include <nlohmann/json.hpp>

#include "clock.h"
#include "ids.h"

namespace sandbox {
namespace {

using json = nlohmann::ordered_json;

constexpr const char* kAccessKeyIdVariable = "AWS_ACCESS_KEY_ID";
constexpr const char* kSecretAccessKeyVariable = "AWS_SECRET_ACCESS_KEY";
constexpr const char* kSessionTokenVariable = "AWS_SESSION_TOKEN";
constexpr const char* kFullUriVariable = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
constexpr const char* kAuthorizationTokenVariable = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
// RIE rapi/server.go mounts the credentials router at version20210423 = "/2021-04-23" and
// rapi/router.go serves GET "/credentials" under it.
constexpr const char* kEndpointPath = "/2021-04-23/credentials";
// RIE answers with Go's http.Error(w, msg, 404), which appends a newline and sets this type.
constexpr const char* kNotFoundBody = "cannot get credentials for the provided token\n";
// Neither answer sets a Content-Type itself: Go's ResponseWriter sniffs the body
// (http.DetectContentType), and a JSON object is plain text to it.
constexpr const char* kGoTextContentType = "text/plain; charset=utf-8";
// Temporary (STS) access key ids start with ASIA (IAM User Guide, "Unique identifier prefixes").
constexpr const char* kTemporaryKeyPrefix = "ASIA";
constexpr std::size_t kKeyIdRandomChars = 16;
constexpr std::size_t kSecretChars = 40;
constexpr std::size_t kSessionTokenChars = 160;

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

CredentialSet drawSet(std::optional<std::int64_t> expires_at_ms) {
  return {kTemporaryKeyPrefix + upper(randomHex(kKeyIdRandomChars)), randomHex(kSecretChars),
          randomHex(kSessionTokenChars), expires_at_ms};
}

std::string valueOr(const std::map<std::string, std::string>& env, const char* key) {
  const auto it = env.find(key);
  return it == env.end() ? std::string() : it->second;
}

json issuedEvent(const CredentialSet& set) {
  return {{"event", "issued"},
          {"accessKeyId", set.access_key_id},
          {"secretAccessKey", set.secret_access_key},
          {"sessionToken", set.session_token.empty() ? json(nullptr) : json(set.session_token)},
          {"expiresAtMs", set.expires_at_ms ? json(*set.expires_at_ms) : json(nullptr)},
          {"atMs", epochMillisNow()}};
}

std::string expirationText(std::int64_t epoch_ms) {
  return isoTime(std::chrono::system_clock::time_point(std::chrono::milliseconds(epoch_ms)));
}

}  // namespace

std::optional<CredentialsMode> parseCredentialsMode(const std::string& text) {
  if (text == "env") return CredentialsMode::kEnv;
  if (text == "container") return CredentialsMode::kContainer;
  return std::nullopt;
}

std::string credentialsModeName(CredentialsMode mode) {
  return mode == CredentialsMode::kContainer ? "container" : "env";
}

CredentialsIssuer::CredentialsIssuer(CredentialsOptions options)
    : options_(std::move(options)), token_(newUuid()) {
  stats_.mode = credentialsModeName(options_.mode);
}

const char* CredentialsIssuer::endpointPath() { return kEndpointPath; }

bool CredentialsIssuer::start(std::string& error) {
  const std::lock_guard lock(mutex_);
  if (!options_.ledger_path.empty()) {
    ledger_.open(options_.ledger_path, std::ios::binary | std::ios::trunc);
    if (!ledger_) {
      error = "cannot write --credentials-ledger " + options_.ledger_path;
      return false;
    }
  }
  if (options_.mode == CredentialsMode::kContainer) {
    issueLocked(epochMillisNow() + options_.expire_ms);
  }
  return true;
}

void CredentialsIssuer::exposeTo(std::map<std::string, std::string>& env,
                                 const std::string& host_port) {
  if (options_.mode != CredentialsMode::kContainer) {
    return;
  }
  for (const char* key : {kAccessKeyIdVariable, kSecretAccessKeyVariable, kSessionTokenVariable}) {
    env.erase(key);
  }
  env[kFullUriVariable] = "http://" + host_port + kEndpointPath;
  env[kAuthorizationTokenVariable] = token_;
}

void CredentialsIssuer::adoptEnvironment(std::map<std::string, std::string>& env) {
  if (options_.mode != CredentialsMode::kEnv) {
    return;  // key variables given with --env are not Lambda's: not in the ledger
  }
  const std::lock_guard lock(mutex_);
  if (valueOr(env, kAccessKeyIdVariable).empty() &&
      valueOr(env, kSecretAccessKeyVariable).empty()) {
    // Lambda always sets the role's credentials; RIE standalone takes them from its own
    // environment (rapidcore/standalone/initHandler.go getCredentials), as we do when present.
    const CredentialSet set = issueLocked(std::nullopt);
    env[kAccessKeyIdVariable] = set.access_key_id;
    env[kSecretAccessKeyVariable] = set.secret_access_key;
    env[kSessionTokenVariable] = set.session_token;
    return;
  }
  // Environment variables cannot change in a running process: this set never expires here.
  recordLocked({valueOr(env, kAccessKeyIdVariable), valueOr(env, kSecretAccessKeyVariable),
                valueOr(env, kSessionTokenVariable), std::nullopt});
}

CredentialsAnswer CredentialsIssuer::answer(const std::string& authorization) {
  const std::lock_guard lock(mutex_);
  // RIE looks the raw header value up as the token (no "Bearer"); an absent header is "".
  if (options_.mode != CredentialsMode::kContainer || authorization != token_) {
    ++stats_.rejected;
    return {404, kGoTextContentType, kNotFoundBody};
  }
  const std::int64_t now = epochMillisNow();
  if (live_.empty() || (live_.back().expires_at_ms && now >= *live_.back().expires_at_ms)) {
    // Our choice: RIE only replaces the set at a restore, so an expired set would be served
    // forever; a credentials endpoint hands out a fresh set instead (the SDKs fetch one when
    // theirs expires), leaving the old one to expire.
    issueLocked(now + options_.expire_ms);
  }
  const CredentialSet& set = live_.back();
  ++stats_.served;
  const json body = {{"AccessKeyId", set.access_key_id},
                     {"SecretAccessKey", set.secret_access_key},
                     {"Token", set.session_token},
                     {"Expiration", expirationText(*set.expires_at_ms)}};
  return {200, kGoTextContentType, body.dump()};
}

void CredentialsIssuer::restore() {
  if (options_.mode != CredentialsMode::kContainer) {
    return;  // the environment set stays: it cannot be replaced in a running process
  }
  const std::lock_guard lock(mutex_);
  // Every restored environment gets credentials of its own; what the snapshot holds is stale.
  revokeAllLocked();
  issueLocked(epochMillisNow() + options_.expire_ms);
}

CredentialsStats CredentialsIssuer::stats() const {
  const std::lock_guard lock(mutex_);
  return stats_;
}

CredentialSet CredentialsIssuer::issueLocked(std::optional<std::int64_t> expires_at_ms) {
  CredentialSet set = drawSet(expires_at_ms);
  recordLocked(set);
  return set;
}

void CredentialsIssuer::recordLocked(const CredentialSet& set) {
  live_.push_back(set);
  ++stats_.issued;
  appendLedgerLocked(issuedEvent(set).dump());
}

void CredentialsIssuer::revokeAllLocked() {
  const std::int64_t now = epochMillisNow();
  for (const CredentialSet& set : live_) {
    appendLedgerLocked(
        json{{"event", "revoked"}, {"accessKeyId", set.access_key_id}, {"atMs", now}}.dump());
  }
  live_.clear();
}

void CredentialsIssuer::appendLedgerLocked(const std::string& line) {
  if (ledger_.is_open()) {
    // One whole line per write, flushed: the Kinesis side reads the file while we append.
    ledger_ << line << '\n' << std::flush;
  }
}

}  // namespace sandbox
