// The record free list between the sender (gives) and the encoder (takes).
#include "kinesis/record_recycler.h"

#include <algorithm>

namespace tk::kinesis {

void RecordRecycler::Give(std::vector<Record>& records) {
  {
    std::lock_guard lock(mutex_);
    for (Record& record : records) {
      if (free_.size() >= max_records_) break;
      // A moved-from record (sent for a retry elsewhere) has no buffer left to offer.
      const size_t capacity = record.data.capacity();
      if (capacity < kMinRecycledRecordBytes || capacity > kMaxRecycledRecordBytes) continue;
      free_.push_back(std::move(record));
    }
  }
  records.clear();
}

size_t RecordRecycler::Take(std::vector<Record>& into, size_t count) {
  std::lock_guard lock(mutex_);
  const size_t taken = std::min(count, free_.size());
  for (size_t i = 0; i < taken; ++i) {
    into.push_back(std::move(free_.back()));
    free_.pop_back();
  }
  return taken;
}

size_t RecordRecycler::size() const {
  std::lock_guard lock(mutex_);
  return free_.size();
}

}  // namespace tk::kinesis
