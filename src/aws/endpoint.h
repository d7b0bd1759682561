// Where PutRecords goes: the Kinesis endpoint from region and endpoint overrides, and stream ARNs.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace tk::aws {

inline constexpr std::string_view kRegionVariable = "AWS_REGION";
inline constexpr std::string_view kUseFipsEndpointVariable = "AWS_USE_FIPS_ENDPOINT";
inline constexpr std::string_view kUseDualStackEndpointVariable = "AWS_USE_DUALSTACK_ENDPOINT";
inline constexpr std::string_view kEndpointUrlKinesisVariable = "AWS_ENDPOINT_URL_KINESIS";
inline constexpr std::string_view kEndpointUrlVariable = "AWS_ENDPOINT_URL";
inline constexpr std::string_view kStreamVariable = "TELEMETRY_KINESIS_STREAM";

struct Endpoint {
  std::string url;          // scheme://host[:port][/path], no trailing '/' when the path is "/"
  std::string host_header;  // host[:port] as sent in Host; a default port (80/443) is omitted
  std::string path;         // request-line path to POST to and sign: the URL's path, or "/"
  bool tls = true;          // https
  // How it was chosen, for the start-up line: the override's variable ("AWS_ENDPOINT_URL_KINESIS")
  // or the partition and variants ("aws partition, FIPS"). Empty from ParseEndpointUrl.
  std::string chosen_by;
};

// True for what botocore accepts as a region name (utils.py, validate_region_name): a host label
// of 1-63 letters, digits and '-', not all digits, not starting or ending with '-'. A region no
// partition knows is still valid: the endpoint rules resolve it with the aws partition.
bool IsValidRegionName(std::string_view region);

// Parses an endpoint override URL (http or https, a host, optional port and path; no user info,
// query or fragment). Errors name `variable` (the environment variable it came from).
Result<Endpoint> ParseEndpointUrl(std::string_view url, std::string_view variable);

// What the Kinesis endpoint depends on; empty strings count as unset.
struct KinesisEndpointSettings {
  std::string_view region;                // AWS_REGION, or the stream ARN's region
  bool use_fips = false;                  // AWS_USE_FIPS_ENDPOINT
  bool use_dual_stack = false;            // AWS_USE_DUALSTACK_ENDPOINT
  std::string_view endpoint_url_kinesis;  // AWS_ENDPOINT_URL_KINESIS
  std::string_view endpoint_url;          // AWS_ENDPOINT_URL
  // TELEMETRY_KINESIS_STREAM when it is a stream ARN: PutRecords then sends StreamARN, and the
  // rule set gives the stream's account endpoint (https://<account-id>.data-kinesis.<region>...).
  std::string_view stream_arn;
};

// Resolves the PutRecords endpoint as Kinesis's endpoint rule set does
// (aws/kinesis_endpoint_rules.h): the AWS_ENDPOINT_URL_KINESIS value, else the AWS_ENDPOINT_URL
// value (neither with FIPS or dual-stack), else the stream ARN's account endpoint, else
// https://kinesis[-fips].<region>.<DNS suffix of the region's partition>. The region is required
// even with an override because requests are signed for it. Errors: every problem at once, each
// naming its variables.
Result<Endpoint> ResolveKinesisEndpoint(const KinesisEndpointSettings& settings);

struct StreamArn {
  std::string partition;  // "aws", "aws-cn", "aws-us-gov", ...
  std::string region;
  std::string account_id;   // 12 digits
  std::string stream_name;  // 1-128 of [a-zA-Z0-9_.-]
};

// Parses "arn:<partition>:kinesis:<region>:<account-id>:stream/<name>". Errors say which part is
// wrong (not a Kinesis stream ARN, bad partition, region, account id or stream name).
Result<StreamArn> ParseStreamArn(std::string_view arn);

}  // namespace tk::aws
