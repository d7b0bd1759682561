// The execution role's credentials as Lambda hands them to an extension: three environment
// variables (the default), or, with SnapStart, a loopback credentials endpoint whose sets are
// replaced at every restore. A ledger of every set issued and revoked lets the test Kinesis side
// stand in for IAM/STS and tell valid credentials from stale ones.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sandbox {

enum class CredentialsMode {
  kEnv,        // AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
  kContainer,  // AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN
};

/// --credentials spelling -> mode; nullopt for anything else.
std::optional<CredentialsMode> parseCredentialsMode(const std::string& text);
std::string credentialsModeName(CredentialsMode mode);

struct CredentialsOptions {
  CredentialsMode mode = CredentialsMode::kEnv;
  /// Lifetime of each container set. Lambda documents none; it gets the set by assuming the
  /// execution role, and STS AssumeRole credentials "last for one hour" by default (STS API
  /// reference, AssumeRole DurationSeconds), so one hour.
  int expire_ms = 60 * 60 * 1000;
  /// --credentials-ledger: NDJSON of every set issued and revoked (empty: none).
  std::string ledger_path;
};

/// One set of temporary credentials.
struct CredentialSet {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::optional<std::int64_t> expires_at_ms;  // epoch ms; none for the environment set
};

/// For the report.
struct CredentialsStats {
  std::string mode;
  std::int64_t issued = 0;
  std::int64_t served = 0;    // credentials endpoint: 200 answers
  std::int64_t rejected = 0;  // credentials endpoint: wrong or missing token
};

/// An answer of the credentials endpoint, independent of the HTTP library.
struct CredentialsAnswer {
  int status = 0;
  std::string content_type;
  std::string body;
};

class CredentialsIssuer {
 public:
  explicit CredentialsIssuer(CredentialsOptions options);
  CredentialsIssuer(const CredentialsIssuer&) = delete;
  CredentialsIssuer& operator=(const CredentialsIssuer&) = delete;

  /// Opens (truncates) the ledger and, in container mode, issues the first set. False with
  /// `error` when the ledger cannot be written.
  bool start(std::string& error);

  CredentialsMode mode() const { return options_.mode; }
  /// The path the Runtime API server must serve with answer() (container mode only).
  static const char* endpointPath();

  /// Before --env is applied: container mode removes inherited key variables and points the
  /// extension at http://`host_port`/2021-04-23/credentials.
  void exposeTo(std::map<std::string, std::string>& env, const std::string& host_port);
  /// After --env is applied: env mode records the key variables the extension gets, drawing a
  /// set first when there are none.
  void adoptEnvironment(std::map<std::string, std::string>& env);

  /// A GET of endpointPath() with this Authorization header value ("" when absent).
  CredentialsAnswer answer(const std::string& authorization);

  /// A SnapStart restore: every earlier set is revoked and a new one issued (container mode).
  void restore();

  CredentialsStats stats() const;

 private:
  CredentialSet issueLocked(std::optional<std::int64_t> expires_at_ms);  // requires mutex_
  void recordLocked(const CredentialSet& set);                           // requires mutex_
  void revokeAllLocked();                                                // requires mutex_
  void appendLedgerLocked(const std::string& line);                      // requires mutex_

  const CredentialsOptions options_;
  const std::string token_;  // AWS_CONTAINER_AUTHORIZATION_TOKEN, one per sandbox
  mutable std::mutex mutex_;
  std::ofstream ledger_;
  std::vector<CredentialSet> live_;  // issued, not revoked; the last one is served
  CredentialsStats stats_;
};

}  // namespace sandbox
