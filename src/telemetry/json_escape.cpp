// JSON string escaping: RFC 8259 section 7 requires `"`, `\` and U+0000-U+001F to be escaped.
#include "telemetry/json_escape.h"

namespace tk::telemetry {
namespace {

bool NeedsEscape(char c) { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }

// The short escapes JSON has for common control characters; the rest are \u00XX.
char ShortEscape(char c) {
  switch (c) {
    case '"':
      return '"';
    case '\\':
      return '\\';
    case '\n':
      return 'n';
    case '\r':
      return 'r';
    case '\t':
      return 't';
    case '\b':
      return 'b';
    case '\f':
      return 'f';
    default:
      return 0;
  }
}

}  // namespace

size_t JsonEscapedBytes(std::string_view text) {
  size_t bytes = text.size();
  for (char c : text) {
    if (NeedsEscape(c)) bytes += ShortEscape(c) != 0 ? 1 : 5;  // \n or \u00XX
  }
  return bytes;
}

void AppendJsonEscaped(std::string_view text, std::string& out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  size_t plain_from = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!NeedsEscape(c)) continue;
    out.append(text.substr(plain_from, i - plain_from));
    plain_from = i + 1;
    if (const char short_form = ShortEscape(c); short_form != 0) {
      out.push_back('\\');
      out.push_back(short_form);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.append("\\u00").push_back(kDigits[byte >> 4]);
      out.push_back(kDigits[byte & 0xF]);
    }
  }
  out.append(text.substr(plain_from));
}

}  // namespace tk::telemetry
