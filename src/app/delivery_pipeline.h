// Everything between the telemetry listener and Kinesis, built from one Config.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>

#include "aws/credentials_provider.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "http/httplib_http_client.h"
#include "kinesis/kinesis_session.h"
#include "kinesis/limits.h"
#include "kinesis/record_recycler.h"
#include "pipeline/delivery_stats.h"
#include "pipeline/emf_metrics.h"
#include "pipeline/once_summary.h"
#include "pipeline/record_buffer.h"
#include "pipeline/record_queue.h"
#include "pipeline/restore_latch.h"
#include "pipeline/sender.h"
#include "pipeline/spool.h"
#include "telemetry/listener.h"
#include "telemetry/record_encoder.h"
#include "telemetry/telemetry_ingest.h"

namespace tk::app {

// What a flush before /next achieved.
enum class EndFlush {
  kDelivered,      // everything held was delivered (or dropped and counted) within the budget
  kBudgetSpent,    // the budget ran out; the rest goes in the background
  kNoRuntimeDone,  // platform.runtimeDone did not arrive before the invocation's deadline
};

// Makes the HTTP clients of the pipeline (PutRecords, the credentials endpoint): cpp-httplib in
// the extension (HttplibClients), a fake Kinesis in the lifecycle's tests.
using HttpClientFactory =
    std::function<std::unique_ptr<http::HttpClient>(const http::HttpClientOptions&)>;
HttpClientFactory HttplibClients();

class DeliveryPipeline {
 public:
  // Builds the pipeline, starts the sender thread and the listener. Errors: the listener
  // cannot bind (port taken).
  static Result<std::unique_ptr<DeliveryPipeline>> Start(
      const config::Config& config, const telemetry::FunctionMetadata& metadata,
      const HttpClientFactory& make_http, const Clock& clock = SystemClock());
  ~DeliveryPipeline();

  std::string SubscriptionUri() const { return listener_->SubscriptionUri(); }

  // An invocation began: write an EMF metrics line when one is due. Nothing is shipped here:
  // outside a flush before /next, a request leaves when it is full or its oldest record is
  // max_batch_age old (records that waited through a freeze are, so they leave at the thaw);
  // shipping at every INVOKE sent one partial request per invocation (96 instead of ~50
  // requests per 10,000 events at 1,000 events/s in 100 ms invocations).
  void OnInvoke();

  // Flush before /next: waits (until `runtime_deadline`) for the platform.runtimeDone of
  // `request_id` -- by then Lambda has sent the invocation's telemetry except its report --, then
  // sends everything held, waiting at most `budget`. Blocks the lifecycle thread.
  // A runtimeDone that cannot come (a damaged body since `invoked_at`) stops the wait at once.
  EndFlush FlushBeforeNext(const std::string& request_id,
                           pipeline::SteadyClock::time_point invoked_at,
                           pipeline::SteadyClock::time_point runtime_deadline,
                           std::chrono::milliseconds budget);

  // SnapStart restore (`source` says how it was noticed). Once per process: a fresh sandbox id
  // and partition-key randomness for new records; the Kinesis session drops its connection and
  // fetches new credentials before its next request; the backoff jitter is re-seeded. Never
  // blocks.
  void OnRestore(const char* source);
  // The log line for a restore noticed since the last call (by OnRestore or by the listener
  // seeing platform.restoreStart, which must not log itself), once.
  std::optional<std::string> TakeRestoreNotice();

  // SHUTDOWN: wait (bounded) until Lambda has sent what it buffers (no POST for `quiet`, every
  // started invocation reported), stop listening, send what is held until `deadline`, and log
  // the one summary line (returned too). Once per pipeline: a second caller (SHUTDOWN and a
  // SIGTERM racing) waits until the first has logged it and gets the same line.
  std::string Shutdown(const std::string& last_request_id,
                       pipeline::SteadyClock::time_point deadline, std::chrono::milliseconds quiet);

  const pipeline::DeliveryStats& stats() const { return stats_; }

 private:
  DeliveryPipeline(const config::Config& config, const Clock& clock);
  void OpenSpool(const config::Config& config);
  void NoteRestore(const char* source);
  // Record format cloudwatch-logs: the ingest's log-event encoder and DATA_MESSAGE packer.
  void UseCloudWatchLogs(const config::Config& config, const telemetry::FunctionMetadata& metadata);
  // The sender's request function: re-seeds the jitter after a restore, then sends.
  kinesis::PutRecordsOutcome SendOnSenderThread(std::span<const kinesis::Record> records,
                                                pipeline::SteadyClock::time_point deadline);

  const Clock& clock_;  // the queue's, the sender's and the ingest's too
  pipeline::DeliveryStats stats_;
  // The stream's record and request size limits, from TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES:
  // the encoder, the packer, the queue (and so the sender's batches) and the client share them.
  kinesis::Limits limits_;
  pipeline::RecordQueue queue_;
  kinesis::RecordRecycler recycler_;  // sender -> encoder; outlives both
  std::unique_ptr<pipeline::Spool> spool_;
  std::unique_ptr<pipeline::RecordBuffer> buffer_;
  std::unique_ptr<http::HttpClient> http_;              // PutRecords
  std::unique_ptr<http::HttpClient> credentials_http_;  // the container endpoint
  std::unique_ptr<aws::CredentialsProvider> credentials_;
  std::unique_ptr<kinesis::KinesisSession> session_;  // used on the sender thread
  std::shared_ptr<std::mt19937_64> random_;  // backoff jitter; used on the sender thread only
  std::unique_ptr<pipeline::Sender> sender_;
  std::unique_ptr<telemetry::TelemetryIngest> ingest_;
  std::unique_ptr<telemetry::TelemetryListener> listener_;
  std::unique_ptr<pipeline::EmfReporter> emf_;  // null unless TELEMETRY_KINESIS_METRICS=emf
  std::chrono::milliseconds metrics_interval_{0};
  pipeline::SteadyClock::time_point last_metrics_{};
  pipeline::RestoreLatch restore_;  // noticed by the lifecycle or listener, applied by the sender

  void WriteMetrics();
  std::string ShutdownOnce(const std::string& last_request_id,
                           pipeline::SteadyClock::time_point deadline,
                           std::chrono::milliseconds quiet);

  pipeline::OnceSummary shutdown_;  // SHUTDOWN and a SIGTERM drain may race
};

}  // namespace tk::app
