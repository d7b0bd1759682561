// One telemetry POST body and what it holds: whole events and pieces of split ones, with the
// byte range of each, so the report can say which events a damaged POST still held whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sandbox {

/// How much of an event a body holds: all of it, or a piece of an event cut across POSTs.
enum class Piece { kWhole, kFirst, kMiddle, kLast };

const char* pieceName(Piece piece);

/// Bytes of one event (or of a piece of one) on their way into a body.
struct Fragment {
  std::string bytes;
  std::uint64_t event = 0;  // the event's line in --events-out (1-based)
  Piece piece = Piece::kWhole;
  /// kFirst: the whole event, for --events-out (a split event is listed whole, once).
  std::string whole_event;
};

/// Where a fragment landed in the body: bytes [from, to).
struct Segment {
  std::uint64_t event = 0;
  Piece piece = Piece::kWhole;
  std::size_t from = 0;
  std::size_t to = 0;
};

/// The JSON array of `fragments`: "[" unless `open_bracket` is false (a continuation body
/// without it), the fragments joined by ",", and "]" unless the last fragment is cut (the body
/// then ends inside that event). Appends each fragment's byte range to `segments`.
std::string assembleBody(const std::vector<Fragment>& fragments, bool open_bracket,
                         std::vector<Segment>& segments);

}  // namespace sandbox
