// The listener's worker pool: a few threads serve its connections, and a cap bounds how many
// connections it holds at once (served + waiting), so a flood of clients waits in the kernel.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tk::telemetry {

// Runs connection jobs (one per accepted connection) on `worker_threads` threads. Thread-safe.
class ConnectionQueue {
 public:
  // `max_connections` counts jobs running and waiting; it is raised to `worker_threads` if lower.
  ConnectionQueue(size_t worker_threads, size_t max_connections);
  ~ConnectionQueue();
  ConnectionQueue(const ConnectionQueue&) = delete;
  ConnectionQueue& operator=(const ConnectionQueue&) = delete;

  // Queues `job`. At the cap it blocks the caller (the accepting thread) until a job ends or
  // ReleaseWaiters() is called: meanwhile no connection is accepted.
  void Enqueue(std::function<void()> job);

  // Lets a blocked Enqueue() through without waiting for room; for stopping, when the job will
  // only close its connection. Later Enqueue() calls do not block either.
  void ReleaseWaiters();

  // Runs the jobs still queued, then joins the workers. Idempotent.
  void Shutdown();

  // Jobs running or waiting now.
  size_t held() const;

 private:
  void Work();

  const size_t max_connections_;
  mutable std::mutex mutex_;
  std::condition_variable job_ready_;
  std::condition_variable room_;
  std::deque<std::function<void()>> jobs_;
  size_t running_ = 0;
  bool releasing_ = false;
  bool shutting_down_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace tk::telemetry
