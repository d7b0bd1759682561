// JSON string escaping: RFC 8259 section 7 requires `"`, `\` and U+0000-U+001F to be escaped.
#include "common/json_escape.h"

#include <array>

namespace tk {
namespace {

// Escape text for characters that have a two-character form; 0 means "\u00XX" or unescaped.
constexpr char ShortEscape(unsigned char c) {
  switch (c) {
    case '"':
      return '"';
    case '\\':
      return '\\';
    case '\b':
      return 'b';
    case '\f':
      return 'f';
    case '\n':
      return 'n';
    case '\r':
      return 'r';
    case '\t':
      return 't';
    default:
      return 0;
  }
}

constexpr size_t EscapedCharSize(unsigned char c) {
  if (ShortEscape(c) != 0) return 2;
  return c < 0x20 ? 6 : 1;  // "\u00XX"
}

}  // namespace

size_t JsonEscapedSize(std::string_view text) {
  size_t size = 0;
  for (const char c : text) size += EscapedCharSize(static_cast<unsigned char>(c));
  return size;
}

void AppendJsonEscaped(std::string& out, std::string_view text) {
  static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (const char short_form = ShortEscape(byte); short_form != 0) {
      out.push_back('\\');
      out.push_back(short_form);
    } else if (byte < 0x20) {
      out.append("\\u00");
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    } else {
      out.push_back(c);
    }
  }
}

}  // namespace tk
