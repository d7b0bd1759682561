// Writing text as the contents of a JSON string: `"`, `\` and control characters escaped, all
// else (UTF-8 included) as it is. For values the extension writes into its own JSON (a tenant id,
// a CloudWatch log line); the events themselves are never re-encoded.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tk::telemetry {

// Bytes AppendJsonEscaped() writes for `text`.
size_t JsonEscapedBytes(std::string_view text);

// Appends `text` escaped for a JSON string (without the quotes) to `out`.
void AppendJsonEscaped(std::string_view text, std::string& out);

}  // namespace tk::telemetry
