// Reads the CBOR bodies Kinesis answers a CBOR request with (Content-Type
// application/x-amz-cbor-1.1): a PutRecords result, or an error's type and message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace tk::kinesis {

// True when `body` starts with a CBOR map head (major type 5). A JSON body never does: its first
// byte is '{' or whitespace, and 0xA0-0xBF cannot start UTF-8 text. So one look tells which of
// the two encodings an answer is in, whichever we sent (an intermediary may answer in JSON).
bool IsCborMap(std::string_view body);

// The per-record results of a PutRecords response body, in request order.
struct PutRecordsResultEntries {
  size_t count = 0;
  std::vector<std::pair<size_t, std::string>> errors;  // (index, ErrorCode) of failed entries
};

// Reads {"Records": [{"ErrorCode": text|null, ...}, ...], ...} in one streaming pass (no tree;
// the only strings it copies are ErrorCodes). An Error says why the body is not such a result.
Result<PutRecordsResultEntries> ReadCborPutRecordsResult(std::string_view body);

// Reads "__type" and "message" (or "Message") from a CBOR error body; leaves both untouched when
// the body is not a readable CBOR map, and either one when the body lacks it.
void ReadCborErrorBody(std::string_view body, std::string& type, std::string& message);

}  // namespace tk::kinesis
