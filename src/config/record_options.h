// Settings of the record formats (event, ndjson, kpl; gzip) and of the event filters, with the
// parsers that turn their environment values into them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tk::config {

// How events become Kinesis records (README "Record formats").
enum class RecordFormat {
  kEvent,           // one record per event: the envelope around the event's bytes
  kNdjson,          // many envelopes per record, one per line, each line ending in '\n'
  kKpl,             // the KPL aggregated record format: KCL and the kinesis-aggregation libraries
                    // de-aggregate it transparently
  kCloudWatchLogs,  // a CloudWatch Logs subscription DATA_MESSAGE per record, gzip (always)
};

// The function's log format (its LoggingConfig), which decides how CloudWatch shows platform
// events: Lambda's text lines (START, END, REPORT...) or the events as JSON objects.
enum class CloudWatchLogFormat { kText, kJson };

// How the cloudwatch-logs format names what a subscription filter would.
struct CloudWatchOptions {
  std::string log_group;  // empty: "/aws/lambda/<function name>", Lambda's default log group
  std::string subscription_filter = "telemetry-kinesis";
  CloudWatchLogFormat log_format = CloudWatchLogFormat::kText;
};

enum class Compression {
  kNone,
  kGzip,  // ndjson only: the whole record is one gzip member (magic 1F 8B marks it)
};

// Record size target: 25 KiB is one PUT payload unit (kinesis::kPayloadUnitBytes), so a packed
// record costs one unit and the next event starts the next record instead of a second unit.
inline constexpr size_t kDefaultPackedRecordBytes = 25 * 1024;
// Smallest target accepted: below this a record holds hardly more than one event's envelope.
// The largest is the stream's maximum record size (Config::stream_max_record_bytes).
inline constexpr size_t kMinPackedRecordBytes = 1024;

struct RecordOptions {
  RecordFormat format = RecordFormat::kEvent;
  Compression compression = Compression::kNone;
  // Target size of a packed record, partition key included (ndjson, kpl, cloudwatch-logs;
  // ignored for event).
  size_t max_record_bytes = kDefaultPackedRecordBytes;
  CloudWatchOptions cloudwatch;  // cloudwatch-logs only
};

// Log levels recognised in function and extension log lines, lowest first.
enum class LogLevel : uint8_t { kTrace, kDebug, kInfo, kWarn, kError, kFatal };

// Which events are shipped. Defaults keep everything.
struct FilterOptions {
  // platform.* event types to keep (e.g. platform.report); empty: every platform event.
  std::vector<std::string> platform_events;
  // Function and extension log lines below this level are dropped; lines whose level cannot be
  // recognised are kept. Unset: no level filter.
  std::optional<LogLevel> min_log_level;
  // Literal substrings: an event whose JSON text contains any of them is dropped. Empty: none.
  std::vector<std::string> drop_substrings;

  bool active() const {
    return !platform_events.empty() || min_log_level.has_value() || !drop_substrings.empty();
  }
};

// For the start-up log line: "event", "ndjson+gzip up to 25600 bytes", "kpl up to 25600 bytes".
std::string DescribeRecordOptions(const RecordOptions& options);
// For the start-up log line: "" when nothing is filtered, else e.g.
// "; filters: platform events platform.report, log level >= warn, 2 drop texts".
std::string DescribeFilters(const FilterOptions& options);

// "trace", "debug", "info", "warn" (or "warning"), "error", "fatal" (or "critical"), any case.
std::optional<LogLevel> ParseLogLevel(std::string_view text);
std::string_view LogLevelName(LogLevel level);

// A comma-separated list of platform event types, each "platform.<name>" with <name> of letters.
// Returns nullopt when an item is malformed or the list is empty.
std::optional<std::vector<std::string>> ParsePlatformEvents(std::string_view list);

// Splits a drop pattern into its literal alternatives: '|' separates them, "\|" is a literal bar
// and "\\" a literal backslash. Returns nullopt for an empty alternative or a dangling or unknown
// escape.
std::optional<std::vector<std::string>> ParseDropPattern(std::string_view pattern);

}  // namespace tk::config
