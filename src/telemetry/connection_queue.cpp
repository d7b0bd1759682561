// The listener's worker pool; see connection_queue.h.
#include "telemetry/connection_queue.h"

#include <algorithm>
#include <utility>

namespace tk::telemetry {

ConnectionQueue::ConnectionQueue(size_t worker_threads) {
  const size_t threads = std::max(worker_threads, size_t{1});
  workers_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
}

ConnectionQueue::~ConnectionQueue() { Shutdown(); }

void ConnectionQueue::Enqueue(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (!shutting_down_) {
      jobs_.push_back(std::move(job));
      job_ready_.notify_one();
      return;
    }
  }
  job();
}

void ConnectionQueue::Shutdown() {
  {
    std::lock_guard lock(mutex_);
    shutting_down_ = true;
  }
  job_ready_.notify_all();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

size_t ConnectionQueue::held() const {
  std::lock_guard lock(mutex_);
  return running_ + jobs_.size();
}

void ConnectionQueue::Work() {
  std::unique_lock lock(mutex_);
  while (true) {
    job_ready_.wait(lock, [this] { return !jobs_.empty() || shutting_down_; });
    if (jobs_.empty()) return;  // shutting down with nothing left
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    ++running_;
    lock.unlock();
    job();
    lock.lock();
    --running_;
  }
}

}  // namespace tk::telemetry
