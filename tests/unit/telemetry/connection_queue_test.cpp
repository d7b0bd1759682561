// Tests the listener's worker pool: jobs run on the workers, Enqueue() never waits (the reader
// thread hands requests over and must stay free), Shutdown() runs what is queued, and a job
// handed over after it still runs; threads start only when jobs need them.
#include "telemetry/connection_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <iterator>
#include <mutex>
#include <thread>

namespace tk::telemetry {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kSoon{2000};  // generous: a loaded 2-core machine

// A job that runs until Open() is called.
class Gate {
 public:
  std::function<void()> Job() {
    return [this] {
      std::unique_lock lock(mutex_);
      started_++;
      changed_.notify_all();
      changed_.wait(lock, [this] { return open_; });
      finished_++;
    };
  }
  void Open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  // True as soon as `count` jobs have started; false if they have not within kSoon.
  bool WaitStarted(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kSoon, [&] { return started_ >= count; });
  }
  std::atomic<int> started_{0};
  std::atomic<int> finished_{0};

 private:
  std::mutex mutex_;
  std::condition_variable changed_;  // a job started, or the gate opened
  bool open_ = false;
};

TEST(ConnectionQueueTest, RunsEveryJobOnItsWorkers) {
  std::atomic<int> ran{0};
  {
    ConnectionQueue queue(2);
    for (int i = 0; i < 20; ++i) queue.Enqueue([&ran] { ran++; });
    queue.Shutdown();
  }
  EXPECT_EQ(ran.load(), 20);
}

TEST(ConnectionQueueTest, EnqueueNeverWaitsWhileEveryWorkerIsBusy) {
  ConnectionQueue queue(1);
  Gate gate;
  queue.Enqueue(gate.Job());
  ASSERT_TRUE(gate.WaitStarted(1));
  // A hundred more behind the one blocked worker: handed over at once, all held.
  auto enqueue = std::async(std::launch::async, [&] {
    for (int i = 0; i < 100; ++i) queue.Enqueue(gate.Job());
  });
  EXPECT_EQ(enqueue.wait_for(kSoon), std::future_status::ready) << "Enqueue() waited";
  EXPECT_EQ(queue.held(), 101u);
  gate.Open();
  queue.Shutdown();
  EXPECT_EQ(gate.finished_.load(), 101);
  EXPECT_EQ(queue.held(), 0u);
}

TEST(ConnectionQueueTest, ShutdownIsIdempotentAndAJobHandedOverAfterItStillRuns) {
  ConnectionQueue queue(3);
  Gate gate;
  for (int i = 0; i < 3; ++i) queue.Enqueue(gate.Job());
  EXPECT_TRUE(gate.WaitStarted(3));
  gate.Open();
  queue.Shutdown();
  queue.Shutdown();
  EXPECT_EQ(gate.finished_.load(), 3);
  bool late_ran = false;
  queue.Enqueue([&late_ran] { late_ran = true; });  // runs here: its connection must be closed
  EXPECT_TRUE(late_ran);
}

// Threads of this process now.
size_t ThreadCount() {
  const std::filesystem::directory_iterator tasks("/proc/self/task");
  return static_cast<size_t>(std::distance(begin(tasks), end(tasks)));
}

// Threads of this process once the ones just joined have left /proc (join returns when the thread
// has released its memory, a moment before the kernel removes its task), within a second.
size_t ThreadCountSettledAt(size_t expected) {
  for (int i = 0; i < 100 && ThreadCount() != expected; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return ThreadCount();
}

TEST(ConnectionQueueTest, StartsAThreadOnlyWhenAJobFindsNoneIdle) {
  // TSan starts its own background thread at the process's first pthread_create: have it now.
  std::promise<void> go;
  std::thread warm_up([ready = go.get_future()] { ready.wait(); });
  const size_t with_warm_up = ThreadCount();
  go.set_value();
  warm_up.join();
  const size_t before = ThreadCountSettledAt(with_warm_up - 1);
  ConnectionQueue queue(2);
  EXPECT_EQ(ThreadCount(), before) << "a worker started before any job (it would delay init)";
  queue.Enqueue([] {});
  queue.Enqueue([] {});  // may find the first worker still busy: then the second one starts
  EXPECT_LE(ThreadCount(), before + 2);
  Gate gate;
  queue.Enqueue(gate.Job());
  queue.Enqueue(gate.Job());
  ASSERT_TRUE(gate.WaitStarted(2)) << "two blocked jobs need both workers";
  EXPECT_EQ(ThreadCount(), before + 2);
  queue.Enqueue(gate.Job());  // waits for a worker: no third thread
  EXPECT_EQ(ThreadCount(), before + 2);
  EXPECT_EQ(queue.held(), 3u);
  gate.Open();
  queue.Shutdown();
  EXPECT_EQ(gate.finished_.load(), 3);
  EXPECT_EQ(ThreadCountSettledAt(before), before);
}

TEST(ConnectionQueueTest, HasAtLeastOneWorker) {
  ConnectionQueue queue(0);
  std::promise<void> ran;
  queue.Enqueue([&ran] { ran.set_value(); });
  EXPECT_EQ(ran.get_future().wait_for(kSoon), std::future_status::ready);
}

}  // namespace
}  // namespace tk::telemetry
