// Lists in text: joining messages and splitting the comma-separated lists of the configuration.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tk {

// "a; b; c" from {"a", "b", "c"} and "; ".
inline std::string Join(std::span<const std::string> parts, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

// `text` without the spaces and tabs around it.
constexpr std::string_view TrimBlanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The items of a comma-separated list, each trimmed of blanks: "a, b,,c" -> {"a", "b", "", "c"};
// "" -> {""}. Views into `list`; callers decide whether an empty item is an error.
inline std::vector<std::string_view> SplitCommaList(std::string_view list) {
  std::vector<std::string_view> items;
  size_t start = 0;
  while (true) {
    const size_t comma = list.find(',', start);
    items.push_back(TrimBlanks(list.substr(start, comma == std::string_view::npos
                                                      ? std::string_view::npos
                                                      : comma - start)));
    if (comma == std::string_view::npos) return items;
    start = comma + 1;
  }
}

}  // namespace tk
