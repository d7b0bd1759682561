// Writes the CBOR body of a PutRecords request (Content-Type application/x-amz-cbor-1.1) from a
// batch of records, in one pass into a buffer sized exactly first.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "kinesis/put_records_request.h"
#include "kinesis/record.h"

namespace tk::kinesis {

// CBOR major types used by the body (RFC 8949 section 3.1).
enum class CborMajorType : uint8_t {
  kByteString = 2,
  kTextString = 3,
  kArray = 4,
  kMap = 5,
};

// The longest item head: the initial byte and an 8-byte argument.
inline constexpr size_t kMaxCborHeadBytes = 9;

// Bytes of the head of a data item whose argument (a length or a count) is `argument`: 1, 2, 3,
// 5 or 9 (RFC 8949 section 3, the shortest form, which is the "preferred serialization").
size_t CborHeadSize(uint64_t argument);

// Writes that head at `out`, which has `room` bytes, and returns the bytes written (0 when the
// head does not fit).
size_t WriteCborHead(char* out, size_t room, CborMajorType type, uint64_t argument);

// Exact size of SerializePutRecordsCborBody's result.
size_t PutRecordsCborBodySize(const StreamTarget& target, std::span<const Record> records);

// The body: {"StreamARN"|"StreamName": text, "Records": [{"Data": bytes, "PartitionKey": text},
// ...]} with definite lengths throughout. Replaces `out`'s content, reusing its capacity. Stream
// names/ARNs and partition keys must be valid UTF-8 (CheckRecordLimits ensures it for keys).
void SerializePutRecordsCborBody(const StreamTarget& target, std::span<const Record> records,
                                 std::string& out);

}  // namespace tk::kinesis
