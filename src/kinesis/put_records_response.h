// Classifies a PutRecords response once, where it is received: sent (with the per-record
// failures to resend), retry the whole request, or give up.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "http/http_client.h"

namespace tk::kinesis {

enum class Disposition {
  kSent,       // HTTP 200; per-record results valid (some records may still have failed)
  kRetryable,  // the whole request should be retried after a backoff
  kPermanent,  // will not succeed by retrying: report once, drop with a counter
};

// What became of one PutRecords request.
struct PutRecordsOutcome {
  Disposition disposition = Disposition::kRetryable;
  // kSent only: indices (in request order) of the records whose result has an ErrorCode.
  // Resend exactly these; all others were stored.
  std::vector<size_t> failed_indices;
  // kSent only: failed records counted by ErrorCode (ProvisionedThroughputExceededException,
  // InternalFailure).
  std::map<std::string, size_t> failed_by_code;
  // Whole-request failures: the service's error type ("__type" without any "prefix#") and
  // message; or "Transport" (no HTTP response), "HttpStatus" (no error type in the body),
  // "MalformedResponse" (a 200 that could not be matched to the records sent).
  std::string error_code;
  std::string error_message;
};

// Classifies `response` to a PutRecords request of `records_sent` records. Never throws and
// never logs: the caller logs once, with its own context.
PutRecordsOutcome ClassifyPutRecordsResponse(const http::Response& response, size_t records_sent);

// True for whole-request error types that may succeed when retried (throttling, limits,
// transient service failures). Exposed for tests and logging.
bool IsRetryableErrorType(std::string_view error_type);

}  // namespace tk::kinesis
