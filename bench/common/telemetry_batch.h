// Benchmark inputs shaped like real telemetry: Telemetry API batches of `function` log events
// (as the Lambda sandbox renders them) and the record encoder the extension builds at start.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "kinesis/record.h"
#include "telemetry/record_encoder.h"

namespace tk::bench {

// One `function` event: {"time":"...","type":"function","record":"<text of line_bytes>"}.
// `serial` makes the text unique (as the sandbox's id= does).
std::string FunctionLogEvent(size_t serial, size_t line_bytes);

// A Telemetry API POST body: a JSON array of `events` function log events.
std::string FunctionLogBatch(size_t events, size_t line_bytes, size_t first_serial = 0);

// The encoder the extension builds for a typical function (128 MB, sandbox partition key; or a
// random key per record).
telemetry::RecordEncoder TypicalEncoder(bool random_keys = false);

// `count` records as the encoder makes them from FunctionLogEvent()s, owning their bytes (as
// packed formats, retries and spool replays have them).
std::vector<kinesis::Record> EncodedRecords(size_t count, size_t line_bytes);

// The same records as the extension holds them in the default format: borrowing their events
// from one shared batch body.
std::vector<kinesis::Record> BorrowedRecords(size_t count, size_t line_bytes);

}  // namespace tk::bench
