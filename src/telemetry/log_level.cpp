// Level recognition in log lines: a few fixed shapes, no regular expressions.
#include "telemetry/log_level.h"

#include <algorithm>
#include <cctype>

namespace tk::telemetry {
namespace {

// How far into a line the logfmt and JSON shapes are looked for: levels come first in practice,
// and a bound keeps a 1 MiB line from being scanned for a level it does not have.
constexpr size_t kLevelScanBytes = 256;
// Tab-separated fields examined for a level (Node.js: time, request id, level).
constexpr int kMaxTabFields = 4;
// "[tag] LEVEL": a bracketed tag longer than this is not a logger name.
constexpr size_t kMaxTagBytes = 64;
constexpr std::string_view kLogfmtKey = "level=";
constexpr std::string_view kJsonKey = "\"level\":";

bool IsWordEnd(std::string_view rest) {
  return rest.empty() || rest.front() == ' ' || rest.front() == '\t' || rest.front() == ':' ||
         rest.front() == ']' || rest.front() == '"' || rest.front() == ',';
}

// A level word at the start of `text`, followed by a separator (or the end).
std::optional<config::LogLevel> LeadingLevel(std::string_view text) {
  size_t word = 0;
  while (word < text.size() && word < 8 && std::isalpha(static_cast<unsigned char>(text[word]))) {
    ++word;
  }
  if (word == 0 || !IsWordEnd(text.substr(word))) return std::nullopt;
  return config::ParseLogLevel(text.substr(0, word));
}

// "[LEVEL] ...", "LEVEL ...", or "[tag] LEVEL ..." (a logger or component name in brackets first).
std::optional<config::LogLevel> BracketedOrLeading(std::string_view field) {
  if (!field.starts_with('[')) return LeadingLevel(field);
  if (auto level = LeadingLevel(field.substr(1))) return level;
  size_t close = field.find(']');
  if (close == std::string_view::npos || close > kMaxTagBytes) return std::nullopt;
  field.remove_prefix(close + 1);
  while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
  return LeadingLevel(field);
}

std::optional<config::LogLevel> LevelAfterKey(std::string_view head, std::string_view key) {
  for (size_t at = head.find(key); at != std::string_view::npos; at = head.find(key, at + 1)) {
    // logfmt: the key starts a field.
    if (key == kLogfmtKey && at > 0 && head[at - 1] != ' ' && head[at - 1] != '\t') continue;
    std::string_view value = head.substr(at + key.size());
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (value.starts_with('"')) value.remove_prefix(1);
    if (auto level = LeadingLevel(value)) return level;
  }
  return std::nullopt;
}

}  // namespace

std::optional<config::LogLevel> TextLogLevel(std::string_view line) {
  std::string_view field = line;
  while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
  for (int i = 0; i < kMaxTabFields; ++i) {
    size_t tab = field.find('\t');
    if (auto level = BracketedOrLeading(field.substr(0, tab))) return level;
    if (tab == std::string_view::npos) break;
    field.remove_prefix(tab + 1);
  }
  std::string_view head = line.substr(0, std::min(line.size(), kLevelScanBytes));
  if (auto level = LevelAfterKey(head, kLogfmtKey)) return level;
  return LevelAfterKey(head, kJsonKey);
}

std::optional<config::LogLevel> LogLevelReader::Read(std::string_view raw) {
  padded_.reserve(raw.size() + simdjson::SIMDJSON_PADDING);
  padded_.assign(raw);
  simdjson::padded_string_view input(padded_.data(), padded_.size(), padded_.capacity());
  simdjson::ondemand::document document;
  if (parser_.iterate(input).get(document)) return std::nullopt;
  simdjson::ondemand::value record;
  if (document["record"].get(record)) return std::nullopt;
  simdjson::ondemand::json_type type;
  if (record.type().get(type)) return std::nullopt;
  std::string_view text;
  if (type == simdjson::ondemand::json_type::string) {
    if (record.get_string().get(text)) return std::nullopt;
    return TextLogLevel(text);
  }
  if (type == simdjson::ondemand::json_type::object) {
    if (record["level"].get_string().get(text)) return std::nullopt;
    return config::ParseLogLevel(text);
  }
  return std::nullopt;
}

}  // namespace tk::telemetry
