// kpl records: the KPL aggregated record format, so that KCL consumers and the
// kinesis-aggregation libraries de-aggregate them into one user record per event.
//
// Format (amazon-kinesis-producer, aggregation-format.md):
//   magic F3 89 9A C2 | protobuf AggregatedRecord | MD5 of the protobuf bytes (16 bytes)
// with, in proto2:
//   message AggregatedRecord { repeated string partition_key_table = 1;
//                              repeated string explicit_hash_key_table = 2;
//                              repeated Record records = 3; }
//   message Record { required uint64 partition_key_index = 1;
//                    optional uint64 explicit_hash_key_index = 2;
//                    required bytes data = 3; repeated Tag tags = 4; }
//
// Keys: every user record of an aggregate has the aggregate's own partition key (table entry 0)
// and no explicit hash key. KCL drops user records whose key hashes outside the shard it reads,
// so all of them must hash where the aggregate went: with one key for all, they always do.
//
// Written by hand (tag bytes, varints): the output is checked byte for byte against libprotobuf
// in tests/protobuf/kpl_aggregator_protobuf_test.cpp; docs/record-formats.md has the reasons.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/record_packer.h"

namespace tk::telemetry {

inline constexpr std::array<uint8_t, 4> kKplMagic{0xF3, 0x89, 0x9A, 0xC2};
inline constexpr size_t kKplDigestBytes = 16;  // MD5

// Bytes of the protobuf varint encoding of `value`.
constexpr size_t VarintBytes(uint64_t value) {
  size_t bytes = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++bytes;
  }
  return bytes;
}

class KplAggregator final : public RecordPacker {
 public:
  // `max_record_bytes`: the target; `limits`: the stream's (an aggregate never exceeds its
  // maximum record size).
  KplAggregator(size_t max_record_bytes, AggregateKey key_rule, kinesis::Limits limits = {});

  bool Add(std::string_view partition_key, std::string_view enveloped_event,
           std::vector<kinesis::Record>& out) override;
  void Finish(std::vector<kinesis::Record>& out) override;

  // Bytes one user record of `data_bytes` adds to the aggregate (its `records` entry).
  static size_t UserRecordBytes(size_t data_bytes);
  // Bytes of an aggregate's fixed part for `key_bytes`: magic, key table entry, digest.
  static size_t FixedBytes(size_t key_bytes);

 private:
  void Start(std::string_view partition_key);

  size_t max_record_bytes_;
  AggregateKey key_rule_;
  size_t record_limit_;      // the stream's maximum record size
  kinesis::Record current_;  // magic + protobuf so far; events == 0 while empty
};

}  // namespace tk::telemetry
