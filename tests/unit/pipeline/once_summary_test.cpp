// Tests the once-only shutdown guard: the first caller's summary is everyone's, and a caller
// that races the first returns only after the first caller's work (its log line) is done.
#include "pipeline/once_summary.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <string>

namespace tk::pipeline {
namespace {

TEST(OnceSummaryTest, LaterCallsGetTheFirstSummaryWithoutMakingOne) {
  OnceSummary once;
  int made = 0;
  EXPECT_EQ(once.Run([&] { return "shutdown: " + std::to_string(++made); }), "shutdown: 1");
  EXPECT_EQ(once.Run([&] { return "shutdown: " + std::to_string(++made); }), "shutdown: 1");
  EXPECT_EQ(made, 1);
}

TEST(OnceSummaryTest, AFailedFirstCallLeavesTheWorkToTheNext) {
  OnceSummary once;
  EXPECT_THROW(once.Run([]() -> std::string { throw std::runtime_error("drain failed"); }),
               std::runtime_error);
  EXPECT_EQ(once.Run([] { return std::string("shutdown: second try"); }), "shutdown: second try");
}

// SHUTDOWN's drain is under way when a SIGTERM's drain starts: the second caller does not drain
// again, and it returns only once the first has logged its line, with that line.
TEST(OnceSummaryTest, ASecondCallerWaitsForTheFirstAndGetsItsSummary) {
  OnceSummary once;
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> logged{false};
  std::future<std::string> first = std::async(std::launch::async, [&] {
    return once.Run([&] {
      entered.set_value();
      released.wait();
      logged = true;  // the first caller's log line
      return std::string("shutdown: delivered=3");
    });
  });
  entered.get_future().wait();  // the first caller holds the guard

  std::atomic<int> second_made{0};
  std::future<std::string> second = std::async(std::launch::async, [&] {
    std::string summary = once.Run([&] {
      ++second_made;
      return std::string("shutdown: second drain");
    });
    EXPECT_TRUE(logged.load());  // returned only after the first caller's work
    return summary;
  });
  // Whether or not it has reached the guard yet, the second caller cannot finish before the
  // first: the guard is held until release.
  EXPECT_EQ(second.wait_for(std::chrono::seconds(0)), std::future_status::timeout);

  release.set_value();
  EXPECT_EQ(first.get(), "shutdown: delivered=3");
  EXPECT_EQ(second.get(), "shutdown: delivered=3");
  EXPECT_EQ(second_made.load(), 0);
}

// Two callers started together, many times: one summary is made each time, and both get it.
TEST(OnceSummaryTest, OfTwoRacingCallersOneMakesTheSummary) {
  for (int round = 0; round < 200; ++round) {
    OnceSummary once;
    std::atomic<int> made{0};
    std::promise<void> go;
    std::shared_future<void> start = go.get_future().share();
    auto call = [&](const char* who) {
      return std::async(std::launch::async, [&once, &made, start, who] {
        start.wait();
        return once.Run([&made, who] {
          ++made;
          return std::string(who);
        });
      });
    };
    std::future<std::string> shutdown = call("SHUTDOWN");
    std::future<std::string> signal = call("SIGTERM");
    go.set_value();
    const std::string a = shutdown.get();
    const std::string b = signal.get();
    ASSERT_EQ(made.load(), 1) << "round " << round;
    ASSERT_EQ(a, b) << "round " << round;
  }
}

}  // namespace
}  // namespace tk::pipeline
