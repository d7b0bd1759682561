// Spent records handed back for reuse: the sender gives back the records of a delivered request,
// and the encoder writes new events into them, so that once the pipeline has warmed up encoding
// an event allocates nothing (the buffers circulate instead of going through malloc and free).
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

#include "kinesis/record.h"

namespace tk::kinesis {

// Records kept at most: two full requests' worth covers a request in flight while the listener
// encodes the next batch; more would only hold memory.
inline constexpr size_t kMaxRecycledRecords = 1000;
// A record buffer larger than this is not kept (one big event must not pin its memory).
inline constexpr size_t kMaxRecycledRecordBytes = 16 * 1024;
// A buffer smaller than this is not worth keeping (a moved-from string still has the capacity
// of its in-object buffer).
inline constexpr size_t kMinRecycledRecordBytes = 64;

// Thread-safe, bounded free list of records with buffers to reuse.
class RecordRecycler {
 public:
  explicit RecordRecycler(size_t max_records = kMaxRecycledRecords) : max_records_(max_records) {}

  // Keeps the records of `records` whose buffers are worth reusing (up to the bound); the rest
  // are freed. `records` is left empty.
  void Give(std::vector<Record>& records);

  // Moves up to `count` recycled records to the back of `into` (their content is unspecified:
  // overwrite it). Returns how many were moved.
  size_t Take(std::vector<Record>& into, size_t count);

  size_t size() const;

 private:
  const size_t max_records_;
  mutable std::mutex mutex_;
  std::vector<Record> free_;
};

}  // namespace tk::kinesis
