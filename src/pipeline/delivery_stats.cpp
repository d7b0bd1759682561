// Renders the counters as one key=value log line.
#include "pipeline/delivery_stats.h"

namespace tk::pipeline {

std::string DeliveryStats::Summary() const {
  std::string line;
  for (const DeliveryCounter& counter : kDeliveryCounters) {
    if (!line.empty()) line.push_back(' ');
    line.append(counter.summary_key)
        .append("=")
        .append(std::to_string(counter.of(*this).load(std::memory_order_relaxed)));
  }
  return line;
}

void DeliveryStats::RecordLatency(uint64_t milliseconds) {
  request_latency_ms_total += milliseconds;
  uint64_t max = request_latency_ms_max.load(std::memory_order_relaxed);
  while (milliseconds > max && !request_latency_ms_max.compare_exchange_weak(max, milliseconds)) {
  }
}

DeliveryStatsSnapshot SnapshotOf(const DeliveryStats& stats) {
  DeliveryStatsSnapshot snapshot{};
  for (size_t i = 0; i < kDeliveryCounterCount; ++i) {
    snapshot[i] = kDeliveryCounters[i].of(stats).load(std::memory_order_relaxed);
  }
  return snapshot;
}

int64_t Unaccounted(const DeliveryStatsSnapshot& snapshot) {
  int64_t balance = 0;
  for (size_t i = 0; i < kDeliveryCounterCount; ++i) {
    const auto value = static_cast<int64_t>(snapshot[i]);
    if (kDeliveryCounters[i].balance == Balance::kIn) balance += value;
    if (kDeliveryCounters[i].balance == Balance::kOut) balance -= value;
  }
  return balance;
}

}  // namespace tk::pipeline
