// EMF rendering with nlohmann::json (escaping of the function name, exact field layout).
#include "pipeline/emf_metrics.h"

#include <nlohmann/json.hpp>

namespace tk::pipeline {

std::string EmfReporter::Render(const DeliveryStats& stats, int64_t timestamp_ms,
                                uint64_t held_bytes) {
  const DeliveryStatsSnapshot now = SnapshotOf(stats);
  const DeliveryStatsSnapshot& was = previous_;

  nlohmann::ordered_json line;
  nlohmann::ordered_json metrics = nlohmann::json::array();
  auto metric = [&](const char* name, const char* unit, auto value) {
    metrics.push_back({{"Name", name}, {"Unit", unit}});
    line[name] = value;
  };
  line["_aws"] = nlohmann::ordered_json::object();
  line["FunctionName"] = function_name_;
  // Every counter with a metric, as the count since the previous line; rows sharing a name add up.
  for (size_t i = 0; i < kDeliveryCounterCount; ++i) {
    const DeliveryCounter& counter = kDeliveryCounters[i];
    if (counter.emf_name == nullptr) continue;
    const uint64_t count = now[i] - was[i];
    if (line.contains(counter.emf_name)) {
      line[counter.emf_name] = line[counter.emf_name].get<uint64_t>() + count;
    } else {
      metric(counter.emf_name, counter.emf_unit, count);
    }
  }
  // Derived and gauge metrics.
  const uint64_t requests_now = stats.requests_sent.load(std::memory_order_relaxed);
  const uint64_t latency_now = stats.request_latency_ms_total.load(std::memory_order_relaxed);
  const uint64_t requests = requests_now - previous_requests_;
  const uint64_t latency_total = latency_now - previous_latency_total_;
  metric("PutRecordsLatencyAverage", "Milliseconds",
         requests == 0 ? 0.0 : static_cast<double>(latency_total) / static_cast<double>(requests));
  metric("BufferedBytes", "Bytes", held_bytes);
  line["_aws"] = {
      {"Timestamp", timestamp_ms},
      {"CloudWatchMetrics",
       {{{"Namespace", kEmfNamespace}, {"Dimensions", {{"FunctionName"}}}, {"Metrics", metrics}}}}};
  previous_ = now;
  previous_requests_ = requests_now;
  previous_latency_total_ = latency_now;
  return line.dump();
}

}  // namespace tk::pipeline
