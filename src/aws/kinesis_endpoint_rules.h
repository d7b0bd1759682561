// Kinesis's endpoint rule set, evaluated for PutRecords: the URL it gives, or its error text.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace tk::aws {

// The rule set's parameters as PutRecords sets them. OperationType is always "data" (PutRecords'
// staticContextParams); StreamId, ConsumerARN and ResourceARN are never set (PutRecords' StreamId
// is "Not Implemented. Reserved for future use"; the others belong to other operations).
struct KinesisRuleParams {
  std::string_view region;      // Region (AWS::Region); empty = unset
  bool use_fips = false;        // UseFIPS (AWS::UseFIPS)
  bool use_dual_stack = false;  // UseDualStack (AWS::UseDualStack)
  std::string_view endpoint;    // Endpoint (SDK::Endpoint); empty = unset
  std::string_view stream_arn;  // StreamARN (PutRecords' contextParam); empty = unset
};

struct KinesisRuleEndpoint {
  std::string url;                // exactly as the rule set builds it
  std::string_view partition;     // the Region's partition; empty for the custom endpoint
  bool account_endpoint = false;  // https://{AccountId}.data-kinesis...: from the StreamARN
};

// Evaluates botocore's botocore/data/kinesis/2013-12-02/endpoint-rule-set-1.json (version 1.0,
// botocore commit 0e6e2404b85dc336dd2889814e089bde7d1a4c55) rule by rule for `params`. Errors
// carry the rule set's error text verbatim, e.g. "FIPS and DualStack are enabled, but this
// partition does not support one or both".
Result<KinesisRuleEndpoint> EvaluateKinesisEndpointRules(const KinesisRuleParams& params);

}  // namespace tk::aws
