// AWS partitions as the SDKs' endpoint rules see them: which regions each holds and its DNS names.
#pragma once

#include <span>
#include <string_view>

namespace tk::aws {

// One entry of botocore's partitions.json, the fields the Kinesis endpoint rule set reads.
struct Partition {
  std::string_view name;                   // id: "aws", "aws-cn", "aws-us-gov", ...
  std::string_view region_regex;           // regionRegex, verbatim
  std::string_view listed_region;          // the one "regions" key the regex does not match
  std::string_view dns_suffix;             // outputs.dnsSuffix
  std::string_view dual_stack_dns_suffix;  // outputs.dualStackDnsSuffix
  bool supports_fips = false;              // outputs.supportsFIPS
  bool supports_dual_stack = false;        // outputs.supportsDualStack
};

// Every partition, in partitions.json's order (aws first: it is the fallback).
std::span<const Partition> Partitions();

// The partition that lists `region` or whose regionRegex matches it; nullptr when none does.
const Partition* FindPartition(std::string_view region);

// The rules engine's aws.partition(Region): FindPartition, else the aws partition (a region no
// partition knows is resolved as a commercial one, e.g. a region newer than this table).
const Partition& PartitionForRegion(std::string_view region);

// Whether `text` matches `regex` as Python's re.match does, for the subset partitions.json uses:
// ^ and $, literals, \- (any escaped literal), \w, \d, + after a single atom, and groups of
// literal alternatives like (us|eu). Anything else never matches.
bool MatchesRegionRegex(std::string_view regex, std::string_view text);

}  // namespace tk::aws
