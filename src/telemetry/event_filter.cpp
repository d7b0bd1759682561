// Filter rules, cheapest first: type lookup, literal search, then (only for log lines) the level.
#include "telemetry/event_filter.h"

#include <algorithm>

namespace tk::telemetry {
namespace {

constexpr std::string_view kPlatformPrefix = "platform.";
constexpr std::string_view kFunctionType = "function";
constexpr std::string_view kExtensionType = "extension";

}  // namespace

EventFilter::EventFilter(config::FilterOptions options) : options_(std::move(options)) {
  searchers_.reserve(options_.drop_substrings.size());
  for (const std::string& text : options_.drop_substrings) {
    searchers_.emplace_back(text.begin(), text.end());
  }
}

bool EventFilter::MatchesDropPattern(std::string_view raw) const {
  return std::any_of(searchers_.begin(), searchers_.end(), [raw](const auto& searcher) {
    return std::search(raw.begin(), raw.end(), searcher) != raw.end();
  });
}

FilterVerdict EventFilter::Judge(const TelemetryEvent& event) {
  if (!options_.platform_events.empty() && event.type.starts_with(kPlatformPrefix) &&
      std::find(options_.platform_events.begin(), options_.platform_events.end(), event.type) ==
          options_.platform_events.end()) {
    return FilterVerdict::kPlatformEventType;
  }
  if (!searchers_.empty() && MatchesDropPattern(event.raw)) return FilterVerdict::kDropPattern;
  if (options_.min_log_level && (event.type == kFunctionType || event.type == kExtensionType)) {
    auto level = level_reader_.Read(event.raw);
    if (level && *level < *options_.min_log_level) return FilterVerdict::kLogLevel;
  }
  return FilterVerdict::kKeep;
}

}  // namespace tk::telemetry
