// Random identifiers: one process-wide generator behind a mutex, seeded from the OS.
#include "ids.h"

#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>

namespace sandbox {
namespace {

std::uint64_t nextRandom() {
  static std::mutex mutex;
  static std::mt19937_64 engine{std::random_device{}()};
  const std::lock_guard lock(mutex);
  return engine();
}

}  // namespace

std::string randomHex(std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n);
  std::uint64_t bits = 0;
  int left = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (left == 0) {
      bits = nextRandom();
      left = 16;
    }
    out.push_back(kDigits[bits & 0xF]);
    bits >>= 4;
    --left;
  }
  return out;
}

std::string newUuid() {
  std::string hex = randomHex(32);
  hex[12] = '4';                                              // version 4
  hex[16] = "89ab"[static_cast<unsigned char>(hex[16]) % 4];  // RFC 4122 variant
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::string newTraceHeader() {
  const auto epoch_s = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  char epoch_hex[16];
  std::snprintf(epoch_hex, sizeof epoch_hex, "%08llx", static_cast<unsigned long long>(epoch_s));
  return "Root=1-" + std::string(epoch_hex) + "-" + randomHex(24) + ";Parent=" + randomHex(16) +
         ";Sampled=1";
}

}  // namespace sandbox
