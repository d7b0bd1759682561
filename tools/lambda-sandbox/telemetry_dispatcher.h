// Buffers telemetry events for one subscriber and POSTs them as JSON arrays from one background
// thread, flushing per the subscription's buffering (maxItems, maxBytes, timeoutMs).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "clock.h"
#include "events_out_writer.h"
#include "telemetry_subscription.h"

namespace sandbox {

struct DispatchStats {
  std::int64_t posts = 0;
  std::int64_t post_failures = 0;  // transport errors and non-2xx answers; never retried
  std::map<std::string, std::int64_t> statuses;  // "200" -> n, "error" -> n (no HTTP answer)
  std::int64_t events_posted = 0;
  std::int64_t events_delivered = 0;  // in POSTs answered 2xx
  std::int64_t bytes_posted = 0;
  std::int64_t events_undelivered = 0;  // still queued when the dispatcher stopped
  double max_post_ms = 0;
};

class TelemetryDispatcher {
 public:
  TelemetryDispatcher(Subscription subscription, int post_timeout_ms, EventsOutWriter& events_out);
  ~TelemetryDispatcher();
  TelemetryDispatcher(const TelemetryDispatcher&) = delete;
  TelemetryDispatcher& operator=(const TelemetryDispatcher&) = delete;

  /// Queues one rendered event; `emitted_at` starts its timeoutMs clock (events emitted during
  /// init, before the subscription existed, are due at once). Never blocks on the network.
  void enqueue(std::string event_json, SteadyTime emitted_at);
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
  };
  void run();
  bool flushDue(SteadyTime now) const;   // requires mutex_
  std::vector<std::string> takeBatch();  // requires mutex_
  int post(const Subscription& sub, const std::string& body);

  const int post_timeout_ms_;
  EventsOutWriter& events_out_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  Subscription subscription_;  // guarded by mutex_
  std::deque<Queued> queue_;
  std::size_t queued_bytes_ = 0;
  bool paused_ = false;
  bool in_flight_ = false;
  bool stopping_ = false;
  DispatchStats stats_;
  std::thread thread_;
};

}  // namespace sandbox
