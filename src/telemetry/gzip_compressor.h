// gzip (RFC 1952) compression of packed ndjson records with zlib; the state is allocated once
// and reset per record.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <zlib.h>

namespace tk::telemetry {

// zlib level 6 (its default). Measured on the enveloped lines of 10,000 250-byte log lines
// (docs/record-formats.md): 10% fewer bytes than level 1 (so 10% fewer payload units) at a third
// of its speed, still about 60 MB/s on one core (a 256 KiB POST in about 4 ms); level 9 gains
// nothing more.
inline constexpr int kGzipLevel = 6;

class GzipCompressor {
 public:
  GzipCompressor();
  ~GzipCompressor();
  GzipCompressor(const GzipCompressor&) = delete;
  GzipCompressor& operator=(const GzipCompressor&) = delete;

  // Replaces `out` with one gzip member holding `input`. Cannot fail for in-memory input
  // (zlib fails only on a broken stream state, which aborts: we never send garbage records).
  void Compress(std::string_view input, std::string& out);

  // Largest gzip member Compress() can write for `input_bytes` bytes (header and trailer included).
  size_t Bound(size_t input_bytes);

 private:
  z_stream stream_{};
};

// True when `data` starts with the gzip magic bytes 1F 8B: how a reader tells a compressed
// record from a JSON one (which starts with '{').
bool IsGzip(std::string_view data);

}  // namespace tk::telemetry
