// Splits one Telemetry API POST body (a JSON array of events) into the events' own bytes.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace tk::telemetry {

// One telemetry event of a batch. Views point into the body (parsed in place) or the parser's
// buffer (a copy) and stay valid until the next Parse() on the same parser, and while the body
// lives.
struct TelemetryEvent {
  std::string_view raw;         // the event's JSON text exactly as received
  std::string_view type;        // "platform.report", "function", ...; empty when absent
  std::string_view request_id;  // record.requestId when the record is an object that has one
  // record.tenantId (a string) when the record is an object that has one: functions in tenant
  // isolation mode carry it in platform.start, platform.runtimeDone, platform.report and JSON log
  // lines (Lambda Developer Guide, "Monitoring Lambda functions with tenant isolation"). Unescaped;
  // points into the parser, valid until its next Parse(). Empty: none.
  std::string_view tenant_id = {};
};

// Parses batches; reuse one parser per thread (it keeps its buffers between calls).
class BatchParser {
 public:
  // Validates the whole body first (JSON grammar, UTF-8, an array of objects) so that a bad
  // batch is rejected as a whole and nothing of it is half-accepted. Returns an Error whose
  // message says what is wrong (for the 400 answer and the log line).
  Status Parse(std::string_view body, std::vector<TelemetryEvent>& events) {
    return Parse(body, body.size(), events);
  }
  // The same, where `readable_bytes` bytes from body.data() may be read: when that leaves
  // simdjson's padding (SIMDJSON_PADDING bytes) after the body, it is parsed where it is;
  // otherwise it is first copied into the parser's padded buffer.
  Status Parse(std::string_view body, size_t readable_bytes, std::vector<TelemetryEvent>& events);

 private:
  Status Validate(std::vector<TelemetryEvent>& events);
  Status SliceRawEvents(std::vector<TelemetryEvent>& events) const;

  simdjson::padded_string buffer_;  // the copy, for bodies without padding
  const char* data_ = nullptr;      // what is being parsed: the body or buffer_
  size_t length_ = 0;
  simdjson::dom::parser dom_parser_;
};

}  // namespace tk::telemetry
