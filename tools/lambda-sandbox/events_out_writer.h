// Appends every telemetry event the sandbox POSTs (or tries to) to the --events-out NDJSON file,
// one event per line, byte for byte as it went into the POST body.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

namespace sandbox {

class EventsOutWriter {
 public:
  /// An empty path makes a writer that discards. `error` is set when the file cannot be opened.
  EventsOutWriter(const std::string& path, std::string& error);
  ~EventsOutWriter();
  EventsOutWriter(const EventsOutWriter&) = delete;
  EventsOutWriter& operator=(const EventsOutWriter&) = delete;

  /// Writes each event followed by '\n'. Thread-safe.
  void write(const std::vector<std::string>& events);

 private:
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
};

}  // namespace sandbox
