// Command-line flags of lambda-sandbox, parsed and validated into one Options value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "credentials_issuer.h"
#include "execution_mode.h"
#include "slow_clients.h"
#include "telemetry_dispatcher.h"

namespace sandbox {

struct Options {
  std::string extension_path;
  int invocations = 3;
  int log_lines = 5;
  int log_line_bytes = 100;
  int invoke_duration_ms = 10;
  int interval_ms = 0;
  // Lambda gives external extensions about 2,000 ms to handle SHUTDOWN (Extensions API docs,
  // "Shutdown phase").
  int shutdown_deadline_ms = 2000;
  std::string function_name = "sandbox-function";
  std::string function_version = "$LATEST";
  int memory_mb = 128;
  std::string region = "us-east-1";
  std::string account_id = "123456789012";
  std::string handler = "index.handler";
  /// The function's log format (LoggingConfig.LogFormat): JSON makes function log lines objects
  /// and sets AWS_LAMBDA_LOG_FORMAT=JSON for the extension.
  bool json_logs = false;
  std::vector<std::pair<std::string, std::string>> env;
  std::string events_out;
  std::string report_path;
  bool freeze = false;
  int port = 0;
  int init_timeout_ms = 10000;
  // Lambda's default function timeout is 3 s; the INVOKE deadlineMs is derived from it.
  int function_timeout_ms = 3000;
  bool passthrough_logs = true;
  /// --telemetry-post-*, --split-large-events, --split-continuation-bracket, --damage-*
  /// (telemetry_dispatcher.h).
  DeliveryOptions delivery;
  /// --big-log-lines: text sizes of extra function log lines, logged between the ordinary ones
  /// in every invocation of `big_log_invocations` (empty: every invocation).
  std::vector<int> big_log_lines;
  std::vector<int> big_log_invocations;
  /// --largest-post N: invocation N logs one line of 2 * maxBytes bytes, POSTed whole and alone
  /// (0: never).
  int largest_post_invocation = 0;
  /// --slow-clients, --slow-clients-ms (slow_clients.h).
  SlowClientOptions slow_clients;
  /// --sigterm-at-shutdown: SIGTERM the extension's process group at shutdown (what Lambda
  /// Managed Instances do; off by default for now: options.cpp), just before SHUTDOWN, or
  /// `sigterm_after_shutdown_ms` after it (-1: before).
  bool sigterm_at_shutdown = false;
  int sigterm_after_shutdown_ms = -1;
  /// --mode and the flags of the execution modes (execution_mode.h).
  ModeOptions modes;
  /// --credentials, --credentials-expire-ms, --credentials-ledger (credentials_issuer.h).
  CredentialsOptions credentials;
};

/// Result of parsing: Options, or every problem found (one message per bad flag), or a request for
/// help text.
struct ParseResult {
  std::optional<Options> options;
  std::vector<std::string> errors;
  bool help = false;
};

/// Parses argv (flags as "--name value" or "--name=value"); reports all errors at once.
ParseResult parseOptions(int argc, char** argv);

/// The --help text.
std::string usageText();

}  // namespace sandbox
