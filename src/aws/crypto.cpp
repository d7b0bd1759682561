// OpenSSL libcrypto behind small value-returning functions (SHA-256, HMAC, base64).
#include "aws/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

namespace tk::aws {
namespace {

// EVP_EncodeBlock/EVP_DecodeBlock take an int length, so large inputs go in chunks. A chunk is a
// multiple of 3 input bytes (so no padding appears mid-text) whose base64 (4/3 larger) still
// fits in an int.
constexpr size_t kEncodeChunkBytes = size_t{3} * (size_t{1} << 28);
static_assert(Base64EncodedSize(kEncodeChunkBytes) < static_cast<size_t>(INT_MAX));

// Largest base64 text decoded in one call; a multiple of 4 so chunks split on quantum borders.
constexpr size_t kDecodeChunkChars = size_t{4} * (size_t{1} << 28);
static_assert(kDecodeChunkChars < static_cast<size_t>(INT_MAX));

// Base64 quantum: 4 characters carry 3 bytes (RFC 4648 section 4).
constexpr size_t kBase64QuantumChars = 4;
constexpr size_t kBase64QuantumBytes = 3;
// At most two '=' pad characters end a padded base64 text.
constexpr size_t kMaxBase64PadChars = 2;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// OpenSSL fails here only on allocation failure or a broken provider; nothing sensible can be
// signed afterwards, so stop loudly instead of sending garbage signatures.
void CheckOpenSsl(int ok) {
  if (ok != 1) std::abort();
}

bool IsBase64Whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

Sha256Digest Sha256(std::string_view data) {
  Sha256Digest digest{};
  unsigned int length = 0;
  CheckOpenSsl(EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr));
  if (length != digest.size()) std::abort();
  return digest;
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

Md5Digest Md5(std::string_view data) {
  Md5Digest digest{};
  unsigned int length = 0;
  CheckOpenSsl(EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_md5(), nullptr));
  if (length != digest.size()) std::abort();
  return digest;
}

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  Sha256Digest mac{};
  unsigned int length = 0;
  const unsigned char* result = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                                     Bytes(data), data.size(), mac.data(), &length);
  if (result == nullptr || length != mac.size()) std::abort();
  return mac;
}

std::string HexEncode(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0F];
  }
  return out;
}

size_t EncodeBase64To(char* out, std::string_view bytes) {
  size_t written = 0;
  while (!bytes.empty()) {
    const size_t chunk = std::min(bytes.size(), kEncodeChunkBytes);
    written += static_cast<size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out + written),
                                                   Bytes(bytes), static_cast<int>(chunk)));
    bytes.remove_prefix(chunk);
  }
  return written;
}

void AppendBase64(std::string& out, std::string_view bytes) {
  const size_t write_at = out.size();
  // EVP_EncodeBlock writes a trailing NUL after the text; std::string always has room for one
  // NUL at data()[size()], so sizing exactly to the text is safe.
  out.resize(write_at + Base64EncodedSize(bytes.size()));
  EncodeBase64To(out.data() + write_at, bytes);
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  AppendBase64(out, bytes);
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  if (text.empty()) return std::string();
  if (text.size() % kBase64QuantumChars != 0) {
    return Error{"base64: length is not a multiple of 4"};
  }
  // OpenSSL trims surrounding whitespace and accepts '=' anywhere; we want one strict form.
  if (IsBase64Whitespace(text.front()) || IsBase64Whitespace(text.back())) {
    return Error{"base64: surrounding whitespace"};
  }
  const size_t body_chars = text.size() - kMaxBase64PadChars;
  if (text.substr(0, body_chars).find('=') != std::string_view::npos) {
    return Error{"base64: '=' before the end"};
  }
  size_t pad = 0;
  if (text[body_chars] == '=') {
    if (text.back() != '=') return Error{"base64: '=' before the end"};
    pad = 2;
  } else if (text.back() == '=') {
    pad = 1;
  }

  std::string out(text.size() / kBase64QuantumChars * kBase64QuantumBytes, '\0');
  size_t write_at = 0;
  while (!text.empty()) {
    const size_t chunk = std::min(text.size(), kDecodeChunkChars);
    const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data() + write_at),
                                        Bytes(text), static_cast<int>(chunk));
    if (written < 0) return Error{"base64: character outside the alphabet"};
    write_at += static_cast<size_t>(written);
    text.remove_prefix(chunk);
  }
  // EVP_DecodeBlock emits 3 bytes per quantum even for padded ones; drop the pad bytes.
  out.resize(write_at - pad);
  return out;
}

}  // namespace tk::aws
