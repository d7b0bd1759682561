// Batch -> records -> queue, all or nothing per batch.
#include "pipeline/telemetry_ingest.h"

#include <algorithm>
#include <functional>

#include "common/log.h"

namespace tk::pipeline {
namespace {

constexpr std::string_view kReportType = "platform.report";
constexpr std::string_view kStartType = "platform.start";
constexpr std::string_view kRuntimeDoneType = "platform.runtimeDone";
constexpr std::string_view kRestoreStartType = "platform.restoreStart";
// One runtimeDone is awaited at a time (the invocation in progress); a few more cover batches
// that arrive late or out of step with INVOKE.
constexpr size_t kRecentRuntimeDoneKept = 64;
// Started-but-unreported invocations tracked at most (Managed Instances run many at once); past
// this many (reports lost) tracking stops growing, and the shutdown wait can only end early.
constexpr size_t kMaxOpenInvocations = 16'384;

// Whether `part` lies within `whole` (std::less_equal: a total order even across objects).
bool Contains(std::string_view whole, std::string_view part) {
  const std::less_equal<const char*> at_or_before;
  return at_or_before(whole.data(), part.data()) &&
         at_or_before(part.data() + part.size(), whole.data() + whole.size());
}

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

telemetry::ListenerReply TelemetryIngest::HandleBatch(std::string body) {
  // The body moves into the batch its records will share before it is parsed: the events' views
  // point into it and must stay where they point.
  auto batch = std::make_shared<kinesis::SharedBatch>();
  batch->body = std::move(body);
  std::string& bytes = batch->body;
  if (bytes.capacity() - bytes.size() < telemetry::kListenerBodyPadding) {
    // Exactly padded (reserve() could double the buffer, which the records would then hold).
    std::string padded;
    padded.reserve(bytes.size() + telemetry::kListenerBodyPadding);
    padded.assign(bytes);
    bytes.swap(padded);
  }
  std::lock_guard lock(mutex_);
  if (Status parsed = parser_.Parse(bytes, bytes.capacity(), events_); !parsed) {
    stats_.batches_rejected_malformed++;
    LogFirst(logged_malformed_, "rejected a malformed telemetry batch (" +
                                    std::to_string(bytes.size()) +
                                    " bytes): " + parsed.error().message);
    return {400, "malformed telemetry batch: " + parsed.error().message};
  }
  // May renew the encoder (SnapStart): the batch is framed after it.
  const std::string_view report_request_id = TrackInvocations();
  size_t filtered = 0;
  size_t too_large = 0;
  if (packer_) {
    // Packed formats encode each event into unpacked_ first, then pack those into records_.
    EncodeEvents(nullptr, unpacked_, filtered, too_large);
    too_large += PackEncoded();
  } else {
    encoder_.FrameBatch(*batch);
    EncodeEvents(batch, records_, filtered, too_large);
  }
  stats_.events_received += events_.size();
  stats_.events_filtered += filtered;
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

void TelemetryIngest::EncodeEvents(const std::shared_ptr<const kinesis::SharedBatch>& batch,
                                   std::vector<kinesis::Record>& into, size_t& filtered,
                                   size_t& too_large) {
  into.resize(events_.size());
  size_t encoded = 0;
  size_t borrowed_bytes = 0;
  for (const telemetry::TelemetryEvent& event : events_) {
    if (filter_ && filter_->Judge(event) != telemetry::FilterVerdict::kKeep) {
      ++filtered;
      continue;
    }
    // Events lie in the body when it was parsed in place (always, with the padding ensured
    // above); anything else would dangle once the parser moves on, so it is copied. So is an
    // event with a tenantId: its envelope has a field the batch's shared framing lacks.
    const bool in_body =
        batch != nullptr && event.tenant_id.empty() && Contains(batch->body, event.raw);
    const bool kept = in_body ? encoder_.EncodeBorrowed(event.raw, batch, into[encoded])
                              : encoder_.Encode(event.raw, into[encoded], event.tenant_id);
    if (kept) {
      if (in_body) borrowed_bytes += event.raw.size();
      ++encoded;
      continue;
    }
    ++too_large;
    LogTooLarge(event.raw.size());
  }
  into.resize(encoded);
  // A body mostly filtered out is not kept for the few events left: they get their own copies,
  // so that the memory held stays within twice the bytes the queue accounts for (capacity: a
  // chunked body grown by doubling holds more than its size).
  if (batch != nullptr && borrowed_bytes * 2 < batch->body.capacity()) {
    for (kinesis::Record& record : into) record.OwnData();
  }
}

size_t TelemetryIngest::PackEncoded() {
  records_.clear();
  size_t too_large = 0;
  for (const kinesis::Record& event : unpacked_) {
    if (packer_->Add(event.partition_key, event.data, records_)) continue;
    ++too_large;
    LogTooLarge(event.data.size());
  }
  // End of the POST: nothing waits in the packer (see RecordPacker's flush rule).
  packer_->Finish(records_);
  return too_large;
}

void TelemetryIngest::PackWith(std::unique_ptr<telemetry::RecordPacker> packer) {
  std::lock_guard lock(mutex_);
  packer_ = std::move(packer);
}

void TelemetryIngest::FilterWith(std::unique_ptr<telemetry::EventFilter> filter) {
  std::lock_guard lock(mutex_);
  filter_ = std::move(filter);
}

void TelemetryIngest::LogTooLarge(size_t event_bytes) {
  LogFirst(logged_too_large_,
           "dropped a telemetry event of " + std::to_string(event_bytes) +
               " bytes: its record would be over the stream's maximum record size of " +
               std::to_string(encoder_.max_record_bytes()) +
               " bytes (TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES; counted as dropped_too_large)");
}

std::string_view TelemetryIngest::TrackInvocations() {
  bool tracked = false;
  std::string_view last_report_request_id;
  for (const telemetry::TelemetryEvent& event : events_) {
    if (event.type == kReportType) last_report_request_id = event.request_id;
    if (event.request_id.empty()) {
      // Restore events carry no requestId. Renew before this batch is encoded, so that the
      // restore's own events already carry the new sandbox id.
      if (event.type == kRestoreStartType && on_restore_) {
        RenewEncoderLocked();
        on_restore_();
      }
      continue;
    }
    if (event.type == kStartType) {
      if (open_invocations_.size() < kMaxOpenInvocations) {
        open_invocations_.emplace(event.request_id);
      }
    } else if (event.type == kReportType) {
      open_invocations_.erase(std::string(event.request_id));
      tracked = true;
    } else if (event.type == kRuntimeDoneType) {
      if (recent_runtime_done_.size() == kRecentRuntimeDoneKept) recent_runtime_done_.pop_front();
      recent_runtime_done_.emplace_back(event.request_id);
      tracked = true;
    }
  }
  if (tracked) report_arrived_.notify_all();
  return last_report_request_id;
}

bool TelemetryIngest::WaitForRuntimeDone(const std::string& request_id,
                                         SteadyClock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return report_arrived_.wait_until(lock, deadline, [&] {
    return std::find(recent_runtime_done_.begin(), recent_runtime_done_.end(), request_id) !=
           recent_runtime_done_.end();
  });
}

bool TelemetryIngest::WaitForOpenInvocations(SteadyClock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return report_arrived_.wait_until(lock, deadline, [&] { return open_invocations_.empty(); });
}

void TelemetryIngest::OnRestore(std::function<telemetry::RecordEncoder()> factory,
                                std::function<void()> on_restore) {
  std::lock_guard lock(mutex_);
  encoder_factory_ = std::move(factory);
  on_restore_ = std::move(on_restore);
}

bool TelemetryIngest::RenewEncoderOnce() {
  std::lock_guard lock(mutex_);
  return RenewEncoderLocked();
}

bool TelemetryIngest::RenewEncoderLocked() {
  if (encoder_renewed_ || !encoder_factory_) return false;
  encoder_ = encoder_factory_();
  encoder_renewed_ = true;
  return true;
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
