// ndjson packing, plain and gzip.
#include "telemetry/ndjson_packer.h"

#include <algorithm>

namespace tk::telemetry {
namespace {

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

namespace {

// The lines themselves are the document: no framing around them.
class NdjsonFraming final : public GzipFraming {
 public:
  void AppendUnit(std::string_view unit, std::string& pending) const override {
    AppendNdjsonLine(unit, pending);
  }
  size_t UnitBytes(size_t unit_bytes) const override { return unit_bytes + 1; }
  std::string_view Document(std::string_view, std::string_view units, std::string&) const override {
    return units;
  }
  size_t FrameBytes(std::string_view) const override { return 0; }
};

}  // namespace

GzipNdjsonPacker::GzipNdjsonPacker(size_t max_record_bytes, AggregateKey key_rule,
                                   kinesis::Limits limits)
    : GzipPacker(std::make_unique<NdjsonFraming>(), max_record_bytes, key_rule, limits) {}

}  // namespace tk::telemetry
