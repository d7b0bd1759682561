// Every environment variable the extension reads, in one table: its default as README.md shows
// it, its range or choices, and its meaning. The loader validates numbers, choices and booleans
// from here; a test holds README.md's "Configuration" table and Config's defaults to it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "aws/ca_bundle.h"
#include "aws/endpoint.h"
#include "common/text.h"
#include "config/config.h"

namespace tk::config {

enum class SettingKind {
  kBespoke,  // parsed by the loader's own code (names, ARNs, lists, URLs...)
  kNumber,   // an integer from min to max
  kChoice,   // one of `choices`, exactly
  kBool,     // true or false, any case (as botocore's ensure_boolean reads them)
};

// One row of README.md's "Configuration" table, and how the loader reads it. Adding a setting:
// its row here, its Config member, and the README row the settings test asks for.
struct Setting {
  std::string_view variable;   // the variable read (the first of its README row)
  std::string_view also = "";  // the rest of the README's variable cell (fallbacks, companions)
  SettingKind kind = SettingKind::kBespoke;
  uint64_t min = 0;  // kNumber
  uint64_t max = 0;
  // kNumber whose range ends at another setting's value (read after it in this table).
  uint64_t (*max_of)(const Config&) = nullptr;
  // kChoice: the index of the value given is what `set` stores.
  std::span<const std::string_view> choices = {};
  // Read at the loader's own point rather than with the table, because it depends on others.
  bool loader_reads = false;
  // Typed kinds: the value (number, choice index, 0/1) in a Config.
  uint64_t (*get)(const Config&) = nullptr;
  void (*set)(Config&, uint64_t) = nullptr;
  // Bespoke settings kept in a Config: the value as the README writes it.
  std::string (*text_of)(const Config&) = nullptr;
  std::string_view default_text;  // the README's default cell
  std::string_view meaning;       // the README's meaning cell
};

// Choices in their enum's order: a choice's index is its enum value.
inline constexpr std::string_view kPartitionKeyChoices[] = {"sandbox", "random", "tenant"};
inline constexpr std::string_view kProtocolChoices[] = {
    KinesisProtocolName(KinesisProtocol::kCbor), KinesisProtocolName(KinesisProtocol::kJson)};
inline constexpr std::string_view kRecordFormatChoices[] = {"event", "ndjson", "kpl",
                                                            "cloudwatch-logs"};
inline constexpr std::string_view kCompressionChoices[] = {"none", "gzip"};
inline constexpr std::string_view kMetricsChoices[] = {"none", "emf"};  // emf_metrics false, true
inline constexpr std::string_view kOnInitErrorChoices[] = {"continue", "fail"};
inline constexpr std::string_view kLogLevelChoices[] = {"debug", "info", "warn", "error"};

// The get and set of a typed setting's Config member.
#define TK_CONFIG_FIELD(member)                                           \
  .get = [](const Config& c) { return static_cast<uint64_t>(c.member); }, \
  .set = [](Config& c, uint64_t value) { c.member = static_cast<decltype(c.member)>(value); }

// In README order, except that a setting comes after the one its range ends at.
inline constexpr Setting kSettings[] = {
    {.variable = "TELEMETRY_KINESIS_STREAM",
     .default_text = "(required)",
     .meaning = "stream name, or stream ARN (`arn:aws:kinesis:REGION:ACCOUNT:stream/NAME`; its "
                "region wins)"},
    {.variable = "AWS_REGION",
     .default_text = "set by Lambda",
     .meaning = "region of the stream when a name is given"},
    {.variable = "AWS_LAMBDA_FUNCTION_NAME",
     .also = ", `AWS_LAMBDA_FUNCTION_VERSION`",
     .default_text = "set by Lambda",
     .meaning =
         "the function's name and version, in every record's envelope (`function`, `version`)"},
    {.variable = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
     .kind = SettingKind::kNumber,
     .min = 0,
     .max = 1'000'000,
     TK_CONFIG_FIELD(function_memory_mb),
     .default_text = "set by Lambda",
     .meaning =
         "the function's memory in MB, 0–1,000,000, in every record's envelope (`memoryMB`)"},
    {.variable = "AWS_ACCESS_KEY_ID",
     .also = ", `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`",
     .default_text = "set by Lambda",
     .meaning = "the execution role's credentials; the session token is signed into every request. "
                "First in the [credential chain](#credentials)"},
    {.variable = "AWS_CONTAINER_CREDENTIALS_FULL_URI",
     .also = " (or `_RELATIVE_URI`), `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, then "
             "`AWS_CONTAINER_AUTHORIZATION_TOKEN`",
     .default_text = "set by Lambda with SnapStart",
     .meaning =
         "the container credentials endpoint, used when the key variables are not set: HTTPS, or "
         "plain HTTP to a loopback or container host only. See [Credentials](#credentials)"},
    {.variable = aws::kEndpointUrlKinesisVariable,
     .also = ", then `AWS_ENDPOINT_URL`",
     .default_text = "(none)",
     .meaning = "endpoint override (e.g. a VPC endpoint's DNS name, local Kinesis); not allowed "
                "with FIPS or dual-stack. Without one the endpoint follows from the region, see "
                "[Endpoints](#endpoints)"},
    {.variable = aws::kUseFipsEndpointVariable,
     .kind = SettingKind::kBool,
     TK_CONFIG_FIELD(use_fips_endpoint),
     .default_text = "`false`",
     .meaning = "`true` or `false` (any case): send to the FIPS endpoint (`kinesis-fips.…`; in "
                "GovCloud the standard host, which is FIPS already)"},
    {.variable = aws::kUseDualStackEndpointVariable,
     .kind = SettingKind::kBool,
     TK_CONFIG_FIELD(use_dualstack_endpoint),
     .default_text = "`false`",
     .meaning = "`true` or `false` (any case): send to the dual-stack (IPv4 and IPv6) endpoint "
                "(`….api.aws` and the partition's equivalents)"},
    {.variable = aws::kAwsCaBundleVariable,
     .also = ", then `SSL_CERT_FILE`",
     .default_text = "the OS bundle: `/etc/pki/tls/certs/ca-bundle.crt` (Amazon Linux), "
                     "`/etc/ssl/certs/ca-certificates.crt` (Debian), ...",
     .meaning = "CA bundle for HTTPS; a variable naming a missing file is an error; certificates "
                "are always verified"},
    {.variable = "https_proxy",
     .also = ", then `HTTPS_PROXY`",
     .default_text = "(none: direct)",
     .meaning = "HTTP proxy for an `https` endpoint, `http://[user:password@]host[:port]` (port 80 "
                "when absent; user and password percent-encoded); PutRecords goes through a "
                "`CONNECT` tunnel, see [Through an HTTP proxy](#through-an-http-proxy). Another "
                "scheme (`https://`, `socks5://`) or a malformed value is an error"},
    {.variable = "http_proxy",
     .also = ", then `HTTP_PROXY`",
     .default_text = "(none: direct)",
     .meaning = "the same for an `http://` endpoint (a local Kinesis): requests go to the proxy in "
                "absolute form"},
    {.variable = "no_proxy",
     .also = ", then `NO_PROXY`",
     .default_text = "(none)",
     .meaning = "comma-separated hosts that go direct: `example.com` and `.example.com` both match "
                "the name and its subdomains, `*` matches everything, IP addresses and prefixes "
                "(`10.0.0.0/8`) match addresses, each may end in `:port`; read only when a proxy "
                "variable is set"},
    {.variable = "TELEMETRY_KINESIS_TYPES",
     .text_of = [](const Config& c) { return Join(c.telemetry_types, ","); },
     .default_text = "`platform,function,extension`",
     .meaning = "Telemetry API event types to subscribe to"},
    {.variable = "TELEMETRY_KINESIS_BUFFER_MAX_ITEMS",
     .kind = SettingKind::kNumber,
     .min = kMinBufferItems,
     .max = kMaxBufferItems,
     TK_CONFIG_FIELD(buffer_max_items),
     .default_text = "`1000`",
     .meaning = "Telemetry API buffering, 1,000–10,000 events"},
    {.variable = "TELEMETRY_KINESIS_BUFFER_MAX_BYTES",
     .kind = SettingKind::kNumber,
     .min = kMinBufferBytes,
     .max = kMaxBufferBytes,
     TK_CONFIG_FIELD(buffer_max_bytes),
     .default_text = "`1048576`",
     .meaning =
         "Telemetry API buffering, 262,144–1,048,576 bytes (the maximum by default: Lambda splits "
         "an event larger than it across two POSTs, see [Bad input](#limits-and-guarantees))"},
    {.variable = "TELEMETRY_KINESIS_BUFFER_TIMEOUT_MS",
     .kind = SettingKind::kNumber,
     .min = kMinBufferTimeoutMs,
     .max = kMaxBufferTimeoutMs,
     TK_CONFIG_FIELD(buffer_timeout_ms),
     .default_text = "`100`",
     .meaning = "Telemetry API buffering, 25–30,000 ms (100, not Lambda's 1,000, so the last "
                "report arrives well inside the shutdown window)"},
    {.variable = "TELEMETRY_KINESIS_LISTENER_HOST",
     .text_of = [](const Config& c) { return c.listener_host; },
     .default_text = "`sandbox.localdomain`",
     .meaning = "listener address; loopback when the name does not resolve; never `0.0.0.0` unless "
                "set so"},
    {.variable = "TELEMETRY_KINESIS_LISTENER_PORT",
     .kind = SettingKind::kNumber,
     .min = 1,
     .max = 65'535,
     TK_CONFIG_FIELD(listener_port),
     .default_text = "`4243`",
     .meaning = "listener port, 1–65535"},
    {.variable = "TELEMETRY_KINESIS_PARTITION_KEY",
     .kind = SettingKind::kChoice,
     .choices = kPartitionKeyChoices,
     TK_CONFIG_FIELD(partition_key),
     .default_text = "`sandbox`",
     .meaning = "`sandbox`: one key per execution environment (ordered per sandbox); `random`: a "
                "key per record (maximum spread, no order); `tenant`: for functions in tenant "
                "isolation mode, an event's `tenantId` when it carries one, else the sandbox key, "
                "see [Tenant isolation](#tenant-isolation)"},
    {.variable = "TELEMETRY_KINESIS_PROTOCOL",
     .kind = SettingKind::kChoice,
     .choices = kProtocolChoices,
     TK_CONFIG_FIELD(kinesis_protocol),
     .default_text = "`cbor`",
     .meaning =
         "how PutRecords bodies are encoded: `cbor` (`application/x-amz-cbor-1.1`, record data as "
         "raw bytes; what the AWS SDK for Java uses for Kinesis) or `json` (AWS JSON 1.1, data "
         "base64-encoded: a third more bytes and CPU). Answers are read in either encoding"},
    {.variable = "TELEMETRY_KINESIS_RECORD_FORMAT",
     .kind = SettingKind::kChoice,
     .choices = kRecordFormatChoices,
     TK_CONFIG_FIELD(records.format),
     .default_text = "`event`",
     .meaning =
         "`event`: one record per event; `ndjson`: many events per record, one per line; `kpl`: "
         "the KPL aggregated record format (KCL de-aggregates it); `cloudwatch-logs`: each record "
         "a gzip CloudWatch Logs subscription `DATA_MESSAGE`, as a subscription filter writes "
         "them. See [Record formats](#record-formats)"},
    {.variable = "TELEMETRY_KINESIS_CLOUDWATCH_LOG_GROUP",
     .default_text = "`/aws/lambda/<function>`",
     .meaning = "`cloudwatch-logs`: the `logGroup` of the records (Lambda hides a custom log "
                "group's name from extensions: set it here)"},
    {.variable = "TELEMETRY_KINESIS_CLOUDWATCH_FILTER_NAME",
     .text_of = [](const Config& c) { return c.records.cloudwatch.subscription_filter; },
     .default_text = "`telemetry-kinesis`",
     .meaning = "`cloudwatch-logs`: the name in `subscriptionFilters`"},
    {.variable = "TELEMETRY_KINESIS_CLOUDWATCH_LOG_FORMAT",
     .default_text = "`auto`",
     .meaning =
         "`cloudwatch-logs`: `text` (Lambda's `START`/`END`/`REPORT` lines) or `json` (platform "
         "events as JSON objects); `auto` follows the function's `AWS_LAMBDA_LOG_FORMAT`"},
    {.variable = "AWS_LAMBDA_LOG_FORMAT",
     .default_text = "set by Lambda",
     .meaning = "the function's log format (`Text` or `JSON`, any case), which "
                "`TELEMETRY_KINESIS_CLOUDWATCH_LOG_FORMAT=auto` follows"},
    {.variable = "TELEMETRY_KINESIS_COMPRESSION",
     .kind = SettingKind::kChoice,
     .choices = kCompressionChoices,
     .loader_reads = true,
     TK_CONFIG_FIELD(records.compression),
     .default_text = "`none`",
     .meaning = "`none` or `gzip` (with `ndjson` only): each record is one gzip member, "
                "recognisable by its first bytes `1F 8B`"},
    {.variable = "TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES",
     .kind = SettingKind::kNumber,
     .min = kDefaultStreamMaxRecordBytes,
     .max = kLargestStreamMaxRecordBytes,
     TK_CONFIG_FIELD(stream_max_record_bytes),
     .default_text = "`1048576`",
     .meaning = "the stream's maximum record size (data plus partition key) in bytes, "
                "1,048,576–10,485,760: set it to the stream's `MaxRecordSizeInKiB` × 1024 after "
                "raising it with `UpdateMaxRecordSize`. Records up to it are sent (larger events "
                "are dropped and counted as `dropped_too_large`), and above 1 MiB requests are "
                "packed up to 10 MiB instead of 5 MiB. `TELEMETRY_KINESIS_QUEUE_MAX_BYTES` must be "
                "at least this (a configuration error names both otherwise)"},
    // A packed record cannot be larger than the stream takes.
    {.variable = "TELEMETRY_KINESIS_RECORD_MAX_BYTES",
     .kind = SettingKind::kNumber,
     .min = kMinPackedRecordBytes,
     .max_of = [](const Config& c) { return static_cast<uint64_t>(c.stream_max_record_bytes); },
     TK_CONFIG_FIELD(records.max_record_bytes),
     .default_text = "`25600`",
     .meaning = "size target of an `ndjson`/`kpl` record, partition key included, 1,024 up to "
                "`TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES` (25,600 = one PUT payload unit)"},
    {.variable = "TELEMETRY_KINESIS_PLATFORM_EVENTS",
     .default_text = "(all)",
     .meaning = "comma-separated `platform.*` event types to ship, e.g. "
                "`platform.start,platform.report`; other platform events are counted as filtered"},
    {.variable = "TELEMETRY_KINESIS_MIN_LOG_LEVEL",
     .default_text = "(all)",
     .meaning = "`trace`, `debug`, `info`, `warn`, `error`, `fatal`: function and extension log "
                "lines below it are counted as filtered (JSON logs by `record.level`; text logs by "
                "a level prefix such as `[ERROR]`, `ERROR `, a Node.js tab-separated level, "
                "`level=error`); lines without a recognisable level are kept"},
    {.variable = "TELEMETRY_KINESIS_DROP_PATTERN",
     .default_text = "(none)",
     .meaning =
         "literal texts separated by `\\|` (`\\\\|` for a bar, `\\\\` for a backslash): an event "
         "whose JSON text contains one is counted as filtered, e.g. `GET /health\\|healthcheck`"},
    {.variable = "TELEMETRY_KINESIS_QUEUE_MAX_BYTES",
     .kind = SettingKind::kNumber,
     .min = 1024 * 1024,
     .max = 1024 * 1024 * 1024,
     TK_CONFIG_FIELD(queue_max_bytes),
     .default_text = "`8388608`",
     .meaning =
         "memory budget of everything held (queued, in flight, awaiting retry), 1 MiB–1 GiB and at "
         "least `TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES`; past it records go to the spool"},
    {.variable = "TELEMETRY_KINESIS_SPOOL_DIR",
     .text_of = [](const Config& c) { return c.spool_dir; },
     .default_text = "`/tmp/telemetry-kinesis-spool`",
     .meaning = "spool directory (absolute path); `/tmp` survives between invocations and an "
                "extension crash"},
    // Lambda's /tmp is at most 10 GB.
    {.variable = "TELEMETRY_KINESIS_SPOOL_MAX_BYTES",
     .kind = SettingKind::kNumber,
     .min = 0,
     .max = 10ull * 1024 * 1024 * 1024,
     TK_CONFIG_FIELD(spool_max_bytes),
     .default_text = "`67108864`",
     .meaning = "bound of the spool files, 0–10 GiB; `0` disables the spool"},
    {.variable = "TELEMETRY_KINESIS_METRICS",
     .kind = SettingKind::kChoice,
     .choices = kMetricsChoices,
     TK_CONFIG_FIELD(emf_metrics),
     .default_text = "`none`",
     .meaning =
         "`emf`: CloudWatch Embedded Metric Format lines on stderr (namespace `TelemetryKinesis`, "
         "dimension `FunctionName`) at shutdown and at invocation boundaries"},
    {.variable = "TELEMETRY_KINESIS_METRICS_INTERVAL_MS",
     .kind = SettingKind::kNumber,
     .min = 1'000,
     .max = 3'600'000,
     TK_CONFIG_FIELD(metrics_interval_ms),
     .default_text = "`60000`",
     .meaning = "at most one EMF line per interval while running, 1,000–3,600,000"},
    {.variable = "TELEMETRY_KINESIS_MAX_BATCH_AGE_MS",
     .kind = SettingKind::kNumber,
     .min = 1,
     .max = 60'000,
     TK_CONFIG_FIELD(max_batch_age_ms),
     .default_text = "`200`",
     .meaning = "a partial request is sent once its oldest record is this old (1–60,000)"},
    {.variable = "TELEMETRY_KINESIS_SHUTDOWN_MARGIN_MS",
     .kind = SettingKind::kNumber,
     .min = 0,
     .max = 1'000,
     TK_CONFIG_FIELD(shutdown_margin_ms),
     .default_text = "`200`",
     .meaning = "exit this long before the SHUTDOWN deadline (0–1,000)"},
    {.variable = "TELEMETRY_KINESIS_FLUSH",
     .text_of = [](const Config& c) { return DescribeFlushStrategy(c.flush); },
     .default_text = "`adaptive`",
     .meaning =
         "`adaptive`: flush before `/next` while invocations are rare (more than 1 s apart), in "
         "the background once they are frequent; `end`: always flush before `/next`; `background`: "
         "never wait; `periodic,<ms>` (10–600,000): send only when the oldest record is `<ms>` "
         "old. Trade-offs and figures: [docs/execution-modes.md](docs/execution-modes.md)"},
    // The flush before /next is billed time: at most 5 s, well inside any function timeout.
    {.variable = "TELEMETRY_KINESIS_FLUSH_BUDGET_MS",
     .kind = SettingKind::kNumber,
     .min = 10,
     .max = 5'000,
     TK_CONFIG_FIELD(flush_budget_ms),
     .default_text = "`300`",
     .meaning = "the longest a flush before `/next` waits for Kinesis once the runtime is done "
                "(billed time), 10–5,000"},
    {.variable = "AWS_LAMBDA_INITIALIZATION_TYPE",
     .default_text = "set by Lambda",
     .meaning = "`on-demand`, `provisioned-concurrency`, `snap-start`, `lambda-managed-instances`: "
                "picks the lifecycle ([docs/execution-modes.md](docs/execution-modes.md)); an "
                "unknown value runs as `on-demand`"},
    {.variable = "TELEMETRY_KINESIS_ON_INIT_ERROR",
     .kind = SettingKind::kChoice,
     .choices = kOnInitErrorChoices,
     TK_CONFIG_FIELD(on_init_error),
     .default_text = "`continue`",
     .meaning = "`continue` or `fail`, see below"},
    {.variable = "TELEMETRY_KINESIS_LOG_LEVEL",
     .kind = SettingKind::kChoice,
     .choices = kLogLevelChoices,
     TK_CONFIG_FIELD(log_level),
     .default_text = "`info`",
     .meaning = "`debug`, `info`, `warn`, `error`"},
};

#undef TK_CONFIG_FIELD

// Never defined, nor constexpr: SettingNamed reaching it stops the compilation, naming it.
const Setting& NoSuchVariableInSettingsTable();

// The row of `variable`, found when compiling (a name missing from the table does not compile).
consteval const Setting& SettingNamed(std::string_view variable) {
  for (const Setting& setting : kSettings) {
    if (setting.variable == variable) return setting;
  }
  return NoSuchVariableInSettingsTable();
}

}  // namespace tk::config
