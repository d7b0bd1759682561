// Time, injected: what decides behaviour by the clock (the sender's batch age, backoff and drain
// deadline, the queue's wait, the flush before /next, invocation tracking) asks a Clock, so a
// test can move time by hand and run a 2 s deadline in microseconds.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace tk {

class Clock {
 public:
  using Steady = std::chrono::steady_clock;
  using Wall = std::chrono::system_clock;

  virtual ~Clock() = default;

  virtual Steady::time_point SteadyNow() const = 0;
  virtual Wall::time_point WallNow() const = 0;

  // condition_variable::wait_until on this clock: blocks with `lock` released until `cv` is
  // notified or this clock reaches `deadline` (spurious wake-ups are possible, as there).
  virtual std::cv_status WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                                   Steady::time_point deadline) const = 0;

  // condition_variable::notify_all, told to the clock: a test's clock then knows that the waits
  // on `cv` are no longer blocked, before their threads have run.
  virtual void NotifyAll(std::condition_variable& cv) const = 0;

  // The predicate form: returns done() once it holds, or its value when `deadline` is reached.
  template <typename Predicate>
  bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 Steady::time_point deadline, Predicate done) const {
    while (!done()) {
      if (WaitUntil(cv, lock, deadline) == std::cv_status::timeout) return done();
    }
    return true;
  }
};

// The process's clocks (std::chrono::steady_clock and system_clock).
const Clock& SystemClock();

}  // namespace tk
