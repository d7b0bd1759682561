// Credentials from the environment, with errors that name variables and never values.
#include "aws/credentials.h"

#include <cstdlib>
#include <vector>

namespace tk::aws {

Result<Credentials> CredentialsFromLookup(const EnvironmentLookup& lookup) {
  auto get = [&lookup](std::string_view name) {
    std::optional<std::string> value = lookup(name);
    return value.value_or(std::string());
  };
  Credentials credentials{get(kAccessKeyIdVariable), get(kSecretAccessKeyVariable),
                          get(kSessionTokenVariable)};

  std::vector<std::string_view> missing;
  if (credentials.access_key_id.empty()) missing.push_back(kAccessKeyIdVariable);
  if (credentials.secret_access_key.empty()) missing.push_back(kSecretAccessKeyVariable);
  if (missing.empty()) return credentials;

  std::string message = "AWS credentials missing: ";
  for (size_t i = 0; i < missing.size(); ++i) {
    if (i > 0) message += ", ";
    message += missing[i];
  }
  message += missing.size() == 1 ? " is not set" : " are not set";
  return Error{std::move(message)};
}

EnvironmentLookup ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    // getenv needs a NUL-terminated name; the names are short constants.
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

}  // namespace tk::aws
