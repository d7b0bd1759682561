// Where PutRecords goes: the Kinesis endpoint from region and endpoint overrides, and stream ARNs.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace tk::aws {

inline constexpr std::string_view kRegionVariable = "AWS_REGION";
inline constexpr std::string_view kEndpointUrlKinesisVariable = "AWS_ENDPOINT_URL_KINESIS";
inline constexpr std::string_view kEndpointUrlVariable = "AWS_ENDPOINT_URL";

struct Endpoint {
  std::string url;          // scheme://host[:port][/path], no trailing '/' when the path is "/"
  std::string host_header;  // host[:port] as sent in Host; a default port (80/443) is omitted
  std::string path;         // request-line path to POST to and sign: the URL's path, or "/"
  bool tls = true;          // https
};

// True for region names shaped like AWS's: "us-east-1", "us-gov-west-1", "us-isob-east-1".
bool IsValidRegionName(std::string_view region);

// DNS suffix of the partition that `region` belongs to ("amazonaws.com" by default).
std::string_view DnsSuffixForRegion(std::string_view region);

// Parses an endpoint override URL (http or https, a host, optional port and path; no user info,
// query or fragment). Errors name `variable` (the environment variable it came from).
Result<Endpoint> ParseEndpointUrl(std::string_view url, std::string_view variable);

// Resolves the Kinesis endpoint: the AWS_ENDPOINT_URL_KINESIS value, else the AWS_ENDPOINT_URL
// value, else https://kinesis.<region>.<partition DNS suffix>. Empty values count as unset. The
// region is validated even with an override because requests are signed for it. Errors: every
// problem at once, each naming its environment variable (AWS_REGION, AWS_ENDPOINT_URL_KINESIS,
// AWS_ENDPOINT_URL).
Result<Endpoint> ResolveKinesisEndpoint(std::string_view region,
                                        std::string_view endpoint_url_kinesis,
                                        std::string_view endpoint_url);

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
