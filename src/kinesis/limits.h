// The PutRecords service limits that the batch builder packs requests to, one named constant each.
#pragma once

#include <cstddef>

namespace tk::kinesis {

inline constexpr size_t kKiB = 1024;
inline constexpr size_t kMiB = 1024 * kKiB;

// Source for the first four: Amazon Kinesis Data Streams API Reference, "PutRecords"
// ("Each PutRecords request can support up to 500 records. Each record in the request can be as
// large as 1 MiB, up to a limit of 5 MiB for the entire request, including partition keys") and
// "PutRecordsRequestEntry" (PartitionKey length 1..256; the record size limit applies to the data
// blob before base64 plus the partition key).
//
// Newer revisions of those pages allow up to 10 MiB per record and per request, but only for
// streams whose MaxRecordSize was raised with UpdateMaxRecordSize (default stays 1 MiB), and
// older endpoints and kinesis-mock enforce 1 MiB / 5 MiB. These defaults are accepted everywhere.

// Records in one PutRecords request.
inline constexpr size_t kMaxRecordsPerRequest = 500;

// Sum over a request of data blob bytes (before base64) plus partition key bytes.
inline constexpr size_t kMaxRequestBytes = 5 * kMiB;

// One record: data blob bytes (before base64) plus partition key bytes.
inline constexpr size_t kMaxRecordBytes = 1 * kMiB;

// Partition key length. The API counts Unicode characters (max 256); counting UTF-8 bytes is
// stricter, so a key within this limit is always accepted.
inline constexpr size_t kMaxPartitionKeyBytes = 256;
inline constexpr size_t kMinPartitionKeyBytes = 1;

// PUT payload unit: Kinesis bills (and on-demand streams meter) writes in 25 KB chunks of a
// record's payload, rounded up per record (Amazon Kinesis Data Streams pricing, "PUT Payload
// Unit"). For accounting only: packing many small events per record lowers the unit count.
inline constexpr size_t kPayloadUnitBytes = 25 * kKiB;

// Any record within kMaxRecordBytes fits an empty request, so a valid record can always be sent.
static_assert(kMaxRecordBytes <= kMaxRequestBytes);

// PUT payload units one record of `record_bytes` consumes (at least one, even when empty).
constexpr size_t PayloadUnits(size_t record_bytes) {
  return record_bytes == 0 ? 1 : (record_bytes + kPayloadUnitBytes - 1) / kPayloadUnitBytes;
}

}  // namespace tk::kinesis
