// Tests the flush strategy per invocation: end always flushes before /next, background and
// periodic never do, adaptive flushes while invocations are rare and goes background once they
// are frequent; what is forced to background where no INVOKE or runtimeDone exists.
#include "pipeline/flush_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tk::pipeline {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

constexpr config::FlushStrategy kAdaptive{config::FlushMode::kAdaptive, 0};
constexpr config::FlushStrategy kEnd{config::FlushMode::kEnd, 0};
constexpr config::FlushStrategy kBackground{config::FlushMode::kBackground, 0};
constexpr config::FlushStrategy kPeriodic{config::FlushMode::kPeriodic, 500};

const FlushPolicy::Clock::time_point kStart{};

TEST(FlushPolicyTest, EndFlushesBeforeEveryNextAndBackgroundAndPeriodicNever) {
  FlushPolicy end(kEnd, true, true);
  FlushPolicy background(kBackground, true, true);
  FlushPolicy periodic(kPeriodic, true, true);
  for (int i = 0; i < 10; ++i) {
    const auto now = kStart + milliseconds(10 * i);
    EXPECT_TRUE(end.FlushBeforeNext(now));
    EXPECT_FALSE(background.FlushBeforeNext(now));
    EXPECT_FALSE(periodic.FlushBeforeNext(now));
  }
}

TEST(FlushPolicyTest, AdaptiveFlushesBeforeNextWhileInvocationsAreRare) {
  FlushPolicy policy(kAdaptive, true, true);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(policy.FlushBeforeNext(kStart + i * kFrequentInvocationGap * 2)) << i;
  }
}

TEST(FlushPolicyTest, AdaptiveGoesBackgroundAfterFrequentInvocationsAndBackAfterAPause) {
  FlushPolicy policy(kAdaptive, true, true);
  auto now = kStart;
  EXPECT_TRUE(policy.FlushBeforeNext(now));  // the first one may be the only one
  for (int gap = 1; gap < kFrequentGapsToGoBackground; ++gap) {
    now += milliseconds(100);
    EXPECT_TRUE(policy.FlushBeforeNext(now)) << "gap " << gap;
  }
  now += milliseconds(100);
  EXPECT_FALSE(policy.FlushBeforeNext(now));  // frequent: the next thaw comes soon anyway
  now += milliseconds(100);
  EXPECT_FALSE(policy.FlushBeforeNext(now));
  now += kFrequentInvocationGap;  // one pause: rare again
  EXPECT_TRUE(policy.FlushBeforeNext(now));
}

TEST(FlushPolicyTest, WithoutInvokeEventsEndAndAdaptiveShipInTheBackground) {
  FlushPolicy adaptive(kAdaptive, /*receives_invoke=*/false, true);
  FlushPolicy end(kEnd, /*receives_invoke=*/false, true);
  EXPECT_FALSE(adaptive.FlushBeforeNext(kStart));
  EXPECT_FALSE(end.FlushBeforeNext(kStart));
  EXPECT_THAT(adaptive.description(), HasSubstr("adaptive -> background (no INVOKE"));
}

TEST(FlushPolicyTest, WithoutPlatformEventsThereIsNoRuntimeDoneToWaitFor) {
  FlushPolicy end(kEnd, true, /*sees_runtime_done=*/false);
  EXPECT_FALSE(end.FlushBeforeNext(kStart));
  EXPECT_THAT(end.description(), HasSubstr("end -> background (platform events are not"));
}

TEST(FlushPolicyTest, AdaptiveGoesBackgroundAfterRuntimeDoneIsMissingTwiceInARow) {
  FlushPolicy policy(kAdaptive, true, true);
  EXPECT_TRUE(policy.FlushBeforeNext(kStart));
  EXPECT_FALSE(policy.RuntimeDoneMissing());  // one: maybe a function that timed out
  policy.RuntimeDoneArrived();
  EXPECT_FALSE(policy.RuntimeDoneMissing());
  EXPECT_TRUE(policy.RuntimeDoneMissing());
  EXPECT_FALSE(policy.FlushBeforeNext(kStart + kFrequentInvocationGap * 10));
  EXPECT_THAT(policy.description(), HasSubstr("runtimeDone did not arrive"));
}

TEST(FlushPolicyTest, EndKeepsFlushingWhenRuntimeDoneIsMissing) {
  FlushPolicy policy(kEnd, true, true);
  EXPECT_FALSE(policy.RuntimeDoneMissing());
  EXPECT_FALSE(policy.RuntimeDoneMissing());
  EXPECT_TRUE(policy.FlushBeforeNext(kStart));
}

}  // namespace
}  // namespace tk::pipeline
