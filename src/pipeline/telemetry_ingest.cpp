// Batch -> records -> queue, all or nothing per batch.
#include "pipeline/telemetry_ingest.h"

#include "common/log.h"

namespace tk::pipeline {
namespace {

constexpr std::string_view kReportType = "platform.report";

}  // namespace

TelemetryIngest::TelemetryIngest(telemetry::RecordEncoder encoder, RecordBuffer& buffer,
                                 DeliveryStats& stats)
    : encoder_(std::move(encoder)), buffer_(buffer), stats_(stats) {}

TelemetryIngest::TelemetryIngest(telemetry::RecordEncoder encoder, RecordQueue& queue,
                                 DeliveryStats& stats)
    : encoder_(std::move(encoder)),
      owned_buffer_(std::make_unique<RecordBuffer>(queue, nullptr, stats)),
      buffer_(*owned_buffer_),
      stats_(stats) {}

telemetry::ListenerReply TelemetryIngest::HandleBatch(std::string_view body) {
  std::lock_guard lock(mutex_);
  if (Status parsed = parser_.Parse(body, events_); !parsed) {
    stats_.batches_rejected_malformed++;
    LogFirst(logged_malformed_, "rejected a malformed telemetry batch (" +
                                    std::to_string(body.size()) +
                                    " bytes): " + parsed.error().message);
    return {400, "malformed telemetry batch: " + parsed.error().message};
  }
  records_.resize(events_.size());
  size_t encoded = 0;
  size_t too_large = 0;
  std::string_view report_request_id;
  for (const telemetry::TelemetryEvent& event : events_) {
    if (event.type == kReportType) report_request_id = event.request_id;
    if (encoder_.Encode(event.raw, records_[encoded])) {
      ++encoded;
      continue;
    }
    ++too_large;
    LogFirst(logged_too_large_, "dropped a telemetry event of " + std::to_string(event.raw.size()) +
                                    " bytes: over Kinesis's 1 MiB record limit (counted)");
  }
  records_.resize(encoded);
  stats_.events_received += events_.size();
  stats_.events_dropped_too_large += too_large;
  AcceptResult accepted = buffer_.Accept(records_);
  if (accepted == AcceptResult::kDropped) {
    stats_.batches_rejected_queue_full++;
    LogFirst(logged_queue_full_,
             "memory budget and spool are full (Kinesis is slower than the function's "
             "telemetry): dropping batches, counted as dropped_overflow, answering 503");
    return {503, "buffer full"};
  }
  if (accepted == AcceptResult::kSpooled) {
    LogFirst(logged_spooling_,
             "memory budget reached: spooling telemetry to disk until Kinesis catches up");
  }
  stats_.batches_accepted++;
  if (!report_request_id.empty()) {
    last_report_request_id_.assign(report_request_id);
    report_arrived_.notify_all();
  }
  return {200, "OK"};
}

bool TelemetryIngest::WaitForReport(const std::string& request_id,
                                    SteadyClock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return report_arrived_.wait_until(lock, deadline,
                                    [&] { return last_report_request_id_ == request_id; });
}

void TelemetryIngest::LogFirst(bool& logged, std::string_view message) {
  if (logged) return;
  logged = true;
  log::Warn(message);
}

}  // namespace tk::pipeline
