// How long the sender waits before resending after a throttled or failed PutRecords: capped
// exponential backoff with "equal jitter", driven by an injected random source.
#include "kinesis/backoff.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace tk::kinesis {

using std::chrono::milliseconds;

Backoff::Backoff(milliseconds base, milliseconds cap, std::function<double()> uniform01)
    : base_(std::max(base, milliseconds(1))),
      cap_(std::max(cap, base_)),
      uniform01_(std::move(uniform01)) {}

milliseconds Backoff::Delay(uint32_t attempt) const {
  const uint32_t doublings = attempt == 0 ? 0 : attempt - 1;
  // Doubled until the cap, which bounds the loop (at most ~63 rounds) and the result; no libm.
  const double cap = static_cast<double>(cap_.count());
  double exponential = static_cast<double>(base_.count());
  for (uint32_t i = 0; i < doublings && exponential < cap; ++i) exponential *= 2;
  const double ceiling = std::min(exponential, cap);
  double draw = uniform01_ ? uniform01_() : 0.0;
  draw = std::isnan(draw) ? 0.0 : std::clamp(draw, 0.0, 1.0);
  const double half = ceiling / 2;
  // Rounded by hand (the value is never negative): std::llround and std::ldexp were the
  // extension's only uses of libm, and without them the executable needs no libm.so.6 (0.9 MB in
  // the layer, 0.3 MiB resident).
  return milliseconds(static_cast<milliseconds::rep>(half + draw * half + 0.5));
}

}  // namespace tk::kinesis
