// Writing text as the contents of a JSON string: `"`, `\` and control characters escaped, all
// else (UTF-8 included) as it is. For the values the extension writes into JSON of its own (a
// PutRecords body's keys, a tenant id, a CloudWatch log line); events are never re-encoded.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tk {

// Bytes `text` takes once escaped as the contents of a JSON string (quotes not included).
size_t JsonEscapedSize(std::string_view text);

// Appends `text` escaped as the contents of a JSON string (RFC 8259 section 7). `text` must be
// valid UTF-8; bytes >= 0x80 pass unchanged.
void AppendJsonEscaped(std::string& out, std::string_view text);

}  // namespace tk
