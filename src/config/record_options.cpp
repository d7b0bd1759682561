// Parsers of the record-format and filter settings (validated, never partially applied).
#include "config/record_options.h"

#include <array>
#include <cctype>

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

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

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
    if (EqualsIgnoringCase(text, entry.name)) return entry.level;
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
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string_view item =
        Trim(list.substr(start, comma == std::string_view::npos ? list.npos : comma - start));
    if (!item.starts_with(kPlatformPrefix) || item.size() == kPlatformPrefix.size()) {
      return std::nullopt;
    }
    for (char c : item.substr(kPlatformPrefix.size())) {
      if (!std::isalpha(static_cast<unsigned char>(c))) return std::nullopt;
    }
    types.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
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
