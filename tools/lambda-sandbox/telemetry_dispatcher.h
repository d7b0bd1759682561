// Buffers telemetry events for one subscriber and POSTs them as JSON arrays from one background
// thread, flushing per the subscription's buffering (maxItems, maxBytes, timeoutMs), cutting
// events larger than maxBytes across POSTs, re-sending failed POSTs, damaging the ones asked for.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "clock.h"
#include "events_out_writer.h"
#include "post_body.h"
#include "post_damage.h"
#include "telemetry_subscription.h"

namespace sandbox {

/// Whether the body that continues a split event opens with "[" (both were observed).
enum class ContinuationBracket { kYes, kNo, kAlternate };

std::optional<ContinuationBracket> parseContinuationBracket(const std::string& text);

/// How the sandbox delivers telemetry (--telemetry-post-*, --split-*, --damage-*).
struct DeliveryOptions {
  /// How long one telemetry POST may take before it counts as failed (and is re-sent).
  int post_timeout_ms = 5000;
  /// Re-sends of one failed POST before it is given up (Lambda retries with backoff, number not
  /// documented).
  int post_retries = 3;
  /// Cut an event larger than maxBytes across POSTs, as Lambda was observed to.
  bool split_large_events = true;
  ContinuationBracket continuation_bracket = ContinuationBracket::kAlternate;
  /// --damage-post N:BYTE: POST number (1-based, re-sends counted) -> byte offset.
  std::map<std::int64_t, std::size_t> damage;
  DamageMode damage_mode = DamageMode::kTruncate;
  /// --lose-post-answer N: POST numbers (1-based, re-sends counted) whose 2xx answer Lambda does
  /// not see (it timed out first): the extension has taken the events, and they are re-sent.
  std::set<std::int64_t> lost_answers;
};

/// How one event larger than maxBytes was cut (its pieces went out in consecutive POSTs).
struct SplitRecord {
  std::uint64_t event = 0;  // --events-out line
  std::size_t event_bytes = 0;
  std::size_t envelope_bytes = 0;           // repeated at the start of every continuation
  std::vector<std::size_t> cuts;            // offsets in the event's JSON where each piece ends
  std::vector<std::int64_t> posts;          // the POST each piece went in (its first attempt)
  std::vector<bool> continuation_brackets;  // whether each continuation body opened with "["
};

/// --largest-post: the one body of exactly 2 * maxBytes + metadataBytes.
struct LargestPostRecord {
  std::int64_t post = 0;
  std::size_t bytes = 0;
  int max_bytes = 0;
};

struct DispatchStats {
  std::int64_t posts = 0;           // HTTP POSTs sent, re-sends included
  std::int64_t post_retries = 0;    // re-sends of failed POSTs
  std::int64_t post_failures = 0;   // POSTs with a transport error, a timeout or a non-2xx answer
  std::int64_t posts_given_up = 0;  // failed after every re-send
  std::int64_t answers_lost = 0;    // 2xx answers taken as failures (--lose-post-answer): re-sent
  std::map<std::string, std::int64_t> statuses;  // "200" -> n, "error" -> n (no HTTP answer)
  std::int64_t events_posted = 0;                // a split event counts with its first piece
  std::int64_t events_delivered = 0;  // in POSTs answered 2xx (a split event: its last piece)
  std::int64_t bytes_posted = 0;
  std::int64_t events_undelivered = 0;  // still queued (or unsent) when the dispatcher stopped
  double max_post_ms = 0;
  std::vector<double> post_ms;      // each POST's time to its answer (the first kMaxPostTimesKept)
  std::vector<SplitRecord> splits;  // the first kMaxSplitsKept
  std::int64_t events_split = 0;
  std::vector<DamageRecord> damaged;
  std::optional<LargestPostRecord> largest_post;
  // --events-out lines (1-based) of events POSTed but never accepted: no 2xx for their (last)
  // piece, because the extension refused it, its listener had gone, or the sandbox stopped first.
  // Lambda drops what its subscriber does not take, so nothing can expect these in the stream.
  std::vector<std::uint64_t> events_unaccepted;
};

class TelemetryDispatcher {
 public:
  TelemetryDispatcher(Subscription subscription, const DeliveryOptions& options,
                      EventsOutWriter& events_out);
  ~TelemetryDispatcher();
  TelemetryDispatcher(const TelemetryDispatcher&) = delete;
  TelemetryDispatcher& operator=(const TelemetryDispatcher&) = delete;

  /// Queues one rendered event; `emitted_at` starts its timeoutMs clock (events emitted during
  /// init, before the subscription existed, are due at once). `alone`: POST it whole and by
  /// itself, never cut (--largest-post). Never blocks on the network.
  void enqueue(std::string event_json, SteadyTime emitted_at, bool alone = false);
  /// A new subscription from the same extension replaces destination, types and buffering.
  void reconfigure(Subscription subscription);
  /// Stops POSTing (Lambda delivers nothing while the sandbox is frozen). Returns once no POST is
  /// in flight, or after the POST timeout; false in that case.
  bool pause();
  void resume();
  /// Stops the thread; whatever is still queued is counted as undelivered.
  void stop();
  DispatchStats stats() const;

 private:
  struct Queued {
    std::string json;
    SteadyTime enqueued_at;
    bool alone = false;
    // The rest of a split event: its envelope repeated, then its value from the last cut.
    std::uint64_t event = 0;    // the event's --events-out line; 0: not POSTed yet
    std::size_t envelope = 0;   // bytes of the repeated envelope
    std::size_t resume_at = 0;  // where json[envelope] is in the original event
  };
  /// A body on its way, kept for re-sends.
  struct Batch {
    std::vector<Fragment> fragments;
    bool open_bracket = true;
    bool alone = false;
    std::string body;
    std::vector<Segment> segments;
    int attempts = 0;
    SteadyTime retry_at{};
  };
  void run();
  bool flushDue(SteadyTime now) const;  // requires mutex_
  Batch takeBatch();                    // requires mutex_
  // Moves the queue's front into `batch`: whole, or its first `cut` bytes (the rest stays).
  void takeFront(Batch& batch, std::optional<std::size_t> cut);  // requires mutex_
  bool continuationBracket();                                    // requires mutex_
  void prepare(Batch& batch);  // the body, and the new events to --events-out
  void send(Batch& batch, std::unique_lock<std::mutex>& lock);
  // Requires mutex_. `answer_lost`: a 2xx that Lambda does not see (--lose-post-answer).
  void settle(const Batch& batch, int status, bool damaged, bool answer_lost);
  void markAccepted(std::uint64_t event);  // requires mutex_
  int post(const Subscription& sub, const std::string& body);

  const DeliveryOptions options_;
  EventsOutWriter& events_out_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  Subscription subscription_;  // guarded by mutex_
  std::deque<Queued> queue_;
  std::size_t queued_bytes_ = 0;
  std::optional<Batch> pending_;  // taken, not yet answered 2xx nor given up
  std::uint64_t events_numbered_ = 0;
  std::vector<bool> accepted_;  // by event number - 1: the extension took the event
  std::int64_t continuation_bodies_ = 0;
  bool paused_ = false;
  bool in_flight_ = false;
  bool stopping_ = false;
  DispatchStats stats_;
  std::thread thread_;
};

}  // namespace sandbox
