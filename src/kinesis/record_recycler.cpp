// The record free list between the sender (gives) and the encoder (takes).
#include "kinesis/record_recycler.h"

#include <algorithm>

namespace tk::kinesis {
namespace {

// A record whose buffers save allocations: a data buffer in the kept size range, or a partition
// key on the heap (a borrowed record owns no data, but its 16-digit key is one byte over
// std::string's in-place room). A moved-from record (sent for a retry elsewhere) has neither.
bool WorthReusing(const Record& record) {
  const size_t data_capacity = record.data.capacity();
  if (data_capacity > kMaxRecycledRecordBytes) return false;
  return data_capacity >= kMinRecycledRecordBytes || HasHeapBuffer(record.partition_key);
}

}  // namespace

void RecordRecycler::Give(std::vector<Record>& records) {
  // A kept record must not keep its batch's body alive; the last one lets it go here, outside
  // the lock.
  for (Record& record : records) {
    record.batch.reset();
    record.event = {};
  }
  {
    std::lock_guard lock(mutex_);
    for (Record& record : records) {
      if (free_.size() >= max_records_) break;
      if (WorthReusing(record)) free_.push_back(std::move(record));
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
