// Lifecycle: configuration, registration, subscription, the /next loop and shutdown.
#include "app/extension_app.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include "app/delivery_pipeline.h"
#include "app/termination_signals.h"
#include "common/log.h"
#include "common/text.h"
#include "config/config.h"
#include "kinesis/limits.h"
#include "lambda/extensions_api_client.h"
#include "lambda/telemetry_api_client.h"
#include "pipeline/flush_policy.h"

namespace tk::app {
namespace {

using SteadyClock = std::chrono::steady_clock;

// At SHUTDOWN, Lambda has sent all it buffered once no POST has come for the subscription's
// buffering timeout plus this slack (its timer, and the POST's own time over loopback).
constexpr std::chrono::milliseconds kQuietSlack{150};
// A flush before /next ends this long before the invocation's deadline at the latest: an
// extension still busy at the deadline makes Lambda time the invocation out.
constexpr uint32_t kInvokeDeadlineMarginMs = 100;

// Converts Lambda's wall-clock deadline (Unix ms) to the steady clock, minus our margin.
SteadyClock::time_point SteadyDeadline(const Clock& clock, int64_t deadline_ms,
                                       uint32_t margin_ms) {
  int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock.WallNow().time_since_epoch())
          .count();
  int64_t remaining_ms = deadline_ms - now_ms - static_cast<int64_t>(margin_ms);
  return clock.SteadyNow() + std::chrono::milliseconds(std::max<int64_t>(remaining_ms, 0));
}

// Serves /next without shipping anything, so the function keeps working while the
// extension is misconfigured. Returns the exit code.
int RunDisabled(lambda::ExtensionsApiClient& api) {
  while (true) {
    auto event = api.NextEvent();
    if (!event) {
      log::Error(event.error().message);
      return 1;
    }
    if (event->type == lambda::EventType::kShutdown) return 0;
  }
}

// An initialisation failure, handled as TELEMETRY_KINESIS_ON_INIT_ERROR says.
int HandleInitFailure(lambda::ExtensionsApiClient& api, config::OnInitError mode,
                      const std::string& error_type, const std::string& message) {
  if (mode == config::OnInitError::kFail) {
    log::Error(message + " (failing the function's init: TELEMETRY_KINESIS_ON_INIT_ERROR=fail)");
    Status reported = api.ReportInitError(error_type, message);
    if (!reported) log::Error(reported.error().message);
    return 1;
  }
  log::Error(message + " -- telemetry is NOT being shipped; the function keeps running");
  return RunDisabled(api);
}

telemetry::FunctionMetadata MetadataFrom(const config::Config& config,
                                         const lambda::Registration& registration) {
  telemetry::FunctionMetadata metadata;
  metadata.function_name =
      config.function_name.empty() ? registration.function_name : config.function_name;
  metadata.function_version =
      config.function_version.empty() ? registration.function_version : config.function_version;
  metadata.region = config.region;
  metadata.memory_mb = config.function_memory_mb;
  metadata.account_id = registration.account_id;
  metadata.sandbox_id = telemetry::DrawSandboxId();
  metadata.extension_version = std::string("telemetry-kinesis/") + TK_VERSION;
  return metadata;
}

// /next came back: Lambda may have frozen, or snapshotted, the environment meanwhile.
void NoticeThaw(DeliveryPipeline& pipeline, const config::Config& config, bool first_event) {
  // SnapStart takes the snapshot while every extension is parked in its first /next after Init,
  // so the first event is always delivered in a restored environment.
  if (first_event && config.execution_mode == config::ExecutionMode::kSnapStart) {
    pipeline.OnRestore("first event after the snapshot");
  }
  if (auto notice = pipeline.TakeRestoreNotice()) log::Info(*notice);
}

// Flush before /next: the invocation's telemetry must not wait in a frozen sandbox until the
// next invocation, which may be hours away. Costs billed time, bounded by the budget.
void FlushBeforeNext(const Clock& clock, DeliveryPipeline& pipeline, pipeline::FlushPolicy& policy,
                     const lambda::LifecycleEvent& invoke, SteadyClock::time_point invoked_at,
                     const config::Config& config) {
  auto runtime_deadline = invoke.deadline_ms > 0
                              ? SteadyDeadline(clock, invoke.deadline_ms,
                                               config.flush_budget_ms + kInvokeDeadlineMarginMs)
                              : clock.SteadyNow();
  EndFlush flushed = pipeline.FlushBeforeNext(invoke.request_id, invoked_at, runtime_deadline,
                                              std::chrono::milliseconds(config.flush_budget_ms));
  if (flushed == EndFlush::kNoRuntimeDone && policy.RuntimeDoneMissing()) {
    log::Warn("flush before /next: platform.runtimeDone of " + invoke.request_id +
              " did not arrive before the deadline; flush strategy now " + policy.description());
  } else if (flushed != EndFlush::kNoRuntimeDone) {
    policy.RuntimeDoneArrived();
  }
}

int ServeEvents(const Clock& clock, lambda::ExtensionsApiClient& api, DeliveryPipeline& pipeline,
                const config::Config& config, pipeline::FlushPolicy& policy) {
  std::string last_request_id;
  bool first_event = true;
  while (true) {
    auto event = api.NextEvent();
    if (!event) {
      log::Error(event.error().message);
      Status reported = api.ReportExitError("Extension.NextEventFailed", event.error().message);
      if (!reported) log::Error(reported.error().message);
      return 1;
    }
    NoticeThaw(pipeline, config, first_event);
    first_event = false;
    if (event->type == lambda::EventType::kInvoke) {
      last_request_id = event->request_id;
      const SteadyClock::time_point invoked_at = clock.SteadyNow();
      const bool flush_before_next = policy.FlushBeforeNext(invoked_at);
      pipeline.OnInvoke();
      if (flush_before_next) FlushBeforeNext(clock, pipeline, policy, *event, invoked_at, config);
      continue;
    }
    auto deadline = SteadyDeadline(clock, event->deadline_ms, config.shutdown_margin_ms);
    auto report_wait = std::chrono::milliseconds(config.buffer_timeout_ms) + kQuietSlack;
    pipeline.Shutdown(last_request_id, deadline, report_wait);
    return 0;
  }
}

// For the start-up line: "" for a stream of default 1 MiB records, else the limits in force.
std::string DescribeLargeRecords(const config::Config& config) {
  if (config.stream_max_record_bytes == config::kDefaultStreamMaxRecordBytes) return "";
  const kinesis::Limits limits = kinesis::LimitsForStream(config.stream_max_record_bytes);
  return ", records up to " + std::to_string(limits.max_record_bytes) + " bytes (requests up to " +
         std::to_string(limits.max_request_bytes) + ")";
}

}  // namespace

int RunExtension(const config::Environment& environment, const std::string& extension_name,
                 const ExtensionWiring& wiring) {
  const Clock& clock = *wiring.clock;
  config::LoadedConfig loaded = config::LoadConfig(environment);
  log::SetMinLevel(loaded.config.log_level);
  const config::Config& config = loaded.config;

  auto runtime_api = environment.Get("AWS_LAMBDA_RUNTIME_API");
  if (!runtime_api) {
    log::Error(
        "AWS_LAMBDA_RUNTIME_API is not set: this program is a Lambda extension and must "
        "be started by Lambda (or by tools/lambda-sandbox)");
    return 1;
  }
  lambda::ExtensionsApiClient api(wiring.runtime_api, *runtime_api);
  const bool managed_instances = config.execution_mode == config::ExecutionMode::kManagedInstances;
  auto registration =
      api.Register(extension_name, managed_instances ? lambda::RegisterFor::kShutdownOnly
                                                     : lambda::RegisterFor::kInvokeAndShutdown);
  if (!registration) {
    log::Error(registration.error().message);
    return 1;
  }
  if (!loaded.ok()) {
    wiring.on_termination_signal([] { return 0; });  // nothing to drain
    return HandleInitFailure(api, config.on_init_error, "Extension.ConfigInvalid",
                             "configuration invalid: " + Join(loaded.errors, "; "));
  }

  auto started =
      DeliveryPipeline::Start(config, MetadataFrom(config, *registration), wiring.make_http, clock);
  if (!started) {
    // Nothing to drain: a signal ends the (disabled) extension at once.
    wiring.on_termination_signal([] { return 0; });
    return HandleInitFailure(api, config.on_init_error, "Extension.ListenerFailed",
                             "telemetry listener failed: " + started.error().message);
  }
  // Shared with the signal's drain, which may still run through it after this returns.
  std::shared_ptr<DeliveryPipeline> pipeline = std::move(started).value();
  // SIGTERM (Managed Instances send it at shutdown) drains like SHUTDOWN, with its own deadline;
  // the settings it needs are copied.
  wiring.on_termination_signal(
      [pipeline, &clock, margin = std::chrono::milliseconds(config.shutdown_margin_ms),
       quiet = std::chrono::milliseconds(config.buffer_timeout_ms) + kQuietSlack] {
        pipeline->Shutdown("", clock.SteadyNow() + kSignalDrainBudget - margin, quiet);
        return 0;
      });
  lambda::TelemetrySubscription subscription{pipeline->SubscriptionUri(), config.telemetry_types,
                                             config.buffer_max_items, config.buffer_max_bytes,
                                             config.buffer_timeout_ms};
  auto schema = lambda::SubscribeWithNewestSchema(
      api, subscription,
      managed_instances ? std::span<const std::string_view>(lambda::kSchemasManagedInstances)
                        : std::span<const std::string_view>(lambda::kSchemasNewestFirst));
  if (!schema) {
    return HandleInitFailure(api, config.on_init_error, "Extension.SubscribeFailed",
                             schema.error().message);
  }
  const auto& types = config.telemetry_types;
  pipeline::FlushPolicy policy(
      config.flush, /*receives_invoke=*/!managed_instances,
      /*sees_runtime_done=*/std::find(types.begin(), types.end(), "platform") != types.end());
  if (!config.execution_mode_known) {
    log::Warn("AWS_LAMBDA_INITIALIZATION_TYPE=\"" +
              environment.Get("AWS_LAMBDA_INITIALIZATION_TYPE").value_or("") +
              "\" is not a mode this extension knows: running as on-demand");
  }
  log::Info("shipping telemetry to " +
            (config.stream_arn.empty() ? config.stream_name : config.stream_arn) + " via " +
            config.endpoint.url +
            (config.proxy ? " through proxy " + config.proxy->Display() : std::string()) + " (" +
            config.endpoint.chosen_by + "; " +
            std::string(config::KinesisProtocolName(config.kinesis_protocol)) +
            "); credentials from the " +
            (config.credentials.kind == aws::CredentialsSourceSettings::Kind::kContainer
                 ? "container endpoint " + config.credentials.container_uri
                 : std::string("environment")) +
            "; CA bundle " +
            (config.ca_file.empty() ? std::string("(none found)") : config.ca_file) + " from " +
            std::string(aws::CaBundleSourceName(config.ca_file_source)) + "; listening on " +
            pipeline->SubscriptionUri() + "; mode " +
            std::string(config::ExecutionModeName(config.execution_mode)) + ", telemetry schema " +
            *schema + ", flush " + policy.description() + "; records " +
            config::DescribeRecordOptions(config.records) + DescribeLargeRecords(config) +
            config::DescribeFilters(config.filters));
  return ServeEvents(clock, api, *pipeline, config, policy);
}

}  // namespace tk::app
