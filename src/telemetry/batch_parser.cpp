// One pass over a batch: a validating DOM parse (grammar, UTF-8, shape, field lookups); each
// event's raw bytes are then cut out of the body at the structural characters that pass found,
// without re-serialising them and without reading the body again. The body is read where it is
// when it carries simdjson's padding (the listener's bodies do).
#include "telemetry/batch_parser.h"

#include <algorithm>
#include <cstring>

#include "telemetry/listener.h"

namespace tk::telemetry {
namespace {

// The listener's bodies are parsed in place: their spare capacity must cover simdjson's padding.
static_assert(kListenerBodyPadding >= simdjson::SIMDJSON_PADDING);

// Grown to twice the largest body seen; Lambda's default batches are up to 256 KiB.
constexpr size_t kInitialBufferBytes = 64 * 1024;

Error JsonError(std::string_view what, simdjson::error_code code) {
  return Error{std::string(what) + ": " + simdjson::error_message(code)};
}

// record.requestId and record.tenantId (strings; the first of each) in one walk over the record's
// own keys, which the DOM steps over without entering nested values: a lookup per field would walk
// them twice, at_pointer() would also parse a pointer per event. Stops once both are found.
void ReadRecordIds(simdjson::dom::object record, TelemetryEvent& event) {
  bool has_request_id = false;
  bool has_tenant_id = false;
  std::string_view value;
  for (simdjson::dom::key_value_pair field : record) {
    if (!has_request_id && field.key == "requestId") {
      has_request_id = !field.value.get_string().get(value);
      if (has_request_id) event.request_id = value;
    } else if (!has_tenant_id && field.key == "tenantId") {
      has_tenant_id = !field.value.get_string().get(value);
      if (has_tenant_id) event.tenant_id = value;
    }
    if (has_request_id && has_tenant_id) return;
  }
}

}  // namespace

Status BatchParser::Parse(std::string_view body, size_t readable_bytes,
                          std::vector<TelemetryEvent>& events) {
  events.clear();
  length_ = body.size();
  if (body.data() != nullptr && readable_bytes >= body.size() &&
      readable_bytes - body.size() >= simdjson::SIMDJSON_PADDING) {
    // The listener's bodies: read where they are, no copy.
    data_ = body.data();
  } else {
    // simdjson reads up to SIMDJSON_PADDING bytes past the end: keep a padded copy, grown
    // only when a bigger body arrives.
    if (buffer_.size() < body.size() || buffer_.data() == nullptr) {
      buffer_ = simdjson::padded_string(std::max(body.size() * 2, kInitialBufferBytes));
    }
    // An empty view may have a null data(): memcpy must not see it even for zero bytes.
    if (!body.empty()) std::memcpy(buffer_.data(), body.data(), body.size());
    data_ = buffer_.data();
  }
  if (Status valid = Validate(events); !valid) return valid;
  return SliceRawEvents(events);
}

Status BatchParser::Validate(std::vector<TelemetryEvent>& events) {
  simdjson::dom::element root;
  if (auto code = dom_parser_.parse(data_, length_, false).get(root)) {
    return JsonError("body is not valid JSON", code);
  }
  simdjson::dom::array batch;
  if (root.get_array().get(batch)) return Error{"body is not a JSON array of telemetry events"};
  events.reserve(batch.size());
  size_t index = 0;
  for (simdjson::dom::element item : batch) {
    simdjson::dom::object event;
    if (item.get_object().get(event)) {
      return Error{"event " + std::to_string(index) + " is not a JSON object"};
    }
    TelemetryEvent parsed;
    std::string_view type;
    if (!event["type"].get_string().get(type)) parsed.type = type;
    simdjson::dom::object record;
    if (!event["record"].get_object().get(record)) ReadRecordIds(record, parsed);
    events.push_back(parsed);
    ++index;
  }
  return Status::Ok();
}

Status BatchParser::SliceRawEvents(std::vector<TelemetryEvent>& events) const {
  // Stage 1 of the parse just done left the byte offset of every structural character ({}[]:,
  // and the first byte of each scalar; never a byte inside a string) in the parser. The events
  // are the array's elements, each an object (Validate checked): an event spans from a '{' met at
  // depth 1 to the '}' that brings the depth back to 1. This walk reads ~20 offsets per event,
  // where a second parser (simdjson's on-demand to_json_string, before) re-read the whole body
  // and kept an index buffer of its own.
  // `implementation` is public but documented as simdjson's own: the count check below, the
  // unit tests and the fuzz target (every event a slice of the body) guard against a change.
  const simdjson::internal::dom_parser_implementation& stage1 = *dom_parser_.implementation;
  const uint32_t* offsets = stage1.structural_indexes.get();
  const uint32_t count = stage1.n_structural_indexes;
  size_t depth = 0;
  size_t index = 0;
  uint32_t event_start = 0;
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t offset = offsets[i];
    switch (data_[offset]) {
      case '{':
      case '[':
        if (++depth == 2) event_start = offset;
        break;
      case '}':
      case ']':
        if (depth-- == 2) {
          if (index >= events.size()) return Error{"batch has more events than it parsed"};
          events[index++].raw = std::string_view(data_ + event_start, offset + 1 - event_start);
        }
        break;
      default:
        break;
    }
  }
  if (index != events.size()) return Error{"could not cut the batch into its events"};
  return Status::Ok();
}

}  // namespace tk::telemetry
