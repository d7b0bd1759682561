// Gzip-compressed packed records: units (enveloped events, CloudWatch log events) are collected
// uncompressed until their compressed size is expected to reach the target (by the compression
// ratio of the previous record), then framed into one document and compressed as one gzip member;
// when that overshoots the target, a shorter prefix of whole units is compressed instead and the
// rest waits for the next record. The framing says what the document is: ndjson lines, or a
// CloudWatch Logs DATA_MESSAGE.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/gzip_compressor.h"
#include "telemetry/record_packer.h"

namespace tk::telemetry {

class GzipFraming {
 public:
  virtual ~GzipFraming() = default;
  // Appends one unit with what separates it from the next to `pending`.
  virtual void AppendUnit(std::string_view unit, std::string& pending) const = 0;
  // Bytes AppendUnit() adds for a unit of `unit_bytes`.
  virtual size_t UnitBytes(size_t unit_bytes) const = 0;
  // The document of `units` (what AppendUnit() wrote for some units) for records of partition
  // key `key`: `units` itself, or built in `scratch`.
  virtual std::string_view Document(std::string_view key, std::string_view units,
                                    std::string& scratch) const = 0;
  // Bytes Document() adds around the units for `key` (at most).
  virtual size_t FrameBytes(std::string_view key) const = 0;
};

class GzipPacker : public RecordPacker {
 public:
  GzipPacker(std::unique_ptr<GzipFraming> framing, size_t max_record_bytes, AggregateKey key_rule,
             kinesis::Limits limits = {});

  bool Add(std::string_view partition_key, std::string_view unit,
           std::vector<kinesis::Record>& out) override;
  void Finish(std::vector<kinesis::Record>& out) override;

  double ratio() const { return ratio_; }

 private:
  // Compresses a prefix of the pending units (all of them when they fit the target) into one
  // record appended to `out`, and removes those units from pending.
  void EmitPrefix(std::vector<kinesis::Record>& out);
  size_t TargetDataBytes() const;
  // The pending units' key is `key`, whose frame takes `frame_bytes`.
  void TakeKey(std::string_view key, size_t frame_bytes);

  std::unique_ptr<GzipFraming> framing_;
  size_t max_record_bytes_;
  AggregateKey key_rule_;
  size_t record_limit_;  // the stream's maximum record size
  GzipCompressor compressor_;
  std::string key_;                // of the pending units
  size_t frame_bytes_ = 0;         // framing_->FrameBytes(key_)
  std::string pending_;            // uncompressed units
  std::vector<size_t> unit_ends_;  // offset in pending_ after each unit
  std::string document_;           // reused buffer of a framed document
  std::string compressed_;         // reused output buffer of the compressor
  double ratio_;                   // uncompressed / compressed bytes, from the previous record
};

}  // namespace tk::telemetry
