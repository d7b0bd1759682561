// Builds the JSON of every Telemetry API event (schema 2022-12-13 field names; the Managed
// Instances shapes of 2025-01-29 where they differ) and every Extensions API
// /next event the sandbox emits; pure code, no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sandbox {

/// Which Telemetry API stream an event belongs to; subscriptions select by these `types`.
enum class TelemetryStream { kPlatform, kFunction, kExtension };

/// One telemetry event, rendered once: `json` is exactly the bytes that go into the POSTed array.
struct TelemetryEvent {
  TelemetryStream stream = TelemetryStream::kPlatform;
  std::string json;
  std::chrono::steady_clock::time_point emitted_at{};  // buffering timeoutMs counts from here
  /// POSTed whole and by itself, never cut (--largest-post).
  bool alone = false;
};

/// The function's identity as Lambda reports it in events and the register response.
struct FunctionInfo {
  std::string function_name;
  std::string function_version;
  int memory_mb = 128;
  std::string region;
  std::string account_id;
  std::string handler;
  std::string instance_id;  // one per sandbox, as in platform.initStart
  /// AWS_LAMBDA_INITIALIZATION_TYPE; also initializationType in the init events.
  std::string initialization_type = "on-demand";
  /// Lambda Managed Instances: platform.start names the function ARN, platform.report carries
  /// durationMs only (its shapes in the Managed Instances Runtime Interface Emulator).
  bool managed_instances = false;
  /// The function's log format is JSON (--log-format json): function log lines are objects.
  bool json_logs = false;
};

/// Tracing context of one invocation (INVOKE event, platform.start/runtimeDone/report).
struct TraceContext {
  std::string value;    // X-Amzn-Trace-Id header value
  std::string span_id;  // 16 hex digits
};

/// Metrics of one finished invocation, for platform.report.
struct ReportMetrics {
  double duration_ms = 0;
  std::int64_t billed_duration_ms = 0;
  int memory_size_mb = 0;
  int max_memory_used_mb = 0;
  std::optional<double> init_duration_ms;     // only on the first invoke after init
  std::optional<double> restore_duration_ms;  // SnapStart: the first invoke after the restore
};

/// Renders events for one sandbox. Thread-safe (all methods const).
class EventFactory {
 public:
  explicit EventFactory(FunctionInfo info);

  const FunctionInfo& info() const { return info_; }
  std::string invokedFunctionArn() const;

  // Telemetry API events (Telemetry API schema reference, 2022-12-13).
  TelemetryEvent initStart() const;
  TelemetryEvent initRuntimeDone(const std::string& span_start_iso, double span_ms) const;
  TelemetryEvent initReport(double duration_ms, const std::string& span_start_iso,
                            double span_ms) const;
  TelemetryEvent platformExtension(const std::string& name,
                                   const std::vector<std::string>& events) const;
  TelemetryEvent telemetrySubscription(const std::string& name,
                                       const std::vector<std::string>& types) const;
  TelemetryEvent platformStart(const std::string& request_id, const TraceContext& trace) const;
  TelemetryEvent runtimeDone(const std::string& request_id, const TraceContext& trace,
                             double duration_ms, const std::string& response_start_iso,
                             std::int64_t produced_bytes) const;
  TelemetryEvent platformReport(const std::string& request_id, const TraceContext& trace,
                                const ReportMetrics& metrics) const;
  // SnapStart restore (Telemetry API schema reference: platform.restoreStart,
  // platform.restoreRuntimeDone, platform.restoreReport).
  TelemetryEvent restoreStart() const;
  TelemetryEvent restoreRuntimeDone(const std::string& span_start_iso, double span_ms) const;
  TelemetryEvent restoreReport(double duration_ms, const std::string& span_start_iso,
                               double span_ms) const;
  /// A function log line of invocation `request_id`: with the text log format `record` is the
  /// line (a string); with JSON (FunctionInfo::json_logs) it is the object the runtime writes,
  /// {"timestamp","level","requestId","message"} (Lambda Developer Guide, "Configuring JSON and
  /// plain text log formats", and the Telemetry API's function event sample).
  TelemetryEvent functionLog(const std::string& line, const std::string& request_id) const;
  /// A plain-text extension log line (what the extension wrote to stdout/stderr).
  TelemetryEvent extensionLog(const std::string& line) const;

  // Extensions API /next events (Extensions API reference, "Next").
  std::string invokeEvent(std::int64_t deadline_ms, const std::string& request_id,
                          const TraceContext& trace) const;
  /// `reason`: "spindown" (normal), "timeout" (an invoke timed out) or "failure" (an error).
  static std::string shutdownEvent(std::int64_t deadline_ms, const std::string& reason);

 private:
  FunctionInfo info_;
};

/// The text of function log line `line` of invocation `invocation`: "inv-0007 line-0012
/// id=<16 hex> ..." padded to about `target_bytes`; the id makes every line unique so tests can
/// find each one downstream.
std::string functionLogText(int invocation, int line, const std::string& id_hex,
                            std::size_t target_bytes);

/// The text of extra line `index` of invocation `invocation` (--big-log-lines, --largest-post):
/// "inv-0007 big-0002 id=<16 hex> ..." padded to exactly `bytes` (at least kMinBigLogLineBytes),
/// plain ASCII, so its event's JSON is the text plus the envelope.
std::string bigLogText(int invocation, int index, const std::string& id_hex, std::size_t bytes);
/// Room for bigLogText's head ("inv-0007 big-0002 id=" and 16 hex digits).
constexpr std::size_t kMinBigLogLineBytes = 64;

}  // namespace sandbox
