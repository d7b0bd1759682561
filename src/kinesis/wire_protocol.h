// The two encodings Kinesis accepts for its API requests, and the Content-Type of each.
#pragma once

#include <string_view>

namespace tk::kinesis {

// Kinesis speaks the AWS JSON 1.1 protocol and, for the same operations and field names, CBOR
// (RFC 8949) under Content-Type application/x-amz-cbor-1.1: the encoding the AWS SDK for Java
// uses for Kinesis by default (v1 since 1.11.71, v2 too; Kinesis is the one service the SDK
// customizes to CBOR). CBOR carries a record's Data as a byte string, so the body needs no
// base64: a quarter fewer bytes to hash, sign and send, and no encoding pass. Kinesis has been
// seen to answer a CBOR request with a JSON error body (aws-sdk-java-v2 issue 1595), so answers
// are classified by their first byte, not by what was sent (put_records_cbor_response.h).
enum class WireProtocol {
  kCbor,
  kJson,
};

inline constexpr std::string_view kAmzJsonContentType = "application/x-amz-json-1.1";
inline constexpr std::string_view kAmzCborContentType = "application/x-amz-cbor-1.1";

constexpr std::string_view ContentType(WireProtocol protocol) {
  return protocol == WireProtocol::kCbor ? kAmzCborContentType : kAmzJsonContentType;
}

}  // namespace tk::kinesis
