// Memory-or-spool admission and oldest-first spool replay.
#include "pipeline/record_buffer.h"

namespace tk::pipeline {

RecordBuffer::RecordBuffer(RecordQueue& queue, Spool* spool, DeliveryStats& stats)
    : queue_(queue), spool_(spool), stats_(stats) {}

AcceptResult RecordBuffer::Accept(std::vector<kinesis::Record>& records) {
  std::lock_guard lock(order_mutex_);
  // While anything is spooled, new records go behind it, so the order stays oldest first.
  if (spool_empty() && queue_.PushAll(records, queue_.clock().SteadyNow()))
    return AcceptResult::kQueued;
  if (spool_ != nullptr && spool_->Append(records) == SpoolAppendResult::kAppended) {
    stats_.records_spooled += kinesis::EventCount(records);
    records.clear();
    queue_.Notify();  // the sender replays the spool when memory has room
    return AcceptResult::kSpooled;
  }
  stats_.events_dropped_overflow += kinesis::EventCount(records);
  records.clear();
  return AcceptResult::kDropped;
}

bool RecordBuffer::Refill() {
  if (spool_ == nullptr) return false;
  std::lock_guard lock(order_mutex_);
  bool moved = false;
  std::vector<kinesis::Record> records;
  while (!spool_->empty()) {
    // A segment's file is its records plus a header per frame, so it fits when the file does.
    // Segments are at most segment_bytes (half the budget) or one record (never above the
    // budget, config_loader), so the budget is kept. An empty queue takes any segment, so one
    // left by a process with a bigger budget still drains.
    const size_t held = queue_.held_bytes();
    if (held > 0 && held + spool_->oldest_segment_bytes() > queue_.max_bytes()) break;
    SpoolReadReport report;
    records.clear();
    if (!spool_->TakeOldestSegment(records, report)) break;
    stats_.records_dropped_spool_corrupt += report.corrupt_frames;
    if (report.adopted) stats_.events_recovered_from_spool += kinesis::EventCount(records);
    stats_.records_replayed_from_spool += records.size();
    queue_.PushAll(records, queue_.clock().SteadyNow(), /*within_budget=*/false);
    moved = true;
  }
  return moved;
}

uint64_t RecordBuffer::DiscardSpool() {
  if (spool_ == nullptr) return 0;
  std::lock_guard lock(order_mutex_);
  uint64_t discarded = 0;
  std::vector<kinesis::Record> records;
  SpoolReadReport report;
  while (spool_->TakeOldestSegment(records, report)) {
    stats_.records_dropped_spool_corrupt += report.corrupt_frames;
    const uint64_t events = kinesis::EventCount(records);
    if (report.adopted) stats_.events_recovered_from_spool += events;
    discarded += events;
    records.clear();
    report = SpoolReadReport{};
  }
  stats_.records_unsent_at_shutdown += discarded;
  return discarded;
}

}  // namespace tk::pipeline
