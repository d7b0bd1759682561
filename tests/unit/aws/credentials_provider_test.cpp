// The credentials chain: which source the environment chooses, the container endpoint's answer,
// and the cache's refresh ahead of expiry, after a restore and after a refusal.
#include "aws/credentials_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <fstream>
#include <map>

namespace tk::aws {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;
using ::testing::HasSubstr;
using ::testing::Not;

EnvironmentLookup LookupFrom(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    const auto found = values.find(std::string(name));
    if (found == values.end() || found->second.empty()) return std::nullopt;
    return found->second;
  };
}

class ScriptedHttp final : public http::HttpClient {
 public:
  http::Response Send(const http::Request& request) override {
    requests.push_back(request);
    if (answers.empty()) return {.status = 500, .body = "", .headers = {}, .transport = {}};
    http::Response next = answers.front();
    answers.pop_front();
    return next;
  }
  std::deque<http::Response> answers;
  std::vector<http::Request> requests;
};

http::Response Credentials200(const std::string& key, const std::string& expiration) {
  return {.status = 200,
          .body = R"({"AccessKeyId":")" + key + R"(","SecretAccessKey":"secret-)" + key +
                  R"(","Token":"token-)" + key + R"(","Expiration":")" + expiration + R"("})",
          .headers = {},
          .transport = {}};
}

CredentialsSourceSettings Container(std::string uri, std::string token) {
  CredentialsSourceSettings settings;
  settings.kind = CredentialsSourceSettings::Kind::kContainer;
  settings.container_uri = std::move(uri);
  settings.container_token = std::move(token);
  return settings;
}

TEST(ChooseCredentialsSource, PrefersTheKeysInTheEnvironment) {
  auto chosen = ChooseCredentialsSource(LookupFrom(
      {{"AWS_ACCESS_KEY_ID", "AKID"},
       {"AWS_SECRET_ACCESS_KEY", "s"},
       {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9001/2021-04-23/credentials"}}));
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen->kind, CredentialsSourceSettings::Kind::kEnvironment);
}

TEST(ChooseCredentialsSource, TakesTheSnapStartContainerVariables) {
  auto chosen = ChooseCredentialsSource(LookupFrom(
      {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9001/2021-04-23/credentials"},
       {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "raw-token"}}));
  ASSERT_TRUE(chosen.ok()) << chosen.error().message;
  EXPECT_EQ(chosen->kind, CredentialsSourceSettings::Kind::kContainer);
  EXPECT_EQ(chosen->container_token, "raw-token");
}

TEST(ChooseCredentialsSource, ResolvesTheEcsRelativeUri) {
  auto chosen = ChooseCredentialsSource(
      LookupFrom({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"}}));
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen->container_uri, "http://169.254.170.2/v2/credentials/abc");
}

// AWS SDKs and Tools Reference Guide, "Container credential provider": https to any host; http
// only to loopback or the ECS/EKS container hosts.
TEST(IsAllowedContainerUri, FollowsTheReferenceGuide) {
  std::string why;
  for (const char* allowed :
       {"https://credentials.example.com/x", "http://127.0.0.1:9001/2021-04-23/credentials",
        "http://127.8.9.10/x", "http://localhost:80/x", "http://[::1]:9001/x",
        "http://169.254.170.2/v2/x", "http://169.254.170.23/v1/x", "http://[fd00:ec2::23]/x"}) {
    EXPECT_TRUE(IsAllowedContainerUri(allowed, why)) << allowed;
  }
  for (const char* refused : {"http://203.0.113.7/x", "http://example.com/x", "ftp://127.0.0.1/x",
                              "http://169.254.169.254/latest"}) {
    EXPECT_FALSE(IsAllowedContainerUri(refused, why)) << refused;
  }
}

TEST(ChooseCredentialsSource, NamesEveryVariableWhenNothingIsThere) {
  auto chosen = ChooseCredentialsSource(LookupFrom({}));
  ASSERT_FALSE(chosen.ok());
  EXPECT_THAT(chosen.error().message, HasSubstr("AWS_ACCESS_KEY_ID"));
  EXPECT_THAT(chosen.error().message, HasSubstr("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
}

TEST(ContainerCredentialsSource, SendsTheRawTokenAndReadsTheAnswer) {
  ScriptedHttp http;
  http.answers.push_back(Credentials200("AKID1", "2026-12-02T01:00:00Z"));
  ContainerCredentialsSource source(
      Container("http://127.0.0.1:9001/2021-04-23/credentials", "raw-token"), http);

  auto fetched = source.Fetch(milliseconds(500));

  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  EXPECT_EQ(fetched->credentials.access_key_id, "AKID1");
  EXPECT_EQ(fetched->credentials.session_token, "token-AKID1");
  EXPECT_EQ(*fetched->expiration, system_clock::time_point(seconds(1796173200)));
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(http.requests[0].method, "GET");
  ASSERT_EQ(http.requests[0].headers.size(), 1u);
  EXPECT_EQ(http.requests[0].headers[0].name, "Authorization");
  EXPECT_EQ(http.requests[0].headers[0].value, "raw-token");  // no "Bearer"
}

TEST(ContainerCredentialsSource, ReadsTheTokenFileAtEachFetch) {
  const std::string path = ::testing::TempDir() + "/container-token";
  std::ofstream(path) << "token-one\n";
  ScriptedHttp http;
  http.answers.push_back(Credentials200("A", "2026-12-02T01:00:00Z"));
  http.answers.push_back(Credentials200("B", "2026-12-02T01:00:00Z"));
  CredentialsSourceSettings settings = Container("http://127.0.0.1:1/c", "ignored");
  settings.container_token_file = path;
  ContainerCredentialsSource source(settings, http);
  ASSERT_TRUE(source.Fetch(milliseconds(100)).ok());
  std::ofstream(path) << "token-two";
  ASSERT_TRUE(source.Fetch(milliseconds(100)).ok());
  EXPECT_EQ(http.requests[0].headers[0].value, "token-one");
  EXPECT_EQ(http.requests[1].headers[0].value, "token-two");
  std::remove(path.c_str());
}

TEST(ContainerCredentialsSource, ARefusedTokenIsNamedWithoutItsValue) {
  ScriptedHttp http;
  http.answers.push_back({.status = 401, .body = "", .headers = {}, .transport = {}});
  ContainerCredentialsSource source(Container("http://127.0.0.1:1/c", "secret-token"), http);
  auto fetched = source.Fetch(milliseconds(100));
  ASSERT_FALSE(fetched.ok());
  EXPECT_THAT(fetched.error().message, HasSubstr("401"));
  EXPECT_THAT(fetched.error().message, Not(HasSubstr("secret-token")));
}

TEST(ParseContainerCredentials, RefusesAnswersWithoutKeys) {
  EXPECT_FALSE(ParseContainerCredentials("not json").ok());
  EXPECT_FALSE(ParseContainerCredentials(R"({"AccessKeyId":"A"})").ok());
  EXPECT_FALSE(
      ParseContainerCredentials(R"({"AccessKeyId":"A","SecretAccessKey":"s","Expiration":"soon"})")
          .ok());
}

TEST(ParseIso8601, ReadsTheFormsTheEndpointsUse) {
  const auto expected = system_clock::time_point(seconds(1796173200));
  EXPECT_EQ(ParseIso8601("2026-12-02T01:00:00Z"), expected);
  EXPECT_EQ(ParseIso8601("2026-12-02T01:00:00.123Z"), expected);
  EXPECT_EQ(ParseIso8601("2026-12-02T01:00:00+00:00"), expected);
  EXPECT_FALSE(ParseIso8601("2026-12-02 01:00").has_value());
}

class ProviderTest : public ::testing::Test {
 protected:
  CredentialsProvider Provider() {
    return CredentialsProvider(
        std::make_unique<ContainerCredentialsSource>(Container("http://127.0.0.1:1/c", "t"), http_),
        [this] { return now_; });
  }
  ScriptedHttp http_;
  system_clock::time_point now_ = system_clock::time_point(seconds(1796169600));  // 00:00:00Z
};

TEST_F(ProviderTest, RefreshesAheadOfExpiry) {
  // A set that lives an hour is replaced 5 minutes before it expires.
  http_.answers.push_back(Credentials200("A", "2026-12-02T01:00:00Z"));
  http_.answers.push_back(Credentials200("B", "2026-12-02T02:00:00Z"));
  CredentialsProvider provider = Provider();
  EXPECT_EQ(provider.Get(milliseconds(100))->access_key_id, "A");
  now_ += std::chrono::minutes(54);
  EXPECT_EQ(provider.Get(milliseconds(100))->access_key_id, "A");
  now_ += std::chrono::minutes(2);
  EXPECT_EQ(provider.Get(milliseconds(100))->access_key_id, "B");
  EXPECT_EQ(provider.refreshes(), 1u);
}

TEST_F(ProviderTest, ShortLivedSetsAreReplacedInTheLastQuarterOfTheirLife) {
  EXPECT_EQ(CredentialsProvider::RefreshMargin(seconds(4)), milliseconds(1000));
  EXPECT_EQ(CredentialsProvider::RefreshMargin(std::chrono::hours(6)), std::chrono::minutes(5));
}

TEST_F(ProviderTest, KeepsAValidSetWhenARefreshFails) {
  http_.answers.push_back(Credentials200("A", "2026-12-02T01:00:00Z"));
  http_.answers.push_back(
      {.status = 0, .body = "", .headers = {}, .transport = {"refused", ErrorKind::kConnect}});
  CredentialsProvider provider = Provider();
  ASSERT_TRUE(provider.Get(milliseconds(100)).ok());
  now_ += std::chrono::minutes(57);  // inside the margin, before expiry
  auto credentials = provider.Get(milliseconds(100));
  ASSERT_TRUE(credentials.ok());
  EXPECT_EQ(credentials->access_key_id, "A");
  EXPECT_THAT(provider.last_refresh_error(), HasSubstr("refused"));
}

TEST_F(ProviderTest, AnInvalidatedSetIsNeverUsedAgain) {
  http_.answers.push_back(Credentials200("A", "2026-12-02T01:00:00Z"));
  http_.answers.push_back(
      {.status = 0, .body = "", .headers = {}, .transport = {"refused", ErrorKind::kConnect}});
  http_.answers.push_back(Credentials200("B", "2026-12-02T01:00:00Z"));
  CredentialsProvider provider = Provider();
  ASSERT_TRUE(provider.Get(milliseconds(100)).ok());
  provider.Invalidate();  // a SnapStart restore: the snapshot's set is dead
  EXPECT_FALSE(provider.Get(milliseconds(100)).ok());
  provider.Invalidate();
  EXPECT_EQ(provider.Get(milliseconds(100))->access_key_id, "B");
}

}  // namespace
}  // namespace tk::aws
