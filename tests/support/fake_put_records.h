// A scripted stand-in for the PutRecords client behind the sender: records every request and
// answers from a queue of outcomes (or a default), thread-safe, with bounded waits for tests.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "kinesis/put_records_response.h"
#include "kinesis/record.h"
#include "pipeline/sender.h"

namespace tk::testing {

// What the sender handed over in one call.
struct SentRequest {
  std::vector<std::string> data;   // each record's data, in request order
  std::vector<uint32_t> attempts;  // each record's failed-send count at the time
  std::vector<bool> borrowed;      // each record's bytes were borrowed (Record::borrowed())
  std::chrono::steady_clock::time_point sent_at;
  std::chrono::steady_clock::time_point deadline;
};

inline kinesis::PutRecordsOutcome Outcome(kinesis::Disposition disposition, std::string code = "",
                                          std::string message = "") {
  kinesis::PutRecordsOutcome outcome;
  outcome.disposition = disposition;
  outcome.error_code = std::move(code);
  outcome.error_message = std::move(message);
  return outcome;
}

inline kinesis::PutRecordsOutcome Delivered() { return Outcome(kinesis::Disposition::kSent); }

// HTTP 200 in which the records at `failed_indices` (request order) were throttled.
inline kinesis::PutRecordsOutcome PartiallyFailed(std::vector<size_t> failed_indices) {
  kinesis::PutRecordsOutcome outcome = Outcome(kinesis::Disposition::kSent);
  outcome.failed_by_code["ProvisionedThroughputExceededException"] = failed_indices.size();
  outcome.failed_indices = std::move(failed_indices);
  return outcome;
}

inline kinesis::PutRecordsOutcome Throttled() {
  return Outcome(kinesis::Disposition::kRetryable, "ThrottlingException", "Rate exceeded");
}

inline kinesis::PutRecordsOutcome NotFound() {
  return Outcome(kinesis::Disposition::kHold, "ResourceNotFoundException",
                 "Stream telemetry not found");
}

inline kinesis::PutRecordsOutcome Invalid() {
  return Outcome(kinesis::Disposition::kInvalidRequest, "ValidationException",
                 "1 validation error detected");
}

class FakePutRecords {
 public:
  // `clock` stamps each request's sent_at: a ManualClock's time in tests that drive it.
  explicit FakePutRecords(kinesis::PutRecordsOutcome otherwise = Delivered(),
                          const Clock& clock = SystemClock())
      : clock_(clock), otherwise_(std::move(otherwise)) {}

  // The answer to the next unanswered call; once the script is used up, `otherwise`.
  void Script(kinesis::PutRecordsOutcome outcome) {
    std::lock_guard lock(mutex_);
    script_.push_back(std::move(outcome));
  }

  // The answer once the script is used up.
  void AnswerOtherwise(kinesis::PutRecordsOutcome outcome) {
    std::lock_guard lock(mutex_);
    otherwise_ = std::move(outcome);
  }

  // Every request holding a record whose data equals `data` gets `outcome` (before the script).
  void RefuseRequestsContaining(std::string data, kinesis::PutRecordsOutcome outcome) {
    std::lock_guard lock(mutex_);
    refused_data_ = std::move(data);
    refusal_ = std::move(outcome);
  }

  pipeline::SendRecordsFunction AsFunction() {
    return [this](std::span<const kinesis::Record> records,
                  std::chrono::steady_clock::time_point deadline) {
      SentRequest request;
      request.sent_at = clock_.SteadyNow();
      request.deadline = deadline;
      for (const kinesis::Record& record : records) {
        record.AppendDataTo(request.data.emplace_back());
        request.borrowed.push_back(record.borrowed());
        request.attempts.push_back(record.attempts);
      }
      kinesis::PutRecordsOutcome outcome;
      {
        std::lock_guard lock(mutex_);
        const bool refused = !refused_data_.empty() &&
                             std::find(request.data.begin(), request.data.end(), refused_data_) !=
                                 request.data.end();
        requests_.push_back(std::move(request));
        if (refused) {
          outcome = refusal_;
        } else if (script_.empty()) {
          outcome = otherwise_;
        } else {
          outcome = std::move(script_.front());
          script_.pop_front();
        }
      }
      changed_.notify_all();
      return outcome;
    };
  }

  // Waits until at least `count` requests were made or `timeout` passed; returns whether
  // they were.
  bool WaitForRequests(size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
  }

  std::vector<SentRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  size_t request_count() {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

 private:
  const Clock& clock_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<kinesis::PutRecordsOutcome> script_;
  kinesis::PutRecordsOutcome otherwise_;
  std::string refused_data_;
  kinesis::PutRecordsOutcome refusal_;
  std::vector<SentRequest> requests_;
};

}  // namespace tk::testing
