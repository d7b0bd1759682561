// Packs records into one PutRecords request up to the service limits (500 records, and the
// stream's request byte limit); the sender fills a batch, sends it, and starts the next.
#include "kinesis/put_records_batch.h"

#include <simdjson.h>

#include <utility>

namespace tk::kinesis {
namespace {

// Keys are almost always ASCII (hex ids, request ids): checked byte by byte that is a few
// nanoseconds, where simdjson's validator pads each short key into a 64-byte block first (a
// profile put ~3% of the extension's CPU there: it runs for every record of every request).
bool IsAscii(std::string_view text) {
  unsigned char any_high_bit = 0;
  for (char c : text) any_high_bit |= static_cast<unsigned char>(c);
  return any_high_bit < 0x80;
}

}  // namespace

RecordViolation CheckRecordLimits(const Record& record, const Limits& limits) {
  const std::string_view key = record.partition_key;
  if (key.size() < kMinPartitionKeyBytes) return RecordViolation::kEmptyPartitionKey;
  if (key.size() > kMaxPartitionKeyBytes) return RecordViolation::kPartitionKeyTooLong;
  if (!IsAscii(key) && !simdjson::validate_utf8(key.data(), key.size())) {
    return RecordViolation::kPartitionKeyNotUtf8;
  }
  if (record.Size() > limits.max_record_bytes) return RecordViolation::kRecordTooLarge;
  return RecordViolation::kNone;
}

std::string_view Describe(RecordViolation violation) {
  switch (violation) {
    case RecordViolation::kNone:
      return "";
    case RecordViolation::kEmptyPartitionKey:
      return "empty partition key";
    case RecordViolation::kPartitionKeyTooLong:
      return "partition key longer than 256 bytes";
    case RecordViolation::kPartitionKeyNotUtf8:
      return "partition key is not valid UTF-8";
    case RecordViolation::kRecordTooLarge:
      return "record (data + partition key) larger than the stream's maximum record size "
             "(TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES)";
  }
  return "unknown record violation";
}

bool PutRecordsBatch::Fits(const Record& record) const {
  // Subtraction form: no overflow for any record size.
  return records_.size() < kMaxRecordsPerRequest &&
         record.Size() <= limits_.max_request_bytes - bytes_;
}

bool PutRecordsBatch::Add(Record&& record) {
  if (!IsRecordWithinLimits(record, limits_) || !Fits(record)) return false;
  bytes_ += record.Size();
  records_.push_back(std::move(record));
  return true;
}

void PutRecordsBatch::Clear() {
  records_.clear();
  bytes_ = 0;
}

}  // namespace tk::kinesis
