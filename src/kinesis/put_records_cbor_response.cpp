// Reads CBOR PutRecords answers in one streaming pass (cbor_walker.h): a 500-entry result is
// read without building a tree or copying its ~60 KB of sequence numbers.
#include "kinesis/put_records_cbor_response.h"

#include "kinesis/cbor_walker.h"

namespace tk::kinesis {
namespace {

constexpr unsigned char kMajorTypeMask = 0xE0;
constexpr unsigned char kMapMajorType = 0xA0;  // major type 5 in the top three bits

// Depth 0 is the result map, 1 its members ("Records"), 2 the entries, 3 an entry's members.
class ResultVisitor : public CborVisitor {
 public:
  PutRecordsResultEntries& entries() { return entries_; }
  bool saw_records() const { return saw_records_; }

  bool Value(size_t depth, std::string_view key, const CborValue& value) override {
    if (depth == 0) return Require(value.kind == CborKind::kMapStart, "the body is not a map");
    // Only the first Records and an entry's first ErrorCode count, as when the JSON answer is
    // read: a duplicate key must not add entries or name one entry twice.
    if (depth == 1 && key == "Records" && !saw_records_) {
      if (!Require(value.kind == CborKind::kArrayStart, "Records is not an array")) return false;
      in_records_ = saw_records_ = true;
      return true;
    }
    if (!in_records_) return true;
    if (depth == 2) {
      ++entries_.count;
      entry_error_seen_ = false;
    }
    if (depth == 3 && key == "ErrorCode" && !entry_error_seen_) {
      entry_error_seen_ = true;
      if (value.kind == CborKind::kText && !value.text.empty()) {
        entries_.errors.emplace_back(entries_.count - 1, std::string(value.text));
      }
    }
    return true;
  }
  void End(size_t depth) override {
    if (depth == 1) in_records_ = false;
  }
  std::string StopReason() const override { return problem_; }

 private:
  bool Require(bool condition, const char* problem) {
    if (!condition) problem_ = problem;
    return condition;
  }

  PutRecordsResultEntries entries_;
  std::string problem_;
  bool in_records_ = false;
  bool saw_records_ = false;
  bool entry_error_seen_ = false;  // of the entry being read
};

class ErrorBodyVisitor : public CborVisitor {
 public:
  ErrorBodyVisitor(std::string& type, std::string& message) : type_(type), message_(message) {}

  bool Value(size_t depth, std::string_view key, const CborValue& value) override {
    if (depth != 1 || value.kind != CborKind::kText) return true;
    if (key == "__type") type_ = value.text;
    if ((key == "message" || key == "Message") && message_.empty()) message_ = value.text;
    return true;
  }

 private:
  std::string& type_;
  std::string& message_;
};

}  // namespace

bool IsCborMap(std::string_view body) {
  return !body.empty() &&
         (static_cast<unsigned char>(body.front()) & kMajorTypeMask) == kMapMajorType;
}

Result<PutRecordsResultEntries> ReadCborPutRecordsResult(std::string_view body) {
  ResultVisitor visitor;
  if (const Status walked = WalkCbor(body, visitor); !walked.ok()) {
    return Error{"CBOR result unreadable: " + walked.error().message};
  }
  if (!visitor.saw_records()) return Error{"CBOR result has no Records array"};
  return std::move(visitor.entries());
}

void ReadCborErrorBody(std::string_view body, std::string& type, std::string& message) {
  if (!IsCborMap(body)) return;
  std::string read_type;
  std::string read_message;
  ErrorBodyVisitor visitor(read_type, read_message);
  if (!WalkCbor(body, visitor).ok()) return;  // an unreadable body says nothing
  type = std::move(read_type);
  message = std::move(read_message);
}

}  // namespace tk::kinesis
