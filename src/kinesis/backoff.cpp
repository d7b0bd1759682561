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
  // In double: 2^doublings overflows no integer type here, and the cap bounds the result.
  const double exponential =
      std::ldexp(static_cast<double>(base_.count()), static_cast<int>(std::min(doublings, 1000u)));
  const double ceiling = std::min(exponential, static_cast<double>(cap_.count()));
  double draw = uniform01_ ? uniform01_() : 0.0;
  draw = std::isnan(draw) ? 0.0 : std::clamp(draw, 0.0, 1.0);
  const double half = ceiling / 2;
  return milliseconds(std::llround(half + draw * half));
}

}  // namespace tk::kinesis
