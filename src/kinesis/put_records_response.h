// Classifies a PutRecords response once, where it is received: sent (with the per-record
// failures to resend), or what to do about the whole request (error_classification.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "http/http_client.h"
#include "kinesis/error_classification.h"

namespace tk::kinesis {

// What became of one PutRecords request.
struct PutRecordsOutcome {
  Disposition disposition = Disposition::kRetryable;
  // kSent only: indices (ascending: request order) of the records whose result has an ErrorCode.
  // Resend exactly these; all others were stored.
  std::vector<size_t> failed_indices;
  // kSent only: failed records counted by ErrorCode (ProvisionedThroughputExceededException,
  // InternalFailure).
  std::map<std::string, size_t> failed_by_code;
  // Whole-request failures: the service's error type (the x-amzn-ErrorType header, else the
  // body's "__type", without namespace) and message; or "Transport" (no HTTP response),
  // "HttpStatus" (no error type anywhere), "MalformedResponse" (a 200 that could not be matched
  // to the records sent).
  std::string error_code;
  std::string error_message;
  // "Transport": the step that failed, as the HTTP client classified it (kDns ... kAborted);
  // "InvalidBatch": kInvalidInput. kFailed otherwise.
  ErrorKind error_kind = ErrorKind::kFailed;
  // The service's clock (its Date header) when it refused the request for clock skew; 0 when
  // unknown. Unix seconds.
  int64_t server_time = 0;
  // Transport failures only: the request went over a reused kept-alive connection.
  bool on_reused_connection = false;
};

// Classifies `response` to a PutRecords request of `records_sent` records. Never throws and
// never logs: the caller logs once, with its own context.
PutRecordsOutcome ClassifyPutRecordsResponse(const http::Response& response, size_t records_sent);

}  // namespace tk::kinesis
