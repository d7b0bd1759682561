// Credentials from the environment: required variables, optional token, no secret in messages.
#include "aws/credentials.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

namespace tk::aws {
namespace {

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kToken = "IQoJb3JpZ2luX2VjEXAMPLETOKEN";

EnvironmentLookup LookupFrom(std::map<std::string, std::string, std::less<>> variables) {
  return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    const auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
}

TEST(Credentials, ReadsKeyIdSecretAndSessionToken) {
  const Result<Credentials> credentials =
      CredentialsFromLookup(LookupFrom({{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                                        {"AWS_SECRET_ACCESS_KEY", std::string(kSecret)},
                                        {"AWS_SESSION_TOKEN", std::string(kToken)}}));
  ASSERT_TRUE(credentials.ok()) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(credentials->secret_access_key, kSecret);
  EXPECT_EQ(credentials->session_token, kToken);
}

TEST(Credentials, SessionTokenIsOptional) {
  const Result<Credentials> credentials = CredentialsFromLookup(LookupFrom(
      {{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"}, {"AWS_SECRET_ACCESS_KEY", std::string(kSecret)}}));
  ASSERT_TRUE(credentials.ok()) << credentials.error().message;
  EXPECT_EQ(credentials->session_token, "");
}

TEST(Credentials, NamesTheMissingVariableWithoutRevealingTheSecretOrToken) {
  const Result<Credentials> credentials =
      CredentialsFromLookup(LookupFrom({{"AWS_SECRET_ACCESS_KEY", std::string(kSecret)},
                                        {"AWS_SESSION_TOKEN", std::string(kToken)}}));
  ASSERT_FALSE(credentials.ok());
  const std::string& message = credentials.error().message;
  EXPECT_NE(message.find("AWS_ACCESS_KEY_ID"), std::string::npos) << message;
  EXPECT_EQ(message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << message;
  EXPECT_EQ(message.find(kSecret), std::string::npos);
  EXPECT_EQ(message.find(kToken), std::string::npos);
}

TEST(Credentials, NamesBothMissingVariablesAtOnce) {
  const Result<Credentials> credentials = CredentialsFromLookup(LookupFrom({}));
  ASSERT_FALSE(credentials.ok());
  EXPECT_NE(credentials.error().message.find("AWS_ACCESS_KEY_ID"), std::string::npos);
  EXPECT_NE(credentials.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

TEST(Credentials, TreatsAnEmptySecretAsMissing) {
  const Result<Credentials> credentials = CredentialsFromLookup(
      LookupFrom({{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"}, {"AWS_SECRET_ACCESS_KEY", ""}}));
  ASSERT_FALSE(credentials.ok());
  EXPECT_NE(credentials.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  EXPECT_EQ(credentials.error().message.find("AKIDEXAMPLE"), std::string::npos);
}

// Sets (or unsets) one process environment variable for the scope of a test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(Credentials, ReadsTheProcessEnvironment) {
  ScopedEnv key("AWS_ACCESS_KEY_ID", "AKIDFROMENV");
  ScopedEnv secret("AWS_SECRET_ACCESS_KEY", "secret-from-env");
  ScopedEnv token("AWS_SESSION_TOKEN", nullptr);
  const Result<Credentials> credentials = CredentialsFromLookup(ProcessEnvironment());
  ASSERT_TRUE(credentials.ok()) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "AKIDFROMENV");
  EXPECT_EQ(credentials->secret_access_key, "secret-from-env");
  EXPECT_EQ(credentials->session_token, "");
}

TEST(Credentials, ReportsAMissingProcessVariableByName) {
  ScopedEnv key("AWS_ACCESS_KEY_ID", "AKIDFROMENV");
  ScopedEnv secret("AWS_SECRET_ACCESS_KEY", nullptr);
  const Result<Credentials> credentials = CredentialsFromLookup(ProcessEnvironment());
  ASSERT_FALSE(credentials.ok());
  EXPECT_NE(credentials.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

}  // namespace
}  // namespace tk::aws
