// Where a telemetry event larger than the subscription's maxBytes can be cut, the way Lambda was
// observed to cut one (another extension vendor's production report, 2026: the first POST body
// ends inside the event's string value, the next one repeats the event's envelope and goes on
// with the value). Pure code on the rendered JSON of one event.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace sandbox {

/// Offset of the first byte of the event's `record` string value, just after `"record":"` (the
/// envelope is everything before it), or nullopt when `record` is not a string (platform events:
/// those are never cut).
std::optional<std::size_t> recordValueStart(const std::string& event_json);

/// Offset of the closing quote of the record value (the event ends with `"}`).
std::size_t recordValueEnd(const std::string& event_json);

/// The offset at which to cut the event so that at most `limit` of its bytes go into this body:
/// the largest character boundary <= limit inside the value (never inside a JSON escape such as
/// \" or \u00e9, nor inside a UTF-8 sequence: our choice, the report does not say), leaving at
/// least one value byte on each side. nullopt when no such offset exists (the limit does not
/// reach past the envelope).
std::optional<std::size_t> cutOffset(const std::string& event_json, std::size_t value_start,
                                     std::size_t limit);

}  // namespace sandbox
