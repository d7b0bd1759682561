// Tests the backoff schedule with a scripted random source: bounds, growth, cap, no zero delay.
#include "kinesis/backoff.h"

#include <gtest/gtest.h>

#include <limits>

namespace tk::kinesis {
namespace {

using std::chrono::milliseconds;

Backoff WithDraw(double draw, milliseconds base = milliseconds(100),
                 milliseconds cap = milliseconds(5000)) {
  return Backoff(base, cap, [draw] { return draw; });
}

TEST(BackoffTest, FirstRetryWaitsBetweenHalfBaseAndBase) {
  EXPECT_EQ(WithDraw(0.0).Delay(1), milliseconds(50));
  EXPECT_EQ(WithDraw(0.5).Delay(1), milliseconds(75));
  EXPECT_EQ(WithDraw(0.999999).Delay(1), milliseconds(100));
}

TEST(BackoffTest, DoublesTheWindowWithEachFailure) {
  const Backoff low = WithDraw(0.0);
  const Backoff high = WithDraw(1.0);
  EXPECT_EQ(low.Delay(2), milliseconds(100));
  EXPECT_EQ(high.Delay(2), milliseconds(200));
  EXPECT_EQ(low.Delay(4), milliseconds(400));
  EXPECT_EQ(high.Delay(4), milliseconds(800));
}

TEST(BackoffTest, NeverExceedsTheCapEvenAfterManyFailures) {
  const Backoff high = WithDraw(1.0);
  const Backoff low = WithDraw(0.0);
  for (uint32_t attempt : {7u, 8u, 30u, 64u, 1000u, std::numeric_limits<uint32_t>::max()}) {
    EXPECT_EQ(high.Delay(attempt), milliseconds(5000)) << attempt;
    EXPECT_EQ(low.Delay(attempt), milliseconds(2500)) << attempt;
  }
}

TEST(BackoffTest, NeverReturnsAZeroDelay) {
  const Backoff tiny = WithDraw(0.0, milliseconds(0), milliseconds(0));
  EXPECT_GE(tiny.Delay(0), milliseconds(1));
  EXPECT_GE(tiny.Delay(1), milliseconds(1));
  EXPECT_GE(WithDraw(0.0).Delay(0), milliseconds(50));  // attempt 0 is treated as the first
}

TEST(BackoffTest, ClampsAnOutOfRangeRandomSource) {
  EXPECT_EQ(WithDraw(-3.0).Delay(1), milliseconds(50));
  EXPECT_EQ(WithDraw(7.0).Delay(1), milliseconds(100));
  EXPECT_EQ(WithDraw(std::numeric_limits<double>::quiet_NaN()).Delay(1), milliseconds(50));
}

TEST(BackoffTest, RaisesACapBelowTheBaseToTheBase) {
  const Backoff backoff = WithDraw(1.0, milliseconds(200), milliseconds(50));
  EXPECT_EQ(backoff.cap(), milliseconds(200));
  EXPECT_EQ(backoff.Delay(5), milliseconds(200));
}

TEST(BackoffTest, StaysWithinBoundsForEveryDrawOfTheSchedule) {
  for (double draw = 0.0; draw < 1.0; draw += 0.125) {
    const Backoff backoff = WithDraw(draw);
    for (uint32_t attempt = 1; attempt <= 10; ++attempt) {
      const long long window = std::min(100LL << (attempt - 1), 5000LL);
      EXPECT_GE(backoff.Delay(attempt).count(), window / 2);
      EXPECT_LE(backoff.Delay(attempt).count(), window);
    }
  }
}

}  // namespace
}  // namespace tk::kinesis
