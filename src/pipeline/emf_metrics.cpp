// EMF rendering with nlohmann::json (escaping of the function name, exact field layout).
#include "pipeline/emf_metrics.h"

#include <nlohmann/json.hpp>

namespace tk::pipeline {

std::string EmfReporter::Render(const DeliveryStats& stats, int64_t timestamp_ms,
                                uint64_t held_bytes) {
  DeliveryStatsSnapshot now = DeliveryStatsSnapshot::Of(stats);
  const DeliveryStatsSnapshot& was = previous_;
  uint64_t requests = now.requests_sent - was.requests_sent;
  uint64_t latency_total = now.request_latency_ms_total - was.request_latency_ms_total;

  nlohmann::ordered_json line;
  nlohmann::ordered_json metrics = nlohmann::json::array();
  auto metric = [&](const char* name, const char* unit, auto value) {
    metrics.push_back({{"Name", name}, {"Unit", unit}});
    line[name] = value;
  };
  line["_aws"] = nlohmann::ordered_json::object();
  line["FunctionName"] = function_name_;
  metric("EventsReceived", "Count",
         now.events_received - was.events_received + now.events_recovered - was.events_recovered);
  metric("RecordsDelivered", "Count", now.records_delivered - was.records_delivered);
  metric("RecordsRetried", "Count", now.records_retried - was.records_retried);
  metric("DroppedTooLarge", "Count", now.dropped_too_large - was.dropped_too_large);
  metric("DroppedOverflow", "Count", now.dropped_overflow - was.dropped_overflow);
  metric("DroppedInvalidRecord", "Count", now.dropped_invalid - was.dropped_invalid);
  metric("DroppedSpoolCorrupt", "Count", now.dropped_spool_corrupt - was.dropped_spool_corrupt);
  metric("UnsentAtShutdown", "Count", now.unsent_at_shutdown - was.unsent_at_shutdown);
  metric("RecordsSpooled", "Count", now.records_spooled - was.records_spooled);
  metric("EventsFiltered", "Count", now.events_filtered - was.events_filtered);
  metric("BatchesSalvaged", "Count", now.batches_salvaged - was.batches_salvaged);
  metric("BytesDamaged", "Bytes", now.bytes_damaged - was.bytes_damaged);
  metric("EventsTruncated", "Count", now.events_truncated - was.events_truncated);
  metric("KinesisRecordsPut", "Count", now.records_put - was.records_put);
  metric("PutPayloadUnits", "Count", now.put_payload_units - was.put_payload_units);
  metric("PutRecordsRequests", "Count", requests);
  metric("PutRecordsFailures", "Count", now.requests_failed - was.requests_failed);
  metric("PutRecordsHeld", "Count", now.requests_held - was.requests_held);
  metric("CredentialRefreshes", "Count", now.credential_refreshes - was.credential_refreshes);
  metric("ClockSkewCorrections", "Count", now.clock_skew_corrections - was.clock_skew_corrections);
  metric("Reconnects", "Count", now.reconnects - was.reconnects);
  metric("PutRecordsLatencyAverage", "Milliseconds",
         requests == 0 ? 0.0 : static_cast<double>(latency_total) / static_cast<double>(requests));
  metric("BufferedBytes", "Bytes", held_bytes);
  line["_aws"] = {
      {"Timestamp", timestamp_ms},
      {"CloudWatchMetrics",
       {{{"Namespace", kEmfNamespace}, {"Dimensions", {{"FunctionName"}}}, {"Metrics", metrics}}}}};
  previous_ = now;
  return line.dump();
}

}  // namespace tk::pipeline
