// Batch -> records -> queue, all or nothing per batch.
#include "telemetry/telemetry_ingest.h"

#include <simdjson.h>

#include <algorithm>
#include <functional>
#include <optional>

#include "common/log.h"
#include "kinesis/limits.h"

namespace tk::telemetry {
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

// Room left in a record for the fragment event's own JSON around its fragment.
constexpr size_t kFragmentEventOverhead = 512;

// The longest prefix of `text` of at most `limit` bytes that does not end inside a UTF-8
// sequence (a fragment cut there would lose the character to a replacement).
size_t Utf8Prefix(std::string_view text, size_t limit) {
  if (limit >= text.size()) return text.size();
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return end == 0 ? limit : end;
}

// The requestId and type of an event that is not a slice of the body (looked up once, stored).
struct Described {
  std::string type;
  std::string request_id;
  std::string tenant_id;
};

Described Describe(std::string_view raw) {
  thread_local simdjson::dom::parser parser;
  Described described;
  const simdjson::padded_string padded(raw);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) return described;
  std::string_view text;
  if (root["type"].get_string().get(text) == simdjson::SUCCESS) described.type = text;
  if (root["record"]["requestId"].get_string().get(text) == simdjson::SUCCESS) {
    described.request_id = text;
  }
  if (root["record"]["tenantId"].get_string().get(text) == simdjson::SUCCESS) {
    described.tenant_id = text;
  }
  return described;
}

}  // namespace

TelemetryIngest::TelemetryIngest(telemetry::RecordEncoder encoder, pipeline::RecordBuffer& buffer,
                                 pipeline::DeliveryStats& stats)
    : encoder_(std::move(encoder)), buffer_(buffer), stats_(stats) {}

TelemetryIngest::TelemetryIngest(telemetry::RecordEncoder encoder, pipeline::RecordQueue& queue,
                                 pipeline::DeliveryStats& stats)
    : encoder_(std::move(encoder)),
      owned_buffer_(std::make_unique<pipeline::RecordBuffer>(queue, nullptr, stats)),
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
  last_batch_at_ = buffer_.clock().SteadyNow();
  owned_texts_.clear();
  body_ = bytes;
  std::string_view tail;
  if (Status parsed = parser_.Parse(bytes, bytes.capacity(), events_); !parsed) {
    std::string why;
    if (!Salvage(bytes, tail, why)) {
      stats_.batches_rejected_malformed++;
      // Whatever it held (a runtimeDone perhaps) is lost: a flush must not wait for it.
      last_damage_at_ = buffer_.clock().SteadyNow();
      buffer_.clock().NotifyAll(report_arrived_);
      LogFirst(logged_malformed_, "rejected a malformed telemetry batch (" +
                                      std::to_string(bytes.size()) +
                                      " bytes): " + parsed.error().message);
      return {400, "malformed telemetry batch: " + parsed.error().message};
    }
  }
  // A batch refused for a full buffer (503) is re-sent by Lambda as it was: the split-event
  // state and its counters must then be as before it.
  const telemetry::PendingFragment pending_before = pending_;
  const uint64_t joined_before = stats_.events_joined;
  const uint64_t truncated_before = stats_.events_truncated;
  ResolvePendingFragment();
  if (!tail.empty()) KeepTail(tail);
  telemetry::ListenerReply reply = AcceptEvents(batch);
  body_ = {};
  if (reply.status == 503) {
    pending_ = pending_before;
    stats_.events_joined = joined_before;
    stats_.events_truncated = truncated_before;
  }
  return reply;
}

telemetry::ListenerReply TelemetryIngest::AcceptEvents(
    const std::shared_ptr<kinesis::SharedBatch>& batch) {
  // May renew the encoder (SnapStart): the batch is framed, and its ids derived, after it.
  const std::string_view report_request_id = TrackInvocations();
  encoder_.identity().BeginBody(body_);
  size_t filtered = 0;
  size_t too_large = 0;
  size_t extra_fragments = 0;
  if (packer_) {
    // Packed formats encode each event into unpacked_ first, then pack those into records_.
    EncodeEvents(nullptr, unpacked_, filtered, too_large, extra_fragments);
    too_large += PackEncoded();
  } else {
    if (batch) encoder_.FrameBatch(*batch);
    EncodeEvents(batch, records_, filtered, too_large, extra_fragments);
  }
  // An event shipped as N fragments counts as N events received (each is a record's event).
  stats_.events_received += events_.size() + extra_fragments;
  stats_.events_filtered += filtered;
  stats_.events_dropped_too_large += too_large;
  pipeline::AcceptResult accepted = buffer_.Accept(records_);
  if (accepted == pipeline::AcceptResult::kDropped) {
    stats_.batches_rejected_queue_full++;
    LogFirst(logged_queue_full_,
             "memory budget and spool are full (Kinesis is slower than the function's "
             "telemetry): dropping batches, counted as dropped_overflow, answering 503");
    return {503, "buffer full"};
  }
  if (accepted == pipeline::AcceptResult::kSpooled) {
    LogFirst(logged_spooling_,
             "memory budget reached: spooling telemetry to disk until Kinesis catches up");
  }
  stats_.batches_accepted++;
  if (!report_request_id.empty()) {
    last_report_request_id_.assign(report_request_id);
    buffer_.clock().NotifyAll(report_arrived_);
  }
  return {200, "OK"};
}

void TelemetryIngest::EncodeEvents(const std::shared_ptr<const kinesis::SharedBatch>& batch,
                                   std::vector<kinesis::Record>& into, size_t& filtered,
                                   size_t& too_large, size_t& extra_fragments) {
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
    if (into.size() <= encoded) into.resize(encoded + 1);  // fragments took extra slots
    const telemetry::EventId id = IdOf(event.raw);
    if (log_events_) {
      // cloudwatch-logs: the packer judges the size (a line too large for a record is dropped
      // there and counted): CloudWatch has no fragments.
      if (log_events_->Encode(event.raw, id, into[encoded])) {
        ++encoded;
      } else {
        ++filtered;
      }
      continue;
    }
    const bool kept = in_body ? encoder_.EncodeBorrowed(event.raw, id, batch, into[encoded])
                              : encoder_.Encode(event.raw, id, into[encoded], event.tenant_id);
    if (kept) {
      if (in_body) borrowed_bytes += event.raw.size();
      ++encoded;
      continue;
    }
    // Larger than a record: shipped in pieces rather than dropped.
    const size_t parts = EncodeAsFragments(event.raw, into, encoded);
    if (parts == 0) {
      ++too_large;
      LogTooLarge(event.raw.size());
      continue;
    }
    encoded += parts;
    extra_fragments += parts - 1;
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

void TelemetryIngest::EncodeLogEventsWith(
    std::function<telemetry::CloudWatchLogEventEncoder()> factory) {
  std::lock_guard lock(mutex_);
  log_events_factory_ = std::move(factory);
  log_events_ = log_events_factory_();
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
  if (tracked) buffer_.clock().NotifyAll(report_arrived_);
  return last_report_request_id;
}

bool TelemetryIngest::WaitForRuntimeDone(const std::string& request_id,
                                         pipeline::SteadyClock::time_point deadline,
                                         pipeline::SteadyClock::time_point since) {
  std::unique_lock lock(mutex_);
  bool arrived = false;
  buffer_.clock().WaitUntil(report_arrived_, lock, deadline, [&] {
    arrived = std::find(recent_runtime_done_.begin(), recent_runtime_done_.end(), request_id) !=
              recent_runtime_done_.end();
    // It will not come: a body of the invocation was damaged (runtimeDone may have been in the
    // lost part), or the report, which Lambda sends after it, is already here.
    const bool lost = (since != pipeline::SteadyClock::time_point{} && last_damage_at_ >= since) ||
                      last_report_request_id_ == request_id;
    return arrived || lost;
  });
  return arrived;
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
  if (log_events_factory_) log_events_ = log_events_factory_();
  encoder_renewed_ = true;
  return true;
}

bool TelemetryIngest::Salvage(std::string_view body, std::string_view& tail, std::string& why) {
  const telemetry::SalvagedBody salvaged = telemetry::SalvageBody(body);
  if (salvaged.garbage) {
    why = "nothing in it is a telemetry event";
    return false;
  }
  events_.clear();
  for (std::string_view raw : salvaged.events) events_.push_back(DescribeEvent(raw));
  tail = salvaged.tail;
  stats_.batches_salvaged++;
  if (salvaged.damaged_bytes > 0) {
    stats_.bytes_damaged += salvaged.damaged_bytes;
    last_damage_at_ = buffer_.clock().SteadyNow();
    buffer_.clock().NotifyAll(report_arrived_);  // a flush waiting for runtimeDone stops waiting
  }
  LogFirst(logged_salvaged_,
           "a telemetry batch was not valid JSON (" + std::to_string(body.size()) +
               " bytes): kept " + std::to_string(salvaged.events.size()) + " complete event(s)" +
               (salvaged.tail.empty() ? std::string()
                                      : ", and the event cut at its end waits for the rest") +
               (salvaged.damaged_bytes > 0 ? "; " + std::to_string(salvaged.damaged_bytes) +
                                                 " damaged bytes lost (counted)"
                                           : std::string()) +
               ". Lambda splits events larger than the subscription's maxBytes this way.");
  return true;
}

void TelemetryIngest::ResolvePendingFragment() {
  if (pending_.empty() || events_.empty()) return;
  std::string head = pending_.Take();
  const std::string_view first = events_.front().raw;
  if (telemetry::SupersedesSplitHead(head, first)) return;  // the whole event came again
  if (std::optional<std::string> joined = telemetry::JoinSplitEvent(head, first)) {
    stats_.events_joined++;
    AddOwnedEvent(*std::move(joined), 0, /*replace=*/true);
    return;
  }
  ShipFragmentLocked(std::move(head), "split event whose continuation did not come");
}

void TelemetryIngest::KeepTail(std::string_view tail) {
  // An event cut into three or more pieces: this body held only its next piece.
  if (!pending_.empty() && events_.empty()) {
    if (std::optional<std::string> longer = telemetry::ExtendSplitHead(pending_.head(), tail)) {
      pending_.Keep(*longer, buffer_.clock().SteadyNow());
      return;
    }
  }
  // The previous head (if this body did not continue it, ResolvePendingFragment shipped it) gives
  // way to this body's: one at a time.
  if (!pending_.empty()) {
    ShipFragmentLocked(pending_.Take(), "split event whose continuation did not come");
  }
  pending_.Keep(tail, buffer_.clock().SteadyNow());
}

telemetry::TelemetryEvent TelemetryIngest::DescribeEvent(std::string_view raw) {
  const Described described = Describe(raw);
  telemetry::TelemetryEvent event;
  event.raw = raw;
  event.type = owned_texts_.emplace_back(described.type);
  event.request_id = owned_texts_.emplace_back(described.request_id);
  event.tenant_id = owned_texts_.emplace_back(described.tenant_id);
  return event;
}

void TelemetryIngest::AddOwnedEvent(std::string raw, size_t at, bool replace) {
  const telemetry::TelemetryEvent event = DescribeEvent(owned_texts_.emplace_back(std::move(raw)));
  if (replace && at < events_.size()) {
    events_[at] = event;
  } else {
    events_.insert(events_.begin() + static_cast<std::ptrdiff_t>(std::min(at, events_.size())),
                   event);
  }
}

void TelemetryIngest::ShipFragmentLocked(std::string head, std::string_view reason) {
  stats_.events_truncated++;
  last_damage_at_ = buffer_.clock().SteadyNow();
  buffer_.clock().NotifyAll(report_arrived_);
  LogFirst(logged_fragment_,
           "shipped the head of a split telemetry event (" + std::to_string(head.size()) +
               " bytes) as a " + std::string(telemetry::kFragmentEventType) +
               " event: " + std::string(reason) + " (counted as events_truncated)");
  AddOwnedEvent(telemetry::MakeFragmentEvent(head, reason, 0, 0), 0, /*replace=*/false);
}

void TelemetryIngest::ShipStaleFragment(bool everything) {
  std::lock_guard lock(mutex_);
  if (pending_.empty()) return;
  if (!everything && buffer_.clock().SteadyNow() - pending_.since() < join_window_) return;
  events_.clear();
  owned_texts_.clear();
  ShipFragmentLocked(pending_.Take(), everything ? "its continuation had not come at shutdown"
                                                 : "its continuation did not come in time");
  AcceptEvents(nullptr);
}

void TelemetryIngest::JoinFragmentsWithin(std::chrono::milliseconds window) {
  std::lock_guard lock(mutex_);
  join_window_ = window;
}

telemetry::EventId TelemetryIngest::IdOf(std::string_view raw, uint32_t piece) const {
  // A slice of the body: by its place in it (two identical log lines have different places). An
  // event of our own making (joined, a fragment of a split head): by its bytes.
  if (!body_.empty() && Contains(body_, raw)) {
    return encoder_.identity().AtOffset(static_cast<uint64_t>(raw.data() - body_.data()), piece);
  }
  return encoder_.identity().OfText(raw, piece);
}

size_t TelemetryIngest::EncodeAsFragments(std::string_view raw, std::vector<kinesis::Record>& into,
                                          size_t at) {
  // Each fragment is escaped as a JSON string: at most twice its bytes (quotes and backslashes).
  const size_t room = encoder_.max_record_bytes() - encoder_.RecordSize(0) - kFragmentEventOverhead;
  const size_t chunk = room / 2;
  size_t parts = 0;
  for (size_t offset = 0; offset < raw.size();) {
    const size_t length = Utf8Prefix(raw.substr(offset), chunk);
    const std::string fragment = telemetry::MakeFragmentEvent(
        raw.substr(offset, length), "event larger than a Kinesis record", raw.size(), offset);
    if (into.size() <= at + parts) into.resize(at + parts + 1);
    const auto piece = static_cast<uint32_t>(parts + 1);
    if (!encoder_.Encode(fragment, IdOf(raw, piece), into[at + parts])) return 0;
    ++parts;
    offset += length;
  }
  stats_.events_truncated++;
  LogFirst(logged_oversize_, "a telemetry event of " + std::to_string(raw.size()) +
                                 " bytes is larger than a Kinesis record: shipped as " +
                                 std::to_string(parts) + " " +
                                 std::string(telemetry::kFragmentEventType) +
                                 " events (counted as events_truncated)");
  return parts;
}

bool TelemetryIngest::WaitForQuiet(std::chrono::milliseconds quiet,
                                   pipeline::SteadyClock::time_point deadline,
                                   const std::string& last_request_id) {
  const pipeline::SteadyClock::time_point asked_at = buffer_.clock().SteadyNow();
  std::unique_lock lock(mutex_);
  while (true) {
    const auto now = buffer_.clock().SteadyNow();
    const pipeline::SteadyClock::time_point last_heard = std::max(last_batch_at_, asked_at);
    const bool quiet_enough = now - last_heard >= quiet;
    // The last INVOKE's report too: its platform.start may not have come yet either.
    const bool last_reported =
        last_request_id.empty() || last_report_request_id_ == last_request_id;
    if (quiet_enough && open_invocations_.empty() && last_reported) return true;
    if (now >= deadline) return false;
    // Woken by a report; otherwise look again when the quiet period would end.
    const auto until = std::min(deadline, quiet_enough ? deadline : last_heard + quiet);
    buffer_.clock().WaitUntil(report_arrived_, lock, until);
  }
}

void TelemetryIngest::LogFirst(bool& logged, std::string_view message) {
  if (logged) return;
  logged = true;
  log::Warn(message);
}

}  // namespace tk::telemetry
