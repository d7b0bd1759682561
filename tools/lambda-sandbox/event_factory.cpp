// Renders Telemetry API events with the field names of the 2022-12-13 schema (see
// ../shared/telemetry-samples/) and the Extensions API INVOKE/SHUTDOWN event bodies.
#include "event_factory.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>

#include <nlohmann/json.hpp>

#include "clock.h"

namespace sandbox {
namespace {

using json = nlohmann::ordered_json;

constexpr const char* kRuntimeVersion = "lambda-sandbox.v1";

TelemetryEvent render(TelemetryStream stream, const char* type, json record) {
  json event = {{"time", isoTimeNow()}, {"type", type}, {"record", std::move(record)}};
  return TelemetryEvent{stream, event.dump(), SteadyClock::now()};
}

json tracingJson(const TraceContext& trace) {
  return {{"spanId", trace.span_id}, {"type", "X-Amzn-Trace-Id"}, {"value", trace.value}};
}

// Durations in telemetry are milliseconds with at most 3 decimals, as Lambda renders them.
double round3(double ms) { return std::round(ms * 1000.0) / 1000.0; }

}  // namespace

EventFactory::EventFactory(FunctionInfo info) : info_(std::move(info)) {}

std::string EventFactory::invokedFunctionArn() const {
  return "arn:aws:lambda:" + info_.region + ":" + info_.account_id +
         ":function:" + info_.function_name;
}

TelemetryEvent EventFactory::initStart() const {
  return render(
      TelemetryStream::kPlatform, "platform.initStart",
      {{"initializationType", info_.initialization_type},
       {"phase", "init"},
       {"runtimeVersion", kRuntimeVersion},
       {"runtimeVersionArn", "arn:aws:lambda:" + info_.region + "::runtime:lambda-sandbox"},
       {"functionName", info_.function_name},
       {"functionVersion", info_.function_version},
       {"instanceId", info_.instance_id},
       {"instanceMaxMemory", info_.memory_mb}});
}

TelemetryEvent EventFactory::initRuntimeDone(const std::string& span_start_iso,
                                             double span_ms) const {
  return render(TelemetryStream::kPlatform, "platform.initRuntimeDone",
                {{"initializationType", info_.initialization_type},
                 {"phase", "init"},
                 {"status", "success"},
                 {"spans", json::array({{{"name", "runtimeInit"},
                                         {"start", span_start_iso},
                                         {"durationMs", round3(span_ms)}}})}});
}

TelemetryEvent EventFactory::initReport(double duration_ms, const std::string& span_start_iso,
                                        double span_ms) const {
  return render(TelemetryStream::kPlatform, "platform.initReport",
                {{"initializationType", info_.initialization_type},
                 {"status", "success"},
                 {"phase", "init"},
                 {"metrics", {{"durationMs", round3(duration_ms)}}},
                 {"spans", json::array({{{"name", "extensionInit"},
                                         {"start", span_start_iso},
                                         {"durationMs", round3(span_ms)}}})}});
}

TelemetryEvent EventFactory::platformExtension(const std::string& name,
                                               const std::vector<std::string>& events) const {
  return render(TelemetryStream::kPlatform, "platform.extension",
                {{"events", events}, {"name", name}, {"state", "Ready"}});
}

TelemetryEvent EventFactory::telemetrySubscription(const std::string& name,
                                                   const std::vector<std::string>& types) const {
  return render(TelemetryStream::kPlatform, "platform.telemetrySubscription",
                {{"name", name}, {"state", "Subscribed"}, {"types", types}});
}

TelemetryEvent EventFactory::platformStart(const std::string& request_id,
                                           const TraceContext& trace) const {
  json record = {{"requestId", request_id}, {"version", info_.function_version}};
  if (info_.managed_instances) {
    record["functionArn"] = invokedFunctionArn();
  }
  record["tracing"] = tracingJson(trace);
  return render(TelemetryStream::kPlatform, "platform.start", std::move(record));
}

TelemetryEvent EventFactory::restoreStart() const {
  return render(
      TelemetryStream::kPlatform, "platform.restoreStart",
      {{"runtimeVersion", kRuntimeVersion},
       {"runtimeVersionArn", "arn:aws:lambda:" + info_.region + "::runtime:lambda-sandbox"},
       {"functionName", info_.function_name},
       {"functionVersion", info_.function_version},
       {"instanceId", info_.instance_id},
       {"instanceMaxMemory", info_.memory_mb}});
}

TelemetryEvent EventFactory::restoreRuntimeDone(const std::string& span_start_iso,
                                                double span_ms) const {
  return render(TelemetryStream::kPlatform, "platform.restoreRuntimeDone",
                {{"status", "success"},
                 {"spans", json::array({{{"name", "restoreRuntime"},
                                         {"start", span_start_iso},
                                         {"durationMs", round3(span_ms)}}})}});
}

TelemetryEvent EventFactory::restoreReport(double duration_ms, const std::string& span_start_iso,
                                           double span_ms) const {
  return render(
      TelemetryStream::kPlatform, "platform.restoreReport",
      {{"status", "success"},
       {"metrics", {{"durationMs", round3(duration_ms)}}},
       {"spans",
        json::array(
            {{{"name", "restore"}, {"start", span_start_iso}, {"durationMs", round3(span_ms)}}})}});
}

TelemetryEvent EventFactory::runtimeDone(const std::string& request_id, const TraceContext& trace,
                                         double duration_ms, const std::string& response_start_iso,
                                         std::int64_t produced_bytes) const {
  // Lambda reports the response as two spans: responseLatency (time to first byte) and
  // responseDuration (time to send it all); the emulated runtime answers instantly.
  return render(
      TelemetryStream::kPlatform, "platform.runtimeDone",
      {{"requestId", request_id},
       {"status", "success"},
       {"tracing", tracingJson(trace)},
       {"spans",
        json::array(
            {{{"name", "responseLatency"}, {"start", response_start_iso}, {"durationMs", 0.0}},
             {{"name", "responseDuration"}, {"start", response_start_iso}, {"durationMs", 0.0}}})},
       {"metrics", {{"durationMs", round3(duration_ms)}, {"producedBytes", produced_bytes}}}});
}

TelemetryEvent EventFactory::platformReport(const std::string& request_id,
                                            const TraceContext& trace,
                                            const ReportMetrics& metrics) const {
  json m = {{"billedDurationMs", metrics.billed_duration_ms},
            {"durationMs", round3(metrics.duration_ms)},
            {"maxMemoryUsedMB", metrics.max_memory_used_mb},
            {"memorySizeMB", metrics.memory_size_mb}};
  if (info_.managed_instances) {
    m = {{"durationMs", round3(metrics.duration_ms)}};
  }
  if (metrics.init_duration_ms) {
    m["initDurationMs"] = round3(*metrics.init_duration_ms);
  }
  if (metrics.restore_duration_ms) {
    m["restoreDurationMs"] = round3(*metrics.restore_duration_ms);
  }
  return render(TelemetryStream::kPlatform, "platform.report",
                {{"metrics", std::move(m)},
                 {"requestId", request_id},
                 {"status", "success"},
                 {"tracing", tracingJson(trace)}});
}

TelemetryEvent EventFactory::functionLog(const std::string& line,
                                         const std::string& request_id) const {
  if (!info_.json_logs) return render(TelemetryStream::kFunction, "function", line);
  return render(TelemetryStream::kFunction, "function",
                {{"timestamp", isoTimeNow()},
                 {"level", "INFO"},
                 {"requestId", request_id},
                 {"message", line}});
}

TelemetryEvent EventFactory::extensionLog(const std::string& line) const {
  return render(TelemetryStream::kExtension, "extension", line);
}

std::string EventFactory::invokeEvent(std::int64_t deadline_ms, const std::string& request_id,
                                      const TraceContext& trace) const {
  return json{{"eventType", "INVOKE"},
              {"deadlineMs", deadline_ms},
              {"requestId", request_id},
              {"invokedFunctionArn", invokedFunctionArn()},
              {"tracing", {{"type", "X-Amzn-Trace-Id"}, {"value", trace.value}}}}
      .dump();
}

std::string EventFactory::shutdownEvent(std::int64_t deadline_ms, const std::string& reason) {
  return json{{"eventType", "SHUTDOWN"}, {"shutdownReason", reason}, {"deadlineMs", deadline_ms}}
      .dump();
}

namespace {

std::string paddedText(std::string text, std::size_t target_bytes) {
  static constexpr std::string_view kFiller = " the quick brown fox jumps over the lazy dog";
  text.reserve(target_bytes);
  while (text.size() < target_bytes) {
    text.append(kFiller.substr(0, std::min(target_bytes - text.size(), kFiller.size())));
  }
  return text;
}

}  // namespace

std::string functionLogText(int invocation, int line, const std::string& id_hex,
                            std::size_t target_bytes) {
  char head[64];
  std::snprintf(head, sizeof head, "inv-%04d line-%04d id=%s", invocation, line, id_hex.c_str());
  return paddedText(head, target_bytes);
}

std::string bigLogText(int invocation, int index, const std::string& id_hex, std::size_t bytes) {
  char head[64];
  std::snprintf(head, sizeof head, "inv-%04d big-%04d id=%s", invocation, index, id_hex.c_str());
  return paddedText(head, bytes);
}

}  // namespace sandbox
