// Gzip packing: collect by the expected ratio, compress, shorten on overshoot.
#include "telemetry/gzip_packer.h"

#include <algorithm>

namespace tk::telemetry {
namespace {

// Compression ratio assumed before the first record has been compressed: JSON log lines
// compress 5-10x; starting low only makes the first record smaller than it could be.
constexpr double kInitialGzipRatio = 4.0;
// A record whose uncompressed size is below this says little about the ratio of a full one
// (the gzip header and deflate's block overhead dominate): it does not update the estimate.
constexpr size_t kMinRatioSampleBytes = 4 * 1024;
// Collect units up to this share of the expected target, so a slightly worse ratio than the
// previous record's still fits one payload unit.
constexpr double kGzipFillShare = 0.95;
// Compressions tried per record before an overshoot is accepted (each try shortens the prefix).
constexpr int kMaxCompressAttempts = 4;

}  // namespace

GzipPacker::GzipPacker(std::unique_ptr<GzipFraming> framing, size_t max_record_bytes,
                       AggregateKey key_rule, kinesis::Limits limits)
    : framing_(std::move(framing)),
      max_record_bytes_(max_record_bytes),
      key_rule_(key_rule),
      record_limit_(limits.max_record_bytes),
      frame_bytes_(framing_->FrameBytes(key_)),
      ratio_(kInitialGzipRatio) {}

size_t GzipPacker::TargetDataBytes() const {
  return max_record_bytes_ > key_.size() ? max_record_bytes_ - key_.size() : 1;
}

bool GzipPacker::Add(std::string_view partition_key, std::string_view unit,
                     std::vector<kinesis::Record>& out) {
  const size_t unit_bytes = framing_->UnitBytes(unit.size());
  // The frame around a key's units is measured once per key, not per unit.
  const size_t frame_bytes =
      partition_key == key_ ? frame_bytes_ : framing_->FrameBytes(partition_key);
  // Incompressible input can come out slightly larger than it went in.
  if (partition_key.size() + compressor_.Bound(frame_bytes + unit_bytes) > record_limit_) {
    return false;
  }
  const bool key_changes = key_rule_ == AggregateKey::kPerEventKey && key_ != partition_key;
  if (!unit_ends_.empty() && key_changes) Finish(out);
  if (unit_ends_.empty()) TakeKey(partition_key, frame_bytes);
  // Hard limit: whatever prefix is compressed must fit the stream's maximum record size. Soft
  // target: the expected compressed size of what is pending.
  auto framed_bytes = [&] { return frame_bytes_ + pending_.size() + unit_bytes; };
  auto over_hard_limit = [&] {
    return key_.size() + compressor_.Bound(framed_bytes()) > record_limit_;
  };
  auto over_target = [&] {
    const double expected = static_cast<double>(framed_bytes()) / ratio_;
    return expected > kGzipFillShare * static_cast<double>(TargetDataBytes());
  };
  // Each EmitPrefix() removes at least one unit, so this ends within unit_ends_.size() rounds.
  while (!unit_ends_.empty() && (over_hard_limit() || over_target())) EmitPrefix(out);
  if (unit_ends_.empty()) TakeKey(partition_key, frame_bytes);
  framing_->AppendUnit(unit, pending_);
  unit_ends_.push_back(pending_.size());
  return true;
}

void GzipPacker::TakeKey(std::string_view key, size_t frame_bytes) {
  key_.assign(key);
  frame_bytes_ = frame_bytes;
}

void GzipPacker::Finish(std::vector<kinesis::Record>& out) {
  while (!unit_ends_.empty()) EmitPrefix(out);
}

void GzipPacker::EmitPrefix(std::vector<kinesis::Record>& out) {
  const size_t target = TargetDataBytes();
  size_t units = unit_ends_.size();
  size_t document_bytes = 0;
  for (int attempt = 1;; ++attempt) {
    const std::string_view document = framing_->Document(
        key_, std::string_view(pending_).substr(0, unit_ends_[units - 1]), document_);
    document_bytes = document.size();
    compressor_.Compress(document, compressed_);
    if (compressed_.size() <= target || units == 1 || attempt == kMaxCompressAttempts) break;
    // Too big: keep the share of the bytes that the target allows, with a margin, to a unit end.
    const double share =
        kGzipFillShare * static_cast<double>(target) / static_cast<double>(compressed_.size());
    const auto want = static_cast<size_t>(share * static_cast<double>(unit_ends_[units - 1]));
    const size_t fitting = static_cast<size_t>(
        std::upper_bound(unit_ends_.begin(),
                         unit_ends_.begin() + static_cast<std::ptrdiff_t>(units), want) -
        unit_ends_.begin());
    units = std::clamp<size_t>(fitting, 1, units - 1);
  }
  if (document_bytes >= kMinRatioSampleBytes) {
    ratio_ = static_cast<double>(document_bytes) / static_cast<double>(compressed_.size());
  }
  kinesis::Record record;
  record.data.assign(compressed_);  // exact capacity: compressed_ keeps deflateBound()'s room
  record.partition_key = key_;
  record.events = static_cast<uint32_t>(units);
  out.push_back(std::move(record));
  const size_t taken_bytes = unit_ends_[units - 1];
  pending_.erase(0, taken_bytes);
  unit_ends_.erase(unit_ends_.begin(), unit_ends_.begin() + static_cast<std::ptrdiff_t>(units));
  for (size_t& end : unit_ends_) end -= taken_bytes;
}

}  // namespace tk::telemetry
