// The partition table and aws.partition: compiled in, so start-up reads no file.
#include "aws/partitions.h"

#include <array>

namespace tk::aws {
namespace {

// Transcribed from botocore's botocore/data/partitions.json (version 1.1) at botocore commit
// 0e6e2404b85dc336dd2889814e089bde7d1a4c55 (the file last changed in e3ae2081), in its order.
// Every "regions" key there matches its partition's regionRegex except the one in listed_region
// (aws-eusc lists none); implicitGlobalRegion is left out: the Kinesis rule set never reads it.
constexpr std::array<Partition, 8> kPartitions = {{
    {"aws", R"(^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$)", "aws-global", "amazonaws.com", "api.aws",
     true, true},
    {"aws-cn", R"(^cn\-\w+\-\d+$)", "aws-cn-global", "amazonaws.com.cn",
     "api.amazonwebservices.com.cn", true, true},
    {"aws-eusc", R"(^eusc\-(de)\-\w+\-\d+$)", "", "amazonaws.eu", "api.amazonwebservices.eu", true,
     true},
    {"aws-iso", R"(^us\-iso\-\w+\-\d+$)", "aws-iso-global", "c2s.ic.gov", "api.aws.ic.gov", true,
     true},
    {"aws-iso-b", R"(^us\-isob\-\w+\-\d+$)", "aws-iso-b-global", "sc2s.sgov.gov", "api.aws.scloud",
     true, true},
    {"aws-iso-e", R"(^eu\-isoe\-\w+\-\d+$)", "aws-iso-e-global", "cloud.adc-e.uk",
     "api.cloud-aws.adc-e.uk", true, true},
    {"aws-iso-f", R"(^us\-isof\-\w+\-\d+$)", "aws-iso-f-global", "csp.hci.ic.gov",
     "api.aws.hci.ic.gov", true, true},
    {"aws-us-gov", R"(^us\-gov\-\w+\-\d+$)", "aws-us-gov-global", "amazonaws.com", "api.aws", true,
     true},
}};

// Characters with a meaning in a regex that the matcher does not implement where they stand ('+'
// only after an atom, '$' only at the end, '|' and ')' only in a group).
constexpr std::string_view kUnsupportedMeta = ".*+?[]{}|)^$";
constexpr std::string_view kGroupMeta = "\\.*+?[]{}()|^$";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsWordChar(char c) {  // \w on ASCII text
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// `atom` is one pattern character or a backslash and the character it escapes.
bool MatchesAtom(std::string_view atom, char c) {
  if (atom.front() != '\\') return c == atom.front();
  if (atom[1] == 'w') return IsWordChar(c);
  if (atom[1] == 'd') return IsDigit(c);
  return c == atom[1];
}

bool MatchHere(std::string_view pattern, std::string_view text);

// pattern starts with "(alt|alt...)": literal alternatives, each tried in turn.
bool MatchGroup(std::string_view pattern, std::string_view text) {
  const size_t close = pattern.find(')');
  if (close == std::string_view::npos) return false;
  const std::string_view rest = pattern.substr(close + 1);
  if (rest.starts_with('+')) return false;  // a repeated group: not in the subset
  std::string_view alternatives = pattern.substr(1, close - 1);
  while (true) {
    const size_t bar = alternatives.find('|');
    const std::string_view alternative = alternatives.substr(0, bar);
    if (alternative.find_first_of(kGroupMeta) == std::string_view::npos &&
        text.starts_with(alternative) && MatchHere(rest, text.substr(alternative.size()))) {
      return true;
    }
    if (bar == std::string_view::npos) return false;
    alternatives.remove_prefix(bar + 1);
  }
}

// Backtracking match of `text`'s start against `pattern` (no leading '^').
bool MatchHere(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return true;  // re.match: the match may end before the text does
  if (pattern == "$") return text.empty();
  if (pattern.front() == '(') return MatchGroup(pattern, text);
  if (kUnsupportedMeta.find(pattern.front()) != std::string_view::npos) return false;
  const size_t atom_length = pattern.front() == '\\' ? 2 : 1;
  if (pattern.size() < atom_length) return false;
  const std::string_view atom = pattern.substr(0, atom_length);
  std::string_view rest = pattern.substr(atom_length);
  if (!rest.starts_with('+')) {
    return !text.empty() && MatchesAtom(atom, text.front()) && MatchHere(rest, text.substr(1));
  }
  rest.remove_prefix(1);
  size_t run = 0;
  while (run < text.size() && MatchesAtom(atom, text[run])) ++run;
  for (size_t taken = run; taken >= 1; --taken) {
    if (MatchHere(rest, text.substr(taken))) return true;
  }
  return false;
}

}  // namespace

std::span<const Partition> Partitions() { return kPartitions; }

bool MatchesRegionRegex(std::string_view regex, std::string_view text) {
  if (regex.starts_with('^')) regex.remove_prefix(1);  // re.match anchors at the start anyway
  return MatchHere(regex, text);
}

// botocore's aws_partition: the first partition whose "regions" lists the region or whose
// regionRegex matches it (endpoint_provider.py, is_partition_match).
const Partition* FindPartition(std::string_view region) {
  for (const Partition& partition : kPartitions) {
    if ((!partition.listed_region.empty() && region == partition.listed_region) ||
        MatchesRegionRegex(partition.region_regex, region)) {
      return &partition;
    }
  }
  return nullptr;
}

const Partition& PartitionForRegion(std::string_view region) {
  const Partition* partition = FindPartition(region);
  return partition != nullptr ? *partition : kPartitions.front();
}

}  // namespace tk::aws
