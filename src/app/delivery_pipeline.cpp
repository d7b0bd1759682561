// Wiring of listener -> ingest -> queue -> sender -> PutRecords client -> libcurl.
#include "app/delivery_pipeline.h"

#include <algorithm>
#include <random>

#include "common/log.h"

#include "kinesis/limits.h"

namespace tk::app {
namespace {

// Lambda may send a batch up to maxBytes, plus JSON framing; accept twice that and refuse
// anything larger with 413 before reading it.
constexpr size_t kBodyAllowanceFactor = 2;
// Spool segments are replayed whole; half the memory budget at most, so a replay fits.
constexpr size_t kSpoolSegmentBytes = 1024 * 1024;

kinesis::KinesisClientConfig KinesisConfigFrom(const config::Config& config) {
  kinesis::KinesisClientConfig kinesis_config;
  kinesis_config.endpoint_url = config.endpoint_url;
  kinesis_config.host_header = config.endpoint_host;
  kinesis_config.region = config.region;
  kinesis_config.target.stream_name = config.stream_name;
  kinesis_config.target.stream_arn = config.stream_arn;
  kinesis_config.credentials = {config.access_key_id, config.secret_access_key,
                                config.session_token};
  return kinesis_config;
}

}  // namespace

void DeliveryPipeline::OpenSpool(const config::Config& config) {
  if (config.spool_max_bytes == 0) return;
  pipeline::SpoolOptions options;
  options.directory = config.spool_dir;
  options.max_bytes = config.spool_max_bytes;
  options.segment_bytes = std::min<size_t>(kSpoolSegmentBytes, config.queue_max_bytes / 2);
  auto spool = pipeline::Spool::Open(options);
  if (!spool) {
    // Not fatal: without a spool, records past the memory budget are dropped and counted.
    log::Warn("spool disabled: " + spool.error().message);
    return;
  }
  spool_ = std::move(spool).value();
  if (spool_->adopted_segments() > 0) {
    log::Info("found " + std::to_string(spool_->adopted_segments()) +
              " spool segment(s) left by an earlier run in " + config.spool_dir +
              "; replaying them first");
  }
}

DeliveryPipeline::DeliveryPipeline(const config::Config& config) : queue_(config.queue_max_bytes) {}

DeliveryPipeline::~DeliveryPipeline() {
  if (listener_) listener_->Stop();
}

Result<std::unique_ptr<DeliveryPipeline>> DeliveryPipeline::Start(
    const config::Config& config, const telemetry::FunctionMetadata& metadata) {
  std::unique_ptr<DeliveryPipeline> pipeline(new DeliveryPipeline(config));
  DeliveryPipeline& p = *pipeline;

  http::HttpClientOptions http_options;
  http_options.ca_file = config.ca_file;
  p.http_ = std::make_unique<http::HttplibHttpClient>(http_options);
  p.kinesis_ = std::make_unique<kinesis::PutRecordsClient>(KinesisConfigFrom(config), *p.http_);

  p.OpenSpool(config);
  p.buffer_ = std::make_unique<pipeline::RecordBuffer>(p.queue_, p.spool_.get(), p.stats_);

  pipeline::SenderOptions sender_options;
  sender_options.max_batch_age = std::chrono::milliseconds(config.max_batch_age_ms);
  sender_options.refill = [buffer = p.buffer_.get()] { return buffer->Refill(); };
  auto random = std::make_shared<std::mt19937_64>(std::random_device{}());
  p.sender_ = std::make_unique<pipeline::Sender>(
      p.queue_,
      [client = p.kinesis_.get()](std::span<const kinesis::Record> records,
                                  pipeline::SteadyClock::time_point deadline) {
        auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - pipeline::SteadyClock::now());
        return client->Send(records, std::max(timeout, std::chrono::milliseconds(1)));
      },
      p.stats_, sender_options,
      [random] { return std::uniform_real_distribution<double>(0.0, 1.0)(*random); });
  p.sender_->Start();

  if (config.emf_metrics) {
    p.emf_ = std::make_unique<pipeline::EmfReporter>(metadata.function_name);
    p.metrics_interval_ = std::chrono::milliseconds(config.metrics_interval_ms);
    p.last_metrics_ = pipeline::SteadyClock::now();
  }

  telemetry::RecordEncoder encoder(telemetry::RenderEnvelopePrefix(metadata), config.partition_key,
                                   metadata.sandbox_id);
  p.ingest_ = std::make_unique<pipeline::TelemetryIngest>(std::move(encoder), *p.buffer_, p.stats_);

  telemetry::ListenerOptions listener_options;
  listener_options.host = config.listener_host;
  listener_options.port = config.listener_port;
  listener_options.max_body_bytes = size_t{config.buffer_max_bytes} * kBodyAllowanceFactor;
  auto listener = telemetry::TelemetryListener::Start(
      listener_options,
      [ingest = p.ingest_.get()](std::string_view body) { return ingest->HandleBatch(body); });
  if (!listener) return listener.error();
  p.listener_ = std::move(listener).value();
  return pipeline;
}

void DeliveryPipeline::OnInvoke() {
  sender_->FlushSoon();
  if (emf_ && pipeline::SteadyClock::now() - last_metrics_ >= metrics_interval_) WriteMetrics();
}

void DeliveryPipeline::WriteMetrics() {
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  log::WriteRaw(emf_->Render(stats_, now_ms, queue_.held_bytes()));
  last_metrics_ = pipeline::SteadyClock::now();
}

std::string DeliveryPipeline::Shutdown(const std::string& last_request_id,
                                       pipeline::SteadyClock::time_point deadline,
                                       std::chrono::milliseconds report_wait) {
  pipeline::SteadyClock::time_point now = pipeline::SteadyClock::now();
  // The report of the last invocation is sent by Lambda after our last /next, so it can only
  // arrive now. Wait for it, but never more than half of the time we have.
  if (!last_request_id.empty() && deadline > now) {
    auto half = (deadline - now) / 2;
    ingest_->WaitForReport(last_request_id,
                           now + std::min<pipeline::SteadyClock::duration>(report_wait, half));
  }
  listener_->Stop();
  uint64_t unsent = sender_->DrainAndStop(deadline);
  // A spool cannot reach the next sandbox: what is still in it is counted and removed.
  unsent += buffer_->DiscardSpool();
  if (emf_) WriteMetrics();
  std::string summary = "shutdown: " + stats_.Summary();
  if (unsent > 0) summary += " (unsent records were still held at the deadline and are lost)";
  return summary;
}

}  // namespace tk::app
