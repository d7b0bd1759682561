// What the loopback sink has accepted since its start or last reset, with a timeline of records
// per 100 ms so a benchmark can find the steady-state rate.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace sink {

class SinkStats {
 public:
  // The timeline keeps at most this many 100 ms buckets (one hour); later records still count.
  static constexpr size_t kMaxBuckets = 36'000;
  static constexpr std::chrono::milliseconds kBucket{100};

  void AddRequest(uint64_t records, uint64_t data_bytes, uint64_t payload_units,
                  uint64_t body_bytes);
  void AddRefusal();
  void Reset();
  // {"requests","records","data_bytes","payload_units","body_bytes","refused","first_ms","last_ms",
  //  "bucket_ms","records_per_bucket":[...]} (times: Unix epoch milliseconds).
  std::string Json() const;
  // Records accepted since the start or last reset (GET /count: a cheap poll for load drivers).
  uint64_t records() const;

 private:
  mutable std::mutex mutex_;
  uint64_t requests_ = 0;
  uint64_t records_ = 0;
  uint64_t data_bytes_ = 0;
  uint64_t payload_units_ = 0;
  uint64_t body_bytes_ = 0;
  uint64_t refused_ = 0;
  int64_t first_ms_ = 0;
  int64_t last_ms_ = 0;
  std::chrono::steady_clock::time_point first_{};
  std::vector<uint64_t> buckets_;
};

}  // namespace sink
