// The two encodings Kinesis accepts for its API requests, and the Content-Type of each.
#pragma once

#include <string_view>

namespace tk::kinesis {

// Kinesis speaks the AWS JSON 1.1 protocol and, for the same operations and field names, CBOR
// (RFC 8949) under Content-Type application/x-amz-cbor-1.1: the encoding the AWS SDK for Java
// uses for Kinesis by default. CBOR carries a record's Data as a byte string, so the body needs no
// base64: a quarter fewer bytes to hash, sign and send, and no encoding pass.
enum class WireProtocol {
  kCbor,
  kJson,
};

inline constexpr std::string_view kAmzJsonContentType = "application/x-amz-json-1.1";
inline constexpr std::string_view kAmzCborContentType = "application/x-amz-cbor-1.1";

constexpr std::string_view ContentType(WireProtocol protocol) {
  return protocol == WireProtocol::kCbor ? kAmzCborContentType : kAmzJsonContentType;
}

constexpr std::string_view Name(WireProtocol protocol) {
  return protocol == WireProtocol::kCbor ? "cbor" : "json";
}

}  // namespace tk::kinesis
