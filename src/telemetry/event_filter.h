// Decides which telemetry events are shipped: platform event types, a minimum log level for
// function and extension log lines, and a drop pattern. What it excludes is counted by the
// ingest as filtered, never silently lost.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/record_options.h"
#include "telemetry/batch_parser.h"
#include "telemetry/log_level.h"

namespace tk::telemetry {

// Why an event is not shipped (kKeep: it is).
enum class FilterVerdict { kKeep, kPlatformEventType, kLogLevel, kDropPattern };

// Not thread-safe (the ingest holds its lock around a batch).
class EventFilter {
 public:
  explicit EventFilter(config::FilterOptions options);
  // The searchers point into options_: the filter stays where it was made.
  EventFilter(const EventFilter&) = delete;
  EventFilter& operator=(const EventFilter&) = delete;

  // Whether `event` is shipped. Platform events are never judged by level. A log line whose
  // level is not recognised is kept. The drop pattern is matched against the event's JSON text
  // as Lambda sent it (a quote inside a string is \" there).
  FilterVerdict Judge(const TelemetryEvent& event);

 private:
  bool MatchesDropPattern(std::string_view raw) const;

  config::FilterOptions options_;
  // Boyer-Moore-Horspool per alternative: a literal scan, linear in the event's size.
  std::vector<std::boyer_moore_horspool_searcher<std::string::const_iterator>> searchers_;
  LogLevelReader level_reader_;
};

}  // namespace tk::telemetry
