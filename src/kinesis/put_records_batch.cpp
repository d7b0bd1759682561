// Packs records into one PutRecords request up to the service limits (500 records, 5 MiB);
// the sender fills a batch, sends it, and starts the next.
#include "kinesis/put_records_batch.h"

#include <simdjson.h>

#include <utility>

#include "kinesis/limits.h"

namespace tk::kinesis {

RecordViolation CheckRecordLimits(const Record& record) {
  const std::string_view key = record.partition_key;
  if (key.size() < kMinPartitionKeyBytes) return RecordViolation::kEmptyPartitionKey;
  if (key.size() > kMaxPartitionKeyBytes) return RecordViolation::kPartitionKeyTooLong;
  if (!simdjson::validate_utf8(key.data(), key.size())) {
    return RecordViolation::kPartitionKeyNotUtf8;
  }
  if (record.Size() > kMaxRecordBytes) return RecordViolation::kRecordTooLarge;
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
      return "record (data + partition key) larger than 1 MiB";
  }
  return "unknown record violation";
}

bool PutRecordsBatch::Fits(const Record& record) const {
  // Subtraction form: no overflow for any record size.
  return records_.size() < kMaxRecordsPerRequest && record.Size() <= kMaxRequestBytes - bytes_;
}

bool PutRecordsBatch::Add(Record&& record) {
  if (!IsRecordWithinLimits(record) || !Fits(record)) return false;
  bytes_ += record.Size();
  records_.push_back(std::move(record));
  return true;
}

void PutRecordsBatch::Clear() {
  records_.clear();
  bytes_ = 0;
}

}  // namespace tk::kinesis
