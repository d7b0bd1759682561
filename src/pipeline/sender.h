// The sender thread: takes records from the queue, sends PutRecords requests, re-queues
// exactly the records that failed, backs off, and drains on shutdown.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <thread>

#include "common/log.h"
#include "kinesis/backoff.h"
#include "kinesis/limits.h"
#include "kinesis/put_records_response.h"
#include "kinesis/record.h"
#include "kinesis/record_recycler.h"
#include "pipeline/delivery_stats.h"
#include "pipeline/record_queue.h"

namespace tk::pipeline {

// Sends one request; must return by `deadline` (the transport's timeout is set from it).
using SendRecordsFunction = std::function<kinesis::PutRecordsOutcome(
    std::span<const kinesis::Record> records, SteadyClock::time_point deadline)>;

struct SenderOptions {
  std::chrono::milliseconds max_batch_age{200};
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds backoff_base{100};
  std::chrono::milliseconds backoff_cap{5'000};
  // Held requests (a deployment problem: permission, stream, KMS key; error_classification.h)
  // are retried slowly, doubling up to the cap: the fix takes a person minutes, and a fast
  // retry would only add throttled requests to the user's bill.
  std::chrono::milliseconds hold_backoff_base{1'000};
  std::chrono::milliseconds hold_backoff_cap{30'000};
  // Called before each request is packed: moves spooled records into the queue (the spool is
  // replayed first, as soon as memory has room). Empty: no spool.
  std::function<bool()> refill;
  // Where the records of a finished request go for reuse by the encoder; null: freed.
  kinesis::RecordRecycler* recycler = nullptr;
  // Ends the request the sender thread has in flight, from another thread (HttpClient::Abort):
  // called when the drain's deadline passes with the sender still blocked in one. Empty: the
  // drain waits for the request's own timeout.
  std::function<void()> abort_request;
};

class Sender {
 public:
  Sender(RecordQueue& queue, SendRecordsFunction send, DeliveryStats& stats, SenderOptions options,
         std::function<double()> uniform01);
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  void Start();

  // An invocation boundary: send everything queued now, even a partial request, without
  // waiting for the batch age. Never blocks the caller.
  void FlushSoon();

  // Flush before /next: FlushSoon(), then waits until nothing is held in memory (every record
  // delivered or dropped) or `deadline`, whichever comes first. Returns whether nothing is held.
  // Records spooled to disk are not waited for (they go out in the background, oldest first);
  // nor are records held for a deployment problem (waiting would bill every invocation).
  bool FlushAndWait(SteadyClock::time_point deadline);

  // Shutdown: sends until nothing is held or `deadline`, stops the thread (a request still in
  // flight at the deadline is aborted), and counts what is still held as unsent. Returns the
  // number of unsent events.
  uint64_t DrainAndStop(SteadyClock::time_point deadline);

 private:
  void Run();
  void NotifyProgress();
  bool WaitOutBackoff();
  SteadyClock::time_point RetryNotBefore(bool draining) const;
  void SendBatch(kinesis::PutRecordsBatch& batch);
  void OnSent(kinesis::PutRecordsBatch& batch, const kinesis::PutRecordsOutcome& outcome);
  void RetryLater(std::vector<kinesis::Record>&& records, const std::string& reason);
  // Back to the front of the queue after a failure, re-sent once `backoff` has passed.
  void Requeue(std::vector<kinesis::Record>&& records, const kinesis::Backoff& backoff);
  void Hold(kinesis::PutRecordsBatch& batch, const kinesis::PutRecordsOutcome& outcome);
  void OnInvalidRequest(kinesis::PutRecordsBatch& batch, const kinesis::PutRecordsOutcome& outcome);
  void RecoveredFromFailures();
  // Counts the events, records and payload units of `records` Kinesis stored: all but those at
  // `failed_indices`.
  void CountDelivered(std::span<const kinesis::Record> records,
                      std::span<const size_t> failed_indices);
  void LogOnce(log::Level level, const std::string& key, const std::string& message);
  SteadyClock::time_point RequestDeadline() const;

  RecordQueue& queue_;
  const Clock& clock_;  // the queue's: the deadlines the sender computes are waited on there
  SendRecordsFunction send_;
  DeliveryStats& stats_;
  SenderOptions options_;
  kinesis::Backoff backoff_;
  kinesis::Backoff hold_backoff_;

  std::thread thread_;
  std::atomic<bool> flush_requested_{false};
  std::atomic<bool> draining_{false};
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> drain_deadline_ns_{0};  // steady clock, valid while draining_
  std::atomic<bool> holding_{false};           // the last request was held (a deployment problem)
  // FlushAndWait's wake-up: notified after every request (and whenever the sender runs dry).
  std::mutex progress_mutex_;
  std::condition_variable progress_;
  bool finished_ = false;  // the thread has left Run(); under progress_mutex_

  // Sender-thread state.
  uint32_t consecutive_failures_ = 0;
  SteadyClock::time_point retry_not_before_{};
  SteadyClock::time_point last_failure_at_{};
  std::set<std::string> logged_;
  // Bisecting a request Kinesis refused as invalid: at most this many records per request
  // until `suspect_records_` (the refused request's records not yet sent or dropped) is 0.
  size_t max_records_per_request_ = kinesis::kMaxRecordsPerRequest;
  size_t suspect_records_ = 0;
  uint32_t consecutive_invalid_drops_ = 0;  // records refused alone since the last success
  bool held_during_drain_ = false;          // a request was held while draining: stop the drain
};

}  // namespace tk::pipeline
