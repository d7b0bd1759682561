// NDJSON log of delivered telemetry, so tests can compare what reached the extension with what
// came out at the far end (e.g. Kinesis).
#include "events_out_writer.h"

#include <cerrno>
#include <cstring>

namespace sandbox {

EventsOutWriter::EventsOutWriter(const std::string& path, std::string& error) {
  if (path.empty()) {
    return;
  }
  file_ = std::fopen(path.c_str(), "w");
  if (file_ == nullptr) {
    error = "cannot open --events-out " + path + ": " + std::strerror(errno);
  }
}

EventsOutWriter::~EventsOutWriter() {
  if (file_ != nullptr) {
    std::fclose(file_);
  }
}

void EventsOutWriter::write(const std::vector<std::string>& events) {
  if (file_ == nullptr) {
    return;
  }
  const std::lock_guard lock(mutex_);
  for (const std::string& e : events) {
    std::fwrite(e.data(), 1, e.size(), file_);
    std::fputc('\n', file_);
  }
  std::fflush(file_);
}

}  // namespace sandbox
