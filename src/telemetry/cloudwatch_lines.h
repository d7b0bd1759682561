// The line CloudWatch Logs shows for a telemetry event, as Lambda writes it to the function's log
// group: the function's and extensions' own lines as they were written, and Lambda's platform
// lines (START, END, REPORT, ...) rebuilt from the platform events that carry the same facts.
// docs/record-formats.md, "cloudwatch-logs", has the table and its sources.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/record_options.h"

namespace tk::telemetry {

struct CloudWatchLine {
  int64_t timestamp_ms = 0;  // the event's `time`, in ms since the epoch
  std::string message;
};

// The CloudWatch line of `raw_event` (one Telemetry API event's JSON text) for a function whose
// log format is `format`, or nullopt when CloudWatch has no line for it (platform.logsDropped
// always; with the text format also platform.initRuntimeDone, platform.restoreRuntimeDone and a
// successful platform.initReport). `function_version`: for START when platform.start has no
// version.
std::optional<CloudWatchLine> CloudWatchLineOf(std::string_view raw_event,
                                               config::CloudWatchLogFormat format,
                                               std::string_view function_version);

// "2022-10-12T00:03:50.000Z" (RFC 3339: fraction optional, Z or a +hh:mm/-hh:mm offset) as ms
// since the epoch; nullopt when it is not such a time.
std::optional<int64_t> ParseRfc3339Ms(std::string_view text);

}  // namespace tk::telemetry
