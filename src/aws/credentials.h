// AWS credentials for signing, read from the variables Lambda sets for the execution role.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tk::aws {

inline constexpr std::string_view kAccessKeyIdVariable = "AWS_ACCESS_KEY_ID";
inline constexpr std::string_view kSecretAccessKeyVariable = "AWS_SECRET_ACCESS_KEY";
inline constexpr std::string_view kSessionTokenVariable = "AWS_SESSION_TOKEN";

// Secrets: never log or format these fields (only access_key_id may appear, as SigV4 sends it).
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys; Lambda role credentials always have one
};

// Returns the value of an environment variable, or nullopt when it is unset.
using EnvironmentLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the optional AWS_SESSION_TOKEN through
// `lookup`; an empty value counts as unset. Error: names every missing required variable at once;
// the message never contains a value.
Result<Credentials> CredentialsFromLookup(const EnvironmentLookup& lookup);

// A lookup over the process environment as it is when called (getenv).
EnvironmentLookup ProcessEnvironment();

}  // namespace tk::aws
