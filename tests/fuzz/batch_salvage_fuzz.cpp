// Fuzzes the intake's salvage of damaged bodies and the join of split events: the input is two
// POST bodies (split at the first 0xFF byte, or halved). Whatever they hold, salvage yields
// events that are valid objects and slices of the body, a tail that is the body's end, and a
// join that is a valid object starting with the head; a fragment event is always valid JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "telemetry/batch_salvage.h"

namespace {

bool Within(std::string_view whole, std::string_view part) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void CheckSalvage(std::string_view body) {
  const tk::telemetry::SalvagedBody salvaged = tk::telemetry::SalvageBody(body);
  if (salvaged.garbage) {
    TK_FUZZ_CHECK(salvaged.events.empty());
    return;
  }
  for (std::string_view event : salvaged.events) {
    TK_FUZZ_CHECK(Within(body, event));
    TK_FUZZ_CHECK(tk::telemetry::IsValidJsonObject(event));
  }
  if (!salvaged.tail.empty()) {
    TK_FUZZ_CHECK(salvaged.tail.front() == '{');
    TK_FUZZ_CHECK(salvaged.tail.data() + salvaged.tail.size() == body.data() + body.size());
  }
  TK_FUZZ_CHECK(salvaged.damaged_bytes <= body.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  size_t cut = input.find('\xFF');
  if (cut == std::string::npos) cut = input.size() / 2;
  const std::string first = input.substr(0, cut);
  const std::string second = cut < input.size() ? input.substr(cut + 1) : std::string();
  CheckSalvage(first);
  CheckSalvage(second);

  const tk::telemetry::SalvagedBody head_body = tk::telemetry::SalvageBody(first);
  const tk::telemetry::SalvagedBody next_body = tk::telemetry::SalvageBody(second);
  const std::string_view head = head_body.tail.empty() ? std::string_view(first) : head_body.tail;
  const std::string_view continuation =
      next_body.events.empty() ? std::string_view(second) : next_body.events.front();
  if (const auto joined = tk::telemetry::JoinSplitEvent(head, continuation)) {
    TK_FUZZ_CHECK(tk::telemetry::IsValidJsonObject(*joined));
    TK_FUZZ_CHECK(joined->starts_with(head));
  }
  const std::string fragment =
      tk::telemetry::MakeFragmentEvent(head, "fuzz", input.size(), first.size() % 7);
  TK_FUZZ_CHECK(tk::telemetry::IsValidJsonObject(fragment));
  return 0;
}
