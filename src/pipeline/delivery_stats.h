// Counters for every event's fate, so that received = delivered + filtered + dropped + still held.
// Counted in events, also where a name says records: a packed ndjson/kpl record carries many
// events (kinesis::Record::events), and the summary keys have always meant events.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <iterator>
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

// What a counter says about the events' balance: received = delivered + filtered + dropped +
// unsent + still held (the accounting check).
enum class Balance {
  kIn,    // events that entered the extension
  kOut,   // events whose fate is final
  kNone,  // a count of something else (requests, retries, bytes, repairs)
};

// One delivery counter, everywhere it is shown. Adding a counter: its member in DeliveryStats,
// its row in kDeliveryCounters; the summary line, the EMF metrics and the balance follow, and a
// test names the README row to add.
struct DeliveryCounter {
  const char* summary_key;  // key=value in the shutdown summary line
  const char* emf_name;     // its CloudWatch EMF metric (rows sharing a name are summed); nullptr:
                            // none
  const char* emf_unit;
  Balance balance;
  const std::atomic<uint64_t>& (*of)(const DeliveryStats&);
  const char* meaning;  // its row in the README's table of counters
};

#define TK_COUNTER(member) \
  [](const DeliveryStats& s) -> const std::atomic<uint64_t>& { return s.member; }
// clang-format off
inline constexpr DeliveryCounter kDeliveryCounters[] = {
    {"received", "EventsReceived", "Count", Balance::kIn, TK_COUNTER(events_received), "events of accepted Telemetry API POSTs"},
    {"delivered", "RecordsDelivered", "Count", Balance::kOut, TK_COUNTER(records_delivered), "events in records Kinesis accepted"},
    {"retried", "RecordsRetried", "Count", Balance::kNone, TK_COUNTER(records_retried), "re-sends of records that failed (not events)"},
    // Events an earlier process spooled are received events to a dashboard.
    {"recovered_from_spool", "EventsReceived", "Count", Balance::kIn, TK_COUNTER(events_recovered_from_spool), "events an earlier process left in the spool, received now"},
    {"dropped_too_large", "DroppedTooLarge", "Count", Balance::kOut, TK_COUNTER(events_dropped_too_large), "events over the stream's record limit that could not be shipped as fragments"},
    {"dropped_overflow", "DroppedOverflow", "Count", Balance::kOut, TK_COUNTER(events_dropped_overflow), "events dropped because memory and spool were both full"},
    {"dropped_spool_corrupt", "DroppedSpoolCorrupt", "Count", Balance::kOut, TK_COUNTER(records_dropped_spool_corrupt), "damaged spool frames skipped (records: a damaged frame's event count is unknown)"},
    {"dropped_invalid_record", "DroppedInvalidRecord", "Count", Balance::kOut, TK_COUNTER(records_dropped_invalid), "events of records Kinesis refused alone as invalid"},
    {"unsent_at_shutdown", "UnsentAtShutdown", "Count", Balance::kOut, TK_COUNTER(records_unsent_at_shutdown), "events still held at the SHUTDOWN deadline"},
    {"spooled", "RecordsSpooled", "Count", Balance::kNone, TK_COUNTER(records_spooled), "records written to the spool"},
    {"batches_rejected_malformed", nullptr, nullptr, Balance::kNone, TK_COUNTER(batches_rejected_malformed), "POSTs answered 400: nothing of them was taken"},
    {"batches_salvaged", "BatchesSalvaged", "Count", Balance::kNone, TK_COUNTER(batches_salvaged), "POSTs that were not valid JSON whose complete events were taken"},
    {"bytes_damaged", "BytesDamaged", "Bytes", Balance::kNone, TK_COUNTER(bytes_damaged), "bytes after the damage of salvaged POSTs, lost"},
    {"events_joined", nullptr, nullptr, Balance::kNone, TK_COUNTER(events_joined), "events Lambda split over two POSTs, rejoined"},
    {"events_truncated", "EventsTruncated", "Count", Balance::kNone, TK_COUNTER(events_truncated), "events shipped as fragment events"},
    {"batches_rejected_queue_full", nullptr, nullptr, Balance::kNone, TK_COUNTER(batches_rejected_queue_full), "POSTs answered 503: nothing of them was taken"},
    {"requests", "PutRecordsRequests", "Count", Balance::kNone, TK_COUNTER(requests_sent), "PutRecords requests sent"},
    {"requests_failed", "PutRecordsFailures", "Count", Balance::kNone, TK_COUNTER(requests_failed), "whole-request failures (transport, 5xx, throttling)"},
    {"requests_held", "PutRecordsHeld", "Count", Balance::kNone, TK_COUNTER(requests_held), "failed requests that were deployment problems (records kept)"},
    {"credential_refreshes", "CredentialRefreshes", "Count", Balance::kNone, TK_COUNTER(session.credential_refreshes), "credential sets fetched after the first"},
    {"clock_skew_corrections", "ClockSkewCorrections", "Count", Balance::kNone, TK_COUNTER(session.clock_skew_corrections), "requests re-signed with the service's clock"},
    {"reconnects", "Reconnects", "Count", Balance::kNone, TK_COUNTER(session.reconnects), "requests re-sent at once on a fresh connection"},
    {"filtered", "EventsFiltered", "Count", Balance::kOut, TK_COUNTER(events_filtered), "events the filters excluded"},
    {"records_put", "KinesisRecordsPut", "Count", Balance::kNone, TK_COUNTER(records_put), "Kinesis records delivered"},
    {"put_payload_units", "PutPayloadUnits", "Count", Balance::kNone, TK_COUNTER(put_payload_units), "PUT payload units used (25 KiB each, rounded up per record)"},
};
// clang-format on
#undef TK_COUNTER

inline constexpr size_t kDeliveryCounterCount = std::size(kDeliveryCounters);

// Plain copy of every counter at one moment, in kDeliveryCounters' order (for differences).
using DeliveryStatsSnapshot = std::array<uint64_t, kDeliveryCounterCount>;
DeliveryStatsSnapshot SnapshotOf(const DeliveryStats& stats);

// Events in minus events out (kIn - kOut): what is still held when nothing is in flight.
int64_t Unaccounted(const DeliveryStatsSnapshot& snapshot);

}  // namespace tk::pipeline
