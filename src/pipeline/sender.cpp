// Sender loop: wait for work, pack one request, send, account for every record, back off.
#include "pipeline/sender.h"

#include <algorithm>

#include "kinesis/limits.h"

namespace tk::pipeline {
namespace {

SteadyClock::time_point FromNanos(int64_t nanos) {
  return SteadyClock::time_point(std::chrono::nanoseconds(nanos));
}

// Records refused alone, one after the other, before the refusal is taken for the request's
// (a stream or account problem) and the records are held instead of dropped.
constexpr uint32_t kMaxInvalidRecordsInARow = 3;

// How long an idle sender sleeps before looking again when nothing wakes it.
constexpr std::chrono::seconds kIdleWait{3600};

}  // namespace

Sender::Sender(RecordQueue& queue, SendRecordsFunction send, DeliveryStats& stats,
               SenderOptions options, std::function<double()> uniform01)
    : queue_(queue),
      clock_(queue.clock()),
      send_(std::move(send)),
      stats_(stats),
      options_(options),
      backoff_(options.backoff_base, options.backoff_cap, uniform01),
      hold_backoff_(options.hold_backoff_base, options.hold_backoff_cap, std::move(uniform01)) {}

Sender::~Sender() {
  stop_ = true;
  queue_.Notify();
  if (thread_.joinable()) thread_.join();
}

void Sender::Start() {
  thread_ = std::thread([this] {
    Run();
    {
      std::lock_guard lock(progress_mutex_);
      finished_ = true;
    }
    clock_.NotifyAll(progress_);
  });
}

void Sender::FlushSoon() {
  flush_requested_ = true;
  queue_.Notify();
}

bool Sender::FlushAndWait(SteadyClock::time_point deadline) {
  FlushSoon();
  std::unique_lock lock(progress_mutex_);
  // held_bytes() is read under the queue's own lock; the sender releases bytes before it takes
  // progress_mutex_ to notify, so a release is either seen here or followed by a notification.
  clock_.WaitUntil(progress_, lock, deadline,
                   [this] { return queue_.held_bytes() == 0 || holding_.load(); });
  return queue_.held_bytes() == 0;
}

void Sender::NotifyProgress() {
  { std::lock_guard lock(progress_mutex_); }
  clock_.NotifyAll(progress_);
}

uint64_t Sender::DrainAndStop(SteadyClock::time_point deadline) {
  drain_deadline_ns_ =
      std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count();
  draining_ = true;
  queue_.Notify();
  // The sender thread itself stops when the queue is empty or the deadline has passed, unless it
  // is blocked in a request that Kinesis does not answer: that one is ended at the deadline (its
  // own timeout is up to 10 s, and Lambda ends the Shutdown phase after 2 s).
  if (thread_.joinable()) {
    std::unique_lock lock(progress_mutex_);
    const bool finished = clock_.WaitUntil(progress_, lock, deadline, [this] { return finished_; });
    lock.unlock();
    if (!finished && options_.abort_request) options_.abort_request();
    thread_.join();
  }
  uint64_t unsent = queue_.queued_events();
  stats_.records_unsent_at_shutdown += unsent;
  return unsent;
}

SteadyClock::time_point Sender::RequestDeadline() const {
  SteadyClock::time_point deadline = clock_.SteadyNow() + options_.request_timeout;
  if (draining_) deadline = std::min(deadline, FromNanos(drain_deadline_ns_));
  return deadline;
}

void Sender::Run() {
  kinesis::PutRecordsBatch batch(queue_.limits());
  while (!stop_) {
    // Spooled records go first as soon as memory has room (and before the drain can end).
    if (options_.refill) options_.refill();
    if (draining_) {
      // A deployment problem met during the drain will not be fixed in its last second: what is
      // held is counted as unsent now, instead of being re-sent until the deadline.
      if (queue_.held_bytes() == 0 || clock_.SteadyNow() >= FromNanos(drain_deadline_ns_) ||
          held_during_drain_) {
        return;
      }
    }
    if (!WaitOutBackoff()) continue;
    SteadyClock::time_point wait_until =
        draining_ ? FromNanos(drain_deadline_ns_) : clock_.SteadyNow() + kIdleWait;
    queue_.WaitForWork(options_.max_batch_age, wait_until, [this](bool queue_empty) {
      // A boundary flush is done once everything queued at the boundary has been taken.
      if (queue_empty) flush_requested_ = false;
      return stop_ || draining_ || (flush_requested_ && !queue_empty);
    });
    if (stop_) return;
    // A drain that began during the wait may already be past its deadline: send nothing then
    // (the loop's top returns and the record is counted as unsent).
    if (draining_ && clock_.SteadyNow() >= FromNanos(drain_deadline_ns_)) continue;
    if (options_.refill) options_.refill();
    stats_.records_dropped_invalid += queue_.PopInto(batch, max_records_per_request_);
    if (batch.empty()) {
      NotifyProgress();  // ran dry (or dropped only records no request can carry)
      continue;
    }
    SendBatch(batch);
    NotifyProgress();
    // What is left in the batch was delivered or dropped (failed records were moved out).
    if (options_.recycler != nullptr) options_.recycler->Give(batch.records());
    batch.Clear();
  }
}

// Sleeps until the backoff after a failure has passed; returns false when woken early
// (stop, a drain starting, or the drain deadline) so the caller re-evaluates.
bool Sender::WaitOutBackoff() {
  const bool draining = draining_;
  SteadyClock::time_point until = RetryNotBefore(draining);
  if (draining) until = std::min(until, FromNanos(drain_deadline_ns_));
  if (clock_.SteadyNow() >= until) return true;
  // Queued records must not end this sleep (with a full request queued that would spin), but
  // a drain starting must: its deadline may come before the backoff ends, and it shortens it.
  queue_.WaitUntil(until, [this, draining] { return stop_ || draining_ != draining; });
  return clock_.SteadyNow() >= RetryNotBefore(draining_);
}

// While draining, a retry waits at most one base backoff after the last failure: the SHUTDOWN
// budget is short, and a backoff escalated during an outage must not sleep through the recovery
// it was waiting for (the drain deadline bounds the retries instead).
SteadyClock::time_point Sender::RetryNotBefore(bool draining) const {
  if (!draining) return retry_not_before_;
  return std::min(retry_not_before_, last_failure_at_ + backoff_.base());
}

void Sender::SendBatch(kinesis::PutRecordsBatch& batch) {
  SteadyClock::time_point started = clock_.SteadyNow();
  kinesis::PutRecordsOutcome outcome = send_(batch.records(), RequestDeadline());
  stats_.requests_sent++;
  stats_.RecordLatency(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.SteadyNow() - started).count()));
  switch (outcome.disposition) {
    case kinesis::Disposition::kSent:
      OnSent(batch, outcome);
      return;
    case kinesis::Disposition::kHold:
      stats_.requests_failed++;
      Hold(batch, outcome);
      return;
    case kinesis::Disposition::kInvalidRequest:
      stats_.requests_failed++;
      OnInvalidRequest(batch, outcome);
      return;
    case kinesis::Disposition::kRetryable:
    case kinesis::Disposition::kRefreshCredentials:  // the session already refreshed once
    case kinesis::Disposition::kCorrectClockSkew: {  // ... and corrected its clock once
      stats_.requests_failed++;
      holding_ = false;
      std::string reason = outcome.error_code + ": " + outcome.error_message;
      RetryLater(std::move(batch.records()), reason);
      return;
    }
  }
}

// A deployment problem (error_classification.h): nothing is dropped. The records go back to the
// front of the queue, the memory budget and then the spool take what keeps arriving, and the
// request is retried slowly until someone fixes the cause. Named once per cause, with the fix.
void Sender::Hold(kinesis::PutRecordsBatch& batch, const kinesis::PutRecordsOutcome& outcome) {
  const kinesis::ErrorRule* rule = kinesis::FindErrorRule(outcome.error_code);
  const std::string fix = rule != nullptr && !rule->fix.empty()
                              ? std::string(rule->fix)
                              : "check the stream, its KMS key and the function role's permissions";
  LogOnce(log::Level::kError, "hold:" + outcome.error_code,
          "Kinesis refused PutRecords (" + outcome.error_code + ": " + outcome.error_message +
              "); to fix: " + fix +
              ". Records are kept (memory budget, then spool) and retried every few seconds "
              "(up to 30 s) until it works; only a full memory budget and spool drop any.");
  holding_ = true;
  if (draining_) held_during_drain_ = true;
  stats_.requests_held++;
  Requeue(std::move(batch.records()), hold_backoff_);
  NotifyProgress();  // a flush before /next stops waiting for records that are held
}

// Kinesis refused the request's content (a ValidationException and the like): some record in it
// is over a limit the stream enforces. Halve the request until the record is alone, then drop
// that record only, counted. The other records are re-sent at once, without backoff.
void Sender::OnInvalidRequest(kinesis::PutRecordsBatch& batch,
                              const kinesis::PutRecordsOutcome& outcome) {
  std::vector<kinesis::Record>& records = batch.records();
  holding_ = false;
  if (records.size() > 1) {
    if (suspect_records_ == 0) suspect_records_ = records.size();
    max_records_per_request_ = (records.size() + 1) / 2;
    for (kinesis::Record& record : records) record.OwnData();
    queue_.PushFrontForRetry(std::move(records), clock_.SteadyNow());
    return;
  }
  // Several records in a row refused alone: the request itself is refused (the stream target,
  // the account), not a record. Hold rather than drop everything one by one.
  if (++consecutive_invalid_drops_ > kMaxInvalidRecordsInARow) {
    max_records_per_request_ = kinesis::kMaxRecordsPerRequest;
    suspect_records_ = 0;
    Hold(batch, outcome);
    return;
  }
  const kinesis::Record& record = records.front();
  stats_.records_dropped_invalid += record.events;
  LogOnce(log::Level::kError, "invalid:" + outcome.error_code,
          "Kinesis refused a record (" + outcome.error_code + ": " + outcome.error_message +
              "); it is dropped alone (counted as dropped_invalid_record), record of " +
              std::to_string(record.Size()) + " bytes with partition key of " +
              std::to_string(record.partition_key.size()) +
              " bytes. Check "
              "TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES against the stream's maximum record "
              "size.");
  queue_.Release(batch.bytes());
  records.clear();
  // The culprit is found: the rest go out in full requests again (another bad record would
  // start another bisection).
  suspect_records_ = 0;
  max_records_per_request_ = kinesis::kMaxRecordsPerRequest;
}

void Sender::RecoveredFromFailures() {
  holding_ = false;
  consecutive_invalid_drops_ = 0;
  if (consecutive_failures_ > 0) {
    log::Info("Kinesis delivery recovered after " + std::to_string(consecutive_failures_) +
              " failed attempt(s)");
  }
  consecutive_failures_ = 0;
}

void Sender::OnSent(kinesis::PutRecordsBatch& batch, const kinesis::PutRecordsOutcome& outcome) {
  std::vector<kinesis::Record>& records = batch.records();
  if (suspect_records_ > 0) {
    suspect_records_ -= std::min(suspect_records_, records.size());
    if (suspect_records_ == 0) max_records_per_request_ = kinesis::kMaxRecordsPerRequest;
  }
  CountDelivered(records, outcome.failed_indices);
  if (outcome.failed_indices.empty()) {
    queue_.Release(batch.bytes());
    RecoveredFromFailures();
    return;
  }
  holding_ = false;
  // Partial failure: re-send exactly the failed entries, in their original order.
  std::vector<kinesis::Record> failed;
  failed.reserve(outcome.failed_indices.size());
  size_t delivered_bytes = batch.bytes();
  for (size_t index : outcome.failed_indices) {
    delivered_bytes -= records[index].Size();
    failed.push_back(std::move(records[index]));
  }
  queue_.Release(delivered_bytes);
  // Kinesis stored part of the request: it is making progress, so the failed entries wait one
  // base backoff, not an ever longer one. (Escalating here would, under steady per-record
  // throttling, push every retry to the cap and leave a backlog unsent at SHUTDOWN.)
  if (failed.size() < records.size()) consecutive_failures_ = 0;
  std::string codes;
  for (const auto& [code, count] : outcome.failed_by_code) {
    codes.append(codes.empty() ? "" : ", ").append(code + " x" + std::to_string(count));
  }
  RetryLater(std::move(failed), "records failed: " + codes);
}

void Sender::RetryLater(std::vector<kinesis::Record>&& records, const std::string& reason) {
  Requeue(std::move(records), backoff_);
  if (consecutive_failures_ == 1) {
    LogOnce(log::Level::kWarn, "retry:" + reason.substr(0, reason.find(':')),
            "PutRecords will be retried with backoff (" + reason + ")");
  }
}

void Sender::Requeue(std::vector<kinesis::Record>&& records, const kinesis::Backoff& backoff) {
  for (kinesis::Record& record : records) {
    record.attempts++;
    // A record waiting for its retry keeps its own bytes, not the whole POST body it came from
    // (the rest of that body may long be delivered).
    record.OwnData();
  }
  stats_.records_retried += kinesis::EventCount(records);
  consecutive_failures_++;
  last_failure_at_ = clock_.SteadyNow();
  retry_not_before_ = last_failure_at_ + backoff.Delay(consecutive_failures_);
  queue_.PushFrontForRetry(std::move(records), clock_.SteadyNow());
}

void Sender::CountDelivered(std::span<const kinesis::Record> records,
                            std::span<const size_t> failed_indices) {
  uint64_t events = 0, units = 0, count = 0;
  size_t next_failed = 0;  // failed_indices ascend
  for (size_t index = 0; index < records.size(); ++index) {
    if (next_failed < failed_indices.size() && failed_indices[next_failed] == index) {
      ++next_failed;
      continue;
    }
    events += records[index].events;
    units += kinesis::PayloadUnits(records[index].Size());
    ++count;
  }
  stats_.records_delivered += events;
  stats_.records_put += count;
  stats_.put_payload_units += units;
}

void Sender::LogOnce(log::Level level, const std::string& key, const std::string& message) {
  if (logged_.insert(key).second) log::Write(level, message);
}

}  // namespace tk::pipeline
