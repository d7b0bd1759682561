// Event ids: XXH3-128 over (body digest, position, piece), seeded by the environment.
#include "telemetry/event_id.h"

#include <cstring>

// Header-only use: xxHash is compiled in (no shared library in the layer).
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace tk::telemetry {
namespace {

EventId FromXxh(XXH128_hash_t hash) { return EventId{hash.high64, hash.low64}; }

// GCC's and Clang's 128-bit integer (an extension: -Wpedantic wants it said).
__extension__ typedef unsigned __int128 Uint128;

}  // namespace

EventIdHex HexOf(const EventId& id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  EventIdHex hex{};
  uint64_t high = id.high;
  uint64_t low = id.low;
  for (size_t i = 0; i < 16; ++i) {
    hex[31 - i] = kDigits[low & 0xF];
    hex[15 - i] = kDigits[high & 0xF];
    low >>= 4;
    high >>= 4;
  }
  return hex;
}

std::string DecimalOf(const EventId& id) {
  Uint128 value = (static_cast<Uint128>(id.high) << 64) | id.low;
  std::string digits(kEventIdDecimalDigits, '0');
  for (size_t i = kEventIdDecimalDigits; i-- > 0 && value != 0;) {
    digits[i] = static_cast<char>('0' + static_cast<int>(value % 10));
    value /= 10;
  }
  return digits;
}

EventIdentity::EventIdentity(std::string_view environment)
    : seed_(XXH3_64bits(environment.data(), environment.size())) {}

void EventIdentity::BeginBody(std::string_view body) {
  body_ = FromXxh(XXH3_128bits_withSeed(body.data(), body.size(), seed_));
}

EventId EventIdentity::AtOffset(uint64_t offset, uint32_t piece) const {
  // Fixed-size input: the body's digest, the position, the piece.
  unsigned char input[8 + 8 + 8 + 4];
  std::memcpy(input, &body_.high, 8);
  std::memcpy(input + 8, &body_.low, 8);
  std::memcpy(input + 16, &offset, 8);
  std::memcpy(input + 24, &piece, 4);
  return FromXxh(XXH3_128bits_withSeed(input, sizeof input, seed_));
}

EventId EventIdentity::OfText(std::string_view text, uint32_t piece) const {
  // A different seed per piece (and one the body ids never use as input: those hash 28 bytes).
  return FromXxh(XXH3_128bits_withSeed(text.data(), text.size(),
                                       seed_ ^ (0x9E3779B97F4A7C15ULL * (piece + 1))));
}

}  // namespace tk::telemetry
