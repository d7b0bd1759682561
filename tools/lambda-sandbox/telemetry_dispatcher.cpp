// Telemetry delivery to one subscriber: Lambda buffers events and sends a batch (a JSON array)
// when maxItems or maxBytes is reached or timeoutMs has passed (Telemetry API, "Configuring memory
// usage and buffering"); one request at a time; failures are counted, not retried here.
#include "telemetry_dispatcher.h"

#include <httplib.h>

#include <algorithm>

namespace sandbox {
namespace {

// The thread re-checks its state at least this often, so every wait is bounded.
constexpr auto kMaxIdleWait = std::chrono::milliseconds(100);
constexpr int kTransportError = -1;

std::size_t batchBytes(std::size_t events, std::size_t payload) {
  // "[" + events joined by "," + "]"
  return payload + (events > 0 ? events - 1 : 0) + 2;
}

}  // namespace

TelemetryDispatcher::TelemetryDispatcher(Subscription subscription, int post_timeout_ms,
                                         EventsOutWriter& events_out)
    : post_timeout_ms_(post_timeout_ms),
      events_out_(events_out),
      subscription_(std::move(subscription)) {
  thread_ = std::thread([this] { run(); });
}

TelemetryDispatcher::~TelemetryDispatcher() { stop(); }

void TelemetryDispatcher::enqueue(std::string event_json, SteadyTime emitted_at) {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) {
      ++stats_.events_undelivered;
      return;
    }
    queued_bytes_ += event_json.size();
    queue_.push_back(Queued{std::move(event_json), emitted_at});
  }
  cv_.notify_all();
}

void TelemetryDispatcher::reconfigure(Subscription subscription) {
  {
    const std::lock_guard lock(mutex_);
    subscription_ = std::move(subscription);
  }
  cv_.notify_all();
}

bool TelemetryDispatcher::pause() {
  std::unique_lock lock(mutex_);
  paused_ = true;
  return cv_.wait_for(lock, std::chrono::milliseconds(post_timeout_ms_ + 1000),
                      [this] { return !in_flight_; });
}

void TelemetryDispatcher::resume() {
  {
    const std::lock_guard lock(mutex_);
    paused_ = false;
  }
  cv_.notify_all();
}

void TelemetryDispatcher::stop() {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) {
      return;
    }
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  const std::lock_guard lock(mutex_);
  stats_.events_undelivered += static_cast<std::int64_t>(queue_.size());
  queue_.clear();
  queued_bytes_ = 0;
}

DispatchStats TelemetryDispatcher::stats() const {
  const std::lock_guard lock(mutex_);
  return stats_;
}

bool TelemetryDispatcher::flushDue(SteadyTime now) const {
  if (queue_.empty()) {
    return false;
  }
  const Buffering& b = subscription_.buffering;
  if (queue_.size() >= static_cast<std::size_t>(b.max_items) ||
      batchBytes(queue_.size(), queued_bytes_) >= static_cast<std::size_t>(b.max_bytes)) {
    return true;
  }
  return now - queue_.front().enqueued_at >= std::chrono::milliseconds(b.timeout_ms);
}

std::vector<std::string> TelemetryDispatcher::takeBatch() {
  const Buffering& b = subscription_.buffering;
  std::vector<std::string> batch;
  std::size_t payload = 0;
  // At least one event per batch, even one larger than maxBytes, so nothing is stuck forever.
  while (!queue_.empty() && batch.size() < static_cast<std::size_t>(b.max_items)) {
    const std::size_t size = queue_.front().json.size();
    if (!batch.empty() &&
        batchBytes(batch.size() + 1, payload + size) > static_cast<std::size_t>(b.max_bytes)) {
      break;
    }
    payload += size;
    queued_bytes_ -= size;
    batch.push_back(std::move(queue_.front().json));
    queue_.pop_front();
  }
  return batch;
}

void TelemetryDispatcher::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const SteadyTime now = SteadyClock::now();
    if (paused_ || !flushDue(now)) {
      SteadyTime wake = now + kMaxIdleWait;
      if (!paused_ && !queue_.empty()) {
        wake = std::min(wake, queue_.front().enqueued_at +
                                  std::chrono::milliseconds(subscription_.buffering.timeout_ms));
      }
      cv_.wait_until(lock, wake);
      continue;
    }
    std::vector<std::string> batch = takeBatch();
    const Subscription sub = subscription_;
    in_flight_ = true;
    lock.unlock();

    std::string body = "[";
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (i > 0) {
        body.push_back(',');
      }
      body += batch[i];
    }
    body.push_back(']');
    events_out_.write(batch);
    const SteadyTime started = SteadyClock::now();
    const int status = post(sub, body);
    const double took_ms = millisBetween(started, SteadyClock::now());

    lock.lock();
    in_flight_ = false;
    ++stats_.posts;
    stats_.events_posted += static_cast<std::int64_t>(batch.size());
    stats_.bytes_posted += static_cast<std::int64_t>(body.size());
    stats_.max_post_ms = std::max(stats_.max_post_ms, took_ms);
    ++stats_.statuses[status == kTransportError ? "error" : std::to_string(status)];
    if (status >= 200 && status < 300) {
      stats_.events_delivered += static_cast<std::int64_t>(batch.size());
    } else {
      ++stats_.post_failures;
    }
    cv_.notify_all();  // pause() may be waiting for the POST to finish
  }
}

int TelemetryDispatcher::post(const Subscription& sub, const std::string& body) {
  httplib::Client client(sub.host, sub.port);
  const time_t sec = post_timeout_ms_ / 1000;
  const time_t usec = static_cast<time_t>(post_timeout_ms_ % 1000) * 1000;
  client.set_connection_timeout(sec, usec);
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
  client.set_tcp_nodelay(true);
  auto res = client.Post(sub.path, body, "application/json");
  return res ? res->status : kTransportError;
}

}  // namespace sandbox
