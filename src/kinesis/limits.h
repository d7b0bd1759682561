// The PutRecords service limits that the batch builder packs requests to, one named constant each.
#pragma once

#include <cstddef>

namespace tk::kinesis {

inline constexpr size_t kKiB = 1024;
inline constexpr size_t kMiB = 1024 * kKiB;

// Sources: Amazon Kinesis Data Streams API Reference, "PutRecords" ("Each PutRecords request can
// support up to 500 records. Each record in the request can be as large as 10 MiB, up to a limit
// of 10 MiB for the entire request, including partition keys"; "The record size limit applies to
// the total size of the partition key and data blob"), "PutRecordsRequestEntry" (PartitionKey
// length 1..256), "UpdateMaxRecordSize" (MaxRecordSizeInKiB: 1024..10240, i.e. 1 to 10 MiB), and
// the Developer Guide, "Handle large records" ("The default maximum record size for existing, and
// newly created streams is set to 1 MiB").
//
// A stream takes records up to its own maximum record size, so that is a setting
// (TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES), and the limits below are a Limits value handed to
// whoever packs records, not globals. The request limit stays 5 MiB while records are 1 MiB: the
// API Reference said 1 MiB / 5 MiB before large records (AWS announced the request limit going
// "from 5MiB to 10MiB" with them), and older endpoints and kinesis-mock still enforce that.

// Records in one PutRecords request.
inline constexpr size_t kMaxRecordsPerRequest = 500;

// One record (data blob bytes before base64 plus partition key bytes) on a stream whose maximum
// record size was never raised: every stream's default.
inline constexpr size_t kDefaultMaxRecordBytes = 1 * kMiB;
// The largest maximum record size a stream can be given (UpdateMaxRecordSize: 10240 KiB).
inline constexpr size_t kLargestMaxRecordBytes = 10 * kMiB;

// Sum over a request of data blob bytes (before base64) plus partition key bytes: for 1 MiB
// records, and for a stream whose records may be larger.
inline constexpr size_t kDefaultMaxRequestBytes = 5 * kMiB;
inline constexpr size_t kLargeRecordsMaxRequestBytes = 10 * kMiB;

// The size limits one stream's records and requests are packed to.
struct Limits {
  size_t max_record_bytes = kDefaultMaxRecordBytes;    // one record: data + partition key
  size_t max_request_bytes = kDefaultMaxRequestBytes;  // one request: all records' data + keys

  friend bool operator==(const Limits&, const Limits&) = default;
};

// The limits for a stream whose maximum record size is `stream_max_record_bytes` (its
// MaxRecordSizeInKiB times 1024), brought within 1..10 MiB. Any record within them fits an empty
// request, so a valid record can always be sent.
constexpr Limits LimitsForStream(size_t stream_max_record_bytes) {
  size_t record = stream_max_record_bytes < kDefaultMaxRecordBytes   ? kDefaultMaxRecordBytes
                  : stream_max_record_bytes > kLargestMaxRecordBytes ? kLargestMaxRecordBytes
                                                                     : stream_max_record_bytes;
  return Limits{record, record > kDefaultMaxRecordBytes ? kLargeRecordsMaxRequestBytes
                                                        : kDefaultMaxRequestBytes};
}

// Partition key length. The API counts Unicode characters (max 256); counting UTF-8 bytes is
// stricter, so a key within this limit is always accepted.
inline constexpr size_t kMaxPartitionKeyBytes = 256;
inline constexpr size_t kMinPartitionKeyBytes = 1;

// PUT payload unit: Kinesis bills (and on-demand streams meter) writes in 25 KB chunks of a
// record's payload, rounded up per record (Amazon Kinesis Data Streams pricing, "PUT Payload
// Unit"). For accounting only: packing many small events per record lowers the unit count.
inline constexpr size_t kPayloadUnitBytes = 25 * kKiB;

static_assert(Limits{} == LimitsForStream(kDefaultMaxRecordBytes));
static_assert(LimitsForStream(kDefaultMaxRecordBytes).max_record_bytes <=
              LimitsForStream(kDefaultMaxRecordBytes).max_request_bytes);
static_assert(LimitsForStream(kLargestMaxRecordBytes).max_record_bytes <=
              LimitsForStream(kLargestMaxRecordBytes).max_request_bytes);

// PUT payload units one record of `record_bytes` consumes (at least one, even when empty).
constexpr size_t PayloadUnits(size_t record_bytes) {
  return record_bytes == 0 ? 1 : (record_bytes + kPayloadUnitBytes - 1) / kPayloadUnitBytes;
}

}  // namespace tk::kinesis
