// The listener's worker pool; see connection_queue.h.
#include "telemetry/connection_queue.h"

#include <algorithm>
#include <system_error>
#include <utility>

namespace tk::telemetry {

ConnectionQueue::ConnectionQueue(size_t worker_threads)
    : max_workers_(std::max(worker_threads, size_t{1})) {
  workers_.reserve(max_workers_);
}

ConnectionQueue::~ConnectionQueue() { Shutdown(); }

void ConnectionQueue::Enqueue(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (!shutting_down_) {
      jobs_.push_back(std::move(job));
      // Every queued job has an idle worker to wake, or no more workers may start.
      if (jobs_.size() <= idle_ || workers_.size() == max_workers_) {
        job_ready_.notify_one();
        return;
      }
      try {
        workers_.emplace_back([this] { Work(); });  // it takes the job once this lock is free
        return;
      } catch (const std::system_error&) {
        // No thread to be had: a running worker will take the job; with none, it runs here.
        if (!workers_.empty()) return;
        job = std::move(jobs_.back());
        jobs_.pop_back();
      }
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
    ++idle_;
    job_ready_.wait(lock, [this] { return !jobs_.empty() || shutting_down_; });
    --idle_;
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
