// Command-line parsing for lambda-sandbox: flags -> raw strings -> validated Options.
#include "options.h"

#include <charconv>
#include <map>

namespace sandbox {
namespace {

constexpr int kMaxInvocations = 10'000'000;
constexpr int kMaxLogLinesPerInvocation = 1'000'000;
// Lambda's maximum log line before truncation is 256 KiB; more makes no sense here.
constexpr int kMaxLogLineBytes = 256 * 1024;
constexpr int kMaxDurationMs = 15 * 60 * 1000;  // Lambda's maximum function timeout: 15 min
constexpr int kMinMemoryMb = 128;               // Lambda memory range: 128 MB .. 10,240 MB
constexpr int kMaxMemoryMb = 10240;
// One emulator thread per Managed Instances invocation in flight: a bound on threads.
constexpr int kMaxConcurrency = 256;
// A role session lasts at most 12 hours (STS API reference, AssumeRole DurationSeconds).
constexpr int kMaxCredentialsLifetimeMs = 12 * 60 * 60 * 1000;

bool parseInt(const std::string& text, int& out) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && ptr == last;
}

struct IntFlag {
  int* target;
  int min;
  int max;
};

// --mode and the combinations of flags each mode allows.
void validateModeFlags(const std::string& mode_text, Options& opts,
                       std::vector<std::string>& errors) {
  const std::optional<Mode> mode = parseMode(mode_text);
  if (!mode) {
    errors.push_back(
        "--mode must be on-demand, provisioned-concurrency, snap-start or "
        "managed-instances, got '" +
        mode_text + "'");
    return;
  }
  opts.modes.mode = *mode;
  if (*mode == Mode::kManagedInstances && opts.freeze) {
    // Managed Instances environments run continuously: they are never frozen between
    // invocations (Lambda Managed Instances execution environment, "Invoke phase").
    errors.push_back("--freeze cannot be used with --mode managed-instances (never frozen)");
  }
  if (*mode != Mode::kManagedInstances && opts.modes.concurrency != 1) {
    errors.push_back("--concurrency needs --mode managed-instances (one request at a time)");
  }
}

// --credentials and --credentials-expire-ms (0: not given), after --mode is known.
void validateCredentialsFlags(const std::string& text, int expire_ms, Options& opts,
                              std::vector<std::string>& errors) {
  if (text.empty()) {
    // Lambda hands SnapStart functions container credentials, everything else the key variables
    // (Lambda guide, "Using SnapStart with AWS SDKs").
    opts.credentials.mode =
        opts.modes.mode == Mode::kSnapStart ? CredentialsMode::kContainer : CredentialsMode::kEnv;
  } else if (const auto mode = parseCredentialsMode(text)) {
    opts.credentials.mode = *mode;
  } else {
    errors.push_back("--credentials must be env or container, got '" + text + "'");
    return;
  }
  if (expire_ms == 0) {
    return;
  }
  if (opts.credentials.mode == CredentialsMode::kEnv) {
    // A process's environment cannot be changed from outside: the env set lives as long as it.
    errors.push_back(
        "--credentials-expire-ms needs --credentials container (environment variables cannot "
        "change in a running process)");
  }
  opts.credentials.expire_ms = expire_ms;
}

}  // namespace

std::string usageText() {
  return R"(usage: lambda-sandbox --extension PATH [options]

Runs an AWS Lambda external extension through the Lambda lifecycle (init, N invokes, SHUTDOWN)
with the Extensions API and Telemetry API emulated on 127.0.0.1, and measures it.

  --extension PATH              extension executable (its file name is the extension name)
  --invocations N               number of invocations (default 3)
  --log-lines N                 function log lines per invocation (default 5)
  --log-line-bytes B            approx. size of each function log line (default 100)
  --invoke-duration-ms D        emulated handler run time; log lines spread over it (default 10)
  --interval-ms D               idle gap between invocations (default 0)
  --shutdown-deadline-ms D      SHUTDOWN deadline for the extension (default 2000)
  --function-name S             (default sandbox-function)
  --function-version S          (default $LATEST)
  --memory-mb N                 (default 128)
  --region S                    (default us-east-1)
  --account-id S                (default 123456789012)
  --handler S                   handler returned by register (default index.handler)
  --function-timeout-ms D       function timeout; INVOKE deadlineMs = now + D (default 3000)
  --env KEY=VALUE               extra environment for the extension (repeatable)
  --events-out FILE             NDJSON of every telemetry event POSTed (exact bytes)
  --report FILE                 JSON report
  --freeze                      SIGSTOP the extension between invocations, as Lambda freezes
  --port N                      Runtime API port on 127.0.0.1 (default 0 = ephemeral)
  --init-timeout-ms D           (default 10000)
  --telemetry-post-timeout-ms D timeout of one telemetry POST (default 5000)
  --no-log-passthrough          do not copy the extension's stdout/stderr to our stderr
  --mode M                      on-demand (default), provisioned-concurrency, snap-start,
                                managed-instances: sets AWS_LAMBDA_INITIALIZATION_TYPE and the
                                lifecycle (see README)
  --concurrency N               managed-instances: invocations in flight at once (default 1)
  --idle-after-init-ms D        snap-start: snapshot -> restore gap; provisioned-concurrency:
                                Init -> first invocation gap; frozen meanwhile (default 1000)
  --runtime-init-ms D           the emulated runtime's Init time; Init ends when it and the
                                extension are ready (default 0)
  --reject-schema V             refuse Telemetry API schemaVersion V with 400 ValidationError, as
                                an older Lambda would (repeatable)
  --progress                    print "lambda-sandbox: progress {json}" lines on stdout
  --credentials env|container   how the extension gets the role's credentials: env sets
                                AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN (inherited
                                or --env ones are kept, else a random set); container sets only
                                AWS_CONTAINER_CREDENTIALS_FULL_URI and
                                AWS_CONTAINER_AUTHORIZATION_TOKEN and serves the endpoint, with a
                                new set at every SnapStart restore (default: container with
                                --mode snap-start, env otherwise)
  --credentials-expire-ms D     container: each set expires D ms after issue (default 3600000)
  --credentials-ledger FILE     NDJSON of every set issued and revoked, for the Kinesis side
  --help
Exit status: 0 when the extension initialised, every invocation completed and it exited 0
before the SHUTDOWN deadline; 1 otherwise; 2 on bad usage.
)";
}

ParseResult parseOptions(int argc, char** argv) {
  ParseResult result;
  Options opts;
  int credentials_expire_ms = 0;

  const std::map<std::string, IntFlag> int_flags = {
      {"--invocations", {&opts.invocations, 0, kMaxInvocations}},
      {"--log-lines", {&opts.log_lines, 0, kMaxLogLinesPerInvocation}},
      {"--log-line-bytes", {&opts.log_line_bytes, 1, kMaxLogLineBytes}},
      {"--invoke-duration-ms", {&opts.invoke_duration_ms, 0, kMaxDurationMs}},
      {"--interval-ms", {&opts.interval_ms, 0, kMaxDurationMs}},
      {"--shutdown-deadline-ms", {&opts.shutdown_deadline_ms, 1, kMaxDurationMs}},
      {"--memory-mb", {&opts.memory_mb, kMinMemoryMb, kMaxMemoryMb}},
      {"--port", {&opts.port, 0, 65535}},
      {"--init-timeout-ms", {&opts.init_timeout_ms, 1, kMaxDurationMs}},
      {"--function-timeout-ms", {&opts.function_timeout_ms, 1, kMaxDurationMs}},
      {"--telemetry-post-timeout-ms", {&opts.telemetry_post_timeout_ms, 1, kMaxDurationMs}},
      {"--concurrency", {&opts.modes.concurrency, 1, kMaxConcurrency}},
      {"--idle-after-init-ms", {&opts.modes.idle_after_init_ms, 0, kMaxDurationMs}},
      {"--runtime-init-ms", {&opts.modes.runtime_init_ms, 0, kMaxDurationMs}},
      {"--credentials-expire-ms", {&credentials_expire_ms, 1, kMaxCredentialsLifetimeMs}},
  };
  std::string mode_text = "on-demand";
  std::string credentials_text;
  const std::map<std::string, std::string*> string_flags = {
      {"--extension", &opts.extension_path},
      {"--function-name", &opts.function_name},
      {"--function-version", &opts.function_version},
      {"--region", &opts.region},
      {"--account-id", &opts.account_id},
      {"--handler", &opts.handler},
      {"--events-out", &opts.events_out},
      {"--report", &opts.report_path},
      {"--mode", &mode_text},
      {"--credentials", &credentials_text},
      {"--credentials-ledger", &opts.credentials.ledger_path},
  };

  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::optional<std::string> inline_value;
    if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    if (arg == "--help" || arg == "-h") {
      result.help = true;
      return result;
    }
    if (arg == "--progress") {
      opts.modes.progress = true;
      if (inline_value) result.errors.push_back(arg + " takes no value");
      continue;
    }
    if (arg == "--freeze" || arg == "--no-log-passthrough") {
      if (inline_value) {
        result.errors.push_back(arg + " takes no value");
      }
      (arg == "--freeze" ? opts.freeze : opts.passthrough_logs) = (arg == "--freeze");
      continue;
    }
    const bool known = int_flags.count(arg) > 0 || string_flags.count(arg) > 0 || arg == "--env" ||
                       arg == "--reject-schema";
    if (!known) {
      result.errors.push_back("unknown flag: " + arg);
      continue;
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      result.errors.push_back(arg + " needs a value");
      continue;
    }
    if (auto it = int_flags.find(arg); it != int_flags.end()) {
      int parsed = 0;
      if (!parseInt(value, parsed) || parsed < it->second.min || parsed > it->second.max) {
        result.errors.push_back(arg + " must be an integer in [" + std::to_string(it->second.min) +
                                ", " + std::to_string(it->second.max) + "], got '" + value + "'");
      } else {
        *it->second.target = parsed;
      }
    } else if (arg == "--reject-schema") {
      opts.modes.rejected_schemas.push_back(value);
    } else if (arg == "--env") {
      const auto eq = value.find('=');
      if (eq == std::string::npos || eq == 0) {
        result.errors.push_back("--env must be KEY=VALUE, got '" + value + "'");
      } else {
        opts.env.emplace_back(value.substr(0, eq), value.substr(eq + 1));
      }
    } else {
      *string_flags.at(arg) = value;
    }
  }

  if (opts.extension_path.empty()) {
    result.errors.push_back("--extension PATH is required");
  }
  if (opts.function_timeout_ms <= opts.invoke_duration_ms) {
    result.errors.push_back("--function-timeout-ms must be greater than --invoke-duration-ms");
  }
  validateModeFlags(mode_text, opts, result.errors);
  validateCredentialsFlags(credentials_text, credentials_expire_ms, opts, result.errors);
  if (result.errors.empty()) {
    result.options = std::move(opts);
  }
  return result;
}

}  // namespace sandbox
