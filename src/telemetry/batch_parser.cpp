// Two passes over a batch: a validating DOM parse (grammar, UTF-8, shape, field lookups),
// then an on-demand walk that yields each event's raw bytes without re-serialising them. Both
// read the body where it is when it carries simdjson's padding (the listener's bodies do).
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

}  // namespace

Status BatchParser::Parse(std::string_view body, size_t readable_bytes,
                          std::vector<TelemetryEvent>& events) {
  events.clear();
  length_ = body.size();
  if (body.data() != nullptr && readable_bytes >= body.size() &&
      readable_bytes - body.size() >= simdjson::SIMDJSON_PADDING) {
    // The listener's bodies: read where they are, no copy.
    data_ = body.data();
    readable_ = readable_bytes;
  } else {
    // simdjson reads up to SIMDJSON_PADDING bytes past the end: keep a padded copy, grown
    // only when a bigger body arrives.
    if (buffer_.size() < body.size() || buffer_.data() == nullptr) {
      buffer_ = simdjson::padded_string(std::max(body.size() * 2, kInitialBufferBytes));
    }
    // An empty view may have a null data(): memcpy must not see it even for zero bytes.
    if (!body.empty()) std::memcpy(buffer_.data(), body.data(), body.size());
    data_ = buffer_.data();
    readable_ = buffer_.size() + simdjson::SIMDJSON_PADDING;
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
    std::string_view request_id;
    // Two key lookups: at_pointer("/record/requestId") would parse the pointer for every event.
    if (!event["record"]["requestId"].get_string().get(request_id)) parsed.request_id = request_id;
    events.push_back(parsed);
    ++index;
  }
  return Status::Ok();
}

Status BatchParser::SliceRawEvents(std::vector<TelemetryEvent>& events) {
  simdjson::ondemand::document document;
  if (auto code = ondemand_parser_.iterate(data_, length_, readable_).get(document)) {
    return JsonError("body could not be iterated", code);
  }
  simdjson::ondemand::array batch;
  if (auto code = document.get_array().get(batch)) return JsonError("body is not an array", code);
  size_t index = 0;
  for (auto item : batch) {
    simdjson::ondemand::value value;
    std::string_view raw;
    if (item.get(value) || simdjson::to_json_string(value).get(raw) || index >= events.size()) {
      return Error{"event " + std::to_string(index) + " could not be sliced"};
    }
    events[index++].raw = raw;
  }
  if (index != events.size()) return Error{"batch changed between passes"};
  return Status::Ok();
}

}  // namespace tk::telemetry
