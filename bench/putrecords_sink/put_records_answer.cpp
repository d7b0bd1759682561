// Request checks and response rendering for the loopback PutRecords sink.
#include "put_records_answer.h"

#include <algorithm>
#include <cstdio>

namespace sink {
namespace {

constexpr int kHttpBadRequest = 400;

// Kinesis-style error answer (AWS JSON 1.1 protocol: "__type" and "message").
struct Refusal {
  std::string_view type;
  std::string message;
};

sink::Answer Refuse(const Refusal& refusal) {
  sink::Answer answer;
  answer.status = kHttpBadRequest;
  answer.body.append(R"({"__type":")").append(refusal.type).append(R"(","message":")");
  answer.body.append(refusal.message).append("\"}");
  return answer;
}

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// Decoded size of padded standard base64 `text`, or -1 when it is not valid base64.
int64_t Base64DecodedSize(std::string_view text) {
  if (text.size() % 4 != 0) return -1;
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = text[text.size() - 2] == '=' ? 2 : 1;
  for (size_t i = 0; i < text.size() - pad; ++i) {
    if (!IsBase64Char(text[i])) return -1;
  }
  return static_cast<int64_t>(text.size() / 4 * 3 - pad);
}

}  // namespace

Answer PutRecordsAnswerer::Respond(std::string_view target, std::string_view body,
                                   std::atomic<uint64_t>& next_sequence) {
  if (target != kPutRecordsTarget) {
    return Refuse({"UnknownOperationException", "this sink answers PutRecords only"});
  }
  simdjson::ondemand::document doc;
  simdjson::ondemand::object request;
  if (parser_.iterate(body.data(), body.size(), body.size() + simdjson::SIMDJSON_PADDING)
          .get(doc) ||
      doc.get_object().get(request)) {
    return Refuse({"SerializationException", "body is not a JSON object"});
  }
  bool has_stream = false;
  uint64_t records = 0;
  uint64_t request_bytes = 0;
  uint64_t payload_units = 0;
  for (auto field : request) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Refuse({"SerializationException", "bad key"});
    if (key == "StreamName" || key == "StreamARN") {
      std::string_view stream;
      if (field.value().get_string().get(stream) || stream.empty()) {
        return Refuse({"ValidationException", "stream name/ARN must be a non-empty string"});
      }
      has_stream = true;
      continue;
    }
    if (key != "Records") continue;  // e.g. StreamId: accepted and ignored
    simdjson::ondemand::array entries;
    if (field.value().get_array().get(entries)) {
      return Refuse({"SerializationException", "Records is not an array"});
    }
    for (auto entry_value : entries) {
      simdjson::ondemand::object entry;
      if (entry_value.get_object().get(entry)) {
        return Refuse({"SerializationException", "a record is not an object"});
      }
      int64_t data_bytes = -1;
      int64_t key_bytes = -1;
      for (auto member : entry) {
        std::string_view name;
        std::string_view text;
        if (member.unescaped_key().get(name) || member.value().get_string().get(text)) {
          return Refuse({"SerializationException", "record members must be strings"});
        }
        if (name == "Data") data_bytes = Base64DecodedSize(text);
        if (name == "PartitionKey") key_bytes = static_cast<int64_t>(text.size());
      }
      if (data_bytes < 0)
        return Refuse({"SerializationException", "Data is missing or not base64"});
      if (key_bytes < 1 || key_bytes > static_cast<int64_t>(kMaxPartitionKeyBytes)) {
        return Refuse({"ValidationException", "PartitionKey must be 1..256 characters"});
      }
      const auto record_bytes = static_cast<uint64_t>(data_bytes + key_bytes);
      if (record_bytes > kMaxRecordBytes) {
        return Refuse({"ValidationException", "a record is over 1 MiB"});
      }
      request_bytes += record_bytes;
      payload_units +=
          std::max<uint64_t>(1, (record_bytes + kPayloadUnitBytes - 1) / kPayloadUnitBytes);
      ++records;
    }
  }
  if (!has_stream) return Refuse({"ValidationException", "StreamName or StreamARN is required"});
  if (records == 0 || records > kMaxRecordsPerRequest) {
    return Refuse({"ValidationException", "Records must hold 1..500 entries"});
  }
  if (request_bytes > kMaxRequestBytes) {
    return Refuse({"InvalidArgumentException", "request is over 5 MiB"});
  }

  sink::Answer answer;
  answer.records = records;
  answer.data_bytes = request_bytes;
  answer.payload_units = payload_units;
  // {"SequenceNumber":"<56 digits>","ShardId":"..."} per record.
  answer.body.reserve(64 + records * (96 + shard_id_.size()));
  answer.body.append(R"({"FailedRecordCount":0,"Records":[)");
  uint64_t first_sequence = next_sequence.fetch_add(records);
  for (uint64_t i = 0; i < records; ++i) {
    char digits[64];
    // Kinesis sequence numbers are 56-digit decimal strings, increasing per shard.
    std::snprintf(digits, sizeof digits, "4959%052llu",
                  static_cast<unsigned long long>(first_sequence + i));
    if (i != 0) answer.body.push_back(',');
    answer.body.append(R"({"SequenceNumber":")").append(digits);
    answer.body.append(R"(","ShardId":")").append(shard_id_).append("\"}");
  }
  answer.body.append(R"(],"EncryptionType":"NONE"})");
  return answer;
}

}  // namespace sink
