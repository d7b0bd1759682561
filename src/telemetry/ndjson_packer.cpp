// ndjson packing, plain and gzip.
#include "telemetry/ndjson_packer.h"

#include <algorithm>

namespace tk::telemetry {
namespace {

// Compression ratio assumed before the first record has been compressed: JSON log lines
// compress 5-10x; starting low only makes the first record smaller than it could be.
constexpr double kInitialGzipRatio = 4.0;
// A record whose uncompressed size is below this says little about the ratio of a full one
// (the gzip header and deflate's block overhead dominate): it does not update the estimate.
constexpr size_t kMinRatioSampleBytes = 4 * 1024;
// Collect lines up to this share of the expected target, so a slightly worse ratio than the
// previous record's still fits one payload unit.
constexpr double kGzipFillShare = 0.95;
// Compressions tried per record before an overshoot is accepted (each try shortens the prefix).
constexpr int kMaxCompressAttempts = 4;

bool KeyClosesRecord(AggregateKey rule, std::string_view current, std::string_view next) {
  return rule == AggregateKey::kPerEventKey && current != next;
}

}  // namespace

void AppendNdjsonLine(std::string_view enveloped_event, std::string& out) {
  size_t start = out.size();
  out.append(enveloped_event);
  if (enveloped_event.find_first_of("\r\n") != std::string_view::npos) {
    std::replace_if(
        out.begin() + static_cast<std::ptrdiff_t>(start), out.end(),
        [](char c) { return c == '\n' || c == '\r'; }, ' ');
  }
  out.push_back('\n');
}

NdjsonPacker::NdjsonPacker(size_t max_record_bytes, AggregateKey key_rule, kinesis::Limits limits)
    : max_record_bytes_(max_record_bytes),
      key_rule_(key_rule),
      record_limit_(limits.max_record_bytes) {
  current_.events = 0;
}

bool NdjsonPacker::Add(std::string_view partition_key, std::string_view enveloped_event,
                       std::vector<kinesis::Record>& out) {
  const size_t line_bytes = enveloped_event.size() + 1;
  if (partition_key.size() + line_bytes > record_limit_) return false;
  if (current_.events > 0 && (KeyClosesRecord(key_rule_, current_.partition_key, partition_key) ||
                              current_.Size() + line_bytes > max_record_bytes_)) {
    Finish(out);
  }
  if (current_.events == 0) {
    current_.partition_key.assign(partition_key);
    current_.data.reserve(std::min(max_record_bytes_, kMaxReservedRecordBytes));
  }
  AppendNdjsonLine(enveloped_event, current_.data);
  current_.events++;
  return true;
}

void NdjsonPacker::Finish(std::vector<kinesis::Record>& out) {
  if (current_.events == 0) return;
  ReleaseSlack(current_.data);
  out.push_back(std::move(current_));
  current_ = kinesis::Record{};
  current_.events = 0;
}

GzipNdjsonPacker::GzipNdjsonPacker(size_t max_record_bytes, AggregateKey key_rule,
                                   kinesis::Limits limits)
    : max_record_bytes_(max_record_bytes),
      key_rule_(key_rule),
      record_limit_(limits.max_record_bytes),
      ratio_(kInitialGzipRatio) {}

size_t GzipNdjsonPacker::TargetDataBytes() const {
  return max_record_bytes_ > key_.size() ? max_record_bytes_ - key_.size() : 1;
}

bool GzipNdjsonPacker::Add(std::string_view partition_key, std::string_view enveloped_event,
                           std::vector<kinesis::Record>& out) {
  const size_t line_bytes = enveloped_event.size() + 1;
  // Incompressible input can come out slightly larger than it went in.
  if (partition_key.size() + compressor_.Bound(line_bytes) > record_limit_) return false;
  if (!line_ends_.empty() && KeyClosesRecord(key_rule_, key_, partition_key)) Finish(out);
  if (line_ends_.empty()) key_.assign(partition_key);
  // Hard limit: whatever prefix is compressed must fit the stream's maximum record size. Soft
  // target: the expected
  // compressed size of what is pending.
  auto over_hard_limit = [&] {
    return key_.size() + compressor_.Bound(pending_.size() + line_bytes) > record_limit_;
  };
  auto over_target = [&] {
    double expected = static_cast<double>(pending_.size() + line_bytes) / ratio_;
    return expected > kGzipFillShare * static_cast<double>(TargetDataBytes());
  };
  // Each EmitPrefix() removes at least one line, so this ends within line_ends_.size() rounds.
  while (!line_ends_.empty() && (over_hard_limit() || over_target())) EmitPrefix(out);
  if (line_ends_.empty()) key_.assign(partition_key);
  AppendNdjsonLine(enveloped_event, pending_);
  line_ends_.push_back(pending_.size());
  return true;
}

void GzipNdjsonPacker::Finish(std::vector<kinesis::Record>& out) {
  while (!line_ends_.empty()) EmitPrefix(out);
}

void GzipNdjsonPacker::EmitPrefix(std::vector<kinesis::Record>& out) {
  const size_t target = TargetDataBytes();
  size_t lines = line_ends_.size();
  kinesis::Record record;
  for (int attempt = 1;; ++attempt) {
    compressor_.Compress(std::string_view(pending_).substr(0, line_ends_[lines - 1]), compressed_);
    if (compressed_.size() <= target || lines == 1 || attempt == kMaxCompressAttempts) break;
    // Too big: keep the share of the bytes that the target allows, with a margin, to a line end.
    const double share =
        kGzipFillShare * static_cast<double>(target) / static_cast<double>(compressed_.size());
    const auto want = static_cast<size_t>(share * static_cast<double>(line_ends_[lines - 1]));
    const size_t fitting = static_cast<size_t>(
        std::upper_bound(line_ends_.begin(),
                         line_ends_.begin() + static_cast<std::ptrdiff_t>(lines), want) -
        line_ends_.begin());
    lines = std::clamp<size_t>(fitting, 1, lines - 1);
  }
  const size_t taken_bytes = line_ends_[lines - 1];
  if (taken_bytes >= kMinRatioSampleBytes) {
    ratio_ = static_cast<double>(taken_bytes) / static_cast<double>(compressed_.size());
  }
  record.data.assign(compressed_);  // exact capacity: compressed_ keeps deflateBound()'s room
  record.partition_key = key_;
  record.events = static_cast<uint32_t>(lines);
  out.push_back(std::move(record));
  pending_.erase(0, taken_bytes);
  line_ends_.erase(line_ends_.begin(), line_ends_.begin() + static_cast<std::ptrdiff_t>(lines));
  for (size_t& end : line_ends_) end -= taken_bytes;
}

}  // namespace tk::telemetry
