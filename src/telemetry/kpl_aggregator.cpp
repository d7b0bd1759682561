// KPL aggregation: the protobuf message is written as events arrive, the MD5 when it is closed.
#include "telemetry/kpl_aggregator.h"

#include <algorithm>

#include "aws/crypto.h"

namespace tk::telemetry {
namespace {

// Protobuf wire format: a field's tag is (field number << 3) | wire type; wire type 0 is a
// varint, 2 a length-delimited value (string, bytes, embedded message).
constexpr uint8_t kWireVarint = 0;
constexpr uint8_t kWireLengthDelimited = 2;
constexpr uint8_t Tag(uint8_t field, uint8_t wire_type) {
  return static_cast<uint8_t>(field << 3 | wire_type);
}
// AggregatedRecord
constexpr uint8_t kPartitionKeyTableTag = Tag(1, kWireLengthDelimited);
constexpr uint8_t kRecordsTag = Tag(3, kWireLengthDelimited);
// Record
constexpr uint8_t kPartitionKeyIndexTag = Tag(1, kWireVarint);
constexpr uint8_t kDataTag = Tag(3, kWireLengthDelimited);
constexpr uint8_t kKeyIndex = 0;  // every user record uses the aggregate's only key

void AppendVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

// A Record message's bytes (without its own tag and length) for data of `data_bytes`.
size_t RecordMessageBytes(size_t data_bytes) {
  return 2 /* index tag + index 0 */ + 1 + VarintBytes(data_bytes) + data_bytes;
}

}  // namespace

KplAggregator::KplAggregator(size_t max_record_bytes, AggregateKey key_rule, kinesis::Limits limits)
    : max_record_bytes_(max_record_bytes),
      key_rule_(key_rule),
      record_limit_(limits.max_record_bytes) {
  current_.events = 0;
}

size_t KplAggregator::UserRecordBytes(size_t data_bytes) {
  const size_t message = RecordMessageBytes(data_bytes);
  return 1 + VarintBytes(message) + message;
}

size_t KplAggregator::FixedBytes(size_t key_bytes) {
  return kKplMagic.size() + 1 + VarintBytes(key_bytes) + key_bytes + kKplDigestBytes;
}

void KplAggregator::Start(std::string_view partition_key) {
  current_.partition_key.assign(partition_key);
  current_.data.reserve(std::min(max_record_bytes_, kMaxReservedRecordBytes));
  current_.data.assign(reinterpret_cast<const char*>(kKplMagic.data()), kKplMagic.size());
  current_.data.push_back(static_cast<char>(kPartitionKeyTableTag));
  AppendVarint(current_.data, partition_key.size());
  current_.data.append(partition_key);
}

bool KplAggregator::Add(std::string_view partition_key, std::string_view enveloped_event,
                        std::vector<kinesis::Record>& out) {
  const size_t entry_bytes = UserRecordBytes(enveloped_event.size());
  if (partition_key.size() + FixedBytes(partition_key.size()) + entry_bytes > record_limit_) {
    return false;
  }
  if (current_.events > 0) {
    const bool key_changes =
        key_rule_ == AggregateKey::kPerEventKey && current_.partition_key != partition_key;
    // current_ has no digest yet: its size once closed is Size() + kKplDigestBytes.
    if (key_changes || current_.Size() + kKplDigestBytes + entry_bytes > max_record_bytes_) {
      Finish(out);
    }
  }
  if (current_.events == 0) Start(partition_key);
  current_.data.push_back(static_cast<char>(kRecordsTag));
  AppendVarint(current_.data, RecordMessageBytes(enveloped_event.size()));
  current_.data.push_back(static_cast<char>(kPartitionKeyIndexTag));
  current_.data.push_back(static_cast<char>(kKeyIndex));
  current_.data.push_back(static_cast<char>(kDataTag));
  AppendVarint(current_.data, enveloped_event.size());
  current_.data.append(enveloped_event);
  current_.events++;
  return true;
}

void KplAggregator::Finish(std::vector<kinesis::Record>& out) {
  if (current_.events == 0) return;
  const aws::Md5Digest digest = aws::Md5(std::string_view(current_.data).substr(kKplMagic.size()));
  current_.data.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  ReleaseSlack(current_.data);
  out.push_back(std::move(current_));
  current_ = kinesis::Record{};
  current_.events = 0;
}

}  // namespace tk::telemetry
