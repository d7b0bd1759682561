// Packs records into one PutRecords request up to the service limits (500 records, and the
// stream's request byte limit); the sender fills a batch, sends it, and starts the next.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "kinesis/limits.h"
#include "kinesis/record.h"

namespace tk::kinesis {

// Why a record can never be accepted by PutRecords, whatever batch it is in.
enum class RecordViolation {
  kNone,
  kEmptyPartitionKey,    // PartitionKey minimum length is 1
  kPartitionKeyTooLong,  // over kMaxPartitionKeyBytes
  kPartitionKeyNotUtf8,  // the key is a JSON string: invalid UTF-8 breaks the whole request
  kRecordTooLarge,       // data + key over Limits::max_record_bytes
};

// Checks one record against the per-record limits. A record that fails must be dropped (and
// counted) before batching: sent, it would fail the whole request with a ValidationException.
RecordViolation CheckRecordLimits(const Record& record, const Limits& limits);
inline bool IsRecordWithinLimits(const Record& record, const Limits& limits) {
  return CheckRecordLimits(record, limits) == RecordViolation::kNone;
}

// Short, log-ready reason for a violation ("" for kNone).
std::string_view Describe(RecordViolation violation);

// The records of one PutRecords request, never over kMaxRecordsPerRequest records or
// limits.max_request_bytes bytes. Usage: if (!batch.Fits(r)) { send batch; batch.Clear(); }
// then batch.Add(std::move(r)).
class PutRecordsBatch {
 public:
  // The stream's limits (the default: a stream whose maximum record size is 1 MiB).
  explicit PutRecordsBatch(Limits limits = {}) : limits_(limits) {}

  // True when adding `record` keeps the batch within the request limits. Says nothing about
  // the record's own limits (check IsRecordWithinLimits first): any valid record fits an
  // empty batch.
  bool Fits(const Record& record) const;

  // Adds `record` when it is within the record limits and Fits(); otherwise returns false and
  // leaves `record` untouched.
  [[nodiscard]] bool Add(Record&& record);

  size_t size() const { return records_.size(); }
  size_t bytes() const { return bytes_; }
  bool empty() const { return records_.empty(); }
  // Mutable so the sender can move records out (or bump attempts) after a send; call Clear()
  // afterwards to reset the byte count.
  std::vector<Record>& records() { return records_; }
  const std::vector<Record>& records() const { return records_; }
  void Clear();
  const Limits& limits() const { return limits_; }

 private:
  Limits limits_;
  std::vector<Record> records_;
  size_t bytes_ = 0;
};

}  // namespace tk::kinesis
