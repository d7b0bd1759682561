// Cut points inside an event's record string: character boundaries of the JSON text.
#include "event_split.h"

#include <algorithm>
#include <string_view>

namespace sandbox {
namespace {

constexpr std::string_view kRecordKey = R"("record":")";
constexpr std::size_t kUnicodeEscapeBytes = 6;  // \uXXXX
constexpr std::size_t kShortEscapeBytes = 2;    // \" \\ \n ...

// Bytes of the JSON string character starting at `at`: an escape, or one UTF-8 sequence.
std::size_t characterBytes(const std::string& text, std::size_t at) {
  const auto c = static_cast<unsigned char>(text[at]);
  if (c == '\\') {
    const bool unicode = at + 1 < text.size() && text[at + 1] == 'u';
    return unicode ? kUnicodeEscapeBytes : kShortEscapeBytes;
  }
  if (c >= 0xF0) return 4;
  if (c >= 0xE0) return 3;
  if (c >= 0xC0) return 2;
  return 1;
}

}  // namespace

std::optional<std::size_t> recordValueStart(const std::string& event_json) {
  // The factory renders {"time":…,"type":…,"record":…} in that order, and neither time nor type
  // can hold the key's text; a string record is the last member, so the event ends with `"}`.
  const auto at = event_json.find(kRecordKey);
  const bool ends_as_string =
      event_json.size() >= 2 && event_json.compare(event_json.size() - 2, 2, "\"}") == 0;
  if (at == std::string::npos || !ends_as_string) {
    return std::nullopt;
  }
  return at + kRecordKey.size();
}

std::size_t recordValueEnd(const std::string& event_json) { return event_json.size() - 2; }

std::optional<std::size_t> cutOffset(const std::string& event_json, std::size_t value_start,
                                     std::size_t limit) {
  const std::size_t value_end = recordValueEnd(event_json);
  if (value_end <= value_start + 1 || limit <= value_start) {
    return std::nullopt;
  }
  // At least one value byte stays for the next piece.
  const std::size_t bound = std::min(limit, value_end - 1);
  std::size_t last_boundary = value_start;
  for (std::size_t at = value_start; at <= bound;) {
    last_boundary = at;
    at += characterBytes(event_json, at);
  }
  if (last_boundary == value_start) {
    return std::nullopt;
  }
  return last_boundary;
}

}  // namespace sandbox
