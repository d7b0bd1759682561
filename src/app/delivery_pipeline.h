// Everything between the telemetry listener and Kinesis, built from one Config.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "config/config.h"
#include "http/httplib_http_client.h"
#include "kinesis/put_records_client.h"
#include "pipeline/delivery_stats.h"
#include "pipeline/emf_metrics.h"
#include "pipeline/record_buffer.h"
#include "pipeline/record_queue.h"
#include "pipeline/sender.h"
#include "pipeline/spool.h"
#include "pipeline/telemetry_ingest.h"
#include "telemetry/listener.h"
#include "telemetry/record_encoder.h"

namespace tk::app {

class DeliveryPipeline {
 public:
  // Builds the pipeline, starts the sender thread and the listener. Errors: the listener
  // cannot bind (port taken).
  static Result<std::unique_ptr<DeliveryPipeline>> Start(
      const config::Config& config, const telemetry::FunctionMetadata& metadata);
  ~DeliveryPipeline();

  std::string SubscriptionUri() const { return listener_->SubscriptionUri(); }

  // An invocation began: ship what the previous one produced, in the background (and write
  // an EMF metrics line when one is due).
  void OnInvoke();

  // SHUTDOWN: wait (bounded) for the last invocation's report, stop listening, send what is
  // held until `deadline`. Returns the one summary line for the log.
  std::string Shutdown(const std::string& last_request_id,
                       pipeline::SteadyClock::time_point deadline,
                       std::chrono::milliseconds report_wait);

  const pipeline::DeliveryStats& stats() const { return stats_; }

 private:
  explicit DeliveryPipeline(const config::Config& config);
  void OpenSpool(const config::Config& config);

  pipeline::DeliveryStats stats_;
  pipeline::RecordQueue queue_;
  std::unique_ptr<pipeline::Spool> spool_;
  std::unique_ptr<pipeline::RecordBuffer> buffer_;
  std::unique_ptr<http::HttplibHttpClient> http_;
  std::unique_ptr<kinesis::PutRecordsClient> kinesis_;
  std::unique_ptr<pipeline::Sender> sender_;
  std::unique_ptr<pipeline::TelemetryIngest> ingest_;
  std::unique_ptr<telemetry::TelemetryListener> listener_;
  std::unique_ptr<pipeline::EmfReporter> emf_;  // null unless TELEMETRY_KINESIS_METRICS=emf
  std::chrono::milliseconds metrics_interval_{0};
  pipeline::SteadyClock::time_point last_metrics_{};

  void WriteMetrics();
};

}  // namespace tk::app
