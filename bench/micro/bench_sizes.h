// Sizes shared by the micro benchmarks, and the per-event counters they all report.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>

namespace tk::bench {

// The workload: 250-byte function log lines. A Telemetry API batch of 1,000 events
// (Lambda's default maxItems) is two full PutRecords requests of 500 records.
inline constexpr int kLogLineBytes = 250;
inline constexpr size_t kEventsPerBatch = 1000;

// "events" per iteration and "bytes" of record data per iteration: the report divides the
// iteration time by them (ns per event, MB/s).
inline void SetPerEventCounters(benchmark::State& state, size_t events, size_t bytes) {
  state.counters["events"] = static_cast<double>(events);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * events));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

}  // namespace tk::bench
