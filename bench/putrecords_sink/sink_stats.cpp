// Counting for the loopback sink.
#include "sink_stats.h"

namespace sink {
namespace {

int64_t EpochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void SinkStats::AddRequest(uint64_t records, uint64_t data_bytes, uint64_t payload_units,
                           uint64_t body_bytes) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (requests_ == 0) {
    first_ = now;
    first_ms_ = EpochMs();
  }
  last_ms_ = EpochMs();
  ++requests_;
  records_ += records;
  data_bytes_ += data_bytes;
  payload_units_ += payload_units;
  body_bytes_ += body_bytes;
  const auto bucket = static_cast<size_t>((now - first_) / kBucket);
  if (bucket < kMaxBuckets) {
    if (buckets_.size() <= bucket) buckets_.resize(bucket + 1, 0);
    buckets_[bucket] += records;
  }
}

void SinkStats::AddRefusal() {
  std::lock_guard lock(mutex_);
  ++refused_;
}

void SinkStats::Reset() {
  std::lock_guard lock(mutex_);
  requests_ = records_ = data_bytes_ = payload_units_ = body_bytes_ = refused_ = 0;
  first_ms_ = last_ms_ = 0;
  buckets_.clear();
}

uint64_t SinkStats::records() const {
  std::lock_guard lock(mutex_);
  return records_;
}

std::string SinkStats::Json() const {
  std::lock_guard lock(mutex_);
  std::string json =
      "{\"requests\":" + std::to_string(requests_) + ",\"records\":" + std::to_string(records_) +
      ",\"data_bytes\":" + std::to_string(data_bytes_) +
      ",\"payload_units\":" + std::to_string(payload_units_) +
      ",\"body_bytes\":" + std::to_string(body_bytes_) +
      ",\"refused\":" + std::to_string(refused_) + ",\"first_ms\":" + std::to_string(first_ms_) +
      ",\"last_ms\":" + std::to_string(last_ms_) +
      ",\"bucket_ms\":" + std::to_string(kBucket.count()) + ",\"records_per_bucket\":[";
  for (size_t i = 0; i < buckets_.size(); ++i) {
    if (i != 0) json.push_back(',');
    json.append(std::to_string(buckets_[i]));
  }
  json.append("]}");
  return json;
}

}  // namespace sink
