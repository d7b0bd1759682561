// Request checks and response rendering for the loopback PutRecords sink.
#include "put_records_answer.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "kinesis/cbor_walker.h"
#include "kinesis/put_records_cbor_body.h"

namespace sink {
namespace {

constexpr int kHttpBadRequest = 400;

// Kinesis-style error answer ("__type" and "message").
struct Refusal {
  std::string_view type;
  std::string message;
};

// What a request body held, checked against the limits as each record is counted.
struct Tally {
  bool has_stream = false;
  uint64_t records = 0;
  uint64_t request_bytes = 0;
  uint64_t payload_units = 0;

  std::optional<Refusal> AddRecord(int64_t data_bytes, int64_t key_bytes) {
    if (data_bytes < 0) return Refusal{"SerializationException", "Data is missing or malformed"};
    if (key_bytes < 1 || key_bytes > static_cast<int64_t>(kMaxPartitionKeyBytes)) {
      return Refusal{"ValidationException", "PartitionKey must be 1..256 characters"};
    }
    const auto record_bytes = static_cast<uint64_t>(data_bytes + key_bytes);
    if (record_bytes > kMaxRecordBytes)
      return Refusal{"ValidationException", "a record is over 1 MiB"};
    request_bytes += record_bytes;
    payload_units +=
        std::max<uint64_t>(1, (record_bytes + kPayloadUnitBytes - 1) / kPayloadUnitBytes);
    ++records;
    return std::nullopt;
  }

  std::optional<Refusal> Check() const {
    if (!has_stream) return Refusal{"ValidationException", "StreamName or StreamARN is required"};
    if (records == 0 || records > kMaxRecordsPerRequest) {
      return Refusal{"ValidationException", "Records must hold 1..500 entries"};
    }
    if (request_bytes > kMaxRequestBytes) {
      return Refusal{"InvalidArgumentException", "request is over 5 MiB"};
    }
    return std::nullopt;
  }
};

// CBOR writing for answers: heads from the extension's libcbor-backed writer, then the bytes.
void AppendCborHead(std::string& out, tk::kinesis::CborMajorType type, uint64_t argument) {
  char head[tk::kinesis::kMaxCborHeadBytes];
  out.append(head, tk::kinesis::WriteCborHead(head, sizeof head, type, argument));
}

void AppendCborText(std::string& out, std::string_view text) {
  AppendCborHead(out, tk::kinesis::CborMajorType::kTextString, text.size());
  out.append(text);
}

sink::Answer Refuse(const Refusal& refusal, bool cbor) {
  sink::Answer answer;
  answer.status = kHttpBadRequest;
  if (cbor) {
    AppendCborHead(answer.body, tk::kinesis::CborMajorType::kMap, 2);
    AppendCborText(answer.body, "__type");
    AppendCborText(answer.body, refusal.type);
    AppendCborText(answer.body, "message");
    AppendCborText(answer.body, refusal.message);
    answer.content_type = kCborContentType;
    return answer;
  }
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

std::optional<Refusal> TallyJson(simdjson::ondemand::parser& parser, std::string_view body,
                                 Tally& tally) {
  simdjson::ondemand::document doc;
  simdjson::ondemand::object request;
  if (parser.iterate(body.data(), body.size(), body.size() + simdjson::SIMDJSON_PADDING).get(doc) ||
      doc.get_object().get(request)) {
    return Refusal{"SerializationException", "body is not a JSON object"};
  }
  for (auto field : request) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Refusal{"SerializationException", "bad key"};
    if (key == "StreamName" || key == "StreamARN") {
      std::string_view stream;
      if (field.value().get_string().get(stream) || stream.empty()) {
        return Refusal{"ValidationException", "stream name/ARN must be a non-empty string"};
      }
      tally.has_stream = true;
      continue;
    }
    if (key != "Records") continue;  // e.g. StreamId: accepted and ignored
    simdjson::ondemand::array entries;
    if (field.value().get_array().get(entries)) {
      return Refusal{"SerializationException", "Records is not an array"};
    }
    for (auto entry_value : entries) {
      simdjson::ondemand::object entry;
      if (entry_value.get_object().get(entry)) {
        return Refusal{"SerializationException", "a record is not an object"};
      }
      int64_t data_bytes = -1;
      int64_t key_bytes = -1;
      for (auto member : entry) {
        std::string_view name;
        std::string_view text;
        if (member.unescaped_key().get(name) || member.value().get_string().get(text)) {
          return Refusal{"SerializationException", "record members must be strings"};
        }
        if (name == "Data") data_bytes = Base64DecodedSize(text);
        if (name == "PartitionKey") key_bytes = static_cast<int64_t>(text.size());
      }
      if (auto refusal = tally.AddRecord(data_bytes, key_bytes)) return refusal;
    }
  }
  return std::nullopt;
}

// A CBOR PutRecords body, walked once (the extension's libcbor-driven walker: strings are views
// into the body, nothing is copied). Depth 0 is the request map, 1 its members, 2 the entries of
// Records, 3 an entry's members: Data must be a byte string and PartitionKey a text string.
class CborRequestReader : public tk::kinesis::CborVisitor {
 public:
  explicit CborRequestReader(Tally& tally) : tally_(tally) {}
  std::optional<Refusal>& refusal() { return refusal_; }

  bool Value(size_t depth, std::string_view key, const tk::kinesis::CborValue& value) override {
    using tk::kinesis::CborKind;
    if (depth == 0) return value.kind == CborKind::kMapStart || Refuse("the body is not a map");
    if (depth == 1) {
      if (key == "StreamName" || key == "StreamARN") {
        if (value.kind != CborKind::kText || value.text.empty()) {
          return Refuse("stream name/ARN must be a non-empty text string", "ValidationException");
        }
        tally_.has_stream = true;
      } else if (key == "Records") {
        if (value.kind != CborKind::kArrayStart) return Refuse("Records is not an array");
        in_records_ = true;
      }
      return true;
    }
    if (!in_records_) return true;
    if (depth == 2) {
      if (value.kind != CborKind::kMapStart) return Refuse("a record is not a map");
      data_bytes_ = key_bytes_ = -1;
      return true;
    }
    if (depth == 3 && key == "Data") {
      if (value.kind != CborKind::kBytes) return Refuse("Data is not a byte string");
      data_bytes_ = static_cast<int64_t>(value.text.size());
    } else if (depth == 3 && key == "PartitionKey") {
      if (value.kind != CborKind::kText) return Refuse("PartitionKey is not a text string");
      key_bytes_ = static_cast<int64_t>(value.text.size());
    }
    return true;
  }
  void End(size_t depth) override {
    if (depth == 1) in_records_ = false;
    if (depth == 2 && in_records_ && !refusal_) {
      if (auto refusal = tally_.AddRecord(data_bytes_, key_bytes_)) refusal_ = std::move(refusal);
    }
  }
  std::string StopReason() const override { return "refused"; }

 private:
  bool Refuse(const char* why, std::string_view type = "SerializationException") {
    refusal_ = Refusal{type, why};
    return false;
  }

  Tally& tally_;
  std::optional<Refusal> refusal_;
  bool in_records_ = false;
  int64_t data_bytes_ = -1;
  int64_t key_bytes_ = -1;
};

std::optional<Refusal> TallyCbor(std::string_view body, Tally& tally) {
  CborRequestReader reader(tally);
  const tk::Status walked = tk::kinesis::WalkCbor(body, reader);
  if (reader.refusal()) return reader.refusal();
  if (!walked.ok()) return Refusal{"SerializationException", walked.error().message};
  return std::nullopt;
}

}  // namespace

Answer PutRecordsAnswerer::Respond(std::string_view target, std::string_view content_type,
                                   std::string_view body, std::atomic<uint64_t>& next_sequence) {
  const bool cbor = content_type == kCborContentType;
  if (target != kPutRecordsTarget) {
    return Refuse({"UnknownOperationException", "this sink answers PutRecords only"}, cbor);
  }
  Tally tally;
  if (auto refusal = cbor ? TallyCbor(body, tally) : TallyJson(parser_, body, tally)) {
    return Refuse(*refusal, cbor);
  }
  if (auto refusal = tally.Check()) return Refuse(*refusal, cbor);

  sink::Answer answer;
  answer.records = tally.records;
  answer.data_bytes = tally.request_bytes;
  answer.payload_units = tally.payload_units;
  const uint64_t first_sequence = next_sequence.fetch_add(tally.records);
  // Kinesis sequence numbers are 56-digit decimal strings, increasing per shard.
  const auto sequence_number = [first_sequence](uint64_t i, char(&digits)[64]) {
    std::snprintf(digits, sizeof digits, "4959%052llu",
                  static_cast<unsigned long long>(first_sequence + i));
  };
  if (cbor) {
    // {"FailedRecordCount": 0, "Records": [{"SequenceNumber": "...", "ShardId": "..."}, ...],
    //  "EncryptionType": "NONE"}, written directly: this runs for every request at full rate.
    using tk::kinesis::CborMajorType;
    answer.body.reserve(96 + tally.records * (96 + shard_id_.size()));
    AppendCborHead(answer.body, CborMajorType::kMap, 3);
    AppendCborText(answer.body, "FailedRecordCount");
    answer.body.push_back('\0');  // unsigned integer 0
    AppendCborText(answer.body, "Records");
    AppendCborHead(answer.body, CborMajorType::kArray, tally.records);
    for (uint64_t i = 0; i < tally.records; ++i) {
      char digits[64];
      sequence_number(i, digits);
      AppendCborHead(answer.body, CborMajorType::kMap, 2);
      AppendCborText(answer.body, "SequenceNumber");
      AppendCborText(answer.body, digits);
      AppendCborText(answer.body, "ShardId");
      AppendCborText(answer.body, shard_id_);
    }
    AppendCborText(answer.body, "EncryptionType");
    AppendCborText(answer.body, "NONE");
    answer.content_type = kCborContentType;
    return answer;
  }
  // {"SequenceNumber":"<56 digits>","ShardId":"..."} per record.
  answer.body.reserve(64 + tally.records * (96 + shard_id_.size()));
  answer.body.append(R"({"FailedRecordCount":0,"Records":[)");
  for (uint64_t i = 0; i < tally.records; ++i) {
    char digits[64];
    sequence_number(i, digits);
    if (i != 0) answer.body.push_back(',');
    answer.body.append(R"({"SequenceNumber":")").append(digits);
    answer.body.append(R"(","ShardId":")").append(shard_id_).append("\"}");
  }
  answer.body.append(R"(],"EncryptionType":"NONE"})");
  return answer;
}

}  // namespace sink
