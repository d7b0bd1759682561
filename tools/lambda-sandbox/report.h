// The outcome of one sandbox run: collected into RunResult, rendered as the --report JSON and as
// the human summary printed to stdout.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "child_process.h"
#include "credentials_issuer.h"
#include "extensions_api_server.h"
#include "options.h"
#include "slow_clients.h"
#include "telemetry_dispatcher.h"
#include "telemetry_subscription.h"

namespace sandbox {

/// --sigterm-at-shutdown: what was sent when (times from the start of the Shutdown phase).
struct SigtermRecord {
  bool sent = false;
  double sent_ms = 0;
  std::optional<double> shutdown_delivered_ms;
};

struct RunResult {
  std::string extension_path;
  std::string extension_name;
  int runtime_api_port = 0;
  std::optional<double> init_ms;  // spawn -> first /next
  bool initialised = false;
  int invocations_completed = 0;
  std::vector<double> overhead_ms;    // per invocation: max(0, next /next - runtime done)
  std::vector<double> next_call_ms;   // per invocation: next /next - INVOKE delivered
  std::string shutdown_reason;        // empty when SHUTDOWN was never delivered
  std::optional<double> shutdown_ms;  // SHUTDOWN delivered -> exit
  bool exited_in_time = false;
  bool child_exited = false;
  ChildExit exit;
  long peak_rss_kb = 0;
  ApiSnapshot api;
  std::optional<Subscription> subscription;
  int subscribe_calls = 0;
  std::int64_t events_generated = 0;
  std::int64_t events_emitted = 0;
  DispatchStats dispatch;
  CredentialsStats credentials;
  SlowClientStats slow_clients;
  SigtermRecord sigterm;
  std::vector<std::string> failures;  // why ok is false, one reason each
  double wall_ms = 0;
  bool ok = false;
};

/// Median, p99 (nearest rank) and max of `values`; zeros when empty.
struct Summary {
  double median = 0;
  double p99 = 0;
  double max = 0;
};
Summary summarize(std::vector<double> values);

/// The --report document (field list in README.md).
std::string reportJson(const RunResult& result, const Options& options);

/// A few lines for humans.
std::string humanSummary(const RunResult& result, const Options& options);

}  // namespace sandbox
