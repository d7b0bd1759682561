#include "common/clock.h"

namespace tk {
namespace {

class RealClock final : public Clock {
 public:
  Steady::time_point SteadyNow() const override { return Steady::now(); }
  Wall::time_point WallNow() const override { return Wall::now(); }
  std::cv_status WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                           Steady::time_point deadline) const override {
    return cv.wait_until(lock, deadline);
  }
  void NotifyAll(std::condition_variable& cv) const override { cv.notify_all(); }
};

}  // namespace

const Clock& SystemClock() {
  static const RealClock clock;
  return clock;
}

}  // namespace tk
