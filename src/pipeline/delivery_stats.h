// Counters for every event's fate, so that received = delivered + filtered + dropped + still held.
// Counted in events, also where a name says records: a packed ndjson/kpl record carries many
// events (kinesis::Record::events), and the summary keys have always meant events.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "kinesis/kinesis_session.h"

namespace tk::pipeline {

struct DeliveryStats {
  // Listener side.
  std::atomic<uint64_t> batches_accepted{0};
  std::atomic<uint64_t> batches_rejected_malformed{0};   // answered 400: nothing of them was taken
  std::atomic<uint64_t> batches_rejected_queue_full{0};  // answered 503: nothing of them was taken
  std::atomic<uint64_t> events_received{0};              // events of accepted batches
  std::atomic<uint64_t> events_dropped_too_large{0};     // an event over the stream's record limit
  std::atomic<uint64_t> events_dropped_overflow{0};      // memory budget and spool both full
  std::atomic<uint64_t> batches_salvaged{0};  // not valid JSON: complete events taken (200)
  std::atomic<uint64_t> bytes_damaged{0};     // ... and the bytes after their damage, lost
  std::atomic<uint64_t> events_joined{0};     // events Lambda split over two POSTs, rejoined
  std::atomic<uint64_t> events_truncated{0};  // events shipped as fragment events
  std::atomic<uint64_t> events_filtered{0};   // excluded by TELEMETRY_KINESIS_PLATFORM_EVENTS,
                                              // _MIN_LOG_LEVEL or _DROP_PATTERN

  // Spool.
  std::atomic<uint64_t> records_spooled{0};              // written to the spool (cumulative)
  std::atomic<uint64_t> records_replayed_from_spool{0};  // read back into memory
  std::atomic<uint64_t> events_recovered_from_spool{0};  // left by an earlier process: received now
  std::atomic<uint64_t> records_dropped_spool_corrupt{0};  // damaged frames skipped (records:
                                                           // a damaged frame's count is unknown)

  // Sender side.
  std::atomic<uint64_t> records_delivered{0};
  std::atomic<uint64_t> records_retried{0};  // re-sends of failed records
  // Refused by Kinesis as invalid (a ValidationException isolated to this one record); also
  // records that no request could ever carry.
  std::atomic<uint64_t> records_dropped_invalid{0};
  std::atomic<uint64_t> records_unsent_at_shutdown{0};
  // Kinesis records delivered and the PUT payload units they used (25 KiB each, rounded up per
  // record): with ndjson/kpl far fewer than the events delivered.
  std::atomic<uint64_t> records_put{0};
  std::atomic<uint64_t> put_payload_units{0};
  std::atomic<uint64_t> requests_sent{0};
  std::atomic<uint64_t> requests_failed{0};  // whole-request failures (transport, 5xx, throttling)
  std::atomic<uint64_t> requests_held{0};    // ... of which deployment problems (records kept)
  std::atomic<uint64_t> request_latency_ms_total{0};  // summed over requests_sent
  std::atomic<uint64_t> request_latency_ms_max{0};
  // What the Kinesis session repaired on its own (credentials, clock, connections).
  kinesis::SessionStats session;

  // One line for the shutdown log.
  std::string Summary() const;

  void RecordLatency(uint64_t milliseconds);
};

// Plain copy of the counters at one moment (for differences between two moments).
struct DeliveryStatsSnapshot {
  uint64_t events_received = 0, events_recovered = 0, records_delivered = 0, records_retried = 0;
  uint64_t dropped_too_large = 0, dropped_overflow = 0, dropped_invalid = 0;
  uint64_t dropped_spool_corrupt = 0, unsent_at_shutdown = 0, records_spooled = 0;
  uint64_t requests_sent = 0, requests_failed = 0, requests_held = 0, request_latency_ms_total = 0;
  uint64_t credential_refreshes = 0, clock_skew_corrections = 0, reconnects = 0;
  uint64_t events_filtered = 0, records_put = 0, put_payload_units = 0;
  uint64_t batches_salvaged = 0, bytes_damaged = 0, events_joined = 0, events_truncated = 0;

  static DeliveryStatsSnapshot Of(const DeliveryStats& stats);
};

}  // namespace tk::pipeline
