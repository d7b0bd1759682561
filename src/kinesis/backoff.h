// How long the sender waits before resending after a throttled or failed PutRecords: capped
// exponential backoff with "equal jitter", driven by an injected random source.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace tk::kinesis {

// Delay(n) for the n-th consecutive failure (n >= 1; 0 is treated as 1) is uniform in
// [e/2, e] where e = min(cap, base * 2^(n-1)).
//
// Why equal jitter rather than full jitter ([0, e]): full jitter may draw a delay near zero,
// which re-sends at once to a shard that just said ProvisionedThroughputExceeded and wastes part
// of the short SHUTDOWN budget on a request that will fail again. Equal jitter keeps at least
// half of the exponential delay while still spreading retries of the many sandboxes that share
// a stream (AWS Architecture Blog, "Exponential Backoff And Jitter").
class Backoff {
 public:
  // `uniform01` returns a uniform double in [0, 1); values outside are clamped. `base` is
  // raised to at least 1 ms and `cap` to at least `base`.
  Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap,
          std::function<double()> uniform01);

  std::chrono::milliseconds Delay(uint32_t attempt) const;

  std::chrono::milliseconds base() const { return base_; }
  std::chrono::milliseconds cap() const { return cap_; }

 private:
  std::chrono::milliseconds base_;
  std::chrono::milliseconds cap_;
  std::function<double()> uniform01_;
};

}  // namespace tk::kinesis
