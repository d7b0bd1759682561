// Damaged POST bodies and the events they still hold whole.
#include "post_damage.h"

#include <random>

namespace sandbox {

std::optional<DamageMode> parseDamageMode(const std::string& text) {
  if (text == "truncate") return DamageMode::kTruncate;
  if (text == "garbage") return DamageMode::kGarbage;
  return std::nullopt;
}

const char* damageModeName(DamageMode mode) {
  return mode == DamageMode::kGarbage ? "garbage" : "truncate";
}

std::string damageBody(const std::string& body, std::size_t byte, DamageMode mode) {
  std::string damaged = body.substr(0, byte);
  if (mode == DamageMode::kGarbage) {
    // Any byte value, invalid UTF-8 and NULs included: what a broken sender could write.
    std::mt19937 rng(std::random_device{}());
    std::uniform_int_distribution<int> any_byte(0, 255);
    for (std::size_t i = byte; i < body.size(); ++i) {
      damaged.push_back(static_cast<char>(any_byte(rng)));
    }
  }
  return damaged;
}

DamageRecord describeDamage(const std::vector<Segment>& segments, std::size_t byte) {
  DamageRecord record;
  record.byte = byte;
  for (const Segment& s : segments) {
    if (s.to <= byte && s.piece == Piece::kWhole) {
      record.events_complete.push_back(s.event);
    } else if (s.from <= byte && byte < s.to) {
      record.cut_in_event = s.event;
      record.cut_in_piece = s.piece;
    }
  }
  return record;
}

}  // namespace sandbox
