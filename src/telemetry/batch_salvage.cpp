// A brace-and-string scanner for the rare damaged body (a valid one never comes here: the batch
// parser's validating parse accepts it), checked event by event with simdjson.
#include "telemetry/batch_salvage.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace tk::telemetry {
namespace {

constexpr std::string_view kRecordKey = "\"record\":";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipSpace(std::string_view text, size_t at) {
  while (at < text.size() && IsSpace(text[at])) ++at;
  return at;
}

// The end (one past the closing quote) of the string whose opening quote is at `at`; npos when
// the text ends first.
size_t SkipString(std::string_view text, size_t at) {
  for (size_t i = at + 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// The end (one past the closing brace) of the object whose '{' is at `at`; npos when the text
// ends first. Brackets and braces are counted alike; strings are skipped whole.
size_t SkipObject(std::string_view text, size_t at) {
  size_t depth = 0;
  for (size_t i = at; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      i = SkipString(text, i);
      if (i == std::string_view::npos) return i;
      --i;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

// Where the values still open at the end of `head` begin, outermost first: the places where
// Lambda's continuation may resume after repeating the envelope ("everything up to where the cut
// value begins"). A string's place is just after its opening quote (the continuation repeats the
// quote). The scan follows strings, so quotes and braces inside them do not count.
std::vector<size_t> OpenValueStarts(std::string_view head) {
  struct Open {
    char bracket;  // '{' or '[' of a container value (the root object too)
    size_t start;  // where the container, as a value, begins; npos for the root
  };
  std::vector<Open> open;
  bool expect_value = false;
  for (size_t i = 0; i < head.size(); ++i) {
    const char c = head[i];
    if (IsSpace(c)) continue;
    if (c == '"') {
      const size_t end = SkipString(head, i);
      if (end == std::string_view::npos) {
        std::vector<size_t> starts;
        for (const Open& container : open) {
          if (container.start != std::string_view::npos) starts.push_back(container.start);
        }
        if (expect_value) starts.push_back(i + 1);  // cut inside this string value
        return starts;
      }
      i = end - 1;
      expect_value = false;
      continue;
    }
    if (c == '{' || c == '[') {
      open.push_back({c, expect_value ? i : std::string_view::npos});
    } else if ((c == '}' || c == ']') && !open.empty()) {
      open.pop_back();
    }
    const bool in_array = !open.empty() && open.back().bracket == '[';
    expect_value = c == ':' || c == '[' || (c == ',' && in_array);
  }
  // Cut between tokens (or inside a number or literal): the enclosing containers are open.
  std::vector<size_t> starts;
  for (const Open& container : open) {
    if (container.start != std::string_view::npos) starts.push_back(container.start);
  }
  return starts;
}

}  // namespace

bool IsValidJsonObject(std::string_view text) {
  if (text.empty() || text.front() != '{') return false;
  thread_local simdjson::dom::parser parser;
  const simdjson::padded_string padded(text);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) return false;
  return root.is_object();
}

namespace {

// Whether `tail` can be the head of an event Lambda cut: JSON text as Lambda writes it, so valid
// UTF-8 (but for a sequence the cut split at its very end) with no raw control character other
// than the whitespace between tokens. Garbage after a damage almost never is, and is then counted
// as damaged instead of being kept, and shipped, as a head.
bool CouldBeCutJsonText(std::string_view tail) {
  for (const char c : tail) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') return false;
  }
  // A cut inside a UTF-8 sequence leaves at most its first 3 bytes, each 0x80 or above.
  for (size_t drop = 0; drop <= 3 && drop <= tail.size(); ++drop) {
    if (simdjson::validate_utf8(tail.data(), tail.size() - drop)) return true;
    if (drop < tail.size() && static_cast<unsigned char>(tail[tail.size() - 1 - drop]) < 0x80)
      break;
  }
  return false;
}

}  // namespace

SalvagedBody SalvageBody(std::string_view body) {
  SalvagedBody salvaged;
  size_t at = SkipSpace(body, 0);
  if (at < body.size() && body[at] == '[') at = SkipSpace(body, at + 1);
  if (at >= body.size() || body[at] != '{') {
    salvaged.garbage = true;
    salvaged.damaged_bytes = body.size();
    return salvaged;
  }
  while (at < body.size() && body[at] == '{') {
    const size_t end = SkipObject(body, at);
    if (end == std::string_view::npos) {
      const std::string_view tail = body.substr(at);
      if (!CouldBeCutJsonText(tail)) break;  // damaged, not cut: counted below
      salvaged.tail = tail;                  // the body ends inside this event
      return salvaged;
    }
    const std::string_view event = body.substr(at, end - at);
    if (!IsValidJsonObject(event)) break;  // damaged inside: nothing after it is trusted
    salvaged.events.push_back(event);
    at = SkipSpace(body, end);
    if (at < body.size() && body[at] == ',') at = SkipSpace(body, at + 1);
  }
  // What is left after the last good event: the closing ']' of an intact end, or damage.
  const size_t rest = SkipSpace(body, at);
  const bool clean_end =
      rest == body.size() || (body[rest] == ']' && SkipSpace(body, rest + 1) == body.size());
  if (!clean_end) salvaged.damaged_bytes = body.size() - at;
  if (salvaged.events.empty() && salvaged.tail.empty()) salvaged.garbage = true;
  return salvaged;
}

std::optional<std::string> JoinSplitEvent(std::string_view head, std::string_view continuation) {
  const size_t common = static_cast<size_t>(
      std::mismatch(head.begin(), head.end(), continuation.begin(), continuation.end()).first -
      head.begin());
  const std::vector<size_t> starts = OpenValueStarts(head);
  // Longest envelope first; the continuation must repeat the envelope byte for byte.
  for (auto it = starts.rbegin(); it != starts.rend(); ++it) {
    const size_t envelope = *it;
    if (envelope > common || envelope > continuation.size()) continue;
    // Lambda cuts inside the event's record (the large value); an envelope that stops before
    // "record" would join any event that shares a time prefix.
    if (head.substr(0, envelope).find(kRecordKey) == std::string_view::npos) continue;
    std::string joined;
    joined.reserve(head.size() + continuation.size() - envelope);
    joined.append(head).append(continuation.substr(envelope));
    if (IsValidJsonObject(joined)) return joined;
  }
  return std::nullopt;
}

bool SupersedesSplitHead(std::string_view head, std::string_view event) {
  return event.starts_with(head) && head.find(kRecordKey) != std::string_view::npos;
}

std::optional<std::string> ExtendSplitHead(std::string_view head, std::string_view middle) {
  const size_t common = static_cast<size_t>(
      std::mismatch(head.begin(), head.end(), middle.begin(), middle.end()).first - head.begin());
  const std::vector<size_t> starts = OpenValueStarts(head);
  // The innermost value open at the cut (the record string): no value starts inside a string,
  // so the longest envelope that the middle piece repeats is that one.
  for (auto it = starts.rbegin(); it != starts.rend(); ++it) {
    const size_t envelope = *it;
    if (envelope > common || envelope > middle.size()) continue;
    if (head.substr(0, envelope).find(kRecordKey) == std::string_view::npos) return std::nullopt;
    std::string longer;
    longer.reserve(head.size() + middle.size() - envelope);
    longer.append(head).append(middle.substr(envelope));
    return longer;
  }
  return std::nullopt;
}

std::string MakeFragmentEvent(std::string_view fragment, std::string_view reason,
                              size_t event_bytes, size_t offset) {
  nlohmann::ordered_json event;
  event["type"] = kFragmentEventType;
  // The original event's time, when the fragment starts with it ({"time":"...",...).
  constexpr std::string_view kTimeKey = R"({"time":")";
  if (offset == 0 && fragment.starts_with(kTimeKey)) {
    const size_t end = fragment.find('"', kTimeKey.size());
    if (end != std::string_view::npos && end - kTimeKey.size() <= 40) {
      event["time"] = std::string(fragment.substr(kTimeKey.size(), end - kTimeKey.size()));
    }
  }
  nlohmann::ordered_json record;
  record["reason"] = reason;
  if (event_bytes > 0) record["eventBytes"] = event_bytes;
  record["offset"] = offset;
  record["bytes"] = fragment.size();
  record["fragment"] = std::string(fragment);
  event["record"] = std::move(record);
  // A fragment may end inside a UTF-8 sequence: replaced, never an exception.
  return event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tk::telemetry
