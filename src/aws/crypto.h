// Hashing, HMAC and base64 for SigV4 and the PutRecords body; the only OpenSSL user in the tree.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tk::aws {

// Bytes in a SHA-256 digest (FIPS 180-4).
inline constexpr size_t kSha256DigestBytes = 32;

using Sha256Digest = std::array<uint8_t, kSha256DigestBytes>;

// SHA-256 of `data`. Cannot fail for in-memory input (OpenSSL failure aborts: it means a broken
// libcrypto, and signing with a wrong hash would only turn into confusing 403s later).
Sha256Digest Sha256(std::string_view data);

// Lowercase hex SHA-256 of `data` (64 characters), as SigV4 writes hashes.
std::string Sha256Hex(std::string_view data);

// HMAC-SHA256 of `data` under `key` (RFC 2104). Same failure policy as Sha256.
Sha256Digest HmacSha256(std::string_view key, std::string_view data);

// View of a digest as the string_view key that HmacSha256 takes (SigV4 chains HMACs).
inline std::string_view AsStringView(const Sha256Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

// Bytes in an MD5 digest (RFC 1321).
inline constexpr size_t kMd5DigestBytes = 16;

using Md5Digest = std::array<uint8_t, kMd5DigestBytes>;

// MD5 of `data`. Not for security: the KPL aggregated record format ends with the MD5 of its
// protobuf message as a checksum. Same failure policy as Sha256.
Md5Digest Md5(std::string_view data);

// Lowercase hex of `bytes` (two characters per byte).
std::string HexEncode(std::span<const uint8_t> bytes);

// Length of the padded standard base64 text (RFC 4648 section 4) for `n` input bytes:
// 4 * ceil(n / 3).
constexpr size_t Base64EncodedSize(size_t n) { return 4 * ((n + 2) / 3); }

// Appends the padded standard base64 of `bytes` to `out`, growing it exactly once and writing in
// place (no temporary string): the PutRecords body builder calls this per record.
void AppendBase64(std::string& out, std::string_view bytes);

// Writes the padded standard base64 of `bytes` at `out`, which must have room for
// Base64EncodedSize(bytes.size()) + 1 bytes (OpenSSL writes a NUL after the text; a caller
// writing a larger buffer front to back overwrites it with what follows). Returns the number of
// characters written (without the NUL).
size_t EncodeBase64To(char* out, std::string_view bytes);

// Padded standard base64 of `bytes`.
std::string Base64Encode(std::string_view bytes);

// Decodes padded standard base64. Errors: length not a multiple of 4, characters outside the
// alphabet, misplaced '=' padding, or surrounding whitespace (accepted by OpenSSL, not by us).
Result<std::string> Base64Decode(std::string_view text);

}  // namespace tk::aws
