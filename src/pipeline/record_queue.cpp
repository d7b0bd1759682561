// Mutex-protected ring of records with byte accounting; every change wakes the sender.
#include "pipeline/record_queue.h"

namespace tk::pipeline {
namespace {

constexpr size_t kInitialRingSlots = 64;
// The ring only doubles, so its size stays a power of two and a position wraps with a mask
// rather than a division per record.
static_assert((kInitialRingSlots & (kInitialRingSlots - 1)) == 0);
// An empty ring larger than this (left by a burst) is released rather than kept.
constexpr size_t kKeptRingSlots = 4096;

}  // namespace

void RecordQueue::Ring::Grow() {
  std::vector<Entry> grown(slots_.empty() ? kInitialRingSlots : slots_.size() * 2);
  for (size_t i = 0; i < count_; ++i) {
    grown[i] = std::move(slots_[Wrap(head_ + i)]);
  }
  slots_ = std::move(grown);
  head_ = 0;
}

void RecordQueue::Ring::push_back(Entry&& entry) {
  if (count_ == slots_.size()) Grow();
  slots_[Wrap(head_ + count_)] = std::move(entry);
  ++count_;
}

void RecordQueue::Ring::push_front(Entry&& entry) {
  if (count_ == slots_.size()) Grow();
  head_ = Wrap(head_ + slots_.size() - 1);
  slots_[head_] = std::move(entry);
  ++count_;
}

void RecordQueue::Ring::pop_front() {
  slots_[head_].record = kinesis::Record{};  // a slot keeps no buffer of a record it gave away
  head_ = Wrap(head_ + 1);
  --count_;
  if (count_ == 0 && slots_.size() > kKeptRingSlots) {
    slots_ = std::vector<Entry>();
    head_ = 0;
  }
}

bool RecordQueue::PushAll(std::vector<kinesis::Record>& records, SteadyClock::time_point now,
                          bool within_budget) {
  size_t bytes = 0;
  for (const kinesis::Record& record : records) bytes += record.Size();
  const uint64_t events = kinesis::EventCount(records);
  bool wake_sender = false;
  {
    std::lock_guard lock(mutex_);
    if (within_budget && held_bytes_ + bytes > max_bytes_) return false;
    // The sender's wait changes only when the queue stops being empty (its age timer starts) or
    // holds a full request: otherwise it is already timed to the oldest record, and waking it
    // at every Telemetry POST cost a futex wake and a context switch for nothing (issue 15).
    const bool was_empty = entries_.empty();
    for (kinesis::Record& record : records) entries_.push_back(Entry{std::move(record), now});
    queued_bytes_ += bytes;
    queued_events_ += events;
    held_bytes_ += bytes;
    wake_sender = was_empty || FullRequestQueuedLocked();
  }
  records.clear();
  if (wake_sender) clock_.NotifyAll(ready_);
  return true;
}

void RecordQueue::PushFrontForRetry(std::vector<kinesis::Record>&& records,
                                    SteadyClock::time_point now) {
  {
    std::lock_guard lock(mutex_);
    for (auto it = records.rbegin(); it != records.rend(); ++it) {
      queued_bytes_ += it->Size();
      queued_events_ += it->events;
      entries_.push_front(Entry{std::move(*it), now});
    }
  }
  clock_.NotifyAll(ready_);
}

size_t RecordQueue::PopInto(kinesis::PutRecordsBatch& batch, size_t max_records) {
  std::lock_guard lock(mutex_);
  size_t unsendable = 0;
  // A record that does not fit even an empty batch can never be sent: discard it below rather
  // than leave it at the front, where it would block the queue and spin the sender.
  while (!entries_.empty() &&
         (batch.empty() || (batch.size() < max_records && batch.Fits(entries_.front().record)))) {
    size_t size = entries_.front().record.Size();
    uint32_t events = entries_.front().record.events;
    queued_bytes_ -= size;
    queued_events_ -= events;
    if (!batch.Add(std::move(entries_.front().record))) {
      // Over a per-record limit: no request could ever carry it. The encoder prevents this.
      held_bytes_ -= size;
      unsendable += events;
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
  clock_.NotifyAll(ready_);
}

size_t RecordQueue::held_bytes() const {
  std::lock_guard lock(mutex_);
  return held_bytes_;
}

size_t RecordQueue::queued_records() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

uint64_t RecordQueue::queued_events() const {
  std::lock_guard lock(mutex_);
  return queued_events_;
}

bool RecordQueue::empty() const {
  std::lock_guard lock(mutex_);
  return entries_.empty();
}

bool RecordQueue::FullRequestQueuedLocked() const {
  return entries_.size() >= kinesis::kMaxRecordsPerRequest ||
         queued_bytes_ >= limits_.max_request_bytes;
}

}  // namespace tk::pipeline
