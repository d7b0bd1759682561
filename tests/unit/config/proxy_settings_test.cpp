// Tests the proxy variables: URL parsing (credentials, defaults, refusals that never echo a
// password), NO_PROXY matching as curl and the SDKs match, and which variable wins.
#include "config/proxy_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config/config.h"

namespace tk::config {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPassword[] = "s3cr3t-pa55word";

ProxyUrl MustParse(std::string_view value) {
  auto parsed = ParseProxyUrl(value, "HTTPS_PROXY");
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : ProxyUrl{};
}

std::string ErrorOf(std::string_view value) {
  auto parsed = ParseProxyUrl(value, "HTTPS_PROXY");
  EXPECT_FALSE(parsed.ok()) << value;
  return parsed.ok() ? "" : parsed.error().message;
}

NoProxyList MustParseList(std::string_view value) {
  auto parsed = NoProxyList::Parse(value, "NO_PROXY");
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : NoProxyList{};
}

TEST(ProxyUrlTest, ReadsHostAndPort) {
  const ProxyUrl proxy = MustParse("http://proxy.internal:3128");
  EXPECT_EQ(proxy.host, "proxy.internal");
  EXPECT_EQ(proxy.port, 3128);
  EXPECT_FALSE(proxy.has_credentials());
  EXPECT_EQ(proxy.Display(), "http://proxy.internal:3128");
}

TEST(ProxyUrlTest, DefaultsToPort80AndAcceptsTrailingSlashAndUpperCase) {
  const ProxyUrl proxy = MustParse("HTTP://Proxy.Internal/");
  EXPECT_EQ(proxy.host, "proxy.internal");
  EXPECT_EQ(proxy.port, 80);
}

TEST(ProxyUrlTest, ReadsAValueWithoutSchemeAsHttpAsBotocoreDoes) {
  const ProxyUrl proxy = MustParse("10.0.0.5:8080");
  EXPECT_EQ(proxy.host, "10.0.0.5");
  EXPECT_EQ(proxy.port, 8080);
}

TEST(ProxyUrlTest, ReadsBracketedIpv6) {
  const ProxyUrl proxy = MustParse("http://[::1]:3128");
  EXPECT_EQ(proxy.host, "::1");
  EXPECT_EQ(proxy.Display(), "http://[::1]:3128");
}

TEST(ProxyUrlTest, PercentDecodesCredentialsAndKeepsThemOutOfDisplay) {
  const ProxyUrl proxy = MustParse("http://us%65r%40corp:p%40ss%3Aw0rd@proxy:3128");
  EXPECT_EQ(proxy.username, "user@corp");
  EXPECT_EQ(proxy.password, "p@ss:w0rd");
  EXPECT_TRUE(proxy.has_credentials());
  EXPECT_EQ(proxy.Display(), "http://proxy:3128");
}

TEST(ProxyUrlTest, TheLastAtSignEndsTheUserInformation) {
  const ProxyUrl proxy = MustParse("http://user:p@ss/word@proxy:3128");
  EXPECT_EQ(proxy.password, "p@ss/word");
  EXPECT_EQ(proxy.host, "proxy");
}

TEST(ProxyUrlTest, UserWithoutPassword) {
  const ProxyUrl proxy = MustParse("http://user@proxy:3128");
  EXPECT_EQ(proxy.username, "user");
  EXPECT_EQ(proxy.password, "");
  EXPECT_TRUE(proxy.has_credentials());
}

TEST(ProxyUrlTest, RefusesOtherSchemesNamingTheVariable) {
  EXPECT_THAT(ErrorOf("https://proxy:3128"),
              AllOf(HasSubstr("HTTPS_PROXY"), HasSubstr("scheme must be http")));
  EXPECT_THAT(ErrorOf("socks5://proxy:1080"), HasSubstr("scheme must be http"));
}

TEST(ProxyUrlTest, RefusesMalformedValuesWithoutEchoingThePassword) {
  const std::string with_password = std::string("user:") + kPassword;
  for (const std::string& value : {
           "https://" + with_password + "@proxy:3128",
           "http://" + with_password + "@proxy:99999",
           "http://" + with_password + "@proxy:3128/path",
           "http://" + with_password + "@proxy:3128?q=1",
           "http://" + with_password + "@",
           "http://" + with_password + "@bad host:3128",
           "http://user:bad%zzpass" + std::string(kPassword) + "@proxy:3128",
           "http://" + with_password + "@[::1:3128",
       }) {
    const std::string error = ErrorOf(value);
    EXPECT_THAT(error, AllOf(HasSubstr("HTTPS_PROXY"), Not(HasSubstr(kPassword)))) << value;
  }
}

TEST(NoProxyTest, NamesMatchThemselvesAndSubdomainsWithOrWithoutALeadingDot) {
  const NoProxyList list = MustParseList("example.com, .internal.test");
  EXPECT_TRUE(list.Matches("example.com", 443));
  EXPECT_TRUE(list.Matches("kinesis.example.com", 443));
  EXPECT_TRUE(list.Matches("internal.test", 443));
  EXPECT_TRUE(list.Matches("a.b.internal.test", 443));
  EXPECT_FALSE(list.Matches("notexample.com", 443));
  EXPECT_FALSE(list.Matches("example.com.evil", 443));
}

TEST(NoProxyTest, MatchesCaseInsensitivelyAndIgnoresTrailingDots) {
  const NoProxyList list = MustParseList("Example.COM.");
  EXPECT_TRUE(list.Matches("KINESIS.example.com.", 443));
}

TEST(NoProxyTest, StarAloneMatchesEverything) {
  EXPECT_TRUE(MustParseList("*").Matches("kinesis.us-east-1.amazonaws.com", 443));
  EXPECT_TRUE(MustParseList("localhost, *").Matches("10.1.2.3", 80));
}

TEST(NoProxyTest, StarDotIsADomainSuffix) {
  const NoProxyList list = MustParseList("*.amazonaws.com");
  EXPECT_TRUE(list.Matches("kinesis.us-east-1.amazonaws.com", 443));
  EXPECT_FALSE(list.Matches("amazonaws.co", 443));
}

TEST(NoProxyTest, AnEntryWithAPortMatchesOnlyThatPort) {
  const NoProxyList list = MustParseList("localhost:4567,[::1]:443");
  EXPECT_TRUE(list.Matches("localhost", 4567));
  EXPECT_FALSE(list.Matches("localhost", 443));
  EXPECT_TRUE(list.Matches("[::1]", 443));
  EXPECT_FALSE(list.Matches("::1", 80));
}

TEST(NoProxyTest, IpLiteralsMatchOnlyTheSameAddress) {
  const NoProxyList list = MustParseList("127.0.0.1,::1,0.0.1");
  EXPECT_TRUE(list.Matches("127.0.0.1", 443));
  EXPECT_TRUE(list.Matches("[0:0::1]", 443));
  EXPECT_FALSE(list.Matches("127.0.0.2", 443));
  // "0.0.1" is a name entry: it is no suffix of an address.
  EXPECT_FALSE(MustParseList("0.0.1").Matches("10.0.0.1", 443));
}

TEST(NoProxyTest, IpPrefixesMatchTheirRange) {
  const NoProxyList list = MustParseList("10.0.0.0/8, 169.254.169.254/32, fd00::/8");
  EXPECT_TRUE(list.Matches("10.200.3.4", 443));
  EXPECT_FALSE(list.Matches("11.0.0.1", 443));
  EXPECT_TRUE(list.Matches("169.254.169.254", 80));
  EXPECT_TRUE(list.Matches("[fd12::5]", 443));
  EXPECT_FALSE(list.Matches("[fe80::1]", 443));
  EXPECT_FALSE(list.Matches("ten.example", 443));
}

TEST(NoProxyTest, EmptyEntriesAreSkipped) {
  const NoProxyList list = MustParseList(" , localhost,,");
  EXPECT_TRUE(list.Matches("localhost", 80));
  EXPECT_FALSE(list.Matches("example.com", 80));
}

TEST(NoProxyTest, RefusesMalformedEntriesNamingTheVariableAndEntry) {
  for (const char* value :
       {"localhost:0", "host:abc", "10.0.0.0/33", "bad/8", "sp ace.com", "[::1"}) {
    auto parsed = NoProxyList::Parse(value, "no_proxy");
    ASSERT_FALSE(parsed.ok()) << value;
    EXPECT_THAT(parsed.error().message, HasSubstr("no_proxy")) << value;
  }
}

Environment With(std::map<std::string, std::string, std::less<>> variables) {
  return Environment(std::move(variables));
}

// ChooseProxy for the endpoint of `url`, parsed as the loader does.
ProxyChoice ChooseProxyFor(const Environment& environment, std::string_view url) {
  return ChooseProxy(environment, aws::ParseEndpointUrl(url, "endpoint").value());
}

TEST(ChooseProxyTest, HttpsEndpointUsesHttpsProxyNotHttpProxy) {
  const ProxyChoice choice = ChooseProxyFor(
      With({{"HTTPS_PROXY", "http://tls-proxy:3128"}, {"HTTP_PROXY", "http://plain-proxy:3128"}}),
      "https://kinesis.eu-west-1.amazonaws.com");
  ASSERT_TRUE(choice.proxy.has_value());
  EXPECT_EQ(choice.proxy->host, "tls-proxy");
  EXPECT_FALSE(
      ChooseProxyFor(With({{"HTTP_PROXY", "http://plain-proxy:3128"}}), "https://kinesis.test")
          .proxy.has_value());
}

TEST(ChooseProxyTest, HttpEndpointUsesHttpProxy) {
  const ProxyChoice choice =
      ChooseProxyFor(With({{"HTTPS_PROXY", "http://tls-proxy:3128"}, {"http_proxy", "plain:8080"}}),
                     "http://127.0.0.1:4567");
  ASSERT_TRUE(choice.proxy.has_value());
  EXPECT_EQ(choice.proxy->host, "plain");
}

TEST(ChooseProxyTest, LowercaseWinsAsTheAwsCliAndJavaSdkDo) {
  const ProxyChoice choice = ChooseProxyFor(
      With({{"https_proxy", "http://lower:1"}, {"HTTPS_PROXY", "http://upper:2"}}), "https://k");
  ASSERT_TRUE(choice.proxy.has_value());
  EXPECT_EQ(choice.proxy->host, "lower");
  // no_proxy wins over NO_PROXY the same way.
  EXPECT_FALSE(ChooseProxyFor(
                   With({{"HTTPS_PROXY", "http://p:1"}, {"no_proxy", "k"}, {"NO_PROXY", "other"}}),
                   "https://k")
                   .proxy.has_value());
}

TEST(ChooseProxyTest, NoProxyNamingTheEndpointMeansDirect) {
  const Environment environment =
      With({{"HTTPS_PROXY", "http://proxy:3128"}, {"NO_PROXY", "localhost,.vpce.amazonaws.com"}});
  EXPECT_FALSE(ChooseProxyFor(environment, "https://localhost:4567").proxy.has_value());
  EXPECT_FALSE(
      ChooseProxyFor(environment, "https://vpce-1.kinesis.vpce.amazonaws.com/x").proxy.has_value());
  EXPECT_TRUE(
      ChooseProxyFor(environment, "https://kinesis.eu-west-1.amazonaws.com").proxy.has_value());
}

TEST(ChooseProxyTest, NoProxyPortIsTheEndpointsOrItsSchemesDefault) {
  const Environment environment =
      With({{"HTTPS_PROXY", "http://proxy:3128"}, {"NO_PROXY", "kinesis.test:443,[::1]:8443"}});
  EXPECT_FALSE(ChooseProxyFor(environment, "https://kinesis.test").proxy.has_value());
  EXPECT_TRUE(ChooseProxyFor(environment, "https://kinesis.test:8443").proxy.has_value());
  EXPECT_FALSE(ChooseProxyFor(environment, "https://[::1]:8443").proxy.has_value());
}

TEST(ChooseProxyTest, NoProxyAloneMeansNothingAndIsNotChecked) {
  const ProxyChoice choice = ChooseProxyFor(With({{"NO_PROXY", "host:bad"}}), "https://k");
  EXPECT_FALSE(choice.proxy.has_value());
  EXPECT_TRUE(choice.errors.empty());
}

TEST(ChooseProxyTest, ReportsBothVariablesProblemsAtOnce) {
  const ProxyChoice choice = ChooseProxyFor(
      With({{"https_proxy", std::string("https://u:") + kPassword + "@p"}, {"NO_PROXY", "h:0"}}),
      "https://k");
  EXPECT_FALSE(choice.proxy.has_value());
  ASSERT_EQ(choice.errors.size(), 2u);
  EXPECT_THAT(choice.errors[0], AllOf(HasSubstr("https_proxy"), Not(HasSubstr(kPassword))));
  EXPECT_THAT(choice.errors[1], HasSubstr("NO_PROXY"));
}

TEST(ConfigProxyTest, LoadConfigReadsTheProxyForTheEndpoint) {
  Environment environment({{"AWS_REGION", "eu-west-1"},
                           {"TELEMETRY_KINESIS_STREAM", "telemetry"},
                           {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                           {"AWS_SECRET_ACCESS_KEY", "secret"},
                           {"HTTPS_PROXY", std::string("http://u:") + kPassword + "@proxy:3128"}});
  LoadedConfig loaded = LoadConfig(environment, [](const std::string&) { return false; });
  ASSERT_TRUE(loaded.ok()) << loaded.errors.front();
  ASSERT_TRUE(loaded.config.proxy.has_value());
  EXPECT_EQ(loaded.config.proxy->Display(), "http://proxy:3128");
  EXPECT_EQ(loaded.config.proxy->password, kPassword);

  environment.Set("HTTPS_PROXY", std::string("ftp://u:") + kPassword + "@proxy");
  loaded = LoadConfig(environment, [](const std::string&) { return false; });
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.errors.front(), AllOf(HasSubstr("HTTPS_PROXY"), Not(HasSubstr(kPassword))));
}

}  // namespace
}  // namespace tk::config
