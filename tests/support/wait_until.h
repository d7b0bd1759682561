// Waiting for state the code under test exposes (a counter, a flag) instead of sleeping for a
// guessed time: WaitUntil returns as soon as the state holds, and fails naming it at its bound, so
// a wrong test fails instead of hanging and a right one takes no longer than the code needs.
#pragma once

#include <chrono>
#include <string_view>
#include <thread>

#include <gtest/gtest.h>

namespace tk::testing {

// Generous: a loaded 2-core machine, and TSan in CI.
inline constexpr std::chrono::milliseconds kWaitBound{10000};

// True once `holds()` is; checked every `kPoll` for state that has nothing to wait on (no
// condition variable), e.g. a listener's atomic counters.
template <typename Predicate>
::testing::AssertionResult WaitUntil(Predicate holds, std::string_view what,
                                     std::chrono::milliseconds bound = kWaitBound) {
  // Short against anything it waits for, long enough not to take a core from the code under test.
  constexpr std::chrono::microseconds kPoll{200};
  const auto give_up = std::chrono::steady_clock::now() + bound;
  while (!holds()) {
    if (std::chrono::steady_clock::now() >= give_up) {
      return ::testing::AssertionFailure() << "not within " << bound.count() << " ms: " << what;
    }
    std::this_thread::sleep_for(kPoll);
  }
  return ::testing::AssertionSuccess();
}

}  // namespace tk::testing
