// Envelope rendering (once) and per-event record assembly (prefix + event + "}").
#include "telemetry/record_encoder.h"

#include <nlohmann/json.hpp>

namespace tk::telemetry {
namespace {

constexpr size_t kSandboxIdHexDigits = 16;
constexpr std::string_view kEnvelopeSuffix = "}";
// Spent records taken from the recycler per lock: one lock per this many events.
constexpr size_t kRecycledPerTake = 64;
// How many spent records ahead of the one being written its buffer is prefetched.
constexpr size_t kPrefetchAhead = 4;

// Writes `value` as 16 lowercase hex digits into `text` (reusing its buffer).
void AssignHex64(std::string& text, uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  text.resize(kSandboxIdHexDigits);
  for (size_t i = 0; i < kSandboxIdHexDigits; ++i) {
    text[kSandboxIdHexDigits - 1 - i] = kDigits[value & 0xF];
    value >>= 4;
  }
}

std::string Hex64(uint64_t value) {
  std::string text;
  AssignHex64(text, value);
  return text;
}

}  // namespace

std::string RenderEnvelopePrefix(const FunctionMetadata& metadata) {
  // nlohmann::json escapes the strings; insertion order is kept by ordered_json.
  nlohmann::ordered_json envelope;
  envelope["function"] = metadata.function_name;
  envelope["version"] = metadata.function_version;
  envelope["region"] = metadata.region;
  envelope["memoryMB"] = metadata.memory_mb;
  if (!metadata.account_id.empty()) envelope["account"] = metadata.account_id;
  envelope["sandbox"] = metadata.sandbox_id;
  envelope["extension"] = metadata.extension_version;
  std::string text = envelope.dump();
  text.pop_back();  // drop the closing brace: the event goes last
  text.append(",\"event\":");
  return text;
}

std::string DrawSandboxId() {
  std::random_device device;  // getrandom(2) on Linux
  uint64_t value = (static_cast<uint64_t>(device()) << 32) | device();
  return Hex64(value);
}

RecordEncoder::RecordEncoder(std::string envelope_prefix, config::PartitionKeyStrategy strategy,
                             std::string sandbox_id, kinesis::Limits limits)
    : envelope_prefix_(std::move(envelope_prefix)),
      strategy_(strategy),
      sandbox_id_(std::move(sandbox_id)),
      limits_(limits),
      random_(std::random_device{}()) {}

size_t RecordEncoder::RecordSize(size_t event_bytes) const {
  // The key counts against the record limit too: a random key is 16 hex digits, a sandbox key is
  // whatever id we were given (not necessarily one from DrawSandboxId()).
  const size_t key_bytes =
      strategy_ == config::PartitionKeyStrategy::kRandom ? kSandboxIdHexDigits : sandbox_id_.size();
  return envelope_prefix_.size() + event_bytes + kEnvelopeSuffix.size() + key_bytes;
}

void RecordEncoder::ReuseSpentRecord(kinesis::Record& out) {
  if (spare_.empty()) recycler_->Take(spare_, kRecycledPerTake);
  if (spare_.empty()) return;
  std::swap(out, spare_.back());
  spare_.pop_back();
  // A spent buffer was last touched when its request was sent, long out of cache at moderate
  // rates: ask for the one a few events ahead now, so that its miss overlaps this event's copy.
  if (spare_.size() > kPrefetchAhead) {
    kinesis::Record& ahead = spare_[spare_.size() - 1 - kPrefetchAhead];
    __builtin_prefetch(ahead.partition_key.data(), /*for writing*/ 1);
    if (kinesis::HasHeapBuffer(ahead.data)) {
      __builtin_prefetch(ahead.data.data(), 1);
      __builtin_prefetch(ahead.data.data() + 64, 1);
    }
  }
}

void RecordEncoder::AssignPartitionKey(kinesis::Record& out) {
  if (strategy_ == config::PartitionKeyStrategy::kRandom) {
    AssignHex64(out.partition_key, random_());
  } else {
    out.partition_key = sandbox_id_;
  }
}

bool RecordEncoder::Encode(std::string_view raw_event, kinesis::Record& out) {
  if (RecordSize(raw_event.size()) > limits_.max_record_bytes) return false;
  const size_t data_bytes = envelope_prefix_.size() + raw_event.size() + kEnvelopeSuffix.size();
  if (recycler_ != nullptr && out.data.capacity() < data_bytes) ReuseSpentRecord(out);
  AssignPartitionKey(out);
  out.batch.reset();
  out.event = {};
  out.data.clear();
  out.data.reserve(data_bytes);
  out.data.append(envelope_prefix_).append(raw_event).append(kEnvelopeSuffix);
  out.attempts = 0;
  out.events = 1;  // a recycled record may have carried a packed record's count
  return true;
}

bool RecordEncoder::EncodeBorrowed(std::string_view raw_event,
                                   const std::shared_ptr<const kinesis::SharedBatch>& batch,
                                   kinesis::Record& out) {
  if (RecordSize(raw_event.size()) > limits_.max_record_bytes) return false;
  // A spent record brings a key buffer (a 16-digit key is one byte over std::string's in-place
  // room): reused, encoding allocates nothing.
  if (recycler_ != nullptr && !kinesis::HasHeapBuffer(out.partition_key)) ReuseSpentRecord(out);
  AssignPartitionKey(out);
  // Borrowed: `data` stays empty (a spent record's heap buffer is not needed either).
  if (kinesis::HasHeapBuffer(out.data)) std::string().swap(out.data);
  out.data.clear();
  out.batch = batch;
  out.event = raw_event;
  out.attempts = 0;
  out.events = 1;
  return true;
}

void RecordEncoder::FrameBatch(kinesis::SharedBatch& batch) const {
  batch.head = envelope_prefix_;
  batch.tail = kEnvelopeSuffix;
}

}  // namespace tk::telemetry
