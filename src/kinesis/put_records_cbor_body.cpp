// Writes the CBOR body of a PutRecords request in one pass into a buffer sized exactly first:
// each item head (major type and length, RFC 8949 section 3) comes from libcbor's encoder, the
// payload bytes (record data, keys) are copied in as they are.
#include "kinesis/put_records_cbor_body.h"

#include <cbor.h>

#include <cstring>
#include <string_view>

namespace tk::kinesis {
namespace {

constexpr std::string_view kStreamArnKey = "StreamARN";
constexpr std::string_view kStreamNameKey = "StreamName";
constexpr std::string_view kRecordsKey = "Records";
constexpr std::string_view kDataKey = "Data";
constexpr std::string_view kPartitionKeyKey = "PartitionKey";

// Records' buffers are scattered over the heap and, at moderate rates, no longer in cache when
// their request is written: asking for a record's first bytes a few records ahead overlaps those
// misses with the copying (the hardware prefetcher follows within a record, not across them).
constexpr size_t kPrefetchAhead = 4;

size_t TextSize(std::string_view text) { return CborHeadSize(text.size()) + text.size(); }

// Writes pieces of a body whose exact size was computed first (PutRecordsCborBodySize).
struct CborWriter {
  char* cursor;
  char* end;

  void Head(CborMajorType type, uint64_t argument) {
    cursor += WriteCborHead(cursor, static_cast<size_t>(end - cursor), type, argument);
  }
  void Bytes(CborMajorType type, std::string_view bytes) {
    Head(type, bytes.size());
    std::memcpy(cursor, bytes.data(), bytes.size());
    cursor += bytes.size();
  }
  void Text(std::string_view text) { Bytes(CborMajorType::kTextString, text); }
};

}  // namespace

size_t CborHeadSize(uint64_t argument) {
  unsigned char scratch[kMaxCborHeadBytes];
  return cbor_encode_array_start(argument, scratch, sizeof scratch);
}

size_t WriteCborHead(char* out, size_t room, CborMajorType type, uint64_t argument) {
  auto* buffer = reinterpret_cast<unsigned char*>(out);
  switch (type) {
    case CborMajorType::kByteString:
      return cbor_encode_bytestring_start(argument, buffer, room);
    case CborMajorType::kTextString:
      return cbor_encode_string_start(argument, buffer, room);
    case CborMajorType::kArray:
      return cbor_encode_array_start(argument, buffer, room);
    case CborMajorType::kMap:
      return cbor_encode_map_start(argument, buffer, room);
  }
  return 0;
}

size_t PutRecordsCborBodySize(const StreamTarget& target, std::span<const Record> records) {
  size_t size = CborHeadSize(2) + TextSize(target.UsesArn() ? kStreamArnKey : kStreamNameKey) +
                TextSize(target.Identifier()) + TextSize(kRecordsKey) +
                CborHeadSize(records.size());
  // Each entry: a map of two, its two keys, then the heads and bytes of its Data and key.
  const size_t entry_framing = CborHeadSize(2) + TextSize(kDataKey) + TextSize(kPartitionKeyKey);
  for (const Record& record : records) {
    const size_t data_bytes = record.DataSize();
    size += entry_framing + CborHeadSize(data_bytes) + data_bytes + TextSize(record.partition_key);
  }
  return size;
}

void SerializePutRecordsCborBody(const StreamTarget& target, std::span<const Record> records,
                                 std::string& out) {
  out.resize(PutRecordsCborBodySize(target, records));
  CborWriter writer{out.data(), out.data() + out.size()};
  writer.Head(CborMajorType::kMap, 2);
  writer.Text(target.UsesArn() ? kStreamArnKey : kStreamNameKey);
  writer.Text(target.Identifier());
  writer.Text(kRecordsKey);
  writer.Head(CborMajorType::kArray, records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& record = records[i];
    if (i + kPrefetchAhead < records.size()) {
      const Record& ahead = records[i + kPrefetchAhead];
      const char* bytes = ahead.borrowed() ? ahead.event.data() : ahead.data.data();
      __builtin_prefetch(bytes);
      __builtin_prefetch(bytes + 64);
    }
    writer.Head(CborMajorType::kMap, 2);
    writer.Text(kDataKey);
    writer.Head(CborMajorType::kByteString, record.DataSize());
    writer.cursor = record.CopyDataTo(writer.cursor);
    writer.Text(kPartitionKeyKey);
    writer.Text(record.partition_key);
  }
}

}  // namespace tk::kinesis
