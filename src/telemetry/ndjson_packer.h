// ndjson records: one enveloped event per line, each line ending in '\n', up to a target size;
// optionally the whole record gzip-compressed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/gzip_packer.h"
#include "telemetry/record_packer.h"

namespace tk::telemetry {

// Appends `enveloped_event` and '\n' to `out`. A raw CR or LF in the event can only be JSON
// whitespace between tokens (inside strings JSON escapes them, and the batch was validated), so
// it is written as a space: one event stays one line.
void AppendNdjsonLine(std::string_view enveloped_event, std::string& out);

// Uncompressed ndjson: a record is closed when the next line would take it past the target.
class NdjsonPacker final : public RecordPacker {
 public:
  // `max_record_bytes`: the target; `limits`: the stream's (a record never exceeds its maximum).
  NdjsonPacker(size_t max_record_bytes, AggregateKey key_rule, kinesis::Limits limits = {});

  bool Add(std::string_view partition_key, std::string_view enveloped_event,
           std::vector<kinesis::Record>& out) override;
  void Finish(std::vector<kinesis::Record>& out) override;

 private:
  size_t max_record_bytes_;
  AggregateKey key_rule_;
  size_t record_limit_;      // the stream's maximum record size
  kinesis::Record current_;  // events == 0 while empty
};

// gzip-compressed ndjson (telemetry/gzip_packer.h): the lines of a record as one gzip member.
class GzipNdjsonPacker final : public GzipPacker {
 public:
  GzipNdjsonPacker(size_t max_record_bytes, AggregateKey key_rule, kinesis::Limits limits = {});
};

}  // namespace tk::telemetry
