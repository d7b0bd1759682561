// Renders the counters as one key=value log line.
#include "pipeline/delivery_stats.h"

namespace tk::pipeline {

std::string DeliveryStats::Summary() const {
  auto field = [](const char* name, const std::atomic<uint64_t>& value) {
    return std::string(name) + "=" + std::to_string(value.load(std::memory_order_relaxed));
  };
  std::string line;
  for (auto [name, value] : {
           std::pair{"received", &events_received},
           std::pair{"delivered", &records_delivered},
           std::pair{"retried", &records_retried},
           std::pair{"recovered_from_spool", &events_recovered_from_spool},
           std::pair{"dropped_too_large", &events_dropped_too_large},
           std::pair{"dropped_overflow", &events_dropped_overflow},
           std::pair{"dropped_spool_corrupt", &records_dropped_spool_corrupt},
           std::pair{"dropped_invalid_record", &records_dropped_invalid},
           std::pair{"unsent_at_shutdown", &records_unsent_at_shutdown},
           std::pair{"spooled", &records_spooled},
           std::pair{"batches_rejected_malformed", &batches_rejected_malformed},
           std::pair{"batches_salvaged", &batches_salvaged},
           std::pair{"bytes_damaged", &bytes_damaged},
           std::pair{"events_joined", &events_joined},
           std::pair{"events_truncated", &events_truncated},
           std::pair{"batches_rejected_queue_full", &batches_rejected_queue_full},
           std::pair{"requests", &requests_sent},
           std::pair{"requests_failed", &requests_failed},
           std::pair{"requests_held", &requests_held},
           std::pair{"credential_refreshes", &session.credential_refreshes},
           std::pair{"clock_skew_corrections", &session.clock_skew_corrections},
           std::pair{"reconnects", &session.reconnects},
           std::pair{"filtered", &events_filtered},
           std::pair{"records_put", &records_put},
           std::pair{"put_payload_units", &put_payload_units},
       }) {
    if (!line.empty()) line.push_back(' ');
    line.append(field(name, *value));
  }
  return line;
}

void DeliveryStats::RecordLatency(uint64_t milliseconds) {
  request_latency_ms_total += milliseconds;
  uint64_t max = request_latency_ms_max.load(std::memory_order_relaxed);
  while (milliseconds > max && !request_latency_ms_max.compare_exchange_weak(max, milliseconds)) {
  }
}

DeliveryStatsSnapshot DeliveryStatsSnapshot::Of(const DeliveryStats& stats) {
  DeliveryStatsSnapshot s;
  s.events_received = stats.events_received;
  s.events_recovered = stats.events_recovered_from_spool;
  s.records_delivered = stats.records_delivered;
  s.records_retried = stats.records_retried;
  s.dropped_too_large = stats.events_dropped_too_large;
  s.dropped_overflow = stats.events_dropped_overflow;
  s.dropped_invalid = stats.records_dropped_invalid;
  s.dropped_spool_corrupt = stats.records_dropped_spool_corrupt;
  s.unsent_at_shutdown = stats.records_unsent_at_shutdown;
  s.records_spooled = stats.records_spooled;
  s.requests_sent = stats.requests_sent;
  s.requests_failed = stats.requests_failed;
  s.requests_held = stats.requests_held;
  s.credential_refreshes = stats.session.credential_refreshes;
  s.clock_skew_corrections = stats.session.clock_skew_corrections;
  s.reconnects = stats.session.reconnects;
  s.request_latency_ms_total = stats.request_latency_ms_total;
  s.events_filtered = stats.events_filtered;
  s.batches_salvaged = stats.batches_salvaged;
  s.bytes_damaged = stats.bytes_damaged;
  s.events_joined = stats.events_joined;
  s.events_truncated = stats.events_truncated;
  s.records_put = stats.records_put;
  s.put_payload_units = stats.put_payload_units;
  return s;
}

}  // namespace tk::pipeline
