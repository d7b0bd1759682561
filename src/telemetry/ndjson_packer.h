// ndjson records: one enveloped event per line, each line ending in '\n', up to a target size;
// optionally the whole record gzip-compressed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/gzip_compressor.h"
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

// gzip-compressed ndjson: lines are collected uncompressed until their compressed size is
// expected to reach the target (by the compression ratio of the previous record), then
// compressed as one gzip member; when that overshoots the target, a shorter prefix of whole
// lines is compressed instead and the rest waits for the next record.
class GzipNdjsonPacker final : public RecordPacker {
 public:
  GzipNdjsonPacker(size_t max_record_bytes, AggregateKey key_rule, kinesis::Limits limits = {});

  bool Add(std::string_view partition_key, std::string_view enveloped_event,
           std::vector<kinesis::Record>& out) override;
  void Finish(std::vector<kinesis::Record>& out) override;

  double ratio() const { return ratio_; }

 private:
  // Compresses a prefix of the pending lines (all of them when they fit the target) into one
  // record appended to `out`, and removes those lines from pending.
  void EmitPrefix(std::vector<kinesis::Record>& out);
  size_t TargetDataBytes() const;

  size_t max_record_bytes_;
  AggregateKey key_rule_;
  size_t record_limit_;  // the stream's maximum record size
  GzipCompressor compressor_;
  std::string key_;                // of the pending lines
  std::string pending_;            // uncompressed lines
  std::vector<size_t> line_ends_;  // offset in pending_ after each line's '\n'
  std::string compressed_;         // reused output buffer of the compressor
  double ratio_;                   // uncompressed / compressed bytes, from the previous record
};

}  // namespace tk::telemetry
