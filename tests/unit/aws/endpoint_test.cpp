// Kinesis endpoint resolution (overrides, partitions, validation, how it was chosen, errors) and
// stream ARN parsing. endpoint_rules_test.cpp holds the rule set's own test cases.
#include "aws/endpoint.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tk::aws {
namespace {

struct ResolveCase {
  std::string_view description;
  std::string_view region;
  std::string_view endpoint_url_kinesis;
  std::string_view endpoint_url;
  std::string_view url;          // expected, when ok
  std::string_view host_header;  // expected, when ok
  std::string_view path;         // expected, when ok
  bool tls;
};

const ResolveCase kResolveCases[] = {
    {"commercial region default", "us-east-1", "", "", "https://kinesis.us-east-1.amazonaws.com",
     "kinesis.us-east-1.amazonaws.com", "/", true},
    {"China partition suffix", "cn-north-1", "", "", "https://kinesis.cn-north-1.amazonaws.com.cn",
     "kinesis.cn-north-1.amazonaws.com.cn", "/", true},
    {"GovCloud uses amazonaws.com", "us-gov-west-1", "", "",
     "https://kinesis.us-gov-west-1.amazonaws.com", "kinesis.us-gov-west-1.amazonaws.com", "/",
     true},
    {"ISO partition suffix", "us-iso-east-1", "", "", "https://kinesis.us-iso-east-1.c2s.ic.gov",
     "kinesis.us-iso-east-1.c2s.ic.gov", "/", true},
    {"ISO-B partition suffix", "us-isob-east-1", "", "",
     "https://kinesis.us-isob-east-1.sc2s.sgov.gov", "kinesis.us-isob-east-1.sc2s.sgov.gov", "/",
     true},
    {"European Sovereign Cloud suffix", "eusc-de-east-1", "", "",
     "https://kinesis.eusc-de-east-1.amazonaws.eu", "kinesis.eusc-de-east-1.amazonaws.eu", "/",
     true},
    {"a region no partition knows resolves as aws", "xx-new-1", "", "",
     "https://kinesis.xx-new-1.amazonaws.com", "kinesis.xx-new-1.amazonaws.com", "/", true},
    {"service-specific override wins", "us-east-1", "http://localhost:4567", "https://global:9000",
     "http://localhost:4567", "localhost:4567", "/", false},
    {"global override when no service-specific one", "eu-west-1", "", "https://vpce.example.com",
     "https://vpce.example.com", "vpce.example.com", "/", true},
    {"default port omitted from Host", "us-east-1", "https://kinesis.local:443/", "",
     "https://kinesis.local", "kinesis.local", "/", true},
    {"path and scheme case kept sane", "us-east-1", "HTTP://LocalHost:8080/prefix", "",
     "http://localhost:8080/prefix", "localhost:8080", "/prefix", false},
    {"IPv6 literal host", "us-east-1", "http://[::1]:4567", "", "http://[::1]:4567", "[::1]:4567",
     "/", false},
};

TEST(ResolveKinesisEndpoint, FollowsOverridePrecedenceAndPartitionSuffixes) {
  for (const ResolveCase& c : kResolveCases) {
    const Result<Endpoint> endpoint = ResolveKinesisEndpoint(
        {c.region, false, false, c.endpoint_url_kinesis, c.endpoint_url, ""});
    ASSERT_TRUE(endpoint.ok()) << c.description << ": " << endpoint.error().message;
    EXPECT_EQ(endpoint->url, c.url) << c.description;
    EXPECT_EQ(endpoint->host_header, c.host_header) << c.description;
    EXPECT_EQ(endpoint->path, c.path) << c.description;
    EXPECT_EQ(endpoint->tls, c.tls) << c.description;
  }
}

struct RejectCase {
  std::string_view region;
  std::string_view endpoint_url_kinesis;
  std::string_view endpoint_url;
  std::vector<std::string_view> message_contains;
};

TEST(ResolveKinesisEndpoint, RejectsBadInputNamingTheVariable) {
  const RejectCase cases[] = {
      {"", "", "", {"AWS_REGION is not set"}},
      {"us_east_1", "", "", {"AWS_REGION", "us_east_1"}},
      {"-us-east-1", "", "", {"AWS_REGION"}},
      {"us-east-", "", "", {"AWS_REGION"}},
      {"123", "", "", {"AWS_REGION"}},
      {"us-east-1", "ftp://host", "", {"AWS_ENDPOINT_URL_KINESIS", "http or https"}},
      {"us-east-1", "", "localhost:4567", {"AWS_ENDPOINT_URL", "not a URL"}},
      {"us-east-1", "http://", "", {"AWS_ENDPOINT_URL_KINESIS", "no host"}},
      {"us-east-1", "http://:4567", "", {"AWS_ENDPOINT_URL_KINESIS", "no host"}},
      {"us-east-1", "http://host:0", "", {"port"}},
      {"us-east-1", "http://host:65536", "", {"port"}},
      {"us-east-1", "http://host:", "", {"port"}},
      {"us-east-1", "http://host:80x", "", {"port"}},
      {"us-east-1", "http://host/?a=b", "", {"query"}},
      {"us-east-1", "http://ho st", "", {"whitespace"}},
      {"us-east-1", "http://h*st", "", {"host"}},
      {"us-east-1", "http://[::1", "", {"IPv6"}},
      {"", "ftp://x", "", {"AWS_REGION is not set", "AWS_ENDPOINT_URL_KINESIS"}},
  };
  for (const RejectCase& c : cases) {
    const Result<Endpoint> endpoint = ResolveKinesisEndpoint(
        {c.region, false, false, c.endpoint_url_kinesis, c.endpoint_url, ""});
    ASSERT_FALSE(endpoint.ok()) << c.region << " " << c.endpoint_url_kinesis << " "
                                << c.endpoint_url << " -> " << endpoint->url;
    for (std::string_view part : c.message_contains) {
      EXPECT_NE(endpoint.error().message.find(part), std::string::npos)
          << "\"" << endpoint.error().message << "\" lacks \"" << part << "\"";
    }
  }
}

TEST(ResolveKinesisEndpoint, NeverEchoesUserInformationFromTheUrl) {
  const Result<Endpoint> endpoint =
      ResolveKinesisEndpoint({"us-east-1", false, false, "https://user:hunter2@host", "", ""});
  ASSERT_FALSE(endpoint.ok());
  EXPECT_EQ(endpoint.error().message.find("hunter2"), std::string::npos);
  EXPECT_NE(endpoint.error().message.find("AWS_ENDPOINT_URL_KINESIS"), std::string::npos);
}

TEST(ResolveKinesisEndpoint, SaysHowTheEndpointWasChosen) {
  const auto chosen_by = [](const KinesisEndpointSettings& settings) {
    const Result<Endpoint> endpoint = ResolveKinesisEndpoint(settings);
    return endpoint.ok() ? endpoint->chosen_by : "error: " + endpoint.error().message;
  };
  EXPECT_EQ(chosen_by({"us-east-1", false, false, "http://localhost:4567", "http://x", ""}),
            "AWS_ENDPOINT_URL_KINESIS");
  EXPECT_EQ(chosen_by({"us-east-1", false, false, "", "http://x", ""}), "AWS_ENDPOINT_URL");
  EXPECT_EQ(chosen_by({"us-east-1", true, false, "", "", ""}), "aws partition, FIPS");
  EXPECT_EQ(chosen_by({"us-gov-west-1", true, true, "", "", ""}),
            "aws-us-gov partition, FIPS, dual-stack");
  EXPECT_EQ(chosen_by({"eu-west-1", false, false, "", "",
                       "arn:aws:kinesis:eu-west-1:123456789012:stream/s"}),
            "aws partition, the stream's account endpoint");
  EXPECT_EQ(chosen_by({"xx-new-1", false, false, "", "", ""}),
            "aws partition (no partition lists the region)");
}

TEST(ResolveKinesisEndpoint, NamesTheSettingsARuleSetErrorFollowsFrom) {
  const Result<Endpoint> fips_and_override =
      ResolveKinesisEndpoint({"us-east-1", true, false, "http://localhost:4567", "", ""});
  ASSERT_FALSE(fips_and_override.ok());
  EXPECT_EQ(fips_and_override.error().message,
            "Kinesis endpoint rules (region us-east-1, AWS_USE_FIPS_ENDPOINT=true, "
            "AWS_ENDPOINT_URL_KINESIS): Invalid Configuration: FIPS and custom endpoint are not "
            "supported");

  const Result<Endpoint> dual_stack_and_override =
      ResolveKinesisEndpoint({"us-east-1", false, true, "", "http://localhost:4567", ""});
  ASSERT_FALSE(dual_stack_and_override.ok());
  EXPECT_NE(dual_stack_and_override.error().message.find(
                "AWS_USE_DUALSTACK_ENDPOINT=true, AWS_ENDPOINT_URL): Invalid Configuration: "
                "Dualstack and custom endpoint are not supported"),
            std::string::npos)
      << dual_stack_and_override.error().message;

  const Result<Endpoint> mismatch =
      ResolveKinesisEndpoint({"us-gov-west-1", false, false, "", "",
                              "arn:aws:kinesis:us-gov-west-1:123456789012:stream/s"});
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message.find("TELEMETRY_KINESIS_STREAM=arn:aws:kinesis:"),
            std::string::npos)
      << mismatch.error().message;
  EXPECT_NE(mismatch.error().message.find(
                "Partition: aws from ARN doesn't match with partition name: aws-us-gov."),
            std::string::npos)
      << mismatch.error().message;
}

TEST(IsValidRegionName, AcceptsWhatBotocoreAccepts) {
  // botocore's validate_region_name: a host label, not all digits. Regions no partition knows
  // are valid: the rule set resolves them with the aws partition.
  const std::string longest(63, 'a');
  const std::string_view good[] = {"us-east-1",
                                   "ap-southeast-5",
                                   "us-gov-west-1",
                                   "us-isob-east-1",
                                   "eu-isoe-west-1",
                                   "eusc-de-east-1",
                                   "aws-global",
                                   "xx-new-1",
                                   "local",
                                   "US-EAST-1",
                                   "1a",
                                   longest};
  for (std::string_view region : good) EXPECT_TRUE(IsValidRegionName(region)) << region;
  const std::string too_long(64, 'a');
  const std::string_view bad[] = {"",    "us_east_1", "us-east-1 ", "-us-east-1", "us-east-",
                                  "123", "us.east.1", "us/east",    too_long};
  for (std::string_view region : bad) EXPECT_FALSE(IsValidRegionName(region)) << region;
}

TEST(ParseStreamArn, SplitsPartitionRegionAccountAndStreamName) {
  const Result<StreamArn> arn =
      ParseStreamArn("arn:aws:kinesis:us-east-1:123456789012:stream/my-stream");
  ASSERT_TRUE(arn.ok()) << arn.error().message;
  EXPECT_EQ(arn->partition, "aws");
  EXPECT_EQ(arn->region, "us-east-1");
  EXPECT_EQ(arn->account_id, "123456789012");
  EXPECT_EQ(arn->stream_name, "my-stream");
}

TEST(ParseStreamArn, AcceptsEveryPartition) {
  for (std::string_view arn_text : {"arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s.1",
                                    "arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/s_2",
                                    "arn:aws-iso-b:kinesis:us-isob-east-1:123456789012:stream/S"}) {
    const Result<StreamArn> arn = ParseStreamArn(arn_text);
    EXPECT_TRUE(arn.ok()) << arn_text << ": " << (arn.ok() ? "" : arn.error().message);
  }
}

TEST(ParseStreamArn, RejectsWhatIsNotAKinesisStreamArn) {
  const std::string long_name(129, 'a');
  const std::string too_long = "arn:aws:kinesis:us-east-1:123456789012:stream/" + long_name;
  const std::vector<std::pair<std::string, std::string_view>> cases = {
      {"my-stream", "not a Kinesis stream ARN"},
      {"arn:aws:sqs:us-east-1:123456789012:stream/s", "not a Kinesis stream ARN"},
      {"arn:aws:kinesis:us-east-1:123456789012:consumer/s", "not a Kinesis stream ARN"},
      {"arn:aws:kinesis:us-east-1:123456789012:stream/a:b", "not a Kinesis stream ARN"},
      {"arn:azure:kinesis:us-east-1:123456789012:stream/s", "partition"},
      {"arn:aws:kinesis:us_east_1:123456789012:stream/s", "region"},
      {"arn:aws:kinesis:us-east-1:12345:stream/s", "account id"},
      {"arn:aws:kinesis:us-east-1:123456789012:stream/", "stream name"},
      {"arn:aws:kinesis:us-east-1:123456789012:stream/a/b", "stream name"},
      {too_long, "stream name"},
  };
  for (const auto& [text, reason] : cases) {
    const Result<StreamArn> arn = ParseStreamArn(text);
    ASSERT_FALSE(arn.ok()) << text;
    EXPECT_NE(arn.error().message.find(reason), std::string::npos) << arn.error().message;
  }
}

}  // namespace
}  // namespace tk::aws
