// The validated configuration of the extension: every setting, with its default and its range.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/ca_bundle.h"
#include "aws/credentials_provider.h"
#include "aws/endpoint.h"
#include "common/log.h"
#include "config/environment.h"
#include "config/execution_mode.h"
#include "config/proxy_settings.h"
#include "config/record_options.h"

namespace tk::config {

// Telemetry API buffering limits (Telemetry API reference, "buffering" configuration).
inline constexpr uint32_t kMinBufferItems = 1'000;
inline constexpr uint32_t kMaxBufferItems = 10'000;
inline constexpr uint32_t kMinBufferBytes = 262'144;
inline constexpr uint32_t kMaxBufferBytes = 1'048'576;
inline constexpr uint32_t kMinBufferTimeoutMs = 25;
inline constexpr uint32_t kMaxBufferTimeoutMs = 30'000;

// A Kinesis stream's maximum record size (data plus partition key): every stream's default, and the
// largest one UpdateMaxRecordSize sets (Kinesis Data Streams API Reference, "UpdateMaxRecordSize":
// MaxRecordSizeInKiB from 1024 to 10240, i.e. 1 to 10 MiB; Developer Guide, "Handle large
// records": the default is 1 MiB). kinesis::LimitsForStream() derives the packing limits from it.
inline constexpr size_t kDefaultStreamMaxRecordBytes = 1024 * 1024;
inline constexpr size_t kLargestStreamMaxRecordBytes = 10 * 1024 * 1024;

// How records are spread over shards.
enum class PartitionKeyStrategy {
  kSandbox,  // one key per execution environment: spreads sandboxes, keeps each one in order
  kRandom,   // a fresh key per record: maximum spread, no ordering
  // The event's tenantId (Lambda tenant isolation) when it carries one, else the sandbox key:
  // one tenant's events stay in order on one shard, whichever environments served them.
  kTenant,
};

// How PutRecords bodies are encoded (kinesis/wire_protocol.h says why CBOR is the default).
enum class KinesisProtocol {
  kCbor,  // application/x-amz-cbor-1.1: record data as raw bytes
  kJson,  // application/x-amz-json-1.1: record data base64-encoded
};

// The TELEMETRY_KINESIS_PROTOCOL spelling of `protocol` ("cbor", "json").
constexpr std::string_view KinesisProtocolName(KinesisProtocol protocol) {
  return protocol == KinesisProtocol::kCbor ? "cbor" : "json";
}

// What the extension does when its configuration or initialisation fails.
enum class OnInitError {
  kContinue,  // log one loud line, keep the function running, ship nothing
  kFail,      // report to /extension/init/error so the function's init fails visibly
};

struct Config {
  // The function, as Lambda describes it to extensions (metadata for the record envelope).
  std::string function_name;
  std::string function_version;
  uint32_t function_memory_mb = 0;

  // Where records go.
  std::string stream_name;  // exactly one of stream_name / stream_arn is set
  std::string stream_arn;
  std::string region;  // the stream's region (from the ARN when one is given)
  // The resolved PutRecords endpoint, parsed once here: its URL (e.g.
  // https://kinesis.eu-west-1.amazonaws.com), Host header, signed path, scheme and how it was
  // chosen ("AWS_ENDPOINT_URL_KINESIS", "aws partition, FIPS", ...). Empty url: not resolved.
  aws::Endpoint endpoint;
  bool use_fips_endpoint = false;       // AWS_USE_FIPS_ENDPOINT
  bool use_dualstack_endpoint = false;  // AWS_USE_DUALSTACK_ENDPOINT
  std::string ca_file;                  // CA bundle for TLS; empty = the TLS library's default
  aws::CaBundleSource ca_file_source = aws::CaBundleSource::kLibraryDefault;  // for the log
  // The HTTP proxy PutRecords goes through (HTTPS_PROXY for an https endpoint); empty when none
  // is set for the endpoint's scheme or NO_PROXY names its host.
  std::optional<ProxyUrl> proxy;

  // Where the signing credentials come from: the key variables Lambda sets from the execution
  // role, or (SnapStart) the container credentials endpoint.
  aws::CredentialsSourceSettings credentials;

  // Telemetry API subscription.
  std::vector<std::string> telemetry_types{"platform", "function", "extension"};
  uint32_t buffer_max_items = kMinBufferItems;
  // The Telemetry API maximum: with the 256 KiB default, Lambda splits every event larger than it
  // (stack traces, payload dumps) across two POSTs.
  uint32_t buffer_max_bytes = kMaxBufferBytes;
  // 100 ms, not Lambda's 1,000 ms default: the last report must reach us inside the
  // ~2,000 ms SHUTDOWN window with time left to send it.
  uint32_t buffer_timeout_ms = 100;
  std::string listener_host = "sandbox.localdomain";
  uint16_t listener_port = 4243;

  // Records and delivery.
  // The stream's maximum record size, as set with UpdateMaxRecordSize: bounds every record, the
  // packed record target, and (above 1 MiB) allows 10 MiB requests.
  size_t stream_max_record_bytes = kDefaultStreamMaxRecordBytes;
  PartitionKeyStrategy partition_key = PartitionKeyStrategy::kSandbox;
  KinesisProtocol kinesis_protocol = KinesisProtocol::kCbor;
  // Record format (event, ndjson, kpl), compression and packed record size.
  RecordOptions records;
  // Which events are shipped (platform event types, minimum log level, drop pattern); the
  // others are counted as filtered.
  FilterOptions filters;
  // Memory budget of everything held (queued, in flight, awaiting retry): 8 MiB leaves a
  // 128 MB function almost all of its memory. Past it, records go to the spool. Never below
  // stream_max_record_bytes: it must hold one record of the largest size.
  size_t queue_max_bytes = 8u * 1024 * 1024;
  // The spool under /tmp (which survives between invocations and an extension crash).
  std::string spool_dir = "/tmp/telemetry-kinesis-spool";
  size_t spool_max_bytes = 64u * 1024 * 1024;  // 0 disables the spool
  uint32_t max_batch_age_ms = 200;    // send a partial request once its oldest record is this old
  uint32_t shutdown_margin_ms = 200;  // exit this long before the SHUTDOWN deadline

  // How Lambda runs this environment, and when records are sent (docs/execution-modes.md).
  ExecutionMode execution_mode = ExecutionMode::kOnDemand;
  bool execution_mode_known = true;  // false: an AWS_LAMBDA_INITIALIZATION_TYPE we do not know
  FlushStrategy flush;
  // Flush before /next: how long the extension may wait for Kinesis once the runtime is done.
  // That time is billed, so it is small; what is not sent by then goes in the background.
  uint32_t flush_budget_ms = 300;

  // CloudWatch Embedded Metric Format lines on stderr: at shutdown, and at an invocation
  // boundary once metrics_interval_ms has passed since the last line.
  bool emf_metrics = false;
  uint32_t metrics_interval_ms = 60'000;

  OnInitError on_init_error = OnInitError::kContinue;
  log::Level log_level = log::Level::kInfo;
};

// Result of reading the environment: a Config, plus one message per invalid or missing
// variable (each names the variable and what it accepts). Defaults fill what is absent.
struct LoadedConfig {
  Config config;
  std::vector<std::string> errors;
  bool ok() const { return errors.empty(); }
};

// Reads `environment`; files (the CA bundle) are looked up on the real filesystem.
LoadedConfig LoadConfig(const Environment& environment);
// The same with the filesystem injected (tests).
LoadedConfig LoadConfig(const Environment& environment, const aws::FileExists& file_exists);

}  // namespace tk::config
