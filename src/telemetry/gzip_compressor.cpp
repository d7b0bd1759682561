// zlib deflate with the gzip wrapper, one whole record per call.
#include "telemetry/gzip_compressor.h"

#include <cstdlib>

namespace tk::telemetry {
namespace {

// windowBits 15 (32 KiB window) + 16 selects the gzip wrapper instead of zlib's (zlib manual,
// deflateInit2); memLevel 8 is zlib's default.
constexpr int kGzipWindowBits = 15 + 16;
constexpr int kMemLevel = 8;

void CheckZlib(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

GzipCompressor::GzipCompressor() {
  CheckZlib(deflateInit2(&stream_, kGzipLevel, Z_DEFLATED, kGzipWindowBits, kMemLevel,
                         Z_DEFAULT_STRATEGY) == Z_OK);
}

GzipCompressor::~GzipCompressor() { deflateEnd(&stream_); }

size_t GzipCompressor::Bound(size_t input_bytes) {
  return deflateBound(&stream_, static_cast<uLong>(input_bytes));
}

void GzipCompressor::Compress(std::string_view input, std::string& out) {
  CheckZlib(deflateReset(&stream_) == Z_OK);
  out.resize(Bound(input.size()));
  stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream_.avail_in = static_cast<uInt>(input.size());
  stream_.next_out = reinterpret_cast<Bytef*>(out.data());
  stream_.avail_out = static_cast<uInt>(out.size());
  // With room for deflateBound() bytes, one Z_FINISH call always completes (zlib manual).
  CheckZlib(deflate(&stream_, Z_FINISH) == Z_STREAM_END);
  out.resize(out.size() - stream_.avail_out);
}

bool IsGzip(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1F &&
         static_cast<unsigned char>(data[1]) == 0x8B;
}

}  // namespace tk::telemetry
