// The Kinesis rule set as plain code: its branches for the parameters PutRecords sets, in order.
#include "aws/kinesis_endpoint_rules.h"

#include <optional>

#include "aws/partitions.h"

namespace tk::aws {
namespace {

// PutRecords' staticContextParams: {"OperationType": {"value": "data"}} (kinesis service-2.json).
constexpr std::string_view kOperationType = "data";
// The StreamARN rule's conditions not(stringEquals(PartitionResult#name, "aws-iso")) and the same
// for "aws-iso-b": these two partitions have no account endpoints.
constexpr std::string_view kPartitionsWithoutAccountEndpoints[] = {"aws-iso", "aws-iso-b"};
// isValidHostLabel(value, false), as botocore's VALID_HOST_LABEL_RE ^(?!-)[a-zA-Z\d-]{1,63}(?<!-)$.
constexpr size_t kMaxHostLabelChars = 63;

bool IsValidHostLabel(std::string_view label) {
  if (label.empty() || label.size() > kMaxHostLabelChars) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

// What aws.parseArn gives and the rule set reads.
struct Arn {
  std::string_view partition;
  std::string_view service;
  std::string_view region;
  std::string_view account_id;
  std::string_view resource_type;  // resourceId[0]: the resource up to its first ':' or '/'
};

// aws.parseArn as botocore's aws_parse_arn: "arn:" then five ':'-separated fields (the last, the
// resource, keeps any further ':'); partition, service and resource must not be empty.
std::optional<Arn> ParseArn(std::string_view text) {
  constexpr std::string_view kPrefix = "arn:";
  if (!text.starts_with(kPrefix)) return std::nullopt;
  text.remove_prefix(kPrefix.size());
  std::string_view fields[4];
  for (std::string_view& field : fields) {
    const size_t colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    field = text.substr(0, colon);
    text.remove_prefix(colon + 1);
  }
  const std::string_view resource = text;
  if (fields[0].empty() || fields[1].empty() || resource.empty()) return std::nullopt;
  return Arn{fields[0], fields[1], fields[2], fields[3],
             resource.substr(0, resource.find_first_of(":/"))};
}

std::string Url(std::string_view host_prefix, bool fips, std::string_view region,
                std::string_view dns_suffix) {
  return "https://" + std::string(host_prefix) + (fips ? "-fips" : "") + "." + std::string(region) +
         "." + std::string(dns_suffix);
}

bool HasAccountEndpoints(const Partition& partition) {
  for (std::string_view name : kPartitionsWithoutAccountEndpoints) {
    if (partition.name == name) return false;
  }
  return true;
}

// The rule set's checks of the StreamARN, in its order; nullopt when they all pass.
std::optional<Error> CheckStreamArn(const std::optional<Arn>& arn, const Partition& partition) {
  if (!arn) return Error{"Invalid ARN: Failed to parse ARN."};
  if (!IsValidHostLabel(arn->account_id)) return Error{"Invalid ARN: Invalid account id."};
  if (!IsValidHostLabel(arn->region)) return Error{"Invalid ARN: Invalid region."};
  if (arn->service != "kinesis") {
    return Error{"Invalid ARN: The ARN was not for the Kinesis service, found: " +
                 std::string(arn->service) + "."};
  }
  if (arn->resource_type.empty()) return Error{"Invalid ARN: No ARN type specified"};
  if (arn->resource_type != "stream") {
    return Error{"Invalid ARN: Kinesis ARNs don't support `" + std::string(arn->resource_type) +
                 "` arn types."};
  }
  if (partition.name != arn->partition) {
    return Error{"Partition: " + std::string(arn->partition) +
                 " from ARN doesn't match with partition name: " + std::string(partition.name) +
                 "."};
  }
  return std::nullopt;  // OperationType is set, so "Operation Type is not set" cannot follow
}

// The StreamARN rule: https://{arn#accountId}.{OperationType}-kinesis[-fips].{Region}.{suffix}.
// Unlike the regional rule it has no GovCloud exception, and its error texts differ from it.
Result<KinesisRuleEndpoint> AccountEndpoint(const KinesisRuleParams& params,
                                            const Partition& partition) {
  const std::optional<Arn> arn = ParseArn(params.stream_arn);
  if (std::optional<Error> error = CheckStreamArn(arn, partition)) return *error;
  const std::string host_prefix =
      std::string(arn->account_id) + "." + std::string(kOperationType) + "-kinesis";
  if (params.use_fips && !partition.supports_fips) {
    return Error{params.use_dual_stack
                     ? "FIPS is enabled, but this partition does not support FIPS."
                     : "FIPS is enabled but this partition does not support FIPS"};
  }
  if (params.use_dual_stack && !partition.supports_dual_stack) {
    return Error{params.use_fips
                     ? "DualStack is enabled, but this partition does not support DualStack."
                     : "DualStack is enabled but this partition does not support DualStack"};
  }
  const std::string_view suffix =
      params.use_dual_stack ? partition.dual_stack_dns_suffix : partition.dns_suffix;
  return KinesisRuleEndpoint{Url(host_prefix, params.use_fips, params.region, suffix),
                             partition.name, true};
}

// The custom endpoint rule: the Endpoint as given, but never with FIPS or dual-stack.
Result<KinesisRuleEndpoint> CustomEndpoint(const KinesisRuleParams& params) {
  if (params.use_fips) {
    return Error{"Invalid Configuration: FIPS and custom endpoint are not supported"};
  }
  if (params.use_dual_stack) {
    return Error{"Invalid Configuration: Dualstack and custom endpoint are not supported"};
  }
  return KinesisRuleEndpoint{std::string(params.endpoint), {}, false};
}

// The regional rule: https://kinesis[-fips].{Region}.{dnsSuffix|dualStackDnsSuffix}, except that
// FIPS alone in aws-us-gov keeps https://kinesis.{Region}.amazonaws.com (FIPS there already).
Result<KinesisRuleEndpoint> RegionalEndpoint(const KinesisRuleParams& params,
                                             const Partition& partition) {
  constexpr std::string_view kHostPrefix = "kinesis";
  const bool fips = params.use_fips;
  const bool dual_stack = params.use_dual_stack;
  if (fips && dual_stack && !(partition.supports_fips && partition.supports_dual_stack)) {
    return Error{"FIPS and DualStack are enabled, but this partition does not support one or both"};
  }
  if (fips && !partition.supports_fips) {
    return Error{"FIPS is enabled but this partition does not support FIPS"};
  }
  if (dual_stack && !partition.supports_dual_stack) {
    return Error{"DualStack is enabled but this partition does not support DualStack"};
  }
  if (fips && !dual_stack && partition.name == "aws-us-gov") {
    return KinesisRuleEndpoint{Url(kHostPrefix, false, params.region, "amazonaws.com"),
                               partition.name, false};
  }
  const std::string_view suffix =
      dual_stack ? partition.dual_stack_dns_suffix : partition.dns_suffix;
  return KinesisRuleEndpoint{Url(kHostPrefix, fips, params.region, suffix), partition.name, false};
}

}  // namespace

Result<KinesisRuleEndpoint> EvaluateKinesisEndpointRules(const KinesisRuleParams& params) {
  // Rule 1 needs StreamId, never set for PutRecords. Rule 2: the StreamARN without Endpoint.
  if (!params.stream_arn.empty() && params.endpoint.empty() && !params.region.empty()) {
    const Partition& partition = PartitionForRegion(params.region);
    if (HasAccountEndpoints(partition)) return AccountEndpoint(params, partition);
  }
  // Rules 3 and 4 need ConsumerARN or ResourceARN, never set for PutRecords.
  if (!params.endpoint.empty()) return CustomEndpoint(params);
  if (!params.region.empty()) return RegionalEndpoint(params, PartitionForRegion(params.region));
  return Error{"Invalid Configuration: Missing Region"};
}

}  // namespace tk::aws
