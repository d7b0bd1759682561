// A stable identity for every shipped event: the same whenever the same event is delivered again
// (Lambda re-sending a POST, our own PutRecords retries, a replay from the spool), different for
// different events, including two byte-identical log lines (docs/record-formats.md, "Event id").
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tk::telemetry {

// 128 bits: at a billion events a day for ten years, the chance that any two share an id is
// about 1e-20 (birthday bound n^2 / 2^129).
struct EventId {
  uint64_t high = 0;
  uint64_t low = 0;
  friend bool operator==(const EventId&, const EventId&) = default;
};

inline constexpr size_t kEventIdHexDigits = 32;
// CloudWatch Logs event ids are 56-digit decimal strings; the same 128 bits, zero-padded.
inline constexpr size_t kEventIdDecimalDigits = 56;

using EventIdHex = std::array<char, kEventIdHexDigits>;

// 32 lowercase hex digits, most significant first.
EventIdHex HexOf(const EventId& id);
std::string DecimalOf(const EventId& id);

// Derives ids from what a re-delivery repeats exactly: the execution environment (its envelope:
// function, version, region, account, sandbox id), the bytes of the POST body the event came in
// (Lambda retries "the attempt to send telemetry": the same request; Telemetry API guide,
// "Specifying a destination protocol") and the event's byte offset in that body, which no other
// event of the body shares. XXH3-128 (libxxhash-dev): an identity, not a secret; 8 ns per event
// and 15 us per 256 KiB body, where SHA-256 takes 310 ns for one 256-byte event.
class EventIdentity {
 public:
  // `environment`: text unique to this execution environment (the envelope prefix).
  explicit EventIdentity(std::string_view environment);

  // Starts the ids of one POST body.
  void BeginBody(std::string_view body);
  // The id of the event that starts `offset` bytes into the current body. `piece` > 0: the
  // piece-th fragment of an event too large for one record (0: the event itself).
  EventId AtOffset(uint64_t offset, uint32_t piece = 0) const;
  // The id of an event that is not a slice of a body (a split event joined from two bodies, the
  // head of one shipped as a fragment): from its own bytes, which are the same on every
  // re-delivery.
  EventId OfText(std::string_view text, uint32_t piece = 0) const;

 private:
  uint64_t seed_;
  EventId body_{};
};

}  // namespace tk::telemetry
