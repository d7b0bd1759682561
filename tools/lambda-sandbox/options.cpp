// Command-line parsing for lambda-sandbox: flags -> raw strings -> validated Options.
#include "options.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "event_factory.h"

namespace sandbox {
namespace {

constexpr int kMaxInvocations = 10'000'000;
constexpr int kMaxLogLinesPerInvocation = 1'000'000;
// Lambda's maximum log line before truncation is 256 KiB; more makes no sense here (but
// --big-log-lines goes past it on purpose: README, "Intake").
constexpr int kMaxLogLineBytes = 256 * 1024;
constexpr int kMaxDurationMs = 15 * 60 * 1000;  // Lambda's maximum function timeout: 15 min
constexpr int kMinMemoryMb = 128;               // Lambda memory range: 128 MB .. 10,240 MB
constexpr int kMaxMemoryMb = 10240;
// One emulator thread per Managed Instances invocation in flight: a bound on threads.
constexpr int kMaxConcurrency = 256;
// A role session lasts at most 12 hours (STS API reference, AssumeRole DurationSeconds).
constexpr int kMaxCredentialsLifetimeMs = 12 * 60 * 60 * 1000;
// Extra log lines are held in memory whole: bounds on their size and number per invocation.
constexpr int kMaxBigLogLineBytes = 8 * 1024 * 1024;
constexpr std::size_t kMaxBigLogLines = 16;
constexpr int kMaxPostRetries = 100;
constexpr int kMaxSlowClients = 64;
// Lambda Managed Instances SIGTERM every process at shutdown (validateSigtermFlags): so does the
// sandbox by default in that mode.
constexpr bool kSigtermByDefaultInManagedInstances = true;

bool parseInt(const std::string& text, int& out) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && ptr == last;
}

// "a,b,c" of integers in [min, max]; an error per bad item.
std::vector<int> parseIntList(const std::string& flag, const std::string& text, int min, int max,
                              std::vector<std::string>& errors) {
  std::vector<int> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    int value = 0;
    if (!parseInt(item, value) || value < min || value > max) {
      errors.push_back(flag + " items must be integers in [" + std::to_string(min) + ", " +
                       std::to_string(max) + "], got '" + item + "'");
    } else {
      out.push_back(value);
    }
    start = comma + 1;
  }
  return out;
}

std::optional<bool> parseYesNo(const std::string& text) {
  if (text == "yes") return true;
  if (text == "no") return false;
  return std::nullopt;
}

// --damage-post N:BYTE (repeatable).
void parseDamagePost(const std::string& text, Options& opts, std::vector<std::string>& errors) {
  const auto colon = text.find(':');
  int post = 0;
  int byte = 0;
  if (colon == std::string::npos || !parseInt(text.substr(0, colon), post) || post < 1 ||
      !parseInt(text.substr(colon + 1), byte) || byte < 0) {
    errors.push_back("--damage-post must be N:BYTE (N >= 1, BYTE >= 0), got '" + text + "'");
    return;
  }
  opts.delivery.damage[post] = static_cast<std::size_t>(byte);
}

// --lose-post-answer N (repeatable).
void parseLostAnswer(const std::string& text, Options& opts, std::vector<std::string>& errors) {
  int post = 0;
  if (!parseInt(text, post) || post < 1) {
    errors.push_back("--lose-post-answer must be a POST number N >= 1, got '" + text + "'");
    return;
  }
  opts.delivery.lost_answers.insert(post);
}

// The flags of telemetry delivery and of the extra log lines, given as text.
struct IntakeTexts {
  std::string split = "on";
  std::string bracket = "alternate";
  std::string damage_mode = "truncate";
  std::string big_log_lines;
  std::string big_log_invocations;
  std::string sigterm;
};

void validateIntakeFlags(const IntakeTexts& t, Options& opts, std::vector<std::string>& errors) {
  if (t.split != "on" && t.split != "off") {
    errors.push_back("--split-large-events must be on or off, got '" + t.split + "'");
  }
  opts.delivery.split_large_events = t.split == "on";
  if (const auto bracket = parseContinuationBracket(t.bracket)) {
    opts.delivery.continuation_bracket = *bracket;
  } else {
    errors.push_back("--split-continuation-bracket must be yes, no or alternate, got '" +
                     t.bracket + "'");
  }
  if (const auto mode = parseDamageMode(t.damage_mode)) {
    opts.delivery.damage_mode = *mode;
  } else {
    errors.push_back("--damage-mode must be truncate or garbage, got '" + t.damage_mode + "'");
  }
  if (!t.big_log_lines.empty()) {
    opts.big_log_lines =
        parseIntList("--big-log-lines", t.big_log_lines, static_cast<int>(kMinBigLogLineBytes),
                     kMaxBigLogLineBytes, errors);
    if (opts.big_log_lines.size() > kMaxBigLogLines) {
      errors.push_back("--big-log-lines takes at most " + std::to_string(kMaxBigLogLines) +
                       " sizes");
    }
  }
  if (!t.big_log_invocations.empty()) {
    opts.big_log_invocations =
        parseIntList("--big-log-invocations", t.big_log_invocations, 1, kMaxInvocations, errors);
    if (opts.big_log_lines.empty()) {
      errors.push_back("--big-log-invocations needs --big-log-lines");
    }
  }
  if (opts.largest_post_invocation > opts.invocations) {
    errors.push_back("--largest-post must name one of the --invocations");
  }
}

// --sigterm-at-shutdown and --sigterm-after-shutdown-ms, after --mode is known.
void validateSigtermFlags(const std::string& text, Options& opts,
                          std::vector<std::string>& errors) {
  // Lambda Managed Instances send SIGTERM at shutdown ("For Lambda functions with extensions,
  // the execution environment emits a SIGTERM signal during shut down. This signal is used by
  // extensions to trigger clean up tasks, such as flushing buffers": the Lambda Managed
  // Instances runtime guides, "Initialization and shutdown"); elsewhere only on request.
  opts.sigterm_at_shutdown =
      opts.modes.mode == Mode::kManagedInstances && kSigtermByDefaultInManagedInstances;
  if (!text.empty()) {
    if (const auto yes = parseYesNo(text)) {
      opts.sigterm_at_shutdown = *yes;
    } else {
      errors.push_back("--sigterm-at-shutdown must be yes or no, got '" + text + "'");
    }
  }
  if (opts.sigterm_after_shutdown_ms >= 0 && !opts.sigterm_at_shutdown) {
    errors.push_back("--sigterm-after-shutdown-ms needs --sigterm-at-shutdown yes");
  }
  if (opts.sigterm_after_shutdown_ms >= opts.shutdown_deadline_ms) {
    errors.push_back("--sigterm-after-shutdown-ms must be less than --shutdown-deadline-ms");
  }
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
  --log-format text|json        the function's log format: json makes function log lines
                                objects and sets AWS_LAMBDA_LOG_FORMAT=JSON (default text)
  --function-timeout-ms D       function timeout; INVOKE deadlineMs = now + D (default 3000)
  --env KEY=VALUE               extra environment for the extension (repeatable)
  --events-out FILE             NDJSON of every telemetry event POSTed (exact bytes)
  --report FILE                 JSON report
  --freeze                      SIGSTOP the extension between invocations, as Lambda freezes
  --port N                      Runtime API port on 127.0.0.1 (default 0 = ephemeral)
  --init-timeout-ms D           (default 10000)
  --telemetry-post-timeout-ms D timeout of one telemetry POST (default 5000); a POST that times
                                out or fails is re-sent, as Lambda does
  --telemetry-post-retries N    re-sends of one failed POST, 100 ms doubling backoff up to 1 s
                                (default 3)
  --split-large-events on|off   cut an event larger than the subscription's maxBytes across
                                two or more POSTs inside its record string, as Lambda was
                                observed to (default on)
  --split-continuation-bracket yes|no|alternate
                                whether a body continuing a cut event opens with "[" (both were
                                observed; default alternate: the first one does, the next not)
  --damage-post N:BYTE          cut the Nth POST (1-based, re-sends counted) at byte BYTE
                                (repeatable); never re-sent
  --lose-post-answer N           the Nth POST's 2xx answer is lost (Lambda timed out first): the
                                extension has its events, and Lambda re-sends them (repeatable)
  --damage-mode truncate|garbage
                                the damaged body ends at BYTE, or its rest is random bytes
                                (default truncate)
  --big-log-lines B1,B2,...     extra function log lines of exactly these text sizes in bytes
                                (64 .. 8 MiB), between the ordinary lines of each invocation
  --big-log-invocations I1,I2   only in these invocations (default: every one)
  --largest-post N              invocation N logs one line of 2 x maxBytes bytes, POSTed whole
                                and alone: a body of 2 * maxBytes + metadataBytes, the largest
                                the Telemetry API documents
  --slow-clients N              N connections to the extension's telemetry listener, from the
                                first invocation on, sending request headers one byte every
                                100-200 ms (default 0)
  --slow-clients-ms D           how long they trickle before closing (default 2000)
  --sigterm-at-shutdown yes|no  SIGTERM the extension's process group just before SHUTDOWN,
                                as Lambda Managed Instances do (default yes with --mode
                                managed-instances, no otherwise)
  --sigterm-after-shutdown-ms D send that SIGTERM D ms after SHUTDOWN instead
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
      {"--telemetry-post-timeout-ms", {&opts.delivery.post_timeout_ms, 1, kMaxDurationMs}},
      {"--telemetry-post-retries", {&opts.delivery.post_retries, 0, kMaxPostRetries}},
      {"--largest-post", {&opts.largest_post_invocation, 1, kMaxInvocations}},
      {"--slow-clients", {&opts.slow_clients.count, 0, kMaxSlowClients}},
      {"--slow-clients-ms", {&opts.slow_clients.duration_ms, 1, kMaxDurationMs}},
      {"--sigterm-after-shutdown-ms", {&opts.sigterm_after_shutdown_ms, 0, kMaxDurationMs}},
      {"--concurrency", {&opts.modes.concurrency, 1, kMaxConcurrency}},
      {"--idle-after-init-ms", {&opts.modes.idle_after_init_ms, 0, kMaxDurationMs}},
      {"--runtime-init-ms", {&opts.modes.runtime_init_ms, 0, kMaxDurationMs}},
      {"--credentials-expire-ms", {&credentials_expire_ms, 1, kMaxCredentialsLifetimeMs}},
  };
  std::string mode_text = "on-demand";
  std::string log_format_text = "text";
  std::string credentials_text;
  IntakeTexts intake;
  const std::map<std::string, std::string*> string_flags = {
      {"--split-large-events", &intake.split},
      {"--split-continuation-bracket", &intake.bracket},
      {"--damage-mode", &intake.damage_mode},
      {"--big-log-lines", &intake.big_log_lines},
      {"--big-log-invocations", &intake.big_log_invocations},
      {"--sigterm-at-shutdown", &intake.sigterm},
      {"--extension", &opts.extension_path},
      {"--function-name", &opts.function_name},
      {"--function-version", &opts.function_version},
      {"--region", &opts.region},
      {"--account-id", &opts.account_id},
      {"--handler", &opts.handler},
      {"--events-out", &opts.events_out},
      {"--report", &opts.report_path},
      {"--mode", &mode_text},
      {"--log-format", &log_format_text},
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
                       arg == "--reject-schema" || arg == "--damage-post" ||
                       arg == "--lose-post-answer";
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
    } else if (arg == "--damage-post") {
      parseDamagePost(value, opts, result.errors);
    } else if (arg == "--lose-post-answer") {
      parseLostAnswer(value, opts, result.errors);
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
  if (log_format_text == "text" || log_format_text == "json") {
    opts.json_logs = log_format_text == "json";
  } else {
    result.errors.push_back("--log-format must be text or json, got '" + log_format_text + "'");
  }
  validateModeFlags(mode_text, opts, result.errors);
  validateCredentialsFlags(credentials_text, credentials_expire_ms, opts, result.errors);
  validateIntakeFlags(intake, opts, result.errors);
  validateSigtermFlags(intake.sigterm, opts, result.errors);
  if (result.errors.empty()) {
    result.options = std::move(opts);
  }
  return result;
}

}  // namespace sandbox
