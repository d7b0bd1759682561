// CloudWatch's view of telemetry events. Lambda's text-format platform lines, field by field:
//   START RequestId: <id> Version: <version>
//   END RequestId: <id>
//   REPORT RequestId: <id>\tDuration: <ms, 2 decimals> ms\tBilled Duration: <ms> ms\t
//     Memory Size: <MB> MB\tMax Memory Used: <MB> MB\t[Init Duration: <ms, 2 decimals> ms\t]
//     [\nXRAY TraceId: <root>\tSegmentId: <id>\tSampled: <true|false>\t]
// as the Lambda Developer Guide shows them ("Lambda function logging in Node.js", log format and
// the get-log-events example, where every message ends in "\n"; the fields are listed under
// "Report Log"). Observed in CloudWatch exports, not documented: INIT_START, INIT_REPORT on a
// failed init, EXTENSION, TELEMETRY, RESTORE_START, RESTORE_REPORT, the restore and status fields
// of REPORT, and XRAY on a line of its own within the REPORT message.
#include "telemetry/cloudwatch_lines.h"

#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <vector>

namespace tk::telemetry {
namespace {

using simdjson::dom::element;

constexpr std::string_view kFunctionType = "function";
constexpr std::string_view kExtensionType = "extension";

std::string_view StringField(const element& object, std::string_view key) {
  std::string_view value;
  if (object[key].get_string().get(value) != simdjson::SUCCESS) return {};
  return value;
}

std::optional<double> NumberField(const element& object, std::string_view key) {
  double value = 0;
  if (object[key].get_double().get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

// record.metrics.<key>, when the record has metrics with that number.
std::optional<double> Metric(const element& record, std::string_view key) {
  element metrics;
  if (record["metrics"].get(metrics) != simdjson::SUCCESS || !metrics.is_object()) {
    return std::nullopt;
  }
  return NumberField(metrics, key);
}

std::string Fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// "[INVOKE, SHUTDOWN]" from ["INVOKE","SHUTDOWN"]; with `capitalize`, "[Platform, Function]"
// from ["platform","function"] (how the TELEMETRY line names the types).
std::string BracketList(const element& object, std::string_view key, bool capitalize) {
  std::string list = "[";
  simdjson::dom::array items;
  if (object[key].get_array().get(items) == simdjson::SUCCESS) {
    bool first = true;
    for (element item : items) {
      std::string_view text;
      if (item.get_string().get(text) != simdjson::SUCCESS) continue;
      if (!first) list += ", ";
      first = false;
      std::string word(text);
      if (capitalize && !word.empty() && word[0] >= 'a' && word[0] <= 'z') word[0] -= 'a' - 'A';
      list += word;
    }
  }
  return list + "]";
}

// "Root=1-5d9d007f-...;Parent=3d752...;Sampled=1" -> the value of `key`.
std::string_view TraceHeaderPart(std::string_view header, std::string_view key) {
  for (size_t at = 0; at < header.size();) {
    const size_t end = std::min(header.find(';', at), header.size());
    const std::string_view part = header.substr(at, end - at);
    if (part.size() > key.size() && part.substr(0, key.size()) == key && part[key.size()] == '=') {
      return part.substr(key.size() + 1);
    }
    at = end + 1;
  }
  return {};
}

std::string ReportLine(const element& record) {
  auto metric = [&](std::string_view key) { return Metric(record, key); };
  std::string line = "REPORT RequestId: " + std::string(StringField(record, "requestId"));
  line += "\tDuration: " + Fixed(metric("durationMs").value_or(0), 2) + " ms";
  if (auto billed = metric("billedDurationMs"))
    line += "\tBilled Duration: " + Fixed(*billed, 0) + " ms";
  if (auto memory = metric("memorySizeMB")) line += "\tMemory Size: " + Fixed(*memory, 0) + " MB";
  if (auto used = metric("maxMemoryUsedMB"))
    line += "\tMax Memory Used: " + Fixed(*used, 0) + " MB";
  line += "\t";
  if (auto init = metric("initDurationMs")) line += "Init Duration: " + Fixed(*init, 2) + " ms\t";
  if (auto restore = metric("restoreDurationMs")) {
    line += "Restore Duration: " + Fixed(*restore, 2) + " ms\t";
    if (auto billed = metric("billedRestoreDurationMs")) {
      line += "Billed Restore Duration: " + Fixed(*billed, 0) + " ms\t";
    }
  }
  const std::string_view status = StringField(record, "status");
  if (!status.empty() && status != "success") {
    line += "Status: " + std::string(status) + "\t";
    if (auto type = StringField(record, "errorType"); !type.empty()) {
      line += "Error Type: " + std::string(type) + "\t";
    }
  }
  element tracing;
  if (record["tracing"].get(tracing) == simdjson::SUCCESS && tracing.is_object()) {
    const std::string_view header = StringField(tracing, "value");
    const std::string_view root = TraceHeaderPart(header, "Root");
    if (!root.empty()) {
      line += "\nXRAY TraceId: " + std::string(root);
      line += "\tSegmentId: " + std::string(StringField(tracing, "spanId"));
      line += std::string("\tSampled: ") +
              (TraceHeaderPart(header, "Sampled") == "1" ? "true" : "false") + "\t";
    }
  }
  return line + "\n";
}

std::string RuntimeVersionLine(std::string_view tag, const element& record) {
  return std::string(tag) +
         " Runtime Version: " + std::string(StringField(record, "runtimeVersion")) +
         "\tRuntime Version ARN: " + std::string(StringField(record, "runtimeVersionArn")) + "\n";
}

// Lambda's own line for a platform event in the text log format; nullopt: it writes none.
std::optional<std::string> PlatformTextLine(std::string_view type, const element& record,
                                            std::string_view function_version) {
  if (type == "platform.start") {
    std::string_view version = StringField(record, "version");
    if (version.empty()) version = function_version;
    return "START RequestId: " + std::string(StringField(record, "requestId")) +
           " Version: " + std::string(version) + "\n";
  }
  if (type == "platform.runtimeDone") {
    return "END RequestId: " + std::string(StringField(record, "requestId")) + "\n";
  }
  if (type == "platform.report") return ReportLine(record);
  if (type == "platform.initStart") return RuntimeVersionLine("INIT_START", record);
  if (type == "platform.restoreStart") return RuntimeVersionLine("RESTORE_START", record);
  if (type == "platform.restoreReport") {
    return "RESTORE_REPORT Restore Duration: " +
           Fixed(Metric(record, "durationMs").value_or(0), 2) + " ms\t\n";
  }
  if (type == "platform.initReport") {
    const std::string_view status = StringField(record, "status");
    if (status.empty() || status == "success") return std::nullopt;  // its time is in REPORT
    std::string line =
        "INIT_REPORT Init Duration: " + Fixed(Metric(record, "durationMs").value_or(0), 2) +
        " ms\tPhase: " + std::string(StringField(record, "phase")) +
        "\tStatus: " + std::string(status);
    if (auto error = StringField(record, "errorType"); !error.empty()) {
      line += "\tError Type: " + std::string(error);
    }
    return line + "\n";
  }
  if (type == "platform.extension") {
    return "EXTENSION\tName: " + std::string(StringField(record, "name")) +
           "\tState: " + std::string(StringField(record, "state")) +
           "\tEvents: " + BracketList(record, "events", false) + "\n";
  }
  if (type == "platform.telemetrySubscription") {
    return "TELEMETRY\tName: " + std::string(StringField(record, "name")) +
           "\tState: " + std::string(StringField(record, "state")) +
           "\tTypes: " + BracketList(record, "types", true) + "\n";
  }
  // platform.initRuntimeDone, platform.restoreRuntimeDone, platform.logsDropped (the Telemetry
  // API's note to its subscriber) and types Lambda adds later: no text line.
  return std::nullopt;
}

int DigitsAt(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) return -1;
  int value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::optional<int64_t> ParseRfc3339Ms(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS
  const int year = DigitsAt(text, 0, 4);
  const int month = DigitsAt(text, 5, 2);
  const int day = DigitsAt(text, 8, 2);
  const int hour = DigitsAt(text, 11, 2);
  const int minute = DigitsAt(text, 14, 2);
  const int second = DigitsAt(text, 17, 2);
  if (year < 0 || month < 1 || day < 1 || hour < 0 || minute < 0 || second < 0 ||
      text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  size_t at = 19;
  int64_t millis = 0;
  if (text[at] == '.') {
    int digits = 0;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++digits) {
      if (digits < 3) millis = millis * 10 + (text[at] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 3; ++digits) millis *= 10;
  }
  int64_t offset_minutes = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    const int offset_hours = DigitsAt(text, at + 1, 2);
    const int offset_mins = DigitsAt(text, at + 4, 2);
    if (offset_hours < 0 || offset_mins < 0 || at + 3 >= text.size() || text[at + 3] != ':') {
      return std::nullopt;
    }
    offset_minutes = (text[at] == '+' ? 1 : -1) * (offset_hours * 60 + offset_mins);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  const int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1000 + millis;
}

std::optional<CloudWatchLine> CloudWatchLineOf(std::string_view raw_event,
                                               config::CloudWatchLogFormat format,
                                               std::string_view function_version) {
  thread_local simdjson::dom::parser parser;
  element event;
  if (parser.parse(raw_event.data(), raw_event.size()).get(event) != simdjson::SUCCESS ||
      !event.is_object()) {
    return std::nullopt;
  }
  const std::string_view type = StringField(event, "type");
  CloudWatchLine line;
  const auto time = ParseRfc3339Ms(StringField(event, "time"));
  line.timestamp_ms = time ? *time
                           : std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
  element record;
  if (event["record"].get(record) != simdjson::SUCCESS) return std::nullopt;
  if (type == kFunctionType || type == kExtensionType) {
    std::string_view text;
    if (record.get_string().get(text) == simdjson::SUCCESS) {
      // A line as the runtime wrote it; CloudWatch's message keeps its newline.
      line.message.assign(text);
      if (line.message.empty() || line.message.back() != '\n') line.message.push_back('\n');
    } else {
      line.message = simdjson::minify(record);  // the JSON log format's object
    }
    return line;
  }
  if (type == "platform.logsDropped") return std::nullopt;
  if (format == config::CloudWatchLogFormat::kJson) {
    // With the JSON log format Lambda writes its platform events as these very objects.
    line.message = simdjson::minify(event);
    return line;
  }
  std::optional<std::string> text = PlatformTextLine(type, record, function_version);
  if (!text) return std::nullopt;
  line.message = *std::move(text);
  return line;
}

}  // namespace tk::telemetry
