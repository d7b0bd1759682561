// The listener's handler: parse a batch, encode each event as a record, queue the records,
// and remember which invocations' reports have arrived (for the shutdown wait).
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "kinesis/record.h"
#include "pipeline/delivery_stats.h"
#include "pipeline/record_buffer.h"
#include "pipeline/record_queue.h"
#include "telemetry/batch_parser.h"
#include "telemetry/listener.h"
#include "telemetry/record_encoder.h"

namespace tk::pipeline {

class TelemetryIngest {
 public:
  // Records go to `buffer` (memory, then the spool).
  TelemetryIngest(telemetry::RecordEncoder encoder, RecordBuffer& buffer, DeliveryStats& stats);
  // Records go to `queue` only (no spool).
  TelemetryIngest(telemetry::RecordEncoder encoder, RecordQueue& queue, DeliveryStats& stats);

  // Handles one POST body. 200: every event is queued or spooled (or counted as too large).
  // 400: the body is malformed and nothing of it was taken. 503: memory and spool are full;
  // the batch is counted as dropped (dropped_overflow).
  // Logs at most once per kind of problem: every log line comes back as telemetry.
  telemetry::ListenerReply HandleBatch(std::string_view body);

  // Waits until the platform.report of `request_id` has been received, or `deadline`.
  // Returns whether it arrived.
  bool WaitForReport(const std::string& request_id, SteadyClock::time_point deadline);

 private:
  void LogFirst(bool& logged, std::string_view message);

  std::mutex mutex_;  // one batch at a time: keeps arrival order and the parser's buffers
  std::condition_variable report_arrived_;
  telemetry::BatchParser parser_;
  telemetry::RecordEncoder encoder_;
  std::vector<telemetry::TelemetryEvent> events_;
  std::vector<kinesis::Record> records_;
  std::unique_ptr<RecordBuffer> owned_buffer_;  // when constructed with a bare queue
  RecordBuffer& buffer_;
  DeliveryStats& stats_;
  std::string last_report_request_id_;
  bool logged_malformed_ = false;
  bool logged_queue_full_ = false;
  bool logged_spooling_ = false;
  bool logged_too_large_ = false;
};

}  // namespace tk::pipeline
