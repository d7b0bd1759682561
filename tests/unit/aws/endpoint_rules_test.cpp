// Kinesis endpoint rules: botocore's own test cases for what PutRecords sends, then every
// partition with FIPS and dual-stack, by stream name and by stream ARN.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

#include "aws/endpoint.h"
#include "aws/kinesis_endpoint_rules.h"
#include "aws/partitions.h"

namespace tk::aws {
namespace {

struct RuleSetCase {
  int index;  // the test case's position in testCases
  std::string_view documentation;
  std::string_view region;
  bool use_fips;
  bool use_dual_stack;
  std::string_view endpoint;
  std::string_view stream_arn;
  std::string_view url;    // expect.endpoint.url, or empty
  std::string_view error;  // expect.error, or empty
  // ResolveKinesisEndpoint's error where it differs on purpose: it needs a region to sign with.
  std::string_view ours;
};

// Transcribed from botocore's tests/functional/endpoint-rules/kinesis/endpoint-tests-1.json at
// botocore commit 0e6e2404b85dc336dd2889814e089bde7d1a4c55 (the file last changed in 1a0813ab):
// the 70 of its 189 test cases whose parameters are among those PutRecords sets (Region, UseFIPS,
// UseDualStack, Endpoint; StreamARN with OperationType "data"). Left out: #58, #60, #63, #64 and
// #66, whose outcome OperationType unset or "control" decides, and #75-#188, which set
// ConsumerARN, ResourceARN or StreamId (PutRecords never does).
const RuleSetCase kRuleSetCases[] = {
    {0, "For region af-south-1 with FIPS disabled and DualStack disabled", "af-south-1", false,
     false, "", "", "https://kinesis.af-south-1.amazonaws.com", "", ""},
    {1, "For region ap-east-1 with FIPS disabled and DualStack disabled", "ap-east-1", false, false,
     "", "", "https://kinesis.ap-east-1.amazonaws.com", "", ""},
    {2, "For region ap-northeast-1 with FIPS disabled and DualStack disabled", "ap-northeast-1",
     false, false, "", "", "https://kinesis.ap-northeast-1.amazonaws.com", "", ""},
    {3, "For region ap-northeast-2 with FIPS disabled and DualStack disabled", "ap-northeast-2",
     false, false, "", "", "https://kinesis.ap-northeast-2.amazonaws.com", "", ""},
    {4, "For region ap-northeast-3 with FIPS disabled and DualStack disabled", "ap-northeast-3",
     false, false, "", "", "https://kinesis.ap-northeast-3.amazonaws.com", "", ""},
    {5, "For region ap-south-1 with FIPS disabled and DualStack disabled", "ap-south-1", false,
     false, "", "", "https://kinesis.ap-south-1.amazonaws.com", "", ""},
    {6, "For region ap-southeast-1 with FIPS disabled and DualStack disabled", "ap-southeast-1",
     false, false, "", "", "https://kinesis.ap-southeast-1.amazonaws.com", "", ""},
    {7, "For region ap-southeast-2 with FIPS disabled and DualStack disabled", "ap-southeast-2",
     false, false, "", "", "https://kinesis.ap-southeast-2.amazonaws.com", "", ""},
    {8, "For region ap-southeast-3 with FIPS disabled and DualStack disabled", "ap-southeast-3",
     false, false, "", "", "https://kinesis.ap-southeast-3.amazonaws.com", "", ""},
    {9, "For region ca-central-1 with FIPS disabled and DualStack disabled", "ca-central-1", false,
     false, "", "", "https://kinesis.ca-central-1.amazonaws.com", "", ""},
    {10, "For region eu-central-1 with FIPS disabled and DualStack disabled", "eu-central-1", false,
     false, "", "", "https://kinesis.eu-central-1.amazonaws.com", "", ""},
    {11, "For region eu-north-1 with FIPS disabled and DualStack disabled", "eu-north-1", false,
     false, "", "", "https://kinesis.eu-north-1.amazonaws.com", "", ""},
    {12, "For region eu-south-1 with FIPS disabled and DualStack disabled", "eu-south-1", false,
     false, "", "", "https://kinesis.eu-south-1.amazonaws.com", "", ""},
    {13, "For region eu-west-1 with FIPS disabled and DualStack disabled", "eu-west-1", false,
     false, "", "", "https://kinesis.eu-west-1.amazonaws.com", "", ""},
    {14, "For region eu-west-2 with FIPS disabled and DualStack disabled", "eu-west-2", false,
     false, "", "", "https://kinesis.eu-west-2.amazonaws.com", "", ""},
    {15, "For region eu-west-3 with FIPS disabled and DualStack disabled", "eu-west-3", false,
     false, "", "", "https://kinesis.eu-west-3.amazonaws.com", "", ""},
    {16, "For region me-south-1 with FIPS disabled and DualStack disabled", "me-south-1", false,
     false, "", "", "https://kinesis.me-south-1.amazonaws.com", "", ""},
    {17, "For region sa-east-1 with FIPS disabled and DualStack disabled", "sa-east-1", false,
     false, "", "", "https://kinesis.sa-east-1.amazonaws.com", "", ""},
    {18, "For region us-east-1 with FIPS disabled and DualStack disabled", "us-east-1", false,
     false, "", "", "https://kinesis.us-east-1.amazonaws.com", "", ""},
    {19, "For region us-east-1 with FIPS enabled and DualStack disabled", "us-east-1", true, false,
     "", "", "https://kinesis-fips.us-east-1.amazonaws.com", "", ""},
    {20, "For region us-east-2 with FIPS disabled and DualStack disabled", "us-east-2", false,
     false, "", "", "https://kinesis.us-east-2.amazonaws.com", "", ""},
    {21, "For region us-east-2 with FIPS enabled and DualStack disabled", "us-east-2", true, false,
     "", "", "https://kinesis-fips.us-east-2.amazonaws.com", "", ""},
    {22, "For region us-west-1 with FIPS disabled and DualStack disabled", "us-west-1", false,
     false, "", "", "https://kinesis.us-west-1.amazonaws.com", "", ""},
    {23, "For region us-west-1 with FIPS enabled and DualStack disabled", "us-west-1", true, false,
     "", "", "https://kinesis-fips.us-west-1.amazonaws.com", "", ""},
    {24, "For region us-west-2 with FIPS disabled and DualStack disabled", "us-west-2", false,
     false, "", "", "https://kinesis.us-west-2.amazonaws.com", "", ""},
    {25, "For region us-west-2 with FIPS enabled and DualStack disabled", "us-west-2", true, false,
     "", "", "https://kinesis-fips.us-west-2.amazonaws.com", "", ""},
    {26, "For region us-east-1 with FIPS enabled and DualStack enabled", "us-east-1", true, true,
     "", "", "https://kinesis-fips.us-east-1.api.aws", "", ""},
    {27, "For region us-east-1 with FIPS disabled and DualStack enabled", "us-east-1", false, true,
     "", "", "https://kinesis.us-east-1.api.aws", "", ""},
    {28, "For region cn-north-1 with FIPS disabled and DualStack disabled", "cn-north-1", false,
     false, "", "", "https://kinesis.cn-north-1.amazonaws.com.cn", "", ""},
    {29, "For region cn-northwest-1 with FIPS disabled and DualStack disabled", "cn-northwest-1",
     false, false, "", "", "https://kinesis.cn-northwest-1.amazonaws.com.cn", "", ""},
    {30, "For region cn-north-1 with FIPS enabled and DualStack enabled", "cn-north-1", true, true,
     "", "", "https://kinesis-fips.cn-north-1.api.amazonwebservices.com.cn", "", ""},
    {31, "For region cn-north-1 with FIPS enabled and DualStack disabled", "cn-north-1", true,
     false, "", "", "https://kinesis-fips.cn-north-1.amazonaws.com.cn", "", ""},
    {32, "For region cn-north-1 with FIPS disabled and DualStack enabled", "cn-north-1", false,
     true, "", "", "https://kinesis.cn-north-1.api.amazonwebservices.com.cn", "", ""},
    {33, "For region us-gov-east-1 with FIPS disabled and DualStack disabled", "us-gov-east-1",
     false, false, "", "", "https://kinesis.us-gov-east-1.amazonaws.com", "", ""},
    {34, "For region us-gov-east-1 with FIPS enabled and DualStack disabled", "us-gov-east-1", true,
     false, "", "", "https://kinesis.us-gov-east-1.amazonaws.com", "", ""},
    {35, "For region us-gov-west-1 with FIPS disabled and DualStack disabled", "us-gov-west-1",
     false, false, "", "", "https://kinesis.us-gov-west-1.amazonaws.com", "", ""},
    {36, "For region us-gov-west-1 with FIPS enabled and DualStack disabled", "us-gov-west-1", true,
     false, "", "", "https://kinesis.us-gov-west-1.amazonaws.com", "", ""},
    {37, "For region us-gov-east-1 with FIPS enabled and DualStack enabled", "us-gov-east-1", true,
     true, "", "", "https://kinesis-fips.us-gov-east-1.api.aws", "", ""},
    {38, "For region us-gov-east-1 with FIPS disabled and DualStack enabled", "us-gov-east-1",
     false, true, "", "", "https://kinesis.us-gov-east-1.api.aws", "", ""},
    {39, "For region us-iso-east-1 with FIPS disabled and DualStack disabled", "us-iso-east-1",
     false, false, "", "", "https://kinesis.us-iso-east-1.c2s.ic.gov", "", ""},
    {40, "For region us-iso-west-1 with FIPS disabled and DualStack disabled", "us-iso-west-1",
     false, false, "", "", "https://kinesis.us-iso-west-1.c2s.ic.gov", "", ""},
    {41, "For region us-iso-east-1 with FIPS enabled and DualStack disabled", "us-iso-east-1", true,
     false, "", "", "https://kinesis-fips.us-iso-east-1.c2s.ic.gov", "", ""},
    {42, "For region us-isob-east-1 with FIPS disabled and DualStack disabled", "us-isob-east-1",
     false, false, "", "", "https://kinesis.us-isob-east-1.sc2s.sgov.gov", "", ""},
    {43, "For region us-isob-east-1 with FIPS enabled and DualStack disabled", "us-isob-east-1",
     true, false, "", "", "https://kinesis-fips.us-isob-east-1.sc2s.sgov.gov", "", ""},
    {44, "For custom endpoint with region set and fips disabled and dualstack disabled",
     "us-east-1", false, false, "https://example.com", "", "https://example.com", "", ""},
    {45, "For custom endpoint with region not set and fips disabled and dualstack disabled", "",
     false, false, "https://example.com", "", "https://example.com", "", "AWS_REGION is not set"},
    {46, "For custom endpoint with fips enabled and dualstack disabled", "us-east-1", true, false,
     "https://example.com", "", "",
     "Invalid Configuration: FIPS and custom endpoint are not supported", ""},
    {47, "For custom endpoint with fips disabled and dualstack enabled", "us-east-1", false, true,
     "https://example.com", "", "",
     "Invalid Configuration: Dualstack and custom endpoint are not supported", ""},
    {48, "Missing region", "", false, false, "", "", "", "Invalid Configuration: Missing Region",
     "AWS_REGION is not set"},
    // OperationType unset in the test: not read before this outcome, so "data" gives it too
    {49, "Invalid ARN: Failed to parse ARN.", "us-east-1", false, false, "", "arn", "",
     "Invalid ARN: Failed to parse ARN.", ""},
    // OperationType unset in the test: not read before this outcome, so "data" gives it too
    {50, "Invalid ARN: partition missing from ARN.", "us-east-1", false, false, "",
     "arn::kinesis:us-west-2:123456789012:stream/testStream", "",
     "Invalid ARN: Failed to parse ARN.", ""},
    // OperationType unset in the test: not read before this outcome, so "data" gives it too
    {51, "Invalid ARN: partitions mismatch.", "us-gov-west-1", false, false, "",
     "arn:aws:kinesis:us-west-2:123456789012:stream/testStream", "",
     "Partition: aws from ARN doesn't match with partition name: aws-us-gov.", ""},
    // OperationType unset in the test: not read before this outcome, so "data" gives it too
    {52, "Invalid ARN: Not Kinesis", "us-east-1", false, false, "",
     "arn:aws:s3:us-west-2:123456789012:stream/testStream", "",
     "Invalid ARN: The ARN was not for the Kinesis service, found: s3.", ""},
    // OperationType unset in the test: not read before this outcome, so "data" gives it too
    {53, "Invalid ARN: Region is missing in ARN", "us-east-1", false, false, "",
     "arn:aws:kinesis::123456789012:stream/testStream", "", "Invalid ARN: Invalid region.", ""},
    // OperationType unset in the test: not read before this outcome, so "data" gives it too
    {54, "Invalid ARN: Region is empty string in ARN", "us-east-1", false, false, "",
     "arn:aws:kinesis:  :123456789012:stream/testStream", "", "Invalid ARN: Invalid region.", ""},
    // OperationType "control" in the test: not read before this outcome, so "data" gives it too
    {55, "Invalid ARN: Invalid account id", "us-east-1", false, false, "",
     "arn:aws:kinesis:us-east-1::stream/testStream", "", "Invalid ARN: Invalid account id.", ""},
    // OperationType "control" in the test: not read before this outcome, so "data" gives it too
    {56, "Invalid ARN: Invalid account id", "us-east-1", false, false, "",
     "arn:aws:kinesis:us-east-1:   :stream/testStream", "", "Invalid ARN: Invalid account id.", ""},
    // OperationType unset in the test: not read before this outcome, so "data" gives it too
    {57, "Invalid ARN: Kinesis ARNs only support stream arn types", "us-east-1", false, false, "",
     "arn:aws:kinesis:us-east-1:123:accesspoint/testStream", "",
     "Invalid ARN: Kinesis ARNs don't support `accesspoint` arn types.", ""},
    // OperationType "control" in the test: not read before this outcome, so "data" gives it too
    {59, "Custom Endpoint is specified", "us-east-1", false, false, "https://example.com",
     "arn:aws:kinesis:us-east-1:123:stream/test-stream", "https://example.com", "", ""},
    {61, "Account endpoint targeting data operation type", "us-east-1", false, false, "",
     "arn:aws:kinesis:us-east-1:123:stream/test-stream",
     "https://123.data-kinesis.us-east-1.amazonaws.com", "", ""},
    {62, "Account endpoint with fips targeting data operation type", "us-east-1", true, false, "",
     "arn:aws:kinesis:us-east-1:123:stream/test-stream",
     "https://123.data-kinesis-fips.us-east-1.amazonaws.com", "", ""},
    {65, "Account endpoint with Dual Stack enabled", "us-west-1", false, true, "",
     "arn:aws:kinesis:us-west-1:123:stream/test-stream",
     "https://123.data-kinesis.us-west-1.api.aws", "", ""},
    {67, "RegionMismatch: client region should be used for endpoint region", "us-east-1", false,
     false, "", "arn:aws:kinesis:us-west-1:123:stream/testStream",
     "https://123.data-kinesis.us-east-1.amazonaws.com", "", ""},
    {68, "Account endpoint with FIPS enabled", "cn-northwest-1", true, false, "",
     "arn:aws-cn:kinesis:cn-northwest-1:123:stream/test-stream",
     "https://123.data-kinesis-fips.cn-northwest-1.amazonaws.com.cn", "", ""},
    {69, "Account endpoint with FIPS and DualStack enabled for cn regions.", "cn-northwest-1", true,
     true, "", "arn:aws-cn:kinesis:cn-northwest-1:123:stream/test-stream",
     "https://123.data-kinesis-fips.cn-northwest-1.api.amazonwebservices.com.cn", "", ""},
    // OperationType "control" in the test: not read before this outcome, so "data" gives it too
    {70, "Account endpoint targeting control operation type in ADC regions", "us-iso-east-1", false,
     false, "", "arn:aws-iso:kinesis:us-iso-east-1:123:stream/test-stream",
     "https://kinesis.us-iso-east-1.c2s.ic.gov", "", ""},
    // OperationType "control" in the test: not read before this outcome, so "data" gives it too
    {71, "Account endpoint targeting control operation type in ADC regions", "us-iso-west-1", false,
     false, "", "arn:aws-iso:kinesis:us-iso-west-1:123:stream/test-stream",
     "https://kinesis.us-iso-west-1.c2s.ic.gov", "", ""},
    {72, "Account endpoint targeting data operation type in ADC regions", "us-isob-east-1", false,
     false, "", "arn:aws-iso-b:kinesis:us-isob-east-1:123:stream/test-stream",
     "https://kinesis.us-isob-east-1.sc2s.sgov.gov", "", ""},
    // OperationType "control" in the test: not read before this outcome, so "data" gives it too
    {73, "Account endpoint with fips targeting control operation type in ADC regions",
     "us-iso-east-1", true, false, "", "arn:aws-iso:kinesis:us-iso-east-1:123:stream/test-stream",
     "https://kinesis-fips.us-iso-east-1.c2s.ic.gov", "", ""},
    {74, "Account endpoint with fips targeting data operation type in ADC regions",
     "us-isob-east-1", true, false, "",
     "arn:aws-iso-b:kinesis:us-isob-east-1:123:stream/test-stream",
     "https://kinesis-fips.us-isob-east-1.sc2s.sgov.gov", "", ""},
};

KinesisRuleParams ParamsOf(const RuleSetCase& c) {
  return {c.region, c.use_fips, c.use_dual_stack, c.endpoint, c.stream_arn};
}

TEST(KinesisEndpointRules, GivesBotocoresExpectationForEveryTestCasePutRecordsCanMeet) {
  for (const RuleSetCase& c : kRuleSetCases) {
    const Result<KinesisRuleEndpoint> endpoint = EvaluateKinesisEndpointRules(ParamsOf(c));
    if (!c.url.empty()) {
      ASSERT_TRUE(endpoint.ok()) << "#" << c.index << " " << c.documentation << ": "
                                 << endpoint.error().message;
      EXPECT_EQ(endpoint->url, c.url) << "#" << c.index << " " << c.documentation;
    } else {
      ASSERT_FALSE(endpoint.ok()) << "#" << c.index << " " << c.documentation << " -> "
                                  << endpoint->url;
      EXPECT_EQ(endpoint.error().message, c.error) << "#" << c.index << " " << c.documentation;
    }
  }
}

TEST(ResolveKinesisEndpoint, AgreesWithTheRuleSetTestCasesTakingEndpointFromTheVariable) {
  for (const RuleSetCase& c : kRuleSetCases) {
    const KinesisEndpointSettings settings{c.region,   c.use_fips, c.use_dual_stack,
                                           c.endpoint, "",         c.stream_arn};
    const Result<Endpoint> endpoint = ResolveKinesisEndpoint(settings);
    const std::string_view error = c.ours.empty() ? c.error : c.ours;
    if (!error.empty()) {
      ASSERT_FALSE(endpoint.ok()) << "#" << c.index << " -> " << endpoint->url;
      EXPECT_NE(endpoint.error().message.find(error), std::string::npos)
          << "#" << c.index << ": " << endpoint.error().message;
      continue;
    }
    ASSERT_TRUE(endpoint.ok()) << "#" << c.index << ": " << endpoint.error().message;
    EXPECT_EQ(endpoint->url, c.url) << "#" << c.index;
    EXPECT_EQ("https://" + endpoint->host_header, c.url) << "#" << c.index;
    EXPECT_EQ(endpoint->path, "/") << "#" << c.index;
  }
}

struct PartitionCase {
  std::string_view partition;
  std::string_view region;
  bool use_fips;
  bool use_dual_stack;
  bool by_arn;  // TELEMETRY_KINESIS_STREAM=arn:<partition>:kinesis:<region>:123456789012:stream/...
  std::string_view url;
};

// One region of each partition in partitions.json (same botocore commit), every FIPS and
// dual-stack combination, by stream name and by stream ARN. "botocore #N" rows repeat that test
// case; "added" rows are what partitions.json and the rule set imply but its tests do not cover
// (their URLs were computed with botocore's EndpointProvider at that commit).
const PartitionCase kPartitionCases[] = {
    {"aws", "us-east-1", false, false, false,
     "https://kinesis.us-east-1.amazonaws.com"},                                    // botocore #18
    {"aws", "us-east-1", false, true, false, "https://kinesis.us-east-1.api.aws"},  // botocore #27
    {"aws", "us-east-1", true, false, false,
     "https://kinesis-fips.us-east-1.amazonaws.com"},  // botocore #19
    {"aws", "us-east-1", true, true, false,
     "https://kinesis-fips.us-east-1.api.aws"},  // botocore #26
    {"aws", "us-east-1", false, false, true,
     "https://123456789012.data-kinesis.us-east-1.amazonaws.com"},  // added: partitions.json
    {"aws", "us-east-1", false, true, true,
     "https://123456789012.data-kinesis.us-east-1.api.aws"},  // added: partitions.json
    {"aws", "us-east-1", true, false, true,
     "https://123456789012.data-kinesis-fips.us-east-1.amazonaws.com"},  // added: partitions.json
    {"aws", "us-east-1", true, true, true,
     "https://123456789012.data-kinesis-fips.us-east-1.api.aws"},  // added: partitions.json
    {"aws-cn", "cn-north-1", false, false, false,
     "https://kinesis.cn-north-1.amazonaws.com.cn"},  // botocore #28
    {"aws-cn", "cn-north-1", false, true, false,
     "https://kinesis.cn-north-1.api.amazonwebservices.com.cn"},  // botocore #32
    {"aws-cn", "cn-north-1", true, false, false,
     "https://kinesis-fips.cn-north-1.amazonaws.com.cn"},  // botocore #31
    {"aws-cn", "cn-north-1", true, true, false,
     "https://kinesis-fips.cn-north-1.api.amazonwebservices.com.cn"},  // botocore #30
    {"aws-cn", "cn-north-1", false, false, true,
     "https://123456789012.data-kinesis.cn-north-1.amazonaws.com.cn"},  // added: partitions.json
    {"aws-cn", "cn-north-1", false, true, true,
     "https://123456789012.data-kinesis.cn-north-1.api.amazonwebservices.com.cn"},  // added:
                                                                                    // partitions.json
    {"aws-cn", "cn-north-1", true, false, true,
     "https://123456789012.data-kinesis-fips.cn-north-1.amazonaws.com.cn"},  // added:
                                                                             // partitions.json
    {"aws-cn", "cn-north-1", true, true, true,
     "https://123456789012.data-kinesis-fips.cn-north-1.api.amazonwebservices.com.cn"},  // added:
                                                                                         // partitions.json
    {"aws-eusc", "eusc-de-east-1", false, false, false,
     "https://kinesis.eusc-de-east-1.amazonaws.eu"},  // added: partitions.json
    {"aws-eusc", "eusc-de-east-1", false, true, false,
     "https://kinesis.eusc-de-east-1.api.amazonwebservices.eu"},  // added: partitions.json
    {"aws-eusc", "eusc-de-east-1", true, false, false,
     "https://kinesis-fips.eusc-de-east-1.amazonaws.eu"},  // added: partitions.json
    {"aws-eusc", "eusc-de-east-1", true, true, false,
     "https://kinesis-fips.eusc-de-east-1.api.amazonwebservices.eu"},  // added: partitions.json
    {"aws-eusc", "eusc-de-east-1", false, false, true,
     "https://123456789012.data-kinesis.eusc-de-east-1.amazonaws.eu"},  // added: partitions.json
    {"aws-eusc", "eusc-de-east-1", false, true, true,
     "https://123456789012.data-kinesis.eusc-de-east-1.api.amazonwebservices.eu"},  // added:
                                                                                    // partitions.json
    {"aws-eusc", "eusc-de-east-1", true, false, true,
     "https://123456789012.data-kinesis-fips.eusc-de-east-1.amazonaws.eu"},  // added:
                                                                             // partitions.json
    {"aws-eusc", "eusc-de-east-1", true, true, true,
     "https://123456789012.data-kinesis-fips.eusc-de-east-1.api.amazonwebservices.eu"},  // added:
                                                                                         // partitions.json
    {"aws-iso", "us-iso-east-1", false, false, false,
     "https://kinesis.us-iso-east-1.c2s.ic.gov"},  // botocore #39
    {"aws-iso", "us-iso-east-1", false, true, false,
     "https://kinesis.us-iso-east-1.api.aws.ic.gov"},  // added: partitions.json
    {"aws-iso", "us-iso-east-1", true, false, false,
     "https://kinesis-fips.us-iso-east-1.c2s.ic.gov"},  // botocore #41
    {"aws-iso", "us-iso-east-1", true, true, false,
     "https://kinesis-fips.us-iso-east-1.api.aws.ic.gov"},  // added: partitions.json
    {"aws-iso", "us-iso-east-1", false, false, true,
     "https://kinesis.us-iso-east-1.c2s.ic.gov"},  // added: partitions.json
    {"aws-iso", "us-iso-east-1", false, true, true,
     "https://kinesis.us-iso-east-1.api.aws.ic.gov"},  // added: partitions.json
    {"aws-iso", "us-iso-east-1", true, false, true,
     "https://kinesis-fips.us-iso-east-1.c2s.ic.gov"},  // added: partitions.json
    {"aws-iso", "us-iso-east-1", true, true, true,
     "https://kinesis-fips.us-iso-east-1.api.aws.ic.gov"},  // added: partitions.json
    {"aws-iso-b", "us-isob-east-1", false, false, false,
     "https://kinesis.us-isob-east-1.sc2s.sgov.gov"},  // botocore #42
    {"aws-iso-b", "us-isob-east-1", false, true, false,
     "https://kinesis.us-isob-east-1.api.aws.scloud"},  // added: partitions.json
    {"aws-iso-b", "us-isob-east-1", true, false, false,
     "https://kinesis-fips.us-isob-east-1.sc2s.sgov.gov"},  // botocore #43
    {"aws-iso-b", "us-isob-east-1", true, true, false,
     "https://kinesis-fips.us-isob-east-1.api.aws.scloud"},  // added: partitions.json
    {"aws-iso-b", "us-isob-east-1", false, false, true,
     "https://kinesis.us-isob-east-1.sc2s.sgov.gov"},  // added: partitions.json
    {"aws-iso-b", "us-isob-east-1", false, true, true,
     "https://kinesis.us-isob-east-1.api.aws.scloud"},  // added: partitions.json
    {"aws-iso-b", "us-isob-east-1", true, false, true,
     "https://kinesis-fips.us-isob-east-1.sc2s.sgov.gov"},  // added: partitions.json
    {"aws-iso-b", "us-isob-east-1", true, true, true,
     "https://kinesis-fips.us-isob-east-1.api.aws.scloud"},  // added: partitions.json
    {"aws-iso-e", "eu-isoe-west-1", false, false, false,
     "https://kinesis.eu-isoe-west-1.cloud.adc-e.uk"},  // added: partitions.json
    {"aws-iso-e", "eu-isoe-west-1", false, true, false,
     "https://kinesis.eu-isoe-west-1.api.cloud-aws.adc-e.uk"},  // added: partitions.json
    {"aws-iso-e", "eu-isoe-west-1", true, false, false,
     "https://kinesis-fips.eu-isoe-west-1.cloud.adc-e.uk"},  // added: partitions.json
    {"aws-iso-e", "eu-isoe-west-1", true, true, false,
     "https://kinesis-fips.eu-isoe-west-1.api.cloud-aws.adc-e.uk"},  // added: partitions.json
    {"aws-iso-e", "eu-isoe-west-1", false, false, true,
     "https://123456789012.data-kinesis.eu-isoe-west-1.cloud.adc-e.uk"},  // added: partitions.json
    {"aws-iso-e", "eu-isoe-west-1", false, true, true,
     "https://123456789012.data-kinesis.eu-isoe-west-1.api.cloud-aws.adc-e.uk"},  // added:
                                                                                  // partitions.json
    {"aws-iso-e", "eu-isoe-west-1", true, false, true,
     "https://123456789012.data-kinesis-fips.eu-isoe-west-1.cloud.adc-e.uk"},  // added:
                                                                               // partitions.json
    {"aws-iso-e", "eu-isoe-west-1", true, true, true,
     "https://123456789012.data-kinesis-fips.eu-isoe-west-1.api.cloud-aws.adc-e.uk"},  // added:
                                                                                       // partitions.json
    {"aws-iso-f", "us-isof-south-1", false, false, false,
     "https://kinesis.us-isof-south-1.csp.hci.ic.gov"},  // added: partitions.json
    {"aws-iso-f", "us-isof-south-1", false, true, false,
     "https://kinesis.us-isof-south-1.api.aws.hci.ic.gov"},  // added: partitions.json
    {"aws-iso-f", "us-isof-south-1", true, false, false,
     "https://kinesis-fips.us-isof-south-1.csp.hci.ic.gov"},  // added: partitions.json
    {"aws-iso-f", "us-isof-south-1", true, true, false,
     "https://kinesis-fips.us-isof-south-1.api.aws.hci.ic.gov"},  // added: partitions.json
    {"aws-iso-f", "us-isof-south-1", false, false, true,
     "https://123456789012.data-kinesis.us-isof-south-1.csp.hci.ic.gov"},  // added: partitions.json
    {"aws-iso-f", "us-isof-south-1", false, true, true,
     "https://123456789012.data-kinesis.us-isof-south-1.api.aws.hci.ic.gov"},  // added:
                                                                               // partitions.json
    {"aws-iso-f", "us-isof-south-1", true, false, true,
     "https://123456789012.data-kinesis-fips.us-isof-south-1.csp.hci.ic.gov"},  // added:
                                                                                // partitions.json
    {"aws-iso-f", "us-isof-south-1", true, true, true,
     "https://123456789012.data-kinesis-fips.us-isof-south-1.api.aws.hci.ic.gov"},  // added:
                                                                                    // partitions.json
    {"aws-us-gov", "us-gov-west-1", false, false, false,
     "https://kinesis.us-gov-west-1.amazonaws.com"},  // botocore #35
    {"aws-us-gov", "us-gov-west-1", false, true, false,
     "https://kinesis.us-gov-west-1.api.aws"},  // added: partitions.json
    {"aws-us-gov", "us-gov-west-1", true, false, false,
     "https://kinesis.us-gov-west-1.amazonaws.com"},  // botocore #36
    {"aws-us-gov", "us-gov-west-1", true, true, false,
     "https://kinesis-fips.us-gov-west-1.api.aws"},  // added: partitions.json
    {"aws-us-gov", "us-gov-west-1", false, false, true,
     "https://123456789012.data-kinesis.us-gov-west-1.amazonaws.com"},  // added: partitions.json
    {"aws-us-gov", "us-gov-west-1", false, true, true,
     "https://123456789012.data-kinesis.us-gov-west-1.api.aws"},  // added: partitions.json
    {"aws-us-gov", "us-gov-west-1", true, false, true,
     "https://123456789012.data-kinesis-fips.us-gov-west-1.amazonaws.com"},  // added:
                                                                             // partitions.json
    {"aws-us-gov", "us-gov-west-1", true, true, true,
     "https://123456789012.data-kinesis-fips.us-gov-west-1.api.aws"},  // added: partitions.json
};

TEST(ResolveKinesisEndpoint, ResolvesEveryPartitionWithFipsAndDualStack) {
  for (const PartitionCase& c : kPartitionCases) {
    const std::string arn = c.by_arn ? "arn:" + std::string(c.partition) +
                                           ":kinesis:" + std::string(c.region) +
                                           ":123456789012:stream/telemetry"
                                     : "";
    const Result<Endpoint> endpoint =
        ResolveKinesisEndpoint({c.region, c.use_fips, c.use_dual_stack, "", "", arn});
    const std::string row = std::string(c.region) + (c.use_fips ? " fips" : "") +
                            (c.use_dual_stack ? " dualstack" : "") + (c.by_arn ? " arn" : "");
    ASSERT_TRUE(endpoint.ok()) << row << ": " << endpoint.error().message;
    EXPECT_EQ(endpoint->url, c.url) << row;
    EXPECT_EQ("https://" + endpoint->host_header, c.url) << row;
    EXPECT_EQ(endpoint->chosen_by.starts_with(std::string(c.partition) + " partition"), true)
        << row << ": " << endpoint->chosen_by;
    EXPECT_EQ(endpoint->chosen_by.find("FIPS") != std::string::npos, c.use_fips) << row;
    EXPECT_EQ(endpoint->chosen_by.find("dual-stack") != std::string::npos, c.use_dual_stack) << row;
  }
}

TEST(ResolveKinesisEndpoint, HasPartitionRowsForEveryPartition) {
  std::set<std::string_view> covered;
  for (const PartitionCase& c : kPartitionCases) covered.insert(c.partition);
  for (const Partition& partition : Partitions()) {
    EXPECT_EQ(covered.count(partition.name), 1u) << partition.name;
  }
  EXPECT_EQ(covered.size(), Partitions().size());
}

}  // namespace
}  // namespace tk::aws
