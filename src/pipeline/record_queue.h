// The bounded queue between the listener and the sender, bounded by bytes, not by count.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

#include "common/clock.h"
#include "kinesis/limits.h"
#include "kinesis/put_records_batch.h"
#include "kinesis/record.h"

namespace tk::pipeline {

using SteadyClock = std::chrono::steady_clock;

// Bytes are held from PushAll() until Release(): records being sent or waiting for a retry
// still count, so the bound covers everything the extension holds.
class RecordQueue {
 public:
  // `limits`: the stream's; a full request (what wakes the sender) is measured by them, and the
  // sender packs its batches to them. `clock`: what the waits' deadlines and a record's age are
  // measured by (the sender and the buffer use the queue's).
  explicit RecordQueue(size_t max_bytes, kinesis::Limits limits = {},
                       const Clock& clock = SystemClock())
      : max_bytes_(max_bytes), limits_(limits), clock_(clock) {}

  // Appends all of `records` (moved out) or none of them: a telemetry batch is accepted whole.
  // Returns false when they do not fit in the byte budget.
  // `within_budget` false: the caller has checked the room (a spool replay, RecordBuffer), or
  // takes the only way on (a spooled segment bigger than the whole budget, into an empty queue).
  bool PushAll(std::vector<kinesis::Record>& records, SteadyClock::time_point now,
               bool within_budget = true);

  // Puts records that must be re-sent back at the front, oldest first (bytes still held).
  void PushFrontForRetry(std::vector<kinesis::Record>&& records, SteadyClock::time_point now);

  // Moves records from the front into `batch` while they fit one PutRecords request and the
  // batch has fewer than `max_records` (the sender lowers it to bisect an invalid request).
  // Returns how many events were discarded (in records no request can carry).
  size_t PopInto(kinesis::PutRecordsBatch& batch,
                 size_t max_records = kinesis::kMaxRecordsPerRequest);

  // Gives back the budget of records that were delivered or dropped.
  void Release(size_t bytes);

  size_t held_bytes() const;
  size_t max_bytes() const { return max_bytes_; }
  const kinesis::Limits& limits() const { return limits_; }
  const Clock& clock() const { return clock_; }
  size_t queued_records() const;
  uint64_t queued_events() const;  // events in the queued records (kinesis::Record::events)
  bool empty() const;

  // The sender's wait: returns when a full request is queued, the oldest record is older
  // than `max_age`, `wake(queue_is_empty)` returns true, or `deadline` passes. `wake` runs
  // under the queue's lock and is rechecked after every Notify().
  template <typename Predicate>
  void WaitForWork(std::chrono::milliseconds max_age, SteadyClock::time_point deadline,
                   Predicate wake);
  // Waits until `wake()` returns true (rechecked after every Notify()) or `deadline`. Unlike
  // WaitForWork, queued records do not end this wait: it is the sender's backoff sleep.
  template <typename Predicate>
  void WaitUntil(SteadyClock::time_point deadline, Predicate wake) {
    std::unique_lock lock(mutex_);
    clock_.WaitUntil(ready_, lock, deadline, wake);
  }
  // Wakes WaitForWork after a flag its predicate reads has changed. Taking the lock first
  // means a waiter cannot miss the change between its check and its wait.
  void Notify() {
    { std::lock_guard lock(mutex_); }
    clock_.NotifyAll(ready_);
  }

 private:
  struct Entry {
    kinesis::Record record;
    SteadyClock::time_point enqueued;
  };

  // FIFO of entries in a ring of slots that is reused (a deque would allocate a block every few
  // records); it grows by doubling and is given back once empty after a burst. Locked callers.
  class Ring {
   public:
    bool empty() const { return count_ == 0; }
    size_t size() const { return count_; }
    Entry& front() { return slots_[head_]; }
    const Entry& front() const { return slots_[head_]; }
    void push_back(Entry&& entry);
    void push_front(Entry&& entry);
    void pop_front();

   private:
    void Grow();
    size_t Wrap(size_t position) const { return position & (slots_.size() - 1); }
    std::vector<Entry> slots_;  // a power of two of them
    size_t head_ = 0;
    size_t count_ = 0;
  };

  bool FullRequestQueuedLocked() const;

  const size_t max_bytes_;
  const kinesis::Limits limits_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  Ring entries_;
  size_t queued_bytes_ = 0;     // of entries_
  uint64_t queued_events_ = 0;  // of entries_
  size_t held_bytes_ = 0;       // entries_ + in flight + awaiting retry
};

template <typename Predicate>
void RecordQueue::WaitForWork(std::chrono::milliseconds max_age, SteadyClock::time_point deadline,
                              Predicate wake) {
  std::unique_lock lock(mutex_);
  while (true) {
    if (wake(entries_.empty()) || FullRequestQueuedLocked()) return;
    SteadyClock::time_point until = deadline;
    if (!entries_.empty()) {
      SteadyClock::time_point due = entries_.front().enqueued + max_age;
      if (due <= clock_.SteadyNow()) return;
      until = std::min(until, due);
    }
    if (clock_.WaitUntil(ready_, lock, until) == std::cv_status::timeout && until == deadline) {
      return;
    }
  }
}

}  // namespace tk::pipeline
