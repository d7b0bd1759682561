// The delivery counters as CloudWatch Embedded Metric Format lines: one JSON line on stderr
// that CloudWatch Logs turns into metrics, no API call and no extra permission needed.
#pragma once

#include <cstdint>
#include <string>

#include "pipeline/delivery_stats.h"

namespace tk::pipeline {

inline constexpr char kEmfNamespace[] = "TelemetryKinesis";

// Renders counts since the previous call (CloudWatch sums them), gauges as they are now.
class EmfReporter {
 public:
  explicit EmfReporter(std::string function_name) : function_name_(std::move(function_name)) {}

  // One EMF line (no trailing newline) for `stats` at `timestamp_ms` (Unix ms).
  std::string Render(const DeliveryStats& stats, int64_t timestamp_ms, uint64_t held_bytes);

 private:
  std::string function_name_;
  DeliveryStatsSnapshot previous_{};
  // For the average latency: DeliveryStats::requests_sent and request_latency_ms_total.
  uint64_t previous_requests_ = 0;
  uint64_t previous_latency_total_ = 0;
};

}  // namespace tk::pipeline
