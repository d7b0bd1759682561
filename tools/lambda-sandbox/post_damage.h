// --damage-post N:BYTE: the Nth telemetry POST is cut at BYTE, so a test can check that the
// extension keeps every event that was complete before the damage. A fault injected by the
// sandbox (Lambda documents nothing of the kind); pure code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "post_body.h"

namespace sandbox {

enum class DamageMode {
  kTruncate,  // the body ends at BYTE (Content-Length says so): a complete request, cut JSON
  kGarbage,   // the bytes from BYTE on are replaced by as many random bytes
};

std::optional<DamageMode> parseDamageMode(const std::string& text);
const char* damageModeName(DamageMode mode);

/// What a damaged POST held, for the report.
struct DamageRecord {
  std::int64_t post = 0;  // 1-based, over every POST sent to the subscriber (re-sends too)
  std::size_t byte = 0;
  DamageMode mode = DamageMode::kTruncate;
  std::size_t body_bytes = 0;  // before the damage
  int status = 0;              // the subscriber's answer (-1: none)
  /// Events (--events-out lines) held whole and entirely before BYTE.
  std::vector<std::uint64_t> events_complete;
  /// The event (or piece) BYTE falls in; nullopt when it falls between events.
  std::optional<std::uint64_t> cut_in_event;
  std::optional<Piece> cut_in_piece;
};

/// `body` with the damage applied (BYTE < body size; the caller checks).
std::string damageBody(const std::string& body, std::size_t byte, DamageMode mode);

/// Which events of a body whose fragments lie at `segments` survive a cut at `byte`.
DamageRecord describeDamage(const std::vector<Segment>& segments, std::size_t byte);

}  // namespace sandbox
