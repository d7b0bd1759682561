// What can be saved of a Telemetry API POST body that is not a valid JSON array of events, and
// the joining of an event that Lambda split across two POSTs.
//
// Lambda splits an event larger than the subscription's maxBytes (observed in production by
// another extension vendor, 2026; the Telemetry API documents nothing of it): the first POST body
// ends inside the event, cut mid-value; the next body starts with the same event's envelope
// repeated -- everything up to where the cut value begins, e.g. {"time":...,"type":...,"record":"
// -- with or without the leading '[', continues the value, then the following events. Neither body
// is valid JSON. Rejecting them (400) loses every event of both.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tk::telemetry {

// The events of a damaged body, cut at their own braces.
struct SalvagedBody {
  // Complete events that are valid JSON objects on their own, in body order (views into the
  // body). Events after a damaged one are not trusted: the scan stops at the first damage.
  std::vector<std::string_view> events;
  // The last event when the body ends inside it: a '{' whose object never closes (the head of
  // a split event, or a body cut short). Empty when the body had none.
  std::string_view tail;
  // Bytes that are neither in `events` nor `tail` (what came after the damage).
  size_t damaged_bytes = 0;
  // True when nothing could be saved: the body does not start as a batch of events. Answer 400.
  bool garbage = false;
};

// Scans `body` (not valid JSON as a whole): optional whitespace and '[', then objects separated by
// ',' until the first one that is not a valid complete object. Strings are skipped with their
// escapes, so braces inside them do not count. Never reads past body.size().
SalvagedBody SalvageBody(std::string_view body);

// True when `text` is one complete, valid JSON object (simdjson's validating parse).
bool IsValidJsonObject(std::string_view text);

// The head of a split event joined with its continuation: the continuation repeats the head's
// envelope (a prefix of `head` that ends where a value still open at the cut begins, and reaches
// into the event's "record": Lambda cuts the large value, never time or type), then goes on with
// the rest of the cut value. Tries the longest envelope first. Returns the joined event when it is
// a valid JSON object, else nullopt (the continuation is another event).
std::optional<std::string> JoinSplitEvent(std::string_view head, std::string_view continuation);

// True when `event` is the whole event whose cut head is `head` (a re-sent body): the head is
// then superseded. Only for a head that reaches into its record, as for a join: a head cut in its
// time would match any event of that millisecond.
bool SupersedesSplitHead(std::string_view head, std::string_view event);

// The head of an event Lambda cut into three or more pieces, grown by a middle piece: a body that
// holds nothing but the event's envelope repeated and the next part of the cut value, cut again.
// Returns the longer head, or nullopt when `middle` does not repeat the head's envelope.
std::optional<std::string> ExtendSplitHead(std::string_view head, std::string_view middle);

// A JSON object that carries a fragment of an event which could not be shipped whole (its other
// half never came, or the joined event is larger than a record): consumers see a well-formed
// event of type "telemetry-kinesis.fragment" whose record holds the fragment as a string,
// its byte count and where it sits in the original event.
//   {"type":"telemetry-kinesis.fragment","time":<the event's "time" when the fragment shows it>,
//    "record":{"reason":..., "eventBytes":N, "offset":O, "bytes":B, "fragment":"..."}}
// `event_bytes` is the original event's size when known (0: unknown, the rest was lost).
std::string MakeFragmentEvent(std::string_view fragment, std::string_view reason,
                              size_t event_bytes, size_t offset);

// The fragment type's name, for filters and consumers.
inline constexpr std::string_view kFragmentEventType = "telemetry-kinesis.fragment";

// The head of a split event, kept until the next body brings its continuation.
class PendingFragment {
 public:
  using Clock = std::chrono::steady_clock;

  bool empty() const { return head_.empty(); }
  const std::string& head() const { return head_; }
  Clock::time_point since() const { return since_; }

  void Keep(std::string_view head, Clock::time_point now) {
    head_.assign(head);
    since_ = now;
  }
  // Gives the head up (joined, superseded, or to be shipped as a fragment).
  std::string Take() {
    std::string head = std::move(head_);
    head_.clear();
    return head;
  }

 private:
  std::string head_;
  Clock::time_point since_{};
};

}  // namespace tk::telemetry
