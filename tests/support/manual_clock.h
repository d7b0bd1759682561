// A Clock that moves only when a test says so: the code under test waits on it (its wait_until
// deadlines are this clock's), and Advance() wakes exactly the waits whose deadline it reaches.
// A test knows the code under test is blocked by asking for its wait (AwaitWaiterUntil), never by
// sleeping. Everything that waits for real is bounded, so that a wrong test fails, naming the
// cause, instead of hanging: the look-ups, and a wait nobody advances the clock past.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <future>
#include <list>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "common/clock.h"

namespace tk::testing {

class ManualClock final : public Clock {
 public:
  // How long the look-ups wait, in real time, for the code under test to reach a wait.
  static constexpr std::chrono::seconds kRealTimeBound{10};

  ManualClock() : start_(Steady::now()), wall_start_(Wall::now()), now_(start_) {}

  using Clock::WaitUntil;

  Steady::time_point SteadyNow() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }

  Wall::time_point WallNow() const override {
    std::lock_guard lock(mutex_);
    return wall_start_ + std::chrono::duration_cast<Wall::duration>(now_ - start_);
  }

  std::cv_status WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                           Steady::time_point deadline) const override {
    std::list<Waiter>::iterator self;
    {
      std::lock_guard registry(mutex_);
      if (now_ >= deadline) return std::cv_status::timeout;
      self = waiters_.insert(waiters_.end(), Waiter{&cv, lock.mutex(), deadline, false});
      ++blocked_waits_;
    }
    registered_.notify_all();
    // Advance() takes `lock`'s mutex before it notifies, and this thread holds it until wait()
    // releases it: the wake-up cannot fall between the registration and the wait.
    const bool stuck = cv.wait_for(lock, kRealTimeBound) == std::cv_status::timeout;
    std::lock_guard registry(mutex_);
    waiters_.erase(self);
    if (stuck && now_ < deadline) {
      ADD_FAILURE() << "a wait on the ManualClock was neither notified nor advanced past in "
                    << kRealTimeBound.count() << " s of real time";
      now_ = deadline;  // so that the code under test, and the test, come to an end
      return std::cv_status::timeout;
    }
    return now_ >= deadline ? std::cv_status::timeout : std::cv_status::no_timeout;
  }

  void NotifyAll(std::condition_variable& cv) const override {
    {
      std::lock_guard registry(mutex_);
      for (Waiter& waiter : waiters_) {
        if (waiter.cv == &cv) waiter.woken = true;
      }
    }
    cv.notify_all();
  }

  // Moves time forward and wakes every wait whose deadline it reaches.
  void Advance(Steady::duration step) {
    std::vector<Waiter> due;
    {
      std::lock_guard registry(mutex_);
      now_ += step;
      for (Waiter& waiter : waiters_) {
        if (waiter.deadline > now_) continue;
        waiter.woken = true;
        due.push_back(waiter);
      }
    }
    for (const Waiter& waiter : due) {
      { std::lock_guard owner(*waiter.mutex); }
      waiter.cv->notify_all();
    }
  }

  void AdvanceTo(Steady::time_point when) {
    Advance(std::max(when - SteadyNow(), Steady::duration(0)));
  }

  // Returns once `count` waits on this clock are blocked (false when
  // that does not happen within `bound` of real time).
  bool AwaitWaiters(size_t count, std::chrono::milliseconds bound = kRealTimeBound) const {
    return AwaitRegistered(bound, [&] {
      return static_cast<size_t>(std::count_if(waiters_.begin(), waiters_.end(),
                                               [](const Waiter& w) { return !w.woken; })) >= count;
    });
  }

  // Returns once a wait on this clock is blocked until exactly `deadline`.
  bool AwaitWaiterUntil(Steady::time_point deadline) const {
    return AwaitRegistered(kRealTimeBound, [&] {
      return std::any_of(waiters_.begin(), waiters_.end(),
                         [&](const Waiter& w) { return !w.woken && w.deadline == deadline; });
    });
  }

  // Lets time pass for code that runs on several threads: whenever `participants` waits are
  // blocked (every thread involved is waiting for time), moves to the earliest of their
  // deadlines; until `result` is ready, which it returns.
  template <typename T>
  T RunUntilReady(std::future<T>& result, size_t participants) {
    const auto give_up = Steady::now() + kRealTimeBound;
    while (result.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      if (Steady::now() > give_up) {
        ADD_FAILURE() << "the code under test did not finish within " << kRealTimeBound.count()
                      << " s of real time";
        break;
      }
      // Short: the result may become ready without any further wait.
      if (AwaitWaiters(participants, std::chrono::milliseconds(5))) AdvanceTo(EarliestDeadline());
    }
    return result.get();
  }

  // How many waits have blocked (a wait whose deadline had already passed does not block).
  size_t blocked_waits() const {
    std::lock_guard registry(mutex_);
    return blocked_waits_;
  }

  // The earliest deadline a wait is blocked on, or the far future when none.
  Steady::time_point EarliestDeadline() const {
    std::lock_guard registry(mutex_);
    Steady::time_point earliest = Steady::time_point::max();
    for (const Waiter& w : waiters_) {
      if (!w.woken) earliest = std::min(earliest, w.deadline);
    }
    return earliest;
  }

 private:
  struct Waiter {
    std::condition_variable* cv;
    std::mutex* mutex;
    Steady::time_point deadline;
    bool woken;  // by Advance or NotifyAll: no longer blocked, its thread has yet to run
  };

  template <typename Predicate>
  bool AwaitRegistered(std::chrono::milliseconds bound, Predicate holds) const {
    std::unique_lock registry(mutex_);
    return registered_.wait_for(registry, bound, holds);
  }

  const Steady::time_point start_;
  const Wall::time_point wall_start_;
  mutable std::mutex mutex_;
  mutable std::condition_variable registered_;
  mutable Steady::time_point now_;  // mutable: a stuck wait moves it (WaitUntil is const)
  mutable std::list<Waiter> waiters_;
  mutable size_t blocked_waits_ = 0;
};

}  // namespace tk::testing
