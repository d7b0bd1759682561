// The error table. Sources, as cited in each row:
//  [put-records]  Amazon Kinesis Data Streams API Reference, "PutRecords", Errors.
//  [common]       Amazon Kinesis Data Streams API Reference, "Common Errors" (errors of all AWS
//                 APIs, with their HTTP status codes).
//  [sdk-js]       AWS SDK for JavaScript v3, @smithy/service-error-classification constants.ts:
//                 THROTTLING_ERROR_CODES, TRANSIENT_ERROR_CODES, TRANSIENT_ERROR_STATUS_CODES,
//                 CLOCK_SKEW_ERROR_CODES (what the SDK retries, and retries after correcting
//                 its clock).
//  [sts]          AWS Security Token Service: temporary credentials past their expiry are
//                 refused with ExpiredTokenException / ExpiredToken; a key or token the service
//                 does not know (e.g. the set a SnapStart restore replaced) with
//                 UnrecognizedClientException / InvalidClientTokenId.
//  [kms]          Kinesis server-side encryption with a customer-managed key: the function's
//                 role needs kms:GenerateDataKey, the key must be enabled (Kinesis Developer
//                 Guide, "Permissions to use user-generated KMS keys").
#include "kinesis/error_classification.h"

#include <array>

namespace tk::kinesis {
namespace {

using enum Disposition;

constexpr std::string_view kGrantPutRecords =
    "grant kinesis:PutRecords on the stream to the function's execution role";
constexpr std::string_view kCheckStream =
    "create the stream, or check TELEMETRY_KINESIS_STREAM and the region it is looked up in";
constexpr std::string_view kGrantKms =
    "grant kms:GenerateDataKey on the stream's KMS key to the function's execution role";
constexpr std::string_view kEnableKms = "enable the stream's KMS key (or re-encrypt the stream)";
constexpr std::string_view kCheckCredentials =
    "check the credentials the extension signs with (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/"
    "AWS_SESSION_TOKEN or the container credentials endpoint)";

constexpr std::array kRules = std::to_array<ErrorRule>({
    // Throttling: the stream, a shard or the KMS key is over its rate; clears with time.
    {"ProvisionedThroughputExceededException", kRetryable, "[put-records] [sdk-js] throttling", ""},
    {"KMSThrottlingException", kRetryable, "[put-records]", ""},
    {"LimitExceededException", kRetryable, "[sdk-js] throttling", ""},
    {"ThrottlingException", kRetryable, "[common] 400, [sdk-js] throttling", ""},
    {"Throttling", kRetryable, "[sdk-js] throttling", ""},
    {"ThrottledException", kRetryable, "[sdk-js] throttling", ""},
    {"TooManyRequestsException", kRetryable, "[sdk-js] throttling", ""},
    {"RequestThrottled", kRetryable, "[sdk-js] throttling", ""},
    {"RequestThrottledException", kRetryable, "[sdk-js] throttling", ""},
    {"RequestLimitExceeded", kRetryable, "[sdk-js] throttling", ""},
    {"BandwidthLimitExceeded", kRetryable, "[sdk-js] throttling", ""},
    {"SlowDown", kRetryable, "[sdk-js] throttling", ""},
    {"PriorRequestNotComplete", kRetryable, "[sdk-js] throttling", ""},
    // Transient service failures.
    {"InternalFailure", kRetryable, "[common] 500", ""},
    {"InternalFailureException", kRetryable, "[put-records] (older name of InternalFailure)", ""},
    {"InternalServerError", kRetryable, "[common] 500", ""},
    {"ServiceUnavailable", kRetryable, "[common] 503", ""},
    {"ServiceUnavailableException", kRetryable, "[common] 503", ""},
    {"RequestTimeout", kRetryable, "[sdk-js] transient", ""},
    {"RequestTimeoutException", kRetryable, "[common] 408, [sdk-js] transient", ""},
    {"TimeoutError", kRetryable, "[sdk-js] transient", ""},
    // The service stopped reading the request (the connection was cut mid-body): nothing was
    // stored, the next attempt may finish.
    {"RequestAbortedException", kRetryable, "[common] 400", ""},
    // The request arrived more than 15 minutes after its signature date: it was delayed (a
    // sandbox frozen mid-send); every attempt is signed afresh.
    {"RequestExpired", kCorrectClockSkew, "[common] 400, [sdk-js] clock skew", ""},
    {"RequestTimeTooSkewed", kCorrectClockSkew, "[sdk-js] clock skew", ""},
    {"RequestInTheFuture", kCorrectClockSkew, "[sdk-js] clock skew", ""},
    // InvalidSignatureException is clock skew when its message says "Signature expired" or "not
    // yet current" (ClassifyError); otherwise a signature the service could not verify.
    {"InvalidSignatureException", kHold, "[sdk-js] clock skew; [common] 400", kCheckCredentials},
    {"SignatureDoesNotMatch", kHold, "[sdk-js] clock skew; [common] 403", kCheckCredentials},
    // Credentials refused: refresh them and retry.
    {"ExpiredTokenException", kRefreshCredentials, "[common] 403, [sts]", ""},
    {"ExpiredToken", kRefreshCredentials, "[sts]", ""},
    {"UnrecognizedClientException", kRefreshCredentials, "[common] 403, [sts]", ""},
    {"InvalidClientTokenId", kRefreshCredentials, "[common] 403, [sts]", ""},
    // Deployment problems, fixed by a person within minutes: hold the records until then.
    {"AccessDeniedException", kHold, "[put-records] [common] 400", kGrantPutRecords},
    {"NotAuthorized", kHold, "[common] 400", kGrantPutRecords},
    {"ResourceNotFoundException", kHold, "[put-records] 400", kCheckStream},
    {"KMSAccessDeniedException", kHold, "[put-records] [kms]", kGrantKms},
    {"KMSDisabledException", kHold, "[put-records] [kms]", kEnableKms},
    {"KMSInvalidStateException", kHold, "[put-records] [kms]", kEnableKms},
    {"KMSNotFoundException", kHold, "[put-records] [kms]", kEnableKms},
    {"KMSOptInRequired", kHold, "[put-records] [kms]",
     "subscribe the account to AWS KMS (KMSOptInRequired)"},
    {"OptInRequired", kHold, "[common] 403", "subscribe the account to Kinesis Data Streams"},
    {"IncompleteSignature", kHold, "[common] 400", kCheckCredentials},
    {"MissingAuthenticationToken", kHold, "[common] 403", kCheckCredentials},
    // The request's content was refused: one record is over a limit the stream enforces (its
    // maximum record size, a partition key) or malformed. Bisect, drop that record alone.
    {"ValidationException", kInvalidRequest, "[common] 400", ""},
    {"ValidationError", kInvalidRequest, "[common] 400", ""},
    {"InvalidArgumentException", kInvalidRequest, "[put-records] 400", ""},
    {"SerializationException", kInvalidRequest, "AWS JSON/CBOR protocols: unreadable body", ""},
    {"RequestEntityTooLargeException", kInvalidRequest, "[common] 413", ""},
});

constexpr long kHttpRequestTimeout = 408;
constexpr long kHttpPayloadTooLarge = 413;
constexpr long kHttpTooManyRequests = 429;
constexpr long kHttpServerErrorFirst = 500;

// Kinesis's "Signature expired: 20261202T000000Z is now earlier than 20261202T000500Z
// (20261202T001000Z - 5 min.)" and "Signature not yet current: ... is still later than ...":
// the request was signed more than 5 minutes away from the service's clock.
bool SaysClockSkew(std::string_view message) {
  return message.find("Signature expired") != std::string_view::npos ||
         message.find("Signature not yet current") != std::string_view::npos;
}

Disposition ByStatus(long status) {
  if (status == kHttpRequestTimeout || status == kHttpTooManyRequests ||
      status >= kHttpServerErrorFirst) {
    return kRetryable;  // [sdk-js] TRANSIENT_ERROR_STATUS_CODES, 429 throttling; [common] 408
  }
  if (status == kHttpPayloadTooLarge) return kInvalidRequest;
  return kHold;
}

}  // namespace

std::span<const ErrorRule> ErrorRules() { return kRules; }

const ErrorRule* FindErrorRule(std::string_view type) {
  for (const ErrorRule& rule : kRules) {
    if (rule.type == type) return &rule;
  }
  return nullptr;
}

Disposition ClassifyError(long status, std::string_view type, std::string_view message) {
  if (SaysClockSkew(message)) return kCorrectClockSkew;
  if (const ErrorRule* rule = FindErrorRule(type)) return rule->action;
  return ByStatus(status);
}

}  // namespace tk::kinesis
