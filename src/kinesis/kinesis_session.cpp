// One PutRecords request with the repairs the AWS SDKs make on their own: fresh credentials,
// a fresh connection, the service's clock. Each repair is tried once per request; what is left
// goes back to the sender, which owns backoff and holding.
#include "kinesis/kinesis_session.h"

#include <algorithm>
#include <utility>

namespace tk::kinesis {
namespace {

using std::chrono::milliseconds;

milliseconds Remaining(KinesisSession::SteadyClock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<milliseconds>(deadline - KinesisSession::SteadyClock::now());
  return std::max(left, milliseconds(1));
}

bool Expired(KinesisSession::SteadyClock::time_point deadline) {
  return KinesisSession::SteadyClock::now() >= deadline;
}

// Whether a request that failed on a reused connection may go through on a fresh one: any failure
// of the connection itself, not one the client would repeat at once (an aborted client refuses
// every request; a request it cannot send fails the same way again).
bool FreshConnectionMayHelp(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kDns:
    case ErrorKind::kConnect:
    case ErrorKind::kTls:
    case ErrorKind::kProxyRefused:
    case ErrorKind::kConnectionLost:
    case ErrorKind::kTimeout:
      return true;
    case ErrorKind::kFailed:
    case ErrorKind::kInvalidInput:
    case ErrorKind::kAborted:
      return false;
  }
  return false;
}

PutRecordsOutcome Failed(Disposition disposition, std::string code, std::string message) {
  PutRecordsOutcome outcome;
  outcome.disposition = disposition;
  outcome.error_code = std::move(code);
  outcome.error_message = std::move(message);
  return outcome;
}

}  // namespace

KinesisSession::KinesisSession(KinesisClientConfig config, aws::CredentialsProvider& credentials,
                               http::HttpClient& http, SessionStats& stats, aws::WallClock now)
    : client_(std::move(config), http, now),
      credentials_(credentials),
      http_(http),
      stats_(stats),
      now_(std::move(now)) {}

void KinesisSession::OnRestore() { restore_pending_ = true; }

void KinesisSession::ForgetIdleConnection() {
  const auto now = now_();
  if (restore_pending_.exchange(false)) {
    http_.DropConnections();
    credentials_.Invalidate();
  } else if (now - last_request_ >= kMaxConnectionIdle) {
    http_.DropConnections();
  }
  last_request_ = now;
}

PutRecordsOutcome KinesisSession::Send(std::span<const Record> records,
                                       SteadyClock::time_point deadline) {
  ForgetIdleConnection();
  PutRecordsOutcome outcome = SendOnce(records, deadline);
  // A kept-alive connection that fails is most often one a freeze outlived (the peer or a NAT
  // forgot it): not a failure of Kinesis, so re-send at once on a fresh one, without backoff.
  if (outcome.on_reused_connection && FreshConnectionMayHelp(outcome.error_kind) &&
      !Expired(deadline)) {
    ++stats_.reconnects;
    http_.DropConnections();
    outcome = SendOnce(records, deadline);
  }
  if (outcome.disposition == Disposition::kRefreshCredentials) {
    outcome = AfterCredentialsRefused(records, deadline, std::move(outcome));
  }
  if (outcome.disposition == Disposition::kCorrectClockSkew && !Expired(deadline)) {
    CorrectClock(outcome);
    outcome = SendOnce(records, deadline);
  }
  // Still off (no Date to learn from, the request delayed again, or no time left): an ordinary
  // retry.
  if (outcome.disposition == Disposition::kCorrectClockSkew) {
    outcome.disposition = Disposition::kRetryable;
  }
  return outcome;
}

PutRecordsOutcome KinesisSession::SendOnce(std::span<const Record> records,
                                           SteadyClock::time_point deadline) {
  Result<aws::Credentials> credentials = credentials_.Get(Remaining(deadline));
  stats_.credential_refreshes = credentials_.refreshes();
  if (!credentials.ok()) {
    return Failed(Disposition::kRetryable, "Credentials", credentials.error().message);
  }
  client_.SetCredentials(*credentials);
  return client_.Send(records, Remaining(deadline));
}

PutRecordsOutcome KinesisSession::AfterCredentialsRefused(std::span<const Record> records,
                                                          SteadyClock::time_point deadline,
                                                          PutRecordsOutcome refused) {
  // Expired, or replaced by a SnapStart restore: fetch a new set and send again at once.
  credentials_.Invalidate();
  if (Expired(deadline)) {
    refused.disposition = Disposition::kRetryable;
    return refused;
  }
  PutRecordsOutcome outcome = SendOnce(records, deadline);
  if (outcome.disposition != Disposition::kRefreshCredentials) return outcome;
  // Refused again with a set fetched just now: the source itself hands out dead credentials
  // (keys in the environment past their expiry, a role that was deleted). Hold the records;
  // every later attempt fetches again.
  credentials_.Invalidate();
  outcome.disposition = Disposition::kHold;
  outcome.error_message +=
      " (also with credentials fetched again from the " + credentials_.Describe() + ")";
  return outcome;
}

void KinesisSession::CorrectClock(const PutRecordsOutcome& outcome) {
  if (outcome.server_time <= 0) return;
  const auto ours = std::chrono::duration_cast<std::chrono::seconds>(now_().time_since_epoch());
  client_.SetClockOffset(std::chrono::seconds(outcome.server_time) - ours);
  ++stats_.clock_skew_corrections;
}

}  // namespace tk::kinesis
