// Routing of telemetry by subscribed type, with the init backlog replayed to a subscriber that
// subscribes during init.
#include "telemetry_router.h"

namespace sandbox {

TelemetryRouter::TelemetryRouter(const EventFactory& factory, EventsOutWriter& events_out,
                                 DeliveryOptions delivery)
    : factory_(factory), events_out_(events_out), delivery_(std::move(delivery)) {}

TelemetryRouter::~TelemetryRouter() { stop(); }

void TelemetryRouter::emit(TelemetryEvent event) {
  const std::lock_guard lock(mutex_);
  ++generated_;
  if (dispatcher_ && subscription_->wants(event.stream)) {
    ++emitted_;
    dispatcher_->enqueue(std::move(event.json), event.emitted_at, event.alone);
  } else if (!subscription_ && backlog_open_) {
    init_backlog_.push_back(std::move(event));
  }
}

void TelemetryRouter::subscribe(const Subscription& subscription,
                                const std::string& extension_name) {
  {
    const std::lock_guard lock(mutex_);
    ++subscribe_calls_;
    subscription_ = subscription;
    if (dispatcher_) {
      dispatcher_->reconfigure(subscription);
    } else if (!final_stats_) {
      dispatcher_ = std::make_unique<TelemetryDispatcher>(subscription, delivery_, events_out_);
      for (TelemetryEvent& e : init_backlog_) {
        if (subscription.wants(e.stream)) {
          ++emitted_;
          dispatcher_->enqueue(std::move(e.json), e.emitted_at, e.alone);
        }
      }
      init_backlog_.clear();
    }
  }
  emit(factory_.telemetrySubscription(extension_name, subscription.types));
}

void TelemetryRouter::closeInitBacklog() {
  const std::lock_guard lock(mutex_);
  backlog_open_ = false;
  init_backlog_.clear();
}

// pause()/resume()/stop() are called only by the lifecycle thread, the only thread that resets
// dispatcher_; so the pointer stays valid outside the lock, and pause() can wait for an in-flight
// POST without blocking emit() (the log pumps) meanwhile.
void TelemetryRouter::pause() {
  TelemetryDispatcher* dispatcher = nullptr;
  {
    const std::lock_guard lock(mutex_);
    dispatcher = dispatcher_.get();
  }
  if (dispatcher != nullptr) {
    dispatcher->pause();
  }
}

void TelemetryRouter::resume() {
  TelemetryDispatcher* dispatcher = nullptr;
  {
    const std::lock_guard lock(mutex_);
    dispatcher = dispatcher_.get();
  }
  if (dispatcher != nullptr) {
    dispatcher->resume();
  }
}

void TelemetryRouter::stop() {
  const std::lock_guard lock(mutex_);
  if (dispatcher_) {
    dispatcher_->stop();
    final_stats_ = dispatcher_->stats();
    dispatcher_.reset();
  } else if (!final_stats_) {
    final_stats_ = DispatchStats{};
  }
}

bool TelemetryRouter::subscribed() const {
  const std::lock_guard lock(mutex_);
  return subscription_.has_value();
}

std::optional<Subscription> TelemetryRouter::subscription() const {
  const std::lock_guard lock(mutex_);
  return subscription_;
}

int TelemetryRouter::subscribeCalls() const {
  const std::lock_guard lock(mutex_);
  return subscribe_calls_;
}

std::int64_t TelemetryRouter::eventsGenerated() const {
  const std::lock_guard lock(mutex_);
  return generated_;
}

std::int64_t TelemetryRouter::eventsEmitted() const {
  const std::lock_guard lock(mutex_);
  return emitted_;
}

DispatchStats TelemetryRouter::dispatchStats() const {
  const std::lock_guard lock(mutex_);
  if (final_stats_) {
    return *final_stats_;
  }
  return dispatcher_ ? dispatcher_->stats() : DispatchStats{};
}

}  // namespace sandbox
