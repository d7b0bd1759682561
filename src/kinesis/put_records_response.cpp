// Classifies a PutRecords response once, where it is received: sent (with the per-record
// failures to resend), retry the whole request, or give up. Bodies are CBOR or JSON, told apart
// by their first byte (IsCborMap).
//
// Sources: Amazon Kinesis Data Streams API Reference, "PutRecords" (Errors section),
// "PutRecordsResultEntry" (per-record ErrorCode is ProvisionedThroughputExceededException or
// InternalFailure) and "Common Errors" (errors common to all AWS APIs, with their HTTP codes).
#include "kinesis/put_records_response.h"

#include <simdjson.h>

#include <array>
#include <string_view>

#include "kinesis/put_records_cbor_response.h"

namespace tk::kinesis {
namespace {

// Whole-request error types worth retrying with backoff.
constexpr std::array<std::string_view, 11> kRetryableErrorTypes = {
    // PutRecords errors: the stream or its KMS key is throttled; both clear with time.
    "ProvisionedThroughputExceededException",
    "KMSThrottlingException",
    // Kinesis control-plane limit (concurrent operations); transient by nature.
    "LimitExceededException",
    // Common Errors: request throttling (400), temporary server failure (503), unknown internal
    // failure (500). PutRecords lists the latter as InternalFailureException.
    "ThrottlingException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalFailure",
    "InternalFailureException",
    // Common Errors: the request arrived more than 15 minutes after its signature date. We sign
    // every attempt afresh with the current time, so this means the request was delayed (a
    // sandbox frozen mid-send) and a new attempt succeeds.
    "RequestExpired",
    // Common Errors: HTTP-level timeout reading the request (408); the next attempt may finish.
    "RequestTimeout",
    "RequestTimeoutException",
};
// Everything else is permanent, notably: ResourceNotFoundException, AccessDeniedException,
// ValidationException, InvalidArgumentException, the KMS access/state errors (KMSAccessDenied,
// KMSDisabled, KMSInvalidState, KMSNotFound, KMSOptInRequired), UnrecognizedClientException,
// IncompleteSignature, InvalidSignatureException, and ExpiredTokenException: our credentials
// come from the environment once at start, so re-sending with the same token cannot succeed.

constexpr long kHttpOk = 200;
constexpr long kHttpTooManyRequests = 429;

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

// "com.amazon.coral.service#ResourceNotFoundException" -> "ResourceNotFoundException".
std::string_view StripTypePrefix(std::string_view type) {
  const size_t hash = type.rfind('#');
  return hash == std::string_view::npos ? type : type.substr(hash + 1);
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
  if (doc["__type"].get(text) == simdjson::SUCCESS) type = StripTypePrefix(text);
  if (doc["message"].get(text) == simdjson::SUCCESS ||
      doc["Message"].get(text) == simdjson::SUCCESS) {
    message = text;
  }
}

PutRecordsOutcome ClassifyError(const http::Response& response) {
  std::string type;
  std::string message;
  ReadErrorBody(response.body, type, message);
  const std::string status_text = "HTTP " + std::to_string(response.status);
  message = message.empty() ? status_text : status_text + ": " + message;
  const bool retryable = response.status >= 500 || response.status == kHttpTooManyRequests ||
                         (response.status >= 400 && IsRetryableErrorType(type));
  return WholeRequest(retryable ? Disposition::kRetryable : Disposition::kPermanent,
                      type.empty() ? "HttpStatus" : type, std::move(message));
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

bool IsRetryableErrorType(std::string_view error_type) {
  for (const std::string_view type : kRetryableErrorTypes) {
    if (type == error_type) return true;
  }
  return false;
}

PutRecordsOutcome ClassifyPutRecordsResponse(const http::Response& response, size_t records_sent) {
  // No HTTP response at all (refused, reset, timed out, TLS failure): nothing was confirmed
  // stored, so retry the whole request.
  if (!response.transport_ok()) {
    return WholeRequest(Disposition::kRetryable, "Transport", response.transport_error);
  }
  if (response.status == kHttpOk) return ClassifySuccess(response.body, records_sent);
  return ClassifyError(response);
}

}  // namespace tk::kinesis
