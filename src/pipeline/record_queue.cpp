// Mutex-protected deque with byte accounting; every change wakes the sender.
#include "pipeline/record_queue.h"

#include "kinesis/limits.h"

namespace tk::pipeline {

bool RecordQueue::PushAll(std::vector<kinesis::Record>& records, SteadyClock::time_point now,
                          bool within_budget) {
  size_t bytes = 0;
  for (const kinesis::Record& record : records) bytes += record.Size();
  {
    std::lock_guard lock(mutex_);
    if (within_budget && held_bytes_ + bytes > max_bytes_) return false;
    for (kinesis::Record& record : records) entries_.push_back(Entry{std::move(record), now});
    queued_bytes_ += bytes;
    held_bytes_ += bytes;
  }
  records.clear();
  ready_.notify_all();
  return true;
}

void RecordQueue::PushFrontForRetry(std::vector<kinesis::Record>&& records,
                                    SteadyClock::time_point now) {
  {
    std::lock_guard lock(mutex_);
    for (auto it = records.rbegin(); it != records.rend(); ++it) {
      queued_bytes_ += it->Size();
      entries_.push_front(Entry{std::move(*it), now});
    }
  }
  ready_.notify_all();
}

size_t RecordQueue::PopInto(kinesis::PutRecordsBatch& batch) {
  std::lock_guard lock(mutex_);
  size_t unsendable = 0;
  // A record that does not fit even an empty batch can never be sent: discard it below rather
  // than leave it at the front, where it would block the queue and spin the sender.
  while (!entries_.empty() && (batch.empty() || batch.Fits(entries_.front().record))) {
    size_t size = entries_.front().record.Size();
    queued_bytes_ -= size;
    if (!batch.Add(std::move(entries_.front().record))) {
      // Over a per-record limit: no request could ever carry it. The encoder prevents this.
      held_bytes_ -= size;
      ++unsendable;
    }
    entries_.pop_front();
  }
  return unsendable;
}

void RecordQueue::Release(size_t bytes) {
  {
    std::lock_guard lock(mutex_);
    held_bytes_ -= std::min(bytes, held_bytes_);
  }
  ready_.notify_all();
}

size_t RecordQueue::held_bytes() const {
  std::lock_guard lock(mutex_);
  return held_bytes_;
}

size_t RecordQueue::queued_records() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

bool RecordQueue::empty() const {
  std::lock_guard lock(mutex_);
  return entries_.empty();
}

bool RecordQueue::FullRequestQueuedLocked() const {
  return entries_.size() >= kinesis::kMaxRecordsPerRequest ||
         queued_bytes_ >= kinesis::kMaxRequestBytes;
}

}  // namespace tk::pipeline
