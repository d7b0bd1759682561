// Environment variables -> one validated Config; every problem is reported at once, by name.
#include <charconv>
#include <string>
#include <string_view>

#include "aws/ca_bundle.h"
#include "aws/credentials_provider.h"
#include "aws/endpoint.h"
#include "common/ascii.h"
#include "common/text.h"
#include "config/config.h"

namespace tk::config {
namespace {

constexpr size_t kMinQueueBytes = 1u * 1024 * 1024;
constexpr size_t kMaxQueueBytes = 1024u * 1024 * 1024;
constexpr uint64_t kMaxSpoolBytes = 10ull * 1024 * 1024 * 1024;  // Lambda's /tmp is at most 10 GB
constexpr size_t kMaxStreamNameChars = 128;  // Kinesis CreateStream: StreamName 1-128 chars
constexpr std::string_view kStreamMaxRecordBytesVariable =
    "TELEMETRY_KINESIS_STREAM_MAX_RECORD_BYTES";
constexpr std::string_view kQueueMaxBytesVariable = "TELEMETRY_KINESIS_QUEUE_MAX_BYTES";
// The flush before /next is billed time: at most 5 s, well inside any function timeout.
constexpr uint32_t kMinFlushBudgetMs = 10;
constexpr uint32_t kMaxFlushBudgetMs = 5'000;
// CloudWatch Logs API Reference: logGroupName and filterName are 1-512 characters.
constexpr size_t kMaxLogGroupNameBytes = 512;
constexpr size_t kMaxFilterNameBytes = 512;

class Loader {
 public:
  Loader(const Environment& environment, const aws::FileExists& file_exists)
      : env_(environment), file_exists_(file_exists) {}

  LoadedConfig Load() {
    LoadFunction();
    LoadStream();
    LoadEndpoint();
    LoadProxy();
    LoadCaBundle();
    LoadCredentials();
    LoadSubscription();
    LoadDelivery();
    LoadExecutionMode();
    LoadRecordFormat();  // after LoadDelivery: its range ends at the stream's maximum record size
    LoadFilters();
    return std::move(result_);
  }

 private:
  Config& config() { return result_.config; }
  void Fail(std::string message) { result_.errors.push_back(std::move(message)); }

  template <typename Number>
  void ReadNumber(std::string_view name, uint64_t min, uint64_t max, Number& out) {
    auto text = env_.Get(name);
    if (!text) return;  // keep the default
    uint64_t value = 0;
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (error != std::errc() || end != text->data() + text->size() || value < min || value > max) {
      Fail(std::string(name) + "=\"" + *text + "\" is invalid: expected an integer from " +
           std::to_string(min) + " to " + std::to_string(max));
      return;
    }
    out = static_cast<Number>(value);
  }

  // Reads a variable whose value must be one of `choices`; returns the index of the match.
  std::optional<size_t> ReadChoice(std::string_view name,
                                   std::initializer_list<std::string_view> choices) {
    auto text = env_.Get(name);
    if (!text) return std::nullopt;
    size_t index = 0;
    std::string allowed;
    for (std::string_view choice : choices) {
      if (*text == choice) return index;
      allowed.append(allowed.empty() ? "" : ", ").append(choice);
      ++index;
    }
    Fail(std::string(name) + "=\"" + *text + "\" is invalid: expected one of " + allowed);
    return std::nullopt;
  }

  // AWS_USE_FIPS_ENDPOINT and AWS_USE_DUALSTACK_ENDPOINT take true or false (AWS SDKs and Tools
  // Reference Guide, "Dual-stack and FIPS endpoints"), in any case as botocore's ensure_boolean
  // reads them; anything else is refused rather than read as false.
  void ReadBool(std::string_view name, bool& out) {
    auto text = env_.Get(name);
    if (!text) return;  // keep the default
    std::string lower = *text;
    for (char& c : lower) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != "true" && lower != "false") {
      Fail(std::string(name) + "=\"" + *text + "\" is invalid: expected true or false");
      return;
    }
    out = lower == "true";
  }

  void LoadFunction() {
    config().function_name = env_.Get("AWS_LAMBDA_FUNCTION_NAME").value_or("");
    config().function_version = env_.Get("AWS_LAMBDA_FUNCTION_VERSION").value_or("");
    ReadNumber("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 0, 1'000'000, config().function_memory_mb);
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
    ReadBool(aws::kUseFipsEndpointVariable, config().use_fips_endpoint);
    ReadBool(aws::kUseDualStackEndpointVariable, config().use_dualstack_endpoint);
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
    ReadNumber("TELEMETRY_KINESIS_BUFFER_MAX_ITEMS", kMinBufferItems, kMaxBufferItems,
               config().buffer_max_items);
    ReadNumber("TELEMETRY_KINESIS_BUFFER_MAX_BYTES", kMinBufferBytes, kMaxBufferBytes,
               config().buffer_max_bytes);
    ReadNumber("TELEMETRY_KINESIS_BUFFER_TIMEOUT_MS", kMinBufferTimeoutMs, kMaxBufferTimeoutMs,
               config().buffer_timeout_ms);
    if (auto host = env_.Get("TELEMETRY_KINESIS_LISTENER_HOST")) config().listener_host = *host;
    ReadNumber("TELEMETRY_KINESIS_LISTENER_PORT", 1, 65535, config().listener_port);
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
    if (auto strategy =
            ReadChoice("TELEMETRY_KINESIS_PARTITION_KEY", {"sandbox", "random", "tenant"})) {
      constexpr PartitionKeyStrategy kStrategies[] = {PartitionKeyStrategy::kSandbox,
                                                      PartitionKeyStrategy::kRandom,
                                                      PartitionKeyStrategy::kTenant};
      config().partition_key = kStrategies[*strategy];
    }
    if (auto protocol = ReadChoice("TELEMETRY_KINESIS_PROTOCOL",
                                   {KinesisProtocolName(KinesisProtocol::kCbor),
                                    KinesisProtocolName(KinesisProtocol::kJson)})) {
      config().kinesis_protocol = *protocol == 0 ? KinesisProtocol::kCbor : KinesisProtocol::kJson;
    }
    ReadNumber(kStreamMaxRecordBytesVariable, kDefaultStreamMaxRecordBytes,
               kLargestStreamMaxRecordBytes, config().stream_max_record_bytes);
    const size_t errors_before_queue = result_.errors.size();
    ReadNumber(kQueueMaxBytesVariable, kMinQueueBytes, kMaxQueueBytes, config().queue_max_bytes);
    if (result_.errors.size() == errors_before_queue) CheckQueueHoldsLargestRecord();
    if (auto dir = env_.Get("TELEMETRY_KINESIS_SPOOL_DIR")) {
      if (!dir->starts_with("/")) {
        Fail("TELEMETRY_KINESIS_SPOOL_DIR=\"" + *dir + "\" is invalid: expected an absolute path");
      } else {
        config().spool_dir = *dir;
      }
    }
    ReadNumber("TELEMETRY_KINESIS_SPOOL_MAX_BYTES", 0, kMaxSpoolBytes, config().spool_max_bytes);
    ReadNumber("TELEMETRY_KINESIS_MAX_BATCH_AGE_MS", 1, 60'000, config().max_batch_age_ms);
    ReadNumber("TELEMETRY_KINESIS_SHUTDOWN_MARGIN_MS", 0, 1'000, config().shutdown_margin_ms);
    if (auto metrics = ReadChoice("TELEMETRY_KINESIS_METRICS", {"none", "emf"})) {
      config().emf_metrics = *metrics == 1;
    }
    ReadNumber("TELEMETRY_KINESIS_METRICS_INTERVAL_MS", 1'000, 3'600'000,
               config().metrics_interval_ms);
    if (auto mode = ReadChoice("TELEMETRY_KINESIS_ON_INIT_ERROR", {"continue", "fail"})) {
      config().on_init_error = *mode == 0 ? OnInitError::kContinue : OnInitError::kFail;
    }
    if (auto level =
            ReadChoice("TELEMETRY_KINESIS_LOG_LEVEL", {"debug", "info", "warn", "error"})) {
      config().log_level = static_cast<log::Level>(*level);
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
    ReadNumber("TELEMETRY_KINESIS_FLUSH_BUDGET_MS", kMinFlushBudgetMs, kMaxFlushBudgetMs,
               config().flush_budget_ms);
  }

  void LoadRecordFormat() {
    RecordOptions& records = config().records;
    if (auto format = ReadChoice("TELEMETRY_KINESIS_RECORD_FORMAT",
                                 {"event", "ndjson", "kpl", "cloudwatch-logs"})) {
      records.format = static_cast<RecordFormat>(*format);
    }
    // A packed record cannot be larger than the stream takes.
    ReadNumber("TELEMETRY_KINESIS_RECORD_MAX_BYTES", kMinPackedRecordBytes,
               config().stream_max_record_bytes, records.max_record_bytes);
    if (records.format == RecordFormat::kCloudWatchLogs) {
      LoadCloudWatch(records);
      return;
    }
    if (auto compression = ReadChoice("TELEMETRY_KINESIS_COMPRESSION", {"none", "gzip"})) {
      records.compression = static_cast<Compression>(*compression);
    }
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
};

}  // namespace

LoadedConfig LoadConfig(const Environment& environment) {
  return LoadConfig(environment, aws::IsReadableFile);
}

LoadedConfig LoadConfig(const Environment& environment, const aws::FileExists& file_exists) {
  return Loader(environment, file_exists).Load();
}

}  // namespace tk::config
