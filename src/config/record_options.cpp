// Parsers of the record-format and filter settings (validated, never partially applied).
#include "config/record_options.h"

#include <array>

#include "common/ascii.h"
#include "common/text.h"

namespace tk::config {
namespace {

struct LevelName {
  std::string_view name;
  LogLevel level;
};

constexpr std::array<LevelName, 8> kLevelNames{{
    {"trace", LogLevel::kTrace},
    {"debug", LogLevel::kDebug},
    {"info", LogLevel::kInfo},
    {"warn", LogLevel::kWarn},
    {"warning", LogLevel::kWarn},
    {"error", LogLevel::kError},
    {"fatal", LogLevel::kFatal},
    {"critical", LogLevel::kFatal},
}};

constexpr std::string_view kPlatformPrefix = "platform.";

}  // namespace

std::string DescribeRecordOptions(const RecordOptions& options) {
  if (options.format == RecordFormat::kEvent) return "event";
  if (options.format == RecordFormat::kCloudWatchLogs) {
    return "cloudwatch-logs (log group " + options.cloudwatch.log_group + ", " +
           (options.cloudwatch.log_format == CloudWatchLogFormat::kJson ? "JSON" : "text") +
           " log format) up to " + std::to_string(options.max_record_bytes) + " bytes";
  }
  std::string text = options.format == RecordFormat::kKpl ? "kpl" : "ndjson";
  if (options.compression == Compression::kGzip) text += "+gzip";
  return text + " up to " + std::to_string(options.max_record_bytes) + " bytes";
}

std::string DescribeFilters(const FilterOptions& options) {
  if (!options.active()) return "";
  std::string text;
  auto add = [&text](const std::string& part) { text += (text.empty() ? "" : ", ") + part; };
  if (!options.platform_events.empty()) {
    std::string types;
    for (const std::string& type : options.platform_events) {
      types += (types.empty() ? "" : ",") + type;
    }
    add("platform events " + types);
  }
  if (options.min_log_level) {
    add("log level >= " + std::string(LogLevelName(*options.min_log_level)));
  }
  if (!options.drop_substrings.empty()) {
    add(std::to_string(options.drop_substrings.size()) + " drop text(s)");
  }
  return "; filters: " + text;
}

std::optional<LogLevel> ParseLogLevel(std::string_view text) {
  for (const LevelName& entry : kLevelNames) {
    if (EqualsIgnoreAsciiCase(text, entry.name)) return entry.level;
  }
  return std::nullopt;
}

std::string_view LogLevelName(LogLevel level) {
  for (const LevelName& entry : kLevelNames) {
    if (entry.level == level) return entry.name;
  }
  return "unknown";
}

std::optional<std::vector<std::string>> ParsePlatformEvents(std::string_view list) {
  std::vector<std::string> types;
  for (std::string_view item : SplitCommaList(list)) {
    if (!item.starts_with(kPlatformPrefix) || item.size() == kPlatformPrefix.size()) {
      return std::nullopt;
    }
    for (char c : item.substr(kPlatformPrefix.size())) {
      if (!IsAsciiLetter(c)) return std::nullopt;
    }
    types.emplace_back(item);
  }
  return types;
}

std::optional<std::vector<std::string>> ParseDropPattern(std::string_view pattern) {
  std::vector<std::string> alternatives(1);
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '|') {
      if (alternatives.back().empty()) return std::nullopt;
      alternatives.emplace_back();
    } else if (c == '\\') {
      if (i + 1 == pattern.size() || (pattern[i + 1] != '|' && pattern[i + 1] != '\\')) {
        return std::nullopt;
      }
      alternatives.back().push_back(pattern[++i]);
    } else {
      alternatives.back().push_back(c);
    }
  }
  if (alternatives.back().empty()) return std::nullopt;
  return alternatives;
}

}  // namespace tk::config
