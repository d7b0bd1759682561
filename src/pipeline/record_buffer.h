// Where accepted records wait: memory first, the spool when memory is full, and the order
// kept across both (memory, then spool, then new arrivals).
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "kinesis/record.h"
#include "pipeline/delivery_stats.h"
#include "pipeline/record_queue.h"
#include "pipeline/spool.h"

namespace tk::pipeline {

enum class AcceptResult {
  kQueued,   // in memory
  kSpooled,  // written to the spool (memory budget reached, or older records are spooled)
  kDropped,  // neither memory nor spool had room; counted as dropped_overflow
};

class RecordBuffer {
 public:
  // `spool` may be null (no spool: past the memory budget records are dropped and counted).
  RecordBuffer(RecordQueue& queue, Spool* spool, DeliveryStats& stats);

  // Takes all `records` (moved out) into memory or the spool, or none of them.
  AcceptResult Accept(std::vector<kinesis::Record>& records);

  // Moves spooled records into memory while the memory budget has room for the oldest segment.
  // Called by the sender before it packs a request, so the spool is replayed first. Returns
  // whether anything was moved.
  bool Refill();

  // Records a previous process left in the spool are replayed by Refill() like any other;
  // they are counted as received when they are read (events_recovered_from_spool).

  // SHUTDOWN: what is still spooled cannot reach the next sandbox (its /tmp is a different
  // one), so it is counted as unsent and removed. Returns the number of events.
  uint64_t DiscardSpool();

  bool spool_empty() const { return spool_ == nullptr || spool_->empty(); }
  RecordQueue& queue() { return queue_; }
  const Clock& clock() const { return queue_.clock(); }

 private:
  std::mutex order_mutex_;  // Accept and Refill must not interleave, or order breaks
  RecordQueue& queue_;
  Spool* spool_;
  DeliveryStats& stats_;
};

}  // namespace tk::pipeline
