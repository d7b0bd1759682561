// Tests the once-per-process SnapStart restore: the first notice wins, its work runs before its
// notice is published, and the notice and the sender's part are each taken once.
#include "pipeline/restore_latch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>

namespace tk::pipeline {
namespace {

TEST(RestoreLatchTest, NothingIsPendingBeforeARestore) {
  RestoreLatch latch;
  EXPECT_FALSE(latch.noted());
  EXPECT_EQ(latch.TakeNotice(), nullptr);
  EXPECT_FALSE(latch.TakeForSender());
}

TEST(RestoreLatchTest, TheFirstNoteIsTakenOnceByTheLoggerAndOnceByTheSender) {
  RestoreLatch latch;
  EXPECT_TRUE(latch.Note("platform.restoreStart"));
  EXPECT_TRUE(latch.noted());
  EXPECT_STREQ(latch.TakeNotice(), "platform.restoreStart");
  EXPECT_EQ(latch.TakeNotice(), nullptr);
  EXPECT_TRUE(latch.TakeForSender());
  EXPECT_FALSE(latch.TakeForSender());
  EXPECT_TRUE(latch.noted());  // still once per process
}

TEST(RestoreLatchTest, LaterNotesDoNothing) {
  RestoreLatch latch;
  int applied = 0;
  ASSERT_TRUE(latch.Note("first event after the snapshot", [&] { ++applied; }));
  EXPECT_STREQ(latch.TakeNotice(), "first event after the snapshot");
  EXPECT_TRUE(latch.TakeForSender());

  EXPECT_FALSE(latch.Note("platform.restoreStart", [&] { ++applied; }));
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(latch.TakeNotice(), nullptr);  // not logged a second time
  EXPECT_FALSE(latch.TakeForSender());     // nor re-applied by the sender
}

TEST(RestoreLatchTest, TheNoticeIsPublishedOnlyOnceTheWorkIsDone) {
  RestoreLatch latch;
  bool noted_during_apply = false;
  const char* notice_during_apply = "unset";
  ASSERT_TRUE(latch.Note("platform.restoreStart", [&] {
    noted_during_apply = latch.noted();  // a racing OnRestore already backs off
    notice_during_apply = latch.TakeNotice();
  }));
  EXPECT_TRUE(noted_during_apply);
  EXPECT_EQ(notice_during_apply, nullptr);
  EXPECT_STREQ(latch.TakeNotice(), "platform.restoreStart");
}

// The listener's platform.restoreStart and the lifecycle's first event racing: one of them wins
// each time, its work runs once and its source is the one logged.
TEST(RestoreLatchTest, OfTwoRacingNotesExactlyOneWins) {
  for (int round = 0; round < 200; ++round) {
    RestoreLatch latch;
    std::atomic<int> applied{0};
    std::promise<void> go;
    std::shared_future<void> start = go.get_future().share();
    auto note = [&](const char* source) {
      return std::async(std::launch::async, [&latch, &applied, start, source] {
        start.wait();
        return latch.Note(source, [&applied] { ++applied; });
      });
    };
    std::future<bool> listener = note("platform.restoreStart");
    std::future<bool> lifecycle = note("first event after the snapshot");
    go.set_value();
    const bool listener_won = listener.get();
    const bool lifecycle_won = lifecycle.get();

    ASSERT_NE(listener_won, lifecycle_won) << "round " << round;
    ASSERT_EQ(applied.load(), 1) << "round " << round;
    const char* notice = latch.TakeNotice();
    ASSERT_NE(notice, nullptr) << "round " << round;
    EXPECT_EQ(std::string(notice),
              listener_won ? "platform.restoreStart" : "first event after the snapshot");
    EXPECT_TRUE(latch.TakeForSender());
  }
}

}  // namespace
}  // namespace tk::pipeline
