// Writes the body of a PutRecords request from a batch of records, in one allocation: JSON here,
// CBOR in put_records_cbor_body.h, either through the WireProtocol overloads.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "kinesis/record.h"
#include "kinesis/wire_protocol.h"

namespace tk::kinesis {

// The stream records go to: exactly one of name or ARN is set (AWS recommends the ARN).
struct StreamTarget {
  std::string stream_name;
  std::string stream_arn;

  // Bodies name the stream by StreamARN when one is set, else by StreamName.
  bool UsesArn() const { return !stream_arn.empty(); }
  const std::string& Identifier() const { return UsesArn() ? stream_arn : stream_name; }
};

// Error when neither or both of stream_name and stream_arn are set.
Status ValidateStreamTarget(const StreamTarget& target);

// Exact size of SerializePutRecordsBody's result.
size_t PutRecordsBodySize(const StreamTarget& target, std::span<const Record> records);

// The body: {"StreamARN"|"StreamName":"…","Records":[{"Data":"<base64>","PartitionKey":"…"},…]}.
// Uses StreamARN when set, else StreamName. Allocates once (exact size) and base64-encodes each
// record's data straight into the body. Records are expected to be within the limits.
std::string SerializePutRecordsBody(const StreamTarget& target, std::span<const Record> records);

// The same body written into `out` (replacing its content), reusing its capacity: the sender
// keeps one buffer for all its requests, so building a body allocates nothing once it has grown.
void SerializePutRecordsBody(const StreamTarget& target, std::span<const Record> records,
                             std::string& out);

// The body in `protocol`'s encoding: the JSON body above, or the CBOR one
// (put_records_cbor_body.h). Same reuse of `out`'s capacity.
size_t PutRecordsBodySize(WireProtocol protocol, const StreamTarget& target,
                          std::span<const Record> records);
void SerializePutRecordsBody(WireProtocol protocol, const StreamTarget& target,
                             std::span<const Record> records, std::string& out);

}  // namespace tk::kinesis
