// The listener's handler: parse a batch, filter, encode each event as a record (packed into
// ndjson/kpl records when configured), queue the records,
// and follow invocations by requestId (runtimeDone and report arrivals, for the flush before
// /next and the shutdown wait) and SnapStart restores (platform.restoreStart).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "kinesis/record.h"
#include "pipeline/delivery_stats.h"
#include "pipeline/record_buffer.h"
#include "pipeline/record_queue.h"
#include "telemetry/batch_parser.h"
#include "telemetry/batch_salvage.h"
#include "telemetry/cloudwatch_logs.h"
#include "telemetry/event_filter.h"
#include "telemetry/listener.h"
#include "telemetry/record_encoder.h"
#include "telemetry/record_packer.h"

namespace tk::telemetry {

// Time (a POST's arrival, the waits' deadlines) is the clock of the queue the records go to.
class TelemetryIngest {
 public:
  // Records go to `buffer` (memory, then the spool).
  TelemetryIngest(telemetry::RecordEncoder encoder, pipeline::RecordBuffer& buffer,
                  pipeline::DeliveryStats& stats);
  // Records go to `queue` only (no spool).
  TelemetryIngest(telemetry::RecordEncoder encoder, pipeline::RecordQueue& queue,
                  pipeline::DeliveryStats& stats);

  // Handles one POST body. 200: every event is queued or spooled. A body that is not valid JSON
  // is salvaged (telemetry/batch_salvage.h): its complete events before the damage are taken, an
  // event cut at its end is kept until the next body brings the rest (Lambda splits events over
  // maxBytes), and 200 is answered; 400 only when nothing of it could be used. 503: memory and
  // spool are full; the batch is counted as dropped (dropped_overflow). An event too large for
  // one record is shipped as fragment events (events_truncated).
  // Logs at most once per kind of problem: every log line comes back as telemetry.
  // The body is kept (shared) by the records cut from it: each event is copied once, into its
  // PutRecords request (CBOR). With simdjson's padding spare after it (the listener's
  // kListenerBodyPadding of capacity) it is parsed in place; otherwise it is grown first.
  telemetry::ListenerReply HandleBatch(std::string body);

  // Waits until the platform.runtimeDone of `request_id` has been received (the runtime has
  // finished that invocation, and Lambda has sent its telemetry up to that point), or
  // `deadline`. Returns whether it arrived. Stops waiting (false) as soon as it cannot come: a
  // body received since `since` was damaged beyond repair, or the invocation's report arrived.
  bool WaitForRuntimeDone(const std::string& request_id, pipeline::SteadyClock::time_point deadline,
                          pipeline::SteadyClock::time_point since = {});

  // Ships the head of a split event whose continuation has not come within the join window
  // (all of it when `everything`: at shutdown) as a fragment event. Called before a flush and at
  // SHUTDOWN; HandleBatch does the same for every body.
  void ShipStaleFragment(bool everything = false);
  // How long the head of a split event waits for its continuation (default 1 s).
  void JoinFragmentsWithin(std::chrono::milliseconds window);

  // Waits until no POST has arrived for `quiet` since the later of the last POST and this call,
  // every invocation whose platform.start arrived has its report, and so has `last_request_id`
  // (the last INVOKE's; empty: none), or `deadline`. SHUTDOWN: what Lambda buffered by then
  // arrives within its buffering timeout, even after a long silence (events of the last
  // milliseconds, an invocation whose platform.start is still in Lambda's buffer). Returns
  // whether all held.
  bool WaitForQuiet(std::chrono::milliseconds quiet, pipeline::SteadyClock::time_point deadline,
                    const std::string& last_request_id = {});

  // SnapStart. Every environment restored from one snapshot starts with the snapshot's encoder:
  // the same sandbox id (and so the same partition key) and the same random state. `factory`
  // makes a fresh one; `on_restore` is told when a batch holds platform.restoreStart (it runs
  // under the ingest's lock: it must not call back into the ingest).
  void OnRestore(std::function<telemetry::RecordEncoder()> factory,
                 std::function<void()> on_restore);
  // Replaces the encoder with a fresh one from the factory, once per process (an environment is
  // restored from its snapshot once). Returns whether it did so now. Called on
  // platform.restoreStart and by the lifecycle when it sees the restore first.
  bool RenewEncoderOnce();

  // Record formats ndjson and kpl: encoded events are packed by `packer` (null: one record per
  // event). Partial records are emitted at the end of every batch: nothing is held between POSTs.
  void PackWith(std::unique_ptr<telemetry::RecordPacker> packer);
  // Events `filter` excludes are not shipped and are counted as filtered (null: all shipped).
  void FilterWith(std::unique_ptr<telemetry::EventFilter> filter);
  // Record format cloudwatch-logs: each event becomes a CloudWatch log event (from `factory`'s
  // encoder, made again at a SnapStart restore: a new environment has a new log stream) for the
  // packer, instead of an envelope; an event CloudWatch has no line for is counted as filtered.
  void EncodeLogEventsWith(std::function<telemetry::CloudWatchLogEventEncoder()> factory);

 private:
  size_t PackEncoded();  // unpacked_ -> records_; returns the events too large to pack
  // A body the batch parser refused: events_ from what it saved. False: nothing could be used.
  bool Salvage(std::string_view body, std::string_view& tail, std::string& why);
  // Tracks, encodes and queues events_ (framed on `batch` when they borrow from it; null: every
  // event is copied).
  telemetry::ListenerReply AcceptEvents(const std::shared_ptr<kinesis::SharedBatch>& batch);
  // Joins the pending head of a split event with the first event of this body, or ships it.
  void ResolvePendingFragment();
  // Keeps the event cut at this body's end, or grows the pending head with it (a middle piece).
  void KeepTail(std::string_view tail);
  // events_ gains `raw` (an owned event: a joined or fragment event), described by a parse.
  void AddOwnedEvent(std::string raw, size_t at, bool replace);
  // The event of `raw` (a slice of the body, or of owned_texts_), its fields looked up by a parse
  // and kept in owned_texts_ (the salvage path only: valid bodies get them from the parser).
  telemetry::TelemetryEvent DescribeEvent(std::string_view raw);
  void ShipFragmentLocked(std::string head, std::string_view reason);
  // An event too large for a record, as fragment events that each fit one.
  size_t EncodeAsFragments(std::string_view raw, std::vector<kinesis::Record>& into, size_t at);
  // Encodes the kept events of events_ into `into`; counts the filtered and the too large.
  void EncodeEvents(const std::shared_ptr<const kinesis::SharedBatch>& batch,
                    std::vector<kinesis::Record>& into, size_t& filtered, size_t& too_large,
                    size_t& extra_fragments);
  // The id of `raw` (an event of the body being handled, or one of ours), or of its piece-th
  // fragment.
  telemetry::EventId IdOf(std::string_view raw, uint32_t piece = 0) const;
  void LogTooLarge(size_t event_bytes);
  void LogFirst(bool& logged, std::string_view message);
  // Requires mutex_. Returns the requestId of the batch's last platform.report (empty: none).
  std::string_view TrackInvocations();
  bool RenewEncoderLocked();

  std::mutex mutex_;  // one batch at a time: keeps arrival order and the parser's buffers
  std::condition_variable report_arrived_;  // any tracked invocation event arrived
  telemetry::BatchParser parser_;
  telemetry::RecordEncoder encoder_;
  std::vector<telemetry::TelemetryEvent> events_;
  std::string_view body_;  // the POST body being handled (empty outside HandleBatch)
  // Events that are not slices of the body (joined halves, fragments) and their type/requestId
  // texts; cleared per body. A deque: growing it never moves what events_ points to.
  std::deque<std::string> owned_texts_;
  telemetry::PendingFragment pending_;
  std::chrono::milliseconds join_window_{1000};
  pipeline::SteadyClock::time_point last_batch_at_{};
  pipeline::SteadyClock::time_point last_damage_at_{};  // a body damaged beyond repair
  std::vector<kinesis::Record> records_;
  std::vector<kinesis::Record> unpacked_;  // one per event, before packing (packed formats)
  std::unique_ptr<telemetry::RecordPacker> packer_;
  std::unique_ptr<telemetry::EventFilter> filter_;
  std::function<telemetry::CloudWatchLogEventEncoder()> log_events_factory_;
  std::optional<telemetry::CloudWatchLogEventEncoder> log_events_;
  std::unique_ptr<pipeline::RecordBuffer> owned_buffer_;  // when constructed with a bare queue
  pipeline::RecordBuffer& buffer_;
  pipeline::DeliveryStats& stats_;
  std::string last_report_request_id_;
  std::deque<std::string> recent_runtime_done_;       // newest last, bounded
  std::unordered_set<std::string> open_invocations_;  // started, not yet reported; bounded
  std::function<telemetry::RecordEncoder()> encoder_factory_;
  std::function<void()> on_restore_;
  bool encoder_renewed_ = false;
  bool logged_malformed_ = false;
  bool logged_queue_full_ = false;
  bool logged_spooling_ = false;
  bool logged_too_large_ = false;
  bool logged_salvaged_ = false;
  bool logged_fragment_ = false;
  bool logged_oversize_ = false;
};

}  // namespace tk::telemetry
