// Splits one Telemetry API POST body (a JSON array of events) into the events' own bytes.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace tk::telemetry {

// One telemetry event of a batch. Views point into the parser's buffer and stay valid
// until the next Parse() on the same parser.
struct TelemetryEvent {
  std::string_view raw;         // the event's JSON text exactly as received
  std::string_view type;        // "platform.report", "function", ...; empty when absent
  std::string_view request_id;  // record.requestId when the record is an object that has one
};

// Parses batches; reuse one parser per thread (it keeps its buffers between calls).
class BatchParser {
 public:
  // Validates the whole body first (JSON grammar, UTF-8, an array of objects) so that a bad
  // batch is rejected as a whole and nothing of it is half-accepted. Returns an Error whose
  // message says what is wrong (for the 400 answer and the log line).
  Status Parse(std::string_view body, std::vector<TelemetryEvent>& events);

 private:
  Status Validate(std::vector<TelemetryEvent>& events);
  Status SliceRawEvents(std::vector<TelemetryEvent>& events);

  simdjson::padded_string buffer_;
  size_t length_ = 0;
  simdjson::dom::parser dom_parser_;
  simdjson::ondemand::parser ondemand_parser_;
};

}  // namespace tk::telemetry
