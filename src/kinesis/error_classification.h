// What to do about a PutRecords request that Kinesis refused: one table of error types, each
// with the action it calls for, where that comes from, and what a user must fix.
#pragma once

#include <span>
#include <string_view>

namespace tk::kinesis {

// What became of a PutRecords request, and so what the sender (and the Kinesis session below it)
// does next. Records are only ever dropped for kInvalidRequest, one record at a time; every
// other failure keeps them.
enum class Disposition {
  kSent,                // HTTP 200; per-record results valid (some records may still have failed)
  kRetryable,           // transient (throttling, 5xx, 408, network): retry after the backoff
  kRefreshCredentials,  // the credentials were refused: fetch fresh ones, then retry at once
  kCorrectClockSkew,    // signed too far from the service's clock: re-sign with its time, retry
  kHold,                // a deployment problem (permission, stream, KMS key): keep the records,
                        // retry slowly, name the fix once in the log
  kInvalidRequest,      // the request's content was refused: isolate the bad record, drop it
};

// One row of the table: an error type as AWS names it (the "__type" of the body or the
// x-amzn-ErrorType header, without its namespace), what to do, and why.
struct ErrorRule {
  std::string_view type;
  Disposition action;
  std::string_view source;  // where the type and its meaning are documented
  std::string_view fix;     // kHold: what the user should change (for the log), else ""
};

// Every error type the extension knows, in the order they are matched.
std::span<const ErrorRule> ErrorRules();

// The row for `type`, or null when the table does not know it.
const ErrorRule* FindErrorRule(std::string_view type);

// The action for an HTTP error answer with status `status` (not 200), error type `type` (may be
// empty) and message `message`. Known types decide by their row; a type the table does not
// know, or no type at all, decides by the status: 408, 429 and 5xx are retried, 413 is an
// invalid request, anything else is held (an unknown 4xx is most likely a deployment problem
// that someone will fix, and holding loses nothing).
Disposition ClassifyError(long status, std::string_view type, std::string_view message);

}  // namespace tk::kinesis
