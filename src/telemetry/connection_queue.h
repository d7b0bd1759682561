// The listener's worker pool: complete requests wait here for one of a few threads, which runs the
// batch handler and writes the answer. The reader thread hands requests over and must never wait
// here, so Enqueue() does not block; how many requests may be queued is the listener's to bound
// (its connection cap counts them).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tk::telemetry {

// Runs jobs (one per complete request) on up to `worker_threads` threads, in order. Thread-safe.
// A thread starts when a job finds none idle, not in the constructor: nothing reaches the pool
// before Lambda's first POST, and each thread started during init delayed the first /next.
class ConnectionQueue {
 public:
  explicit ConnectionQueue(size_t worker_threads);
  ~ConnectionQueue();
  ConnectionQueue(const ConnectionQueue&) = delete;
  ConnectionQueue& operator=(const ConnectionQueue&) = delete;

  // Queues `job` without waiting. After Shutdown() the job runs on the caller's thread instead
  // (every job owns a connection that it must answer or close).
  void Enqueue(std::function<void()> job);

  // Runs the jobs still queued, then joins the workers. Idempotent.
  void Shutdown();

  // Jobs running or waiting now.
  size_t held() const;

 private:
  void Work();

  mutable std::mutex mutex_;
  std::condition_variable job_ready_;
  std::deque<std::function<void()>> jobs_;
  const size_t max_workers_;
  size_t running_ = 0;
  size_t idle_ = 0;  // workers waiting for a job
  bool shutting_down_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace tk::telemetry
