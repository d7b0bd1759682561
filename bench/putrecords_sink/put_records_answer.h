// The PutRecords logic of the loopback sink: checks one request body as Kinesis would (shape,
// record and request limits, base64 Data in JSON, byte strings in CBOR) and renders Kinesis's
// answer for it, in the request's encoding (AWS JSON 1.1 or application/x-amz-cbor-1.1).
#pragma once

#include <simdjson.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace sink {

// The X-Amz-Target of PutRecords (API version 2013-12-02) and the Content-Type of CBOR requests;
// any other Content-Type is taken as JSON.
inline constexpr std::string_view kPutRecordsTarget = "Kinesis_20131202.PutRecords";
inline constexpr std::string_view kCborContentType = "application/x-amz-cbor-1.1";
inline constexpr std::string_view kJsonContentType = "application/x-amz-json-1.1";

// PutRecords limits (Amazon Kinesis Data Streams API Reference, "PutRecords"):
// 500 records and 5 MiB (data before base64 + partition keys) per request, 1 MiB per record,
// partition keys of 1..256 characters.
inline constexpr size_t kMaxRecordsPerRequest = 500;
inline constexpr size_t kMaxRequestBytes = 5 * 1024 * 1024;
inline constexpr size_t kMaxRecordBytes = 1024 * 1024;
inline constexpr size_t kMaxPartitionKeyBytes = 256;
// PUT payload unit: writes are metered in 25 KB chunks of each record, rounded up per record
// (Amazon Kinesis Data Streams pricing).
inline constexpr size_t kPayloadUnitBytes = 25 * 1024;

struct Answer {
  int status = 200;
  std::string body;
  std::string_view content_type = kJsonContentType;  // the request's encoding
  uint64_t records = 0;                              // records accepted (0 unless status 200)
  uint64_t data_bytes = 0;                           // their Data, decoded, plus partition keys
  uint64_t payload_units = 0;                        // PUT payload units of those records
};

// Answers PutRecords requests; one per connection thread (it keeps its parser's buffers).
class PutRecordsAnswerer {
 public:
  // `shard_id` names the one shard every record lands on.
  explicit PutRecordsAnswerer(std::string shard_id) : shard_id_(std::move(shard_id)) {}

  // `body` must be readable up to simdjson::SIMDJSON_PADDING bytes past its end.
  // 200 with one {SequenceNumber, ShardId} per record, in order, and FailedRecordCount 0; 400
  // with a Kinesis-style {"__type","message"} for a body Kinesis would refuse.
  // `next_sequence` is advanced by one per record (sequence numbers are unique per sink, also
  // across connections).
  sink::Answer Respond(std::string_view target, std::string_view content_type,
                       std::string_view body, std::atomic<uint64_t>& next_sequence);

 private:
  std::string shard_id_;
  simdjson::ondemand::parser parser_;
};

}  // namespace sink
