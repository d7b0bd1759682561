// The sender's connection to Kinesis: credentials, signing clock, the kept-alive connection and
// everything that must happen between two requests (a SnapStart restore, a connection that a
// freeze killed, credentials that expired, a clock that drifted). The sender calls Send() and
// gets back what to do with the records; it never sees credentials or sockets.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>

#include "aws/credentials_provider.h"
#include "http/http_client.h"
#include "kinesis/put_records_client.h"
#include "kinesis/put_records_response.h"
#include "kinesis/record.h"

namespace tk::kinesis {

// What the session did besides sending (for the summary line and the EMF metrics).
struct SessionStats {
  std::atomic<uint64_t> credential_refreshes{0};    // sets fetched after the first
  std::atomic<uint64_t> clock_skew_corrections{0};  // re-signed with the service's clock
  std::atomic<uint64_t> reconnects{0};  // requests re-sent at once on a fresh connection
};

class KinesisSession {
 public:
  using SteadyClock = std::chrono::steady_clock;

  // All references must outlive the session; `http` carries the PutRecords requests only.
  KinesisSession(KinesisClientConfig config, aws::CredentialsProvider& credentials,
                 http::HttpClient& http, SessionStats& stats,
                 aws::WallClock now = &std::chrono::system_clock::now);

  // Sends `records` as one PutRecords request and returns the outcome once the session has
  // done what it can on its own: credentials fetched (or refreshed once when Kinesis refused
  // them), one immediate re-send on a fresh connection when a reused one failed, one re-sign
  // with the service's clock on a skew error. Returns by `deadline`. Sender thread only.
  PutRecordsOutcome Send(std::span<const Record> records, SteadyClock::time_point deadline);

  // A SnapStart restore (any thread): before its next request the session drops the
  // connection (its peer forgot it while the snapshot waited) and fetches new credentials (the
  // snapshot's set is invalid).
  void OnRestore();

 private:
  PutRecordsOutcome SendOnce(std::span<const Record> records, SteadyClock::time_point deadline);
  PutRecordsOutcome AfterCredentialsRefused(std::span<const Record> records,
                                            SteadyClock::time_point deadline,
                                            PutRecordsOutcome refused);
  void CorrectClock(const PutRecordsOutcome& outcome);
  void ForgetIdleConnection();

  PutRecordsClient client_;
  aws::CredentialsProvider& credentials_;
  http::HttpClient& http_;
  SessionStats& stats_;
  aws::WallClock now_;
  std::chrono::seconds clock_offset_{0};  // service clock minus ours, from a skew error
  std::chrono::system_clock::time_point last_request_{};
  std::atomic<bool> restore_pending_{false};
};

// How long a kept-alive connection may sit unused (wall clock: a freeze or a snapshot counts)
// before the next request opens a fresh one: NAT gateways and load balancers drop flows idle
// for 350 s, and a flow dropped without a FIN or RST costs a whole request timeout to notice.
inline constexpr std::chrono::seconds kMaxConnectionIdle{60};

}  // namespace tk::kinesis
