// Environment variables -> one validated Config; every problem is reported at once, by name.
#include <algorithm>
#include <charconv>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aws/ca_bundle.h"
#include "aws/credentials_provider.h"
#include "aws/endpoint.h"
#include "common/ascii.h"
#include "common/text.h"
#include "config/config.h"
#include "config/settings.h"

namespace tk::config {
namespace {

constexpr size_t kMaxStreamNameChars = 128;  // Kinesis CreateStream: StreamName 1-128 chars
constexpr std::string_view kStreamMaxRecordBytesVariable =
    "TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES";
constexpr std::string_view kQueueMaxBytesVariable = "TELEMETRY_KINESIS_QUEUE_MAX_BYTES";
// CloudWatch Logs API Reference: logGroupName and filterName are 1-512 characters.
constexpr size_t kMaxLogGroupNameBytes = 512;
constexpr size_t kMaxFilterNameBytes = 512;

// The value of a typed setting in `text` (a choice's index, 0/1 for a bool); nullopt: refused.
std::optional<uint64_t> ParseNumber(std::string_view text, uint64_t min, uint64_t max) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return std::nullopt;
  }
  return value;
}

std::optional<uint64_t> ParseChoice(std::string_view text,
                                    std::span<const std::string_view> choices) {
  for (size_t index = 0; index < choices.size(); ++index) {
    if (text == choices[index]) return index;
  }
  return std::nullopt;
}

// AWS_USE_FIPS_ENDPOINT and AWS_USE_DUALSTACK_ENDPOINT take true or false (AWS SDKs and Tools
// Reference Guide, "Dual-stack and FIPS endpoints"), in any case as botocore's ensure_boolean
// reads them; anything else is refused rather than read as false.
std::optional<uint64_t> ParseBool(std::string_view text) {
  if (EqualsIgnoreAsciiCase(text, "true")) return 1;
  if (EqualsIgnoreAsciiCase(text, "false")) return 0;
  return std::nullopt;
}

class Loader {
 public:
  Loader(const Environment& environment, const aws::FileExists& file_exists)
      : env_(environment), file_exists_(file_exists) {}

  LoadedConfig Load() {
    LoadFunction();
    LoadStream();
    ReadTableSettings();  // before LoadEndpoint, which the FIPS and dual-stack settings steer
    LoadEndpoint();
    LoadProxy();
    LoadCaBundle();
    LoadCredentials();
    LoadSubscription();
    LoadDelivery();
    LoadExecutionMode();
    LoadRecordFormat();  // after ReadTableSettings: the format decides what compression may be
    LoadFilters();
    return std::move(result_);
  }

 private:
  Config& config() { return result_.config; }
  void Fail(std::string message) { result_.errors.push_back(std::move(message)); }

  // Every number, choice and boolean of the table but those the loader reads at its own point.
  void ReadTableSettings() {
    for (const Setting& setting : kSettings) {
      if (setting.kind != SettingKind::kBespoke && !setting.loader_reads) Read(setting);
    }
  }

  // Keeps the default when the variable is unset; an invalid value is reported and not stored.
  void Read(const Setting& setting) {
    auto text = env_.Get(setting.variable);
    if (!text) return;
    if (std::optional<uint64_t> value = Parse(setting, *text)) {
      setting.set(config(), *value);
      return;
    }
    Fail(std::string(setting.variable) + "=\"" + *text + "\" is invalid: expected " +
         Expected(setting));
    refused_.push_back(setting.variable);
  }

  std::optional<uint64_t> Parse(const Setting& setting, std::string_view text) {
    switch (setting.kind) {
      case SettingKind::kNumber:
        return ParseNumber(text, setting.min, MaxOf(setting));
      case SettingKind::kChoice:
        return ParseChoice(text, setting.choices);
      case SettingKind::kBool:
        return ParseBool(text);
      case SettingKind::kBespoke:
        break;
    }
    return std::nullopt;
  }

  // What the setting accepts, for its error message.
  std::string Expected(const Setting& setting) {
    switch (setting.kind) {
      case SettingKind::kNumber:
        return "an integer from " + std::to_string(setting.min) + " to " +
               std::to_string(MaxOf(setting));
      case SettingKind::kChoice: {
        std::string allowed;
        for (std::string_view choice : setting.choices) {
          allowed.append(allowed.empty() ? "" : ", ").append(choice);
        }
        return "one of " + allowed;
      }
      case SettingKind::kBool:
        return "true or false";
      case SettingKind::kBespoke:
        break;
    }
    return "";
  }

  uint64_t MaxOf(const Setting& setting) {
    return setting.max_of != nullptr ? setting.max_of(config()) : setting.max;
  }

  bool Refused(std::string_view variable) const {
    return std::find(refused_.begin(), refused_.end(), variable) != refused_.end();
  }

  void LoadFunction() {
    config().function_name = env_.Get("AWS_LAMBDA_FUNCTION_NAME").value_or("");
    config().function_version = env_.Get("AWS_LAMBDA_FUNCTION_VERSION").value_or("");
  }

  void LoadStream() {
    auto region = env_.Get("AWS_REGION");
    auto stream_setting = env_.Get("TELEMETRY_KINESIS_STREAM");
    // A stream ARN carries its region; a stream name needs AWS_REGION (Lambda always sets it).
    if (!region && !(stream_setting && stream_setting->starts_with("arn:"))) {
      Fail("AWS_REGION is not set: expected the function's region, e.g. us-east-1");
    }
    config().region = region.value_or("");

    auto stream = env_.Get("TELEMETRY_KINESIS_STREAM");
    if (!stream) {
      Fail("TELEMETRY_KINESIS_STREAM is not set: expected a Kinesis stream name or stream ARN");
    } else if (stream->starts_with("arn:")) {
      auto arn = aws::ParseStreamArn(*stream);
      if (!arn) {
        Fail("TELEMETRY_KINESIS_STREAM=\"" + *stream +
             "\" is not a valid stream ARN: " + arn.error().message);
      } else {
        config().stream_arn = *stream;
        config().region = arn->region;  // the stream's region wins: cross-region puts work
      }
    } else if (!IsValidStreamName(*stream)) {
      Fail("TELEMETRY_KINESIS_STREAM=\"" + *stream +
           "\" is invalid: expected a stream name (1-128 of a-z A-Z 0-9 _ . -) or a stream ARN");
    } else {
      config().stream_name = *stream;
    }
  }

  // After LoadStream: the endpoint depends on the region and on whether the stream is an ARN.
  void LoadEndpoint() {
    if (config().region.empty()) return;
    const std::string endpoint_url_kinesis =
        env_.Get(aws::kEndpointUrlKinesisVariable).value_or("");
    const std::string endpoint_url = env_.Get(aws::kEndpointUrlVariable).value_or("");
    // A stream ARN goes into PutRecords as StreamARN, which the endpoint rules read.
    auto endpoint = aws::ResolveKinesisEndpoint({.region = config().region,
                                                 .use_fips = config().use_fips_endpoint,
                                                 .use_dual_stack = config().use_dualstack_endpoint,
                                                 .endpoint_url_kinesis = endpoint_url_kinesis,
                                                 .endpoint_url = endpoint_url,
                                                 .stream_arn = config().stream_arn});
    if (!endpoint) {
      Fail(endpoint.error().message);
      return;
    }
    config().endpoint = *std::move(endpoint);
  }

  // Read once, for the one endpoint there is: the proxy cannot change while the extension runs.
  void LoadProxy() {
    if (config().endpoint.url.empty()) return;  // the endpoint's own error is reported
    ProxyChoice choice = ChooseProxy(env_, config().endpoint);
    for (std::string& error : choice.errors) Fail(std::move(error));
    config().proxy = std::move(choice.proxy);
  }

  // Certificates are always verified: a bundle variable naming no file is an error, not a reason
  // to fall back; without variables the OS's bundle is searched (Amazon Linux keeps it elsewhere
  // than Debian, where OpenSSL's default paths point: aws/ca_bundle.h).
  void LoadCaBundle() {
    auto bundle = aws::FindCaBundle(env_.Get(aws::kAwsCaBundleVariable).value_or(""),
                                    env_.Get(aws::kSslCertFileVariable).value_or(""), file_exists_);
    if (!bundle) {
      Fail(bundle.error().message);
      return;
    }
    config().ca_file = bundle->path;
    config().ca_file_source = bundle->source;
  }

  static bool IsValidStreamName(std::string_view name) {
    if (name.empty() || name.size() > kMaxStreamNameChars) return false;
    for (char c : name) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '.' || c == '-';
      if (!ok) return false;
    }
    return true;
  }

  void LoadCredentials() {
    // Only the source is chosen here; a container endpoint is not asked before the sender's
    // first request (never on the init path). Values are secrets: messages name variables.
    Result<aws::CredentialsSourceSettings> source =
        aws::ChooseCredentialsSource([this](std::string_view name) { return env_.Get(name); });
    if (!source.ok()) {
      Fail(source.error().message +
           ": Lambda sets the key variables from the execution role, or the container "
           "variables with SnapStart");
      return;
    }
    config().credentials = *std::move(source);
  }

  void LoadSubscription() {
    if (auto types = env_.Get("TELEMETRY_KINESIS_TYPES")) LoadTypes(*types);
    if (auto host = env_.Get("TELEMETRY_KINESIS_LISTENER_HOST")) config().listener_host = *host;
  }

  void LoadTypes(std::string_view list) {
    std::vector<std::string> types;
    for (std::string_view item : SplitCommaList(list)) {
      if (item != "platform" && item != "function" && item != "extension") {
        Fail("TELEMETRY_KINESIS_TYPES=\"" + std::string(list) +
             "\" is invalid: expected a comma-separated list of platform, function, extension");
        return;
      }
      types.emplace_back(item);
    }
    config().telemetry_types = std::move(types);
  }

  void LoadDelivery() {
    // An invalid budget is reported once, as invalid, not also as too small.
    if (!Refused(kQueueMaxBytesVariable)) CheckQueueHoldsLargestRecord();
    if (auto dir = env_.Get("TELEMETRY_KINESIS_SPOOL_DIR")) {
      if (!dir->starts_with("/")) {
        Fail("TELEMETRY_KINESIS_SPOOL_DIR=\"" + *dir + "\" is invalid: expected an absolute path");
      } else {
        config().spool_dir = *dir;
      }
    }
  }

  // A record of the stream's maximum size must fit the memory budget, or it could never be
  // queued (nor replayed from the spool). Not raised silently: the budget is the function's memory.
  void CheckQueueHoldsLargestRecord() {
    const size_t largest = config().stream_max_record_bytes;
    if (config().queue_max_bytes >= largest) return;
    const bool queue_set = env_.Get(kQueueMaxBytesVariable).has_value();
    Fail(std::string(kQueueMaxBytesVariable) + "=" + std::to_string(config().queue_max_bytes) +
         (queue_set ? "" : " (the default)") + " is smaller than " +
         std::string(kStreamMaxRecordBytesVariable) + "=" + std::to_string(largest) +
         ": the memory budget must hold at least one record of the stream's maximum size; set " +
         std::string(kQueueMaxBytesVariable) + " to at least " + std::to_string(largest));
  }

  void LoadExecutionMode() {
    auto type = env_.Get("AWS_LAMBDA_INITIALIZATION_TYPE");
    config().execution_mode = ParseExecutionMode(type, &config().execution_mode_known);
    if (!type) config().execution_mode_known = true;  // absent: plain on-demand Lambda
    if (auto flush = env_.Get("TELEMETRY_KINESIS_FLUSH")) {
      if (auto strategy = ParseFlushStrategy(*flush)) {
        config().flush = *strategy;
      } else {
        Fail("TELEMETRY_KINESIS_FLUSH=\"" + *flush +
             "\" is invalid: expected adaptive, end, background or periodic,<ms> with <ms> an "
             "integer from " +
             std::to_string(kMinFlushPeriodMs) + " to " + std::to_string(kMaxFlushPeriodMs));
      }
    }
  }

  void LoadRecordFormat() {
    RecordOptions& records = config().records;
    if (records.format == RecordFormat::kCloudWatchLogs) {
      LoadCloudWatch(records);
      return;
    }
    Read(SettingNamed("TELEMETRY_KINESIS_COMPRESSION"));
    if (records.compression == Compression::kGzip && records.format != RecordFormat::kNdjson) {
      // kpl: KCL de-aggregates only uncompressed aggregates; event: one small event per record
      // saves no payload unit.
      Fail("TELEMETRY_KINESIS_COMPRESSION=gzip is invalid with TELEMETRY_KINESIS_RECORD_FORMAT=" +
           std::string(records.format == RecordFormat::kKpl ? "kpl" : "event") +
           ": gzip needs TELEMETRY_KINESIS_RECORD_FORMAT=ndjson");
    }
  }

  // cloudwatch-logs: always gzip (a subscription filter's records are), keyed by the log stream.
  void LoadCloudWatch(RecordOptions& records) {
    records.compression = Compression::kGzip;
    if (auto compression = env_.Get("TELEMETRY_KINESIS_COMPRESSION");
        compression && *compression != "gzip") {
      Fail("TELEMETRY_KINESIS_COMPRESSION=\"" + *compression +
           "\" is invalid with TELEMETRY_KINESIS_RECORD_FORMAT=cloudwatch-logs: its records are "
           "gzip, as a CloudWatch Logs subscription's are (leave it unset)");
    }
    if (config().partition_key != PartitionKeyStrategy::kSandbox) {
      Fail(
          "TELEMETRY_KINESIS_PARTITION_KEY is invalid with "
          "TELEMETRY_KINESIS_RECORD_FORMAT=cloudwatch-logs: the partition key is the log "
          "stream, as a subscription filter's is (leave it unset)");
    }
    CloudWatchOptions& cloudwatch = records.cloudwatch;
    cloudwatch.log_group = env_.Get("TELEMETRY_KINESIS_CLOUDWATCH_LOG_GROUP")
                               .value_or("/aws/lambda/" + config().function_name);
    if (cloudwatch.log_group.empty() || cloudwatch.log_group.size() > kMaxLogGroupNameBytes) {
      Fail(
          "TELEMETRY_KINESIS_CLOUDWATCH_LOG_GROUP is invalid: a log group name has 1 to 512 "
          "characters");
    }
    if (auto name = env_.Get("TELEMETRY_KINESIS_CLOUDWATCH_FILTER_NAME")) {
      cloudwatch.subscription_filter = *name;
      if (name->empty() || name->size() > kMaxFilterNameBytes) {
        Fail(
            "TELEMETRY_KINESIS_CLOUDWATCH_FILTER_NAME is invalid: a subscription filter name has "
            "1 to 512 characters");
      }
    }
    // auto: the function's own setting, which Lambda passes as AWS_LAMBDA_LOG_FORMAT ("Lambda
    // also sets your function's log format using the AWS_LAMBDA_LOG_FORMAT environment
    // variable": Lambda Developer Guide, "Log-level filtering").
    std::string format = env_.Get("TELEMETRY_KINESIS_CLOUDWATCH_LOG_FORMAT").value_or("auto");
    if (format == "auto") {
      const std::string lambda_format =
          AsciiLowercase(env_.Get("AWS_LAMBDA_LOG_FORMAT").value_or("text"));
      format = lambda_format == "json" ? "json" : "text";
    }
    if (format == "text" || format == "json") {
      cloudwatch.log_format =
          format == "json" ? CloudWatchLogFormat::kJson : CloudWatchLogFormat::kText;
    } else {
      Fail("TELEMETRY_KINESIS_CLOUDWATCH_LOG_FORMAT=\"" + format +
           "\" is invalid: expected one of auto, text, json");
    }
  }

  void LoadFilters() {
    FilterOptions& filters = config().filters;
    if (auto list = env_.Get("TELEMETRY_KINESIS_PLATFORM_EVENTS")) {
      if (auto types = ParsePlatformEvents(*list)) {
        filters.platform_events = *std::move(types);
      } else {
        Fail("TELEMETRY_KINESIS_PLATFORM_EVENTS=\"" + *list +
             "\" is invalid: expected a comma-separated list of platform event types, e.g. "
             "platform.start,platform.report");
      }
    }
    if (auto level = env_.Get("TELEMETRY_KINESIS_MIN_LOG_LEVEL")) {
      if (auto parsed = ParseLogLevel(*level)) {
        filters.min_log_level = parsed;
      } else {
        Fail("TELEMETRY_KINESIS_MIN_LOG_LEVEL=\"" + *level +
             "\" is invalid: expected one of trace, debug, info, warn, error, fatal");
      }
    }
    if (auto pattern = env_.Get("TELEMETRY_KINESIS_DROP_PATTERN")) {
      if (auto substrings = ParseDropPattern(*pattern)) {
        filters.drop_substrings = *std::move(substrings);
      } else {
        Fail("TELEMETRY_KINESIS_DROP_PATTERN=\"" + *pattern +
             "\" is invalid: expected literal texts separated by | (\\| for a bar, \\\\ for a "
             "backslash), none of them empty");
      }
    }
  }

  const Environment& env_;
  const aws::FileExists& file_exists_;
  LoadedConfig result_;
  std::vector<std::string_view> refused_;  // variables whose value was reported invalid
};

}  // namespace

LoadedConfig LoadConfig(const Environment& environment) {
  return LoadConfig(environment, aws::IsReadableFile);
}

LoadedConfig LoadConfig(const Environment& environment, const aws::FileExists& file_exists) {
  return Loader(environment, file_exists).Load();
}

}  // namespace tk::config
