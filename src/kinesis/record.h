// One Kinesis record as the sender holds it between the queue and PutRecords: raw bytes plus
// the partition key, and how many times it has been sent without success.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tk::kinesis {

struct Record {
  std::string partition_key;
  std::string data;       // raw bytes; base64 only when the request body is written
  uint32_t attempts = 0;  // sends that failed for this record; drives backoff and give-up

  // Bytes this record counts against the PutRecords record and request limits (data before
  // base64 plus partition key).
  size_t Size() const { return partition_key.size() + data.size(); }
};

}  // namespace tk::kinesis
