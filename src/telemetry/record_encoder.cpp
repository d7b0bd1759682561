// Envelope rendering (once) and per-event record assembly (prefix + event + "}").
#include "telemetry/record_encoder.h"

#include "common/json_escape.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace tk::telemetry {
namespace {

constexpr size_t kSandboxIdHexDigits = 16;
constexpr std::string_view kEnvelopeSuffix = "}";
// The envelope prefix ends inside the id's string; the id's end, a tenant's field and the event's
// key follow: <prefix><id>","tenantId":"<tenant>","event":<event>}
constexpr std::string_view kIdKey = "\"id\":\"";
constexpr std::string_view kIdEndAndEventKey = "\",\"event\":";
constexpr std::string_view kIdEnd = "\",";
constexpr std::string_view kTenantKey = "\"tenantId\":\"";
constexpr std::string_view kTenantFieldEnd = "\",";
constexpr std::string_view kEventKey = "\"event\":";
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

// Lambda's tenant ids never need escaping (TenantId pattern [a-zA-Z0-9._:/=+\-@ ]+, 1-256
// characters: Lambda API Reference), but the value is unescaped from the event, so it is escaped
// again rather than trusted.
// Bytes the tenant's field adds to the envelope: "tenantId":"<id>",
size_t TenantFieldBytes(std::string_view tenant_id) {
  return tenant_id.empty()
             ? 0
             : kTenantKey.size() + JsonEscapedSize(tenant_id) + kTenantFieldEnd.size();
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
  text.pop_back();  // drop the closing brace: the id and the event go last
  text.push_back(',');
  text.append(kIdKey);
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
      identity_(envelope_prefix_),
      random_(std::random_device{}()) {}

bool RecordEncoder::KeyedByTenant(std::string_view tenant_id) const {
  // A tenant id outside the partition key's 1-256 bytes (not one Lambda issues) falls back to the
  // sandbox key rather than make a record Kinesis would refuse.
  return strategy_ == config::PartitionKeyStrategy::kTenant && !tenant_id.empty() &&
         tenant_id.size() <= kinesis::kMaxPartitionKeyBytes;
}

size_t RecordEncoder::KeyBytes(std::string_view tenant_id) const {
  // The key counts against the record limit too: a random key is 16 hex digits, a sandbox key is
  // whatever id we were given (not necessarily one from DrawSandboxId()).
  if (strategy_ == config::PartitionKeyStrategy::kRandom) return kSandboxIdHexDigits;
  return KeyedByTenant(tenant_id) ? tenant_id.size() : sandbox_id_.size();
}

size_t RecordEncoder::RecordSize(size_t event_bytes, std::string_view tenant_id) const {
  return envelope_prefix_.size() + kEventIdHexDigits + kIdEndAndEventKey.size() +
         TenantFieldBytes(tenant_id) + event_bytes + kEnvelopeSuffix.size() + KeyBytes(tenant_id);
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

void RecordEncoder::AssignPartitionKey(kinesis::Record& out, std::string_view tenant_id) {
  if (strategy_ == config::PartitionKeyStrategy::kRandom) {
    AssignHex64(out.partition_key, random_());
  } else if (KeyedByTenant(tenant_id)) {
    out.partition_key.assign(tenant_id);
  } else {
    out.partition_key = sandbox_id_;
  }
}

void RecordEncoder::AppendTenantRecord(std::string_view raw_event, std::string_view tenant_id,
                                       std::string& data) const {
  // The tenant's field goes after the id, with the other metadata: the event stays the
  // envelope's last member.
  data.append(kIdEnd).append(kTenantKey);
  AppendJsonEscaped(data, tenant_id);
  data.append(kTenantFieldEnd).append(kEventKey).append(raw_event).append(kEnvelopeSuffix);
}

bool RecordEncoder::Encode(std::string_view raw_event, const EventId& id, kinesis::Record& out,
                           std::string_view tenant_id) {
  const size_t record_bytes = RecordSize(raw_event.size(), tenant_id);
  if (record_bytes > limits_.max_record_bytes) return false;
  const size_t data_bytes = record_bytes - KeyBytes(tenant_id);
  if (recycler_ != nullptr && out.data.capacity() < data_bytes) ReuseSpentRecord(out);
  AssignPartitionKey(out, tenant_id);
  out.batch.reset();
  out.event = {};
  out.data.clear();
  out.data.reserve(data_bytes);
  const EventIdHex hex = HexOf(id);
  out.data.append(envelope_prefix_).append(hex.data(), hex.size());
  out.own_size = 0;
  if (tenant_id.empty()) {
    out.data.append(kIdEndAndEventKey).append(raw_event).append(kEnvelopeSuffix);
  } else {
    AppendTenantRecord(raw_event, tenant_id, out.data);
  }
  out.attempts = 0;
  out.events = 1;  // a recycled record may have carried a packed record's count
  return true;
}

bool RecordEncoder::EncodeBorrowed(std::string_view raw_event, const EventId& id,
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
  static_assert(kinesis::kRecordOwnTextBytes == kEventIdHexDigits);
  const EventIdHex hex = HexOf(id);
  std::copy(hex.begin(), hex.end(), out.own.begin());
  out.own_size = static_cast<uint8_t>(hex.size());
  out.attempts = 0;
  out.events = 1;
  return true;
}

void RecordEncoder::FrameBatch(kinesis::SharedBatch& batch) const {
  batch.head = envelope_prefix_;
  batch.middle = kIdEndAndEventKey;
  batch.tail = kEnvelopeSuffix;
}

}  // namespace tk::telemetry
