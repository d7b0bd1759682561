// Tests the listener's worker pool: jobs run on the workers, the connection cap makes the
// accepting thread wait (never drops a connection), and stopping releases it.
#include "telemetry/connection_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

namespace tk::telemetry {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kSoon{2000};   // generous: a loaded 2-core machine
constexpr milliseconds kNotYet{100};  // long enough to notice a wrongly unblocked caller

// A job that runs until Open() is called.
class Gate {
 public:
  std::function<void()> Job() {
    return [this] {
      started_++;
      std::unique_lock lock(mutex_);
      opened_.wait(lock, [this] { return open_; });
      finished_++;
    };
  }
  void Open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    opened_.notify_all();
  }
  bool WaitStarted(int count) {
    for (int i = 0; i < 400 && started_ < count; ++i) std::this_thread::sleep_for(milliseconds(5));
    return started_ >= count;
  }
  std::atomic<int> started_{0};
  std::atomic<int> finished_{0};

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
};

TEST(ConnectionQueueTest, RunsEveryJobOnItsWorkers) {
  std::atomic<int> ran{0};
  {
    ConnectionQueue queue(2, 64);
    for (int i = 0; i < 20; ++i) queue.Enqueue([&ran] { ran++; });
    queue.Shutdown();
  }
  EXPECT_EQ(ran.load(), 20);
}

TEST(ConnectionQueueTest, MakesTheAccepterWaitAtTheCapAndLetsItOnWhenAJobEnds) {
  ConnectionQueue queue(1, 2);
  Gate gate;
  queue.Enqueue(gate.Job());  // running
  queue.Enqueue(gate.Job());  // waiting: the cap of 2 is reached
  ASSERT_TRUE(gate.WaitStarted(1));
  EXPECT_EQ(queue.held(), 2u);

  auto third = std::async(std::launch::async, [&] { queue.Enqueue(gate.Job()); });
  EXPECT_EQ(third.wait_for(kNotYet), std::future_status::timeout) << "enqueued past the cap";
  gate.Open();
  EXPECT_EQ(third.wait_for(kSoon), std::future_status::ready);
  queue.Shutdown();
  EXPECT_EQ(gate.finished_.load(), 3) << "a connection over the cap was dropped, not delayed";
}

TEST(ConnectionQueueTest, ReleaseWaitersLetsABlockedAccepterThrough) {
  ConnectionQueue queue(1, 1);
  Gate gate;
  queue.Enqueue(gate.Job());
  ASSERT_TRUE(gate.WaitStarted(1));
  std::atomic<bool> second_ran{false};
  auto blocked = std::async(std::launch::async, [&] { queue.Enqueue([&] { second_ran = true; }); });
  EXPECT_EQ(blocked.wait_for(kNotYet), std::future_status::timeout);
  queue.ReleaseWaiters();
  EXPECT_EQ(blocked.wait_for(kSoon), std::future_status::ready);
  gate.Open();
  queue.Shutdown();
  EXPECT_TRUE(second_ran.load());
}

TEST(ConnectionQueueTest, ShutdownIsIdempotentAndRaisesATooSmallCapToTheWorkerCount) {
  ConnectionQueue queue(3, 0);
  Gate gate;
  for (int i = 0; i < 3; ++i) queue.Enqueue(gate.Job());  // would block forever with a cap of 0
  EXPECT_TRUE(gate.WaitStarted(3));
  gate.Open();
  queue.Shutdown();
  queue.Shutdown();
  EXPECT_EQ(gate.finished_.load(), 3);
}

}  // namespace
}  // namespace tk::telemetry
