// Decides where each generated telemetry event goes: to the subscriber's dispatcher when its
// stream is subscribed, into the init-phase backlog while no one has subscribed yet, or nowhere.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "event_factory.h"
#include "events_out_writer.h"
#include "telemetry_dispatcher.h"
#include "telemetry_subscription.h"

namespace sandbox {

class TelemetryRouter {
 public:
  TelemetryRouter(const EventFactory& factory, EventsOutWriter& events_out,
                  DeliveryOptions delivery);
  ~TelemetryRouter();

  /// Routes one event. Thread-safe; called from the lifecycle, the log pumps and the API server.
  void emit(TelemetryEvent event);

  /// Installs (or replaces) the extension's subscription. The first one also receives the events
  /// of the init phase emitted before it (Lambda delivers platform.initStart etc. to subscribers
  /// that subscribe during init), then platform.telemetrySubscription.
  void subscribe(const Subscription& subscription, const std::string& extension_name);

  /// Init is over: events no longer go to the backlog.
  void closeInitBacklog();

  void pause();
  void resume();
  void stop();

  bool subscribed() const;
  std::optional<Subscription> subscription() const;
  int subscribeCalls() const;
  std::int64_t eventsGenerated() const;
  std::int64_t eventsEmitted() const;  // queued for the subscriber
  DispatchStats dispatchStats() const;

 private:
  const EventFactory& factory_;
  EventsOutWriter& events_out_;
  const DeliveryOptions delivery_;
  mutable std::mutex mutex_;
  std::optional<Subscription> subscription_;
  std::unique_ptr<TelemetryDispatcher> dispatcher_;
  std::vector<TelemetryEvent> init_backlog_;
  bool backlog_open_ = true;
  int subscribe_calls_ = 0;
  std::int64_t generated_ = 0;
  std::int64_t emitted_ = 0;
  std::optional<DispatchStats> final_stats_;
};

}  // namespace sandbox
