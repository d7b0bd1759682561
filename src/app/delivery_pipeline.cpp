// Wiring of listener -> ingest -> queue -> sender -> Kinesis session -> HTTP.
#include "app/delivery_pipeline.h"

#include <algorithm>
#include <random>

#include "aws/credentials_provider.h"
#include "common/log.h"
#include "kinesis/limits.h"

namespace tk::app {
namespace {

// The Telemetry API guide documents payloads as large as 2 * maxBytes + metadataBytes; bodies
// over that get 413 before they are read. metadataBytes has no published figure: 64 KiB covers
// the JSON framing and envelopes of a full batch with room to spare.
constexpr size_t kBodyAllowanceFactor = 2;
constexpr size_t kBodyMetadataAllowance = 64 * 1024;
// Spool segments are replayed whole; half the memory budget at most, so a replay fits.
constexpr size_t kSpoolSegmentBytes = 1024 * 1024;

// The configuration's range for the stream's maximum record size is the one the limits know.
static_assert(config::kDefaultStreamMaxRecordBytes == kinesis::kDefaultMaxRecordBytes);
static_assert(config::kLargestStreamMaxRecordBytes == kinesis::kLargestMaxRecordBytes);

kinesis::KinesisClientConfig KinesisConfigFrom(const config::Config& config) {
  kinesis::KinesisClientConfig kinesis_config;
  kinesis_config.endpoint = config.endpoint;
  kinesis_config.region = config.region;
  kinesis_config.target.stream_name = config.stream_name;
  kinesis_config.target.stream_arn = config.stream_arn;
  kinesis_config.protocol = config.kinesis_protocol == config::KinesisProtocol::kCbor
                                ? kinesis::WireProtocol::kCbor
                                : kinesis::WireProtocol::kJson;
  kinesis_config.limits = kinesis::LimitsForStream(config.stream_max_record_bytes);
  return kinesis_config;
}

std::unique_ptr<aws::CredentialsSource> CredentialsSourceFor(
    const aws::CredentialsSourceSettings& settings, http::HttpClient& http) {
  if (settings.kind == aws::CredentialsSourceSettings::Kind::kContainer) {
    return std::make_unique<aws::ContainerCredentialsSource>(settings, http);
  }
  // Re-read from the process environment at each fetch (a restore may have changed it).
  return std::make_unique<aws::EnvironmentCredentialsSource>(aws::ProcessEnvironment());
}

}  // namespace

HttpClientFactory HttplibClients() {
  return [](const http::HttpClientOptions& options) {
    return std::make_unique<http::HttplibHttpClient>(options);
  };
}

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

DeliveryPipeline::DeliveryPipeline(const config::Config& config, const Clock& clock)
    : clock_(clock),
      limits_(kinesis::LimitsForStream(config.stream_max_record_bytes)),
      queue_(config.queue_max_bytes, limits_, clock) {}

DeliveryPipeline::~DeliveryPipeline() {
  if (listener_) listener_->Stop();
}

Result<std::unique_ptr<DeliveryPipeline>> DeliveryPipeline::Start(
    const config::Config& config, const telemetry::FunctionMetadata& metadata,
    const HttpClientFactory& make_http, const Clock& clock) {
  std::unique_ptr<DeliveryPipeline> pipeline(new DeliveryPipeline(config, clock));
  DeliveryPipeline& p = *pipeline;

  http::HttpClientOptions http_options;
  http_options.ca_file = config.ca_file;
  if (config.proxy) {
    http_options.proxy = http::HttpProxy{config.proxy->host, config.proxy->port,
                                         config.proxy->username, config.proxy->password};
  }
  p.http_ = make_http(http_options);
  // Its own client: the credentials endpoint is another origin, and sharing one would close the
  // kept-alive Kinesis connection at every refresh.
  p.credentials_http_ = make_http(http_options);
  p.credentials_ = std::make_unique<aws::CredentialsProvider>(
      CredentialsSourceFor(config.credentials, *p.credentials_http_),
      [&clock] { return clock.WallNow(); });
  p.session_ = std::make_unique<kinesis::KinesisSession>(KinesisConfigFrom(config), *p.credentials_,
                                                         *p.http_, p.stats_.session,
                                                         [&clock] { return clock.WallNow(); });

  p.OpenSpool(config);
  p.buffer_ = std::make_unique<pipeline::RecordBuffer>(p.queue_, p.spool_.get(), p.stats_);

  pipeline::SenderOptions sender_options;
  // periodic,<ms>: a partial request waits for its timer, i.e. until its oldest record is <ms> old.
  sender_options.max_batch_age = std::chrono::milliseconds(
      config.flush.mode == config::FlushMode::kPeriodic ? config.flush.period_ms
                                                        : config.max_batch_age_ms);
  sender_options.refill = [buffer = p.buffer_.get()] { return buffer->Refill(); };
  sender_options.recycler = &p.recycler_;
  // Either client may hold the sender thread in a request (PutRecords, a credentials fetch).
  sender_options.abort_request = [http = p.http_.get(), credentials = p.credentials_http_.get()] {
    http->Abort();
    credentials->Abort();
  };
  p.random_ = std::make_shared<std::mt19937_64>(std::random_device{}());
  p.sender_ = std::make_unique<pipeline::Sender>(
      p.queue_,
      [&p](std::span<const kinesis::Record> records, pipeline::SteadyClock::time_point deadline) {
        return p.SendOnSenderThread(records, deadline);
      },
      p.stats_, sender_options,
      [random = p.random_] { return std::uniform_real_distribution<double>(0.0, 1.0)(*random); });
  p.sender_->Start();

  if (config.emf_metrics) {
    p.emf_ = std::make_unique<pipeline::EmfReporter>(metadata.function_name);
    p.metrics_interval_ = std::chrono::milliseconds(config.metrics_interval_ms);
    p.last_metrics_ = p.clock_.SteadyNow();
  }

  telemetry::RecordEncoder encoder(telemetry::RenderEnvelopePrefix(metadata), config.partition_key,
                                   metadata.sandbox_id, p.limits_);
  encoder.RecycleFrom(&p.recycler_);
  p.ingest_ =
      std::make_unique<telemetry::TelemetryIngest>(std::move(encoder), *p.buffer_, p.stats_);
  // SnapStart: a restored environment must not share the snapshot's sandbox id and random state
  // with every other environment restored from it (Lambda docs, "Handling uniqueness with
  // Lambda SnapStart").
  p.ingest_->OnRestore(
      [metadata, strategy = config.partition_key, limits = p.limits_, recycler = &p.recycler_] {
        telemetry::FunctionMetadata renewed = metadata;
        renewed.sandbox_id = telemetry::DrawSandboxId();
        telemetry::RecordEncoder fresh(telemetry::RenderEnvelopePrefix(renewed), strategy,
                                       renewed.sandbox_id, limits);
        fresh.RecycleFrom(recycler);
        return fresh;
      },
      [&p] { p.NoteRestore("platform.restoreStart"); });

  // ndjson/kpl: with random keys, a packed record takes its first event's key (one random key
  // per record); otherwise consecutive events with one key share records (with `tenant`, a
  // tenant's events and the sandbox-keyed ones between them go in records of their own key).
  if (config.records.format == config::RecordFormat::kCloudWatchLogs) {
    p.UseCloudWatchLogs(config, metadata);
  } else {
    p.ingest_->PackWith(
        telemetry::MakeRecordPacker(config.records,
                                    config.partition_key == config::PartitionKeyStrategy::kRandom
                                        ? telemetry::AggregateKey::kFirstEventKey
                                        : telemetry::AggregateKey::kPerEventKey,
                                    p.limits_));
  }
  if (config.filters.active()) {
    p.ingest_->FilterWith(std::make_unique<telemetry::EventFilter>(config.filters));
  }
  // Lambda sends the rest of a split event in its next POST, at most a buffering timeout later.
  p.ingest_->JoinFragmentsWithin(std::max(std::chrono::milliseconds(1000),
                                          2 * std::chrono::milliseconds(config.buffer_timeout_ms)));

  telemetry::ListenerOptions listener_options;
  listener_options.host = config.listener_host;
  listener_options.port = config.listener_port;
  listener_options.max_body_bytes =
      size_t{config.buffer_max_bytes} * kBodyAllowanceFactor + kBodyMetadataAllowance;
  auto listener = telemetry::TelemetryListener::Start(listener_options,
                                                      [ingest = p.ingest_.get()](std::string body) {
                                                        return ingest->HandleBatch(std::move(body));
                                                      });
  if (!listener) return listener.error();
  p.listener_ = std::move(listener).value();
  return pipeline;
}

kinesis::PutRecordsOutcome DeliveryPipeline::SendOnSenderThread(
    std::span<const kinesis::Record> records, pipeline::SteadyClock::time_point deadline) {
  // The jitter source belongs to this thread: a restore noticed elsewhere re-seeds it here.
  if (restore_.TakeForSender()) random_->seed(std::random_device{}());
  return session_->Send(records, deadline);
}

void DeliveryPipeline::NoteRestore(const char* source) {
  restore_.Note(source, [this] { session_->OnRestore(); });
}

void DeliveryPipeline::OnRestore(const char* source) {
  if (restore_.noted()) return;
  ingest_->RenewEncoderOnce();
  NoteRestore(source);
}

std::optional<std::string> DeliveryPipeline::TakeRestoreNotice() {
  const char* source = restore_.TakeNotice();
  if (source == nullptr) return std::nullopt;
  return std::string("SnapStart restore noticed (") + source +
         "): new sandbox id and partition-key randomness; before its next request the sender "
         "drops its pooled connection, fetches new credentials from the " +
         credentials_->Describe() + " and re-seeds its jitter";
}

EndFlush DeliveryPipeline::FlushBeforeNext(const std::string& request_id,
                                           pipeline::SteadyClock::time_point invoked_at,
                                           pipeline::SteadyClock::time_point runtime_deadline,
                                           std::chrono::milliseconds budget) {
  const bool runtime_done = ingest_->WaitForRuntimeDone(request_id, runtime_deadline, invoked_at);
  ingest_->ShipStaleFragment();
  if (!runtime_done) {
    // Lost (a damaged body) rather than late: what arrived still gets the flush budget.
    if (clock_.SteadyNow() < runtime_deadline) {
      sender_->FlushAndWait(clock_.SteadyNow() + budget);
    }
    return EndFlush::kNoRuntimeDone;
  }
  return sender_->FlushAndWait(clock_.SteadyNow() + budget) ? EndFlush::kDelivered
                                                            : EndFlush::kBudgetSpent;
}

void DeliveryPipeline::OnInvoke() {
  if (emf_ && clock_.SteadyNow() - last_metrics_ >= metrics_interval_) WriteMetrics();
}

void DeliveryPipeline::WriteMetrics() {
  int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.WallNow().time_since_epoch())
          .count();
  log::WriteRaw(emf_->Render(stats_, now_ms, queue_.held_bytes()));
  last_metrics_ = clock_.SteadyNow();
}

std::string DeliveryPipeline::Shutdown(const std::string& last_request_id,
                                       pipeline::SteadyClock::time_point deadline,
                                       std::chrono::milliseconds quiet) {
  // Logged inside Run: a second caller (a signal's drain, which then exits the process) returns
  // only once the line is out.
  return shutdown_.Run([&] {
    std::string summary = ShutdownOnce(last_request_id, deadline, quiet);
    log::Info(summary);
    return summary;
  });
}

std::string DeliveryPipeline::ShutdownOnce(const std::string& last_request_id,
                                           pipeline::SteadyClock::time_point deadline,
                                           std::chrono::milliseconds quiet) {
  pipeline::SteadyClock::time_point now = clock_.SteadyNow();
  // What Lambda still buffers arrives within its buffering timeout: wait until no POST has come
  // for `quiet` and every invocation that started has its report (the last invocation's report
  // is sent after our last /next; Managed Instances have many open at once), but never more
  // than half of the time we have.
  if (deadline > now) ingest_->WaitForQuiet(quiet, now + (deadline - now) / 2, last_request_id);
  listener_->Stop();
  // After the last POST was handled: a head kept by it is shipped too.
  ingest_->ShipStaleFragment(/*everything=*/true);
  uint64_t unsent = sender_->DrainAndStop(deadline);
  // A spool cannot reach the next sandbox: what is still in it is counted and removed.
  unsent += buffer_->DiscardSpool();
  if (emf_) WriteMetrics();
  std::string summary = "shutdown: " + stats_.Summary();
  if (unsent > 0) summary += " (unsent records were still held at the deadline and are lost)";
  return summary;
}

// cloudwatch-logs: log events packed into DATA_MESSAGEs of the function's log group, in a log
// stream named like Lambda's (the first one carries the sandbox id; a restore draws another).
void DeliveryPipeline::UseCloudWatchLogs(const config::Config& config,
                                         const telemetry::FunctionMetadata& metadata) {
  const config::CloudWatchOptions& cloudwatch = config.records.cloudwatch;
  telemetry::CloudWatchLogsSource source;
  source.owner = metadata.account_id;
  source.log_group = cloudwatch.log_group;
  source.subscription_filter = cloudwatch.subscription_filter;
  ingest_->PackWith(telemetry::MakeCloudWatchLogsPacker(std::move(source),
                                                        config.records.max_record_bytes, limits_));
  ingest_->EncodeLogEventsWith([format = cloudwatch.log_format, version = metadata.function_version,
                                sandbox_id = metadata.sandbox_id, &clock = clock_,
                                first = true]() mutable {
    const std::string id = first ? sandbox_id : telemetry::DrawSandboxId();
    first = false;
    return telemetry::CloudWatchLogEventEncoder(
        telemetry::DrawLogStreamName(clock.WallNow(), version, id), format, version);
  });
}

}  // namespace tk::app
