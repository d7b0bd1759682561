// The level of a function or extension log line: record.level of a JSON-format log line, or a
// recognisable level word at the start of a text-format line.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "config/record_options.h"

namespace tk::telemetry {

// The level of a text-format log line, when it has one of these shapes (level words: trace,
// debug, info, warn, warning, error, fatal, critical, in any case):
//   "[ERROR] ..." / "[ERROR]\t..."        (Python's Lambda runtime, many loggers)
//   "ERROR ..." / "ERROR: ..." / "ERROR\t..."
//   "[my-logger] ERROR ..."                (a bracketed tag, then the level; this extension's own)
//   "<time>\t<request id>\tERROR\t..."    (Node.js's Lambda runtime: a level among the first
//                                          four tab-separated fields)
//   "... level=error ..." / level="error"  (logfmt, within the first 256 bytes)
//   {"level":"error",...}                  (a JSON line logged as text, within the first 256 bytes)
// nullopt when none matches: such lines are kept by the level filter.
std::optional<config::LogLevel> TextLogLevel(std::string_view line);

// Reads the level of one function/extension event's JSON (`raw`): record.level when the record
// is an object (JSON log format), TextLogLevel(record) when it is a string. Reuses its buffers.
class LogLevelReader {
 public:
  std::optional<config::LogLevel> Read(std::string_view raw);

 private:
  std::string padded_;  // the event's bytes with simdjson's padding after them
  simdjson::ondemand::parser parser_;
};

}  // namespace tk::telemetry
