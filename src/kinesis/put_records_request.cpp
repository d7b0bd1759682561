// Writes the JSON body of a PutRecords request from a batch of records, in one allocation.
//
// Why a small JSON string escaper here instead of nlohmann::json: the body is up to ~7 MB and
// written for every request, so it is sized exactly first and then appended into once; that
// needs the escaped size of each key before writing it, which a library dump() only gives by
// building a temporary string per key (500 per request). JSON's escaping rule is tiny and fixed
// (RFC 8259 section 7: quote, backslash and U+0000..U+001F must be escaped), the input is
// validated UTF-8, and the unit tests check our output byte for byte against nlohmann::json's
// dump() for every ASCII byte, so correctness is still the library's.
#include "kinesis/put_records_request.h"

#include <array>
#include <cstring>

#include "aws/crypto.h"
#include "common/json_escape.h"
#include "kinesis/put_records_cbor_body.h"

namespace tk::kinesis {
namespace {

constexpr std::string_view kStreamArnOpen = R"({"StreamARN":")";
constexpr std::string_view kStreamNameOpen = R"({"StreamName":")";
constexpr std::string_view kRecordsOpen = R"(","Records":[)";
constexpr std::string_view kDataOpen = R"({"Data":")";
constexpr std::string_view kKeyOpen = R"(","PartitionKey":")";
constexpr std::string_view kRecordClose = R"("})";
constexpr std::string_view kBodyClose = "]}";

// Writes pieces of a body whose exact size was computed first (PutRecordsBodySize).
struct BodyWriter {
  char* cursor;

  void Append(std::string_view text) {
    std::memcpy(cursor, text.data(), text.size());
    cursor += text.size();
  }
  // `text` escaped as JSON string contents; keys rarely need escaping, so copy those whole.
  void AppendEscaped(std::string_view text) {
    if (JsonEscapedSize(text) == text.size()) {
      Append(text);
      return;
    }
    std::string escaped;
    AppendJsonEscaped(escaped, text);
    Append(escaped);
  }
};

}  // namespace

Status ValidateStreamTarget(const StreamTarget& target) {
  if (target.stream_name.empty() && target.stream_arn.empty()) {
    return Error{"stream target: set a stream name or a stream ARN"};
  }
  if (!target.stream_name.empty() && !target.stream_arn.empty()) {
    return Error{"stream target: set a stream name or a stream ARN, not both"};
  }
  return Status::Ok();
}

size_t PutRecordsBodySize(const StreamTarget& target, std::span<const Record> records) {
  size_t size = (target.UsesArn() ? kStreamArnOpen : kStreamNameOpen).size() +
                JsonEscapedSize(target.Identifier()) + kRecordsOpen.size() + kBodyClose.size();
  for (const Record& record : records) {
    size += kDataOpen.size() + aws::Base64EncodedSize(record.DataSize()) + kKeyOpen.size() +
            JsonEscapedSize(record.partition_key) + kRecordClose.size();
  }
  if (!records.empty()) size += records.size() - 1;  // commas between records
  return size;
}

std::string SerializePutRecordsBody(const StreamTarget& target, std::span<const Record> records) {
  std::string body;
  SerializePutRecordsBody(target, records, body);
  return body;
}

void SerializePutRecordsBody(const StreamTarget& target, std::span<const Record> records,
                             std::string& out) {
  // Sized once, then filled front to back through a cursor: no per-piece capacity checks, and
  // the base64 of each record is encoded straight into its place.
  out.resize(PutRecordsBodySize(target, records));
  BodyWriter writer{out.data()};
  std::string scratch;  // a borrowed record's bytes in one piece, for base64
  writer.Append(target.UsesArn() ? kStreamArnOpen : kStreamNameOpen);
  writer.AppendEscaped(target.Identifier());
  writer.Append(kRecordsOpen);
  for (size_t i = 0; i < records.size(); ++i) {
    if (i != 0) writer.Append(",");
    writer.Append(kDataOpen);
    writer.cursor += aws::EncodeBase64To(writer.cursor, records[i].ContiguousData(scratch));
    writer.Append(kKeyOpen);
    writer.AppendEscaped(records[i].partition_key);
    writer.Append(kRecordClose);
  }
  writer.Append(kBodyClose);
}

size_t PutRecordsBodySize(WireProtocol protocol, const StreamTarget& target,
                          std::span<const Record> records) {
  return protocol == WireProtocol::kCbor ? PutRecordsCborBodySize(target, records)
                                         : PutRecordsBodySize(target, records);
}

void SerializePutRecordsBody(WireProtocol protocol, const StreamTarget& target,
                             std::span<const Record> records, std::string& out) {
  if (protocol == WireProtocol::kCbor) {
    SerializePutRecordsCborBody(target, records, out);
  } else {
    SerializePutRecordsBody(target, records, out);
  }
}

}  // namespace tk::kinesis
