// One Kinesis record as the sender holds it between the queue and PutRecords: raw bytes plus
// the partition key, how many times it has been sent without success, and how many telemetry
// events it carries (one, or many in a packed ndjson/kpl record).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace tk::kinesis {

struct Record {
  std::string partition_key;
  std::string data;       // raw bytes; base64 only when the request body is written
  uint32_t attempts = 0;  // sends that failed for this record; drives backoff and give-up
  // Telemetry events in `data`: the delivery counters count events, not records, so that the
  // accounting (received = delivered + filtered + dropped + unsent) holds for every format.
  uint32_t events = 1;

  // Bytes this record counts against the PutRecords record and request limits (data before
  // base64 plus partition key).
  size_t Size() const { return partition_key.size() + data.size(); }
};

// Telemetry events carried by `records`.
inline uint64_t EventCount(std::span<const Record> records) {
  uint64_t events = 0;
  for (const Record& record : records) events += record.events;
  return events;
}

}  // namespace tk::kinesis
