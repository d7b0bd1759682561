// Partitions: which partition a region belongs to, the fallback, and the hand-written regex
// matcher checked against std::regex on the table's own regexes.
#include "aws/partitions.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tk::aws {
namespace {

TEST(FindPartition, PlacesEveryRegionOfPartitionsJsonInItsPartition) {
  // The "regions" keys of botocore's partitions.json (commit 0e6e2404), a few per partition.
  const std::vector<std::pair<std::string_view, std::string_view>> regions = {
      {"us-east-1", "aws"},
      {"ap-southeast-7", "aws"},
      {"mx-central-1", "aws"},
      {"il-central-1", "aws"},
      {"aws-global", "aws"},
      {"cn-north-1", "aws-cn"},
      {"cn-northwest-1", "aws-cn"},
      {"aws-cn-global", "aws-cn"},
      {"eusc-de-east-1", "aws-eusc"},
      {"us-iso-east-1", "aws-iso"},
      {"us-iso-west-1", "aws-iso"},
      {"aws-iso-global", "aws-iso"},
      {"us-isob-east-1", "aws-iso-b"},
      {"us-isob-west-1", "aws-iso-b"},
      {"aws-iso-b-global", "aws-iso-b"},
      {"eu-isoe-west-1", "aws-iso-e"},
      {"aws-iso-e-global", "aws-iso-e"},
      {"us-isof-east-1", "aws-iso-f"},
      {"us-isof-south-1", "aws-iso-f"},
      {"aws-iso-f-global", "aws-iso-f"},
      {"us-gov-east-1", "aws-us-gov"},
      {"us-gov-west-1", "aws-us-gov"},
      {"aws-us-gov-global", "aws-us-gov"},
  };
  for (const auto& [region, partition] : regions) {
    const Partition* found = FindPartition(region);
    ASSERT_NE(found, nullptr) << region;
    EXPECT_EQ(found->name, partition) << region;
  }
}

TEST(FindPartition, PlacesRegionsNewerThanTheTableByTheirPartitionsRegex) {
  EXPECT_EQ(FindPartition("eusc-de-west-2")->name, "aws-eusc");
  EXPECT_EQ(FindPartition("us-gov-central-1")->name, "aws-us-gov");
  EXPECT_EQ(FindPartition("ap-newplace-12")->name, "aws");
}

TEST(PartitionForRegion, FallsBackToAwsForARegionNoPartitionKnows) {
  // The rules engine's aws.partition returns partitions.json's first partition then.
  for (std::string_view region : {"xx-new-1", "eusc-fr-south-1", "Europe", "local"}) {
    EXPECT_EQ(FindPartition(region), nullptr) << region;
    EXPECT_EQ(PartitionForRegion(region).name, "aws") << region;
  }
}

TEST(Partitions, HaveTheDnsNamesOfPartitionsJson) {
  const Partition& eusc = PartitionForRegion("eusc-de-east-1");
  EXPECT_EQ(eusc.dns_suffix, "amazonaws.eu");
  EXPECT_EQ(eusc.dual_stack_dns_suffix, "api.amazonwebservices.eu");
  EXPECT_TRUE(eusc.supports_fips);
  EXPECT_TRUE(eusc.supports_dual_stack);
  EXPECT_EQ(Partitions().size(), 8u);
  EXPECT_EQ(Partitions().front().name, "aws");  // the fallback
}

TEST(MatchesRegionRegex, AgreesWithStdRegexOnEveryPartitionsRegex) {
  const std::vector<std::string> texts = {
      "us-east-1",
      "us-east-12",
      "us-east-",
      "us-east-1a",
      "us--1",
      "us-EAST_1-1",
      "us-east-1-1",
      "eu-isoe-west-1",
      "eusc-de-east-1",
      "eusc-fr-east-1",
      "eusc-de-1",
      "cn-north-1",
      "cn-north-1 ",
      "us-iso-east-1",
      "us-isob-east-1",
      "us-isof-south-1",
      "us-gov-west-1",
      "us-gov-west",
      "aws-global",
      "",
      "mx-central-1",
      "xx-central-1",
      "us",
      "us-1",
      "ap-south-99999",
  };
  for (const Partition& partition : Partitions()) {
    const std::regex reference{std::string(partition.region_regex)};
    for (const std::string& text : texts) {
      EXPECT_EQ(MatchesRegionRegex(partition.region_regex, text),
                std::regex_search(text, reference))
          << partition.region_regex << " on \"" << text << "\"";
    }
  }
}

TEST(MatchesRegionRegex, NeverMatchesSyntaxOutsideItsSubset) {
  EXPECT_FALSE(MatchesRegionRegex("^a.c$", "abc"));
  EXPECT_FALSE(MatchesRegionRegex("^a*$", "aaa"));
  EXPECT_FALSE(MatchesRegionRegex("^[a]$", "a"));
  EXPECT_FALSE(MatchesRegionRegex("^(a|b)+$", "ab"));
  EXPECT_TRUE(MatchesRegionRegex(R"(^(a|bc)\-\d+$)", "bc-42"));
}

}  // namespace
}  // namespace tk::aws
