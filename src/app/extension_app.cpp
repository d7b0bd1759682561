// Lifecycle: configuration, registration, subscription, the /next loop and shutdown.
#include "app/extension_app.h"

#include <chrono>

#include "app/delivery_pipeline.h"
#include "common/log.h"
#include "config/config.h"
#include "lambda/extensions_api_client.h"
#include "lambda/telemetry_api_client.h"

namespace tk::app {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Extra time to wait for the last report beyond the subscription's buffering timeout.
constexpr std::chrono::milliseconds kReportWaitSlack{300};

std::string JoinErrors(const std::vector<std::string>& errors) {
  std::string joined;
  for (const std::string& error : errors) joined.append(joined.empty() ? "" : "; ").append(error);
  return joined;
}

// Converts Lambda's wall-clock deadline (Unix ms) to the steady clock, minus our margin.
SteadyClock::time_point SteadyDeadline(int64_t deadline_ms, uint32_t margin_ms) {
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  int64_t remaining_ms = deadline_ms - now_ms - static_cast<int64_t>(margin_ms);
  return SteadyClock::now() + std::chrono::milliseconds(std::max<int64_t>(remaining_ms, 0));
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

int ServeEvents(lambda::ExtensionsApiClient& api, DeliveryPipeline& pipeline,
                const config::Config& config) {
  std::string last_request_id;
  while (true) {
    auto event = api.NextEvent();
    if (!event) {
      log::Error(event.error().message);
      Status reported = api.ReportExitError("Extension.NextEventFailed", event.error().message);
      if (!reported) log::Error(reported.error().message);
      return 1;
    }
    if (event->type == lambda::EventType::kInvoke) {
      // Never wait for Kinesis here: only tell the sender that a boundary passed.
      last_request_id = event->request_id;
      pipeline.OnInvoke();
      continue;
    }
    auto deadline = SteadyDeadline(event->deadline_ms, config.shutdown_margin_ms);
    auto report_wait = std::chrono::milliseconds(config.buffer_timeout_ms) + kReportWaitSlack;
    log::Info(pipeline.Shutdown(last_request_id, deadline, report_wait));
    return 0;
  }
}

}  // namespace

int RunExtension(const config::Environment& environment, const std::string& extension_name) {
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
  lambda::ExtensionsApiClient api(*runtime_api);
  auto registration = api.Register(extension_name);
  if (!registration) {
    log::Error(registration.error().message);
    return 1;
  }
  if (!loaded.ok()) {
    return HandleInitFailure(api, config.on_init_error, "Extension.ConfigInvalid",
                             "configuration invalid: " + JoinErrors(loaded.errors));
  }

  auto pipeline = DeliveryPipeline::Start(config, MetadataFrom(config, *registration));
  if (!pipeline) {
    return HandleInitFailure(api, config.on_init_error, "Extension.ListenerFailed",
                             "telemetry listener failed: " + pipeline.error().message);
  }
  lambda::TelemetrySubscription subscription{(*pipeline)->SubscriptionUri(), config.telemetry_types,
                                             config.buffer_max_items, config.buffer_max_bytes,
                                             config.buffer_timeout_ms};
  if (Status subscribed = lambda::SubscribeToTelemetry(api, subscription); !subscribed) {
    return HandleInitFailure(api, config.on_init_error, "Extension.SubscribeFailed",
                             subscribed.error().message);
  }
  log::Info("shipping telemetry to " +
            (config.stream_arn.empty() ? config.stream_name : config.stream_arn) + " via " +
            config.endpoint_url + "; CA bundle " +
            (config.ca_file.empty() ? std::string("(none found)") : config.ca_file) + " from " +
            std::string(aws::CaBundleSourceName(config.ca_file_source)) + "; listening on " +
            (*pipeline)->SubscriptionUri());
  return ServeEvents(api, **pipeline, config);
}

}  // namespace tk::app
