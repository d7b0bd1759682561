// Classifies a PutRecords response once, where it is received: sent (with the per-record
// failures to resend), or a whole-request failure decided by the error table
// (error_classification.cpp). Bodies are CBOR or JSON, told apart by their first byte
// (IsCborMap).
//
// Sources: Amazon Kinesis Data Streams API Reference, "PutRecords" and "PutRecordsResultEntry"
// (per-record ErrorCode is ProvisionedThroughputExceededException or InternalFailure); where the
// error type is: the AWS SDK for JavaScript v3 reads the x-amzn-ErrorType header first, then the
// body's "code" and "__type" (@smithy/core protocols, loadRestJsonErrorCode /
// parseJsonErrorBody), and strips "...#" namespaces and ":http://..." suffixes.
#include "kinesis/put_records_response.h"

#include <simdjson.h>

#include <strings.h>
#include <time.h>

#include <string_view>

#include "kinesis/put_records_cbor_response.h"

namespace tk::kinesis {
namespace {

constexpr long kHttpOk = 200;

PutRecordsOutcome WholeRequest(Disposition disposition, std::string code, std::string message) {
  PutRecordsOutcome outcome;
  outcome.disposition = disposition;
  outcome.error_code = std::move(code);
  outcome.error_message = std::move(message);
  return outcome;
}

// Reused across calls on one thread so parsing does not allocate its buffers every time.
simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// "com.amazon.coral.service#ResourceNotFoundException" -> "ResourceNotFoundException";
// "ExpiredTokenException:http://internal.amazon.com/coral/com.amazon.coral.service/" ->
// "ExpiredTokenException" (the header's form).
std::string_view StripTypePrefix(std::string_view type) {
  if (const size_t colon = type.find(':'); colon != std::string_view::npos) {
    type = type.substr(0, colon);
  }
  const size_t hash = type.rfind('#');
  return hash == std::string_view::npos ? type : type.substr(hash + 1);
}

// Unix seconds of an HTTP Date header (RFC 9110 IMF-fixdate, "Wed, 02 Dec 2026 00:34:52 GMT");
// 0 when absent or unreadable.
int64_t ParseHttpDate(std::string_view value) {
  if (value.empty() || value.size() > 64) return 0;
  const std::string text(value);
  struct tm fields {};
  const char* end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &fields);
  if (end == nullptr) return 0;
  return static_cast<int64_t>(::timegm(&fields));
}

// Reads "__type" and "message"/"Message" from an error body, CBOR or JSON; empty when absent or
// unreadable.
void ReadErrorBody(const std::string& body, std::string& type, std::string& message) {
  if (IsCborMap(body)) {
    ReadCborErrorBody(body, type, message);
    type = StripTypePrefix(type);
    return;
  }
  simdjson::dom::element doc;
  if (ThreadParser().parse(body).get(doc) != simdjson::SUCCESS) return;
  std::string_view text;
  if (doc["__type"].get(text) == simdjson::SUCCESS || doc["code"].get(text) == simdjson::SUCCESS ||
      doc["Code"].get(text) == simdjson::SUCCESS) {
    type = StripTypePrefix(text);
  }
  if (doc["message"].get(text) == simdjson::SUCCESS ||
      doc["Message"].get(text) == simdjson::SUCCESS) {
    message = text;
  }
}

// The error type (header first: some answers carry it only there) and the body's message.
void ReadErrorAnswer(const http::Response& response, std::string& type, std::string& message) {
  ReadErrorBody(response.body, type, message);
  const std::string_view header_type = StripTypePrefix(response.FindHeader("x-amzn-ErrorType"));
  if (!header_type.empty()) type = header_type;
}

PutRecordsOutcome ClassifyErrorAnswer(const http::Response& response) {
  std::string type;
  std::string message;
  ReadErrorAnswer(response, type, message);
  const Disposition disposition = ClassifyError(response.status, type, message);
  const std::string status_text = "HTTP " + std::to_string(response.status);
  message = message.empty() ? status_text : status_text + ": " + message;
  PutRecordsOutcome outcome =
      WholeRequest(disposition, type.empty() ? "HttpStatus" : type, std::move(message));
  if (disposition == Disposition::kCorrectClockSkew) {
    outcome.server_time = ParseHttpDate(response.FindHeader("Date"));
  }
  return outcome;
}

// A 200 whose per-record results cannot be matched one-to-one with what we sent is retried
// whole: we cannot tell which records were stored, and resending (possible duplicates, which
// Kinesis consumers must tolerate anyway) is better than silently losing records.
PutRecordsOutcome Malformed(std::string why) {
  return WholeRequest(Disposition::kRetryable, "MalformedResponse", std::move(why));
}

// The per-record results of a JSON result body.
Result<PutRecordsResultEntries> ReadJsonPutRecordsResult(const std::string& body) {
  simdjson::dom::element doc;
  if (ThreadParser().parse(body).get(doc) != simdjson::SUCCESS) {
    return Error{"HTTP 200 body is neither CBOR nor JSON"};
  }
  simdjson::dom::array results;
  if (doc["Records"].get(results) != simdjson::SUCCESS) {
    return Error{"HTTP 200 body has no Records array"};
  }
  PutRecordsResultEntries entries;
  for (simdjson::dom::element result : results) {
    std::string_view code;
    if (result["ErrorCode"].get(code) == simdjson::SUCCESS && !code.empty()) {
      entries.errors.emplace_back(entries.count, std::string(code));
    }
    ++entries.count;
  }
  return entries;
}

PutRecordsOutcome ClassifySuccess(const std::string& body, size_t records_sent) {
  Result<PutRecordsResultEntries> entries =
      IsCborMap(body) ? ReadCborPutRecordsResult(body) : ReadJsonPutRecordsResult(body);
  if (!entries.ok()) return Malformed(entries.error().message);
  if (entries->count != records_sent) {
    return Malformed("HTTP 200 has " + std::to_string(entries->count) + " results for " +
                     std::to_string(records_sent) + " records sent");
  }
  PutRecordsOutcome outcome;
  outcome.disposition = Disposition::kSent;
  for (auto& [index, code] : entries->errors) {
    outcome.failed_indices.push_back(index);
    ++outcome.failed_by_code[std::move(code)];
  }
  return outcome;
}

}  // namespace

PutRecordsOutcome ClassifyPutRecordsResponse(const http::Response& response, size_t records_sent) {
  // No HTTP response at all (refused, reset, timed out, TLS failure): nothing was confirmed
  // stored, so retry the whole request.
  if (!response.transport_ok()) {
    PutRecordsOutcome outcome =
        WholeRequest(Disposition::kRetryable, "Transport", response.transport.message);
    outcome.error_kind = response.transport.kind;
    outcome.on_reused_connection = response.reused_connection;
    return outcome;
  }
  if (response.status == kHttpOk) return ClassifySuccess(response.body, records_sent);
  return ClassifyErrorAnswer(response);
}

}  // namespace tk::kinesis
