// Kinesis endpoint resolution (overrides, partitions, validation) and stream ARN parsing.
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
    const Result<Endpoint> endpoint =
        ResolveKinesisEndpoint(c.region, c.endpoint_url_kinesis, c.endpoint_url);
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
      {"US-EAST-1", "", "", {"AWS_REGION", "US-EAST-1"}},
      {"useast1", "", "", {"AWS_REGION"}},
      {"us-east-", "", "", {"AWS_REGION"}},
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
    const Result<Endpoint> endpoint =
        ResolveKinesisEndpoint(c.region, c.endpoint_url_kinesis, c.endpoint_url);
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
      ResolveKinesisEndpoint("us-east-1", "https://user:hunter2@host", "");
  ASSERT_FALSE(endpoint.ok());
  EXPECT_EQ(endpoint.error().message.find("hunter2"), std::string::npos);
  EXPECT_NE(endpoint.error().message.find("AWS_ENDPOINT_URL_KINESIS"), std::string::npos);
}

TEST(IsValidRegionName, AcceptsAwsShapedNamesOnly) {
  for (std::string_view good :
       {"us-east-1", "ap-southeast-5", "us-gov-west-1", "us-isob-east-1", "eu-isoe-west-1"}) {
    EXPECT_TRUE(IsValidRegionName(good)) << good;
  }
  for (std::string_view bad : {"", "us", "us-east", "us-east-x", "u-east-1", "us--1", "us_east_1",
                               "us-east-1 ", "aws-global-1x"}) {
    EXPECT_FALSE(IsValidRegionName(bad)) << bad;
  }
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
      {"arn:aws:kinesis:useast1:123456789012:stream/s", "region"},
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
