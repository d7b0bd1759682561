// Reads the extension's stdout and stderr line by line: each line is copied to the sandbox's
// stderr and handed to a callback that turns it into an `extension` telemetry event.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace sandbox {

class LogPump {
 public:
  using LineCallback = std::function<void(const std::string& line)>;

  /// Starts one reader thread per fd. `passthrough`: also write each line to our stderr (Lambda
  /// sends an extension's output to CloudWatch Logs *and* to Telemetry API subscribers).
  LogPump(std::vector<int> fds, bool passthrough, LineCallback on_line);
  ~LogPump();
  LogPump(const LogPump&) = delete;
  LogPump& operator=(const LogPump&) = delete;

  /// Stops reading (after draining what is already readable) and joins the threads. Needed when
  /// a grandchild of the extension keeps the pipe open after the extension itself exited.
  void stop();

  long linesRead() const { return lines_.load(); }

 private:
  void readLoop(int fd);
  void emitLine(std::string line);

  bool passthrough_;
  LineCallback on_line_;
  std::atomic<bool> stopping_{false};
  std::atomic<long> lines_{0};
  std::vector<std::thread> threads_;
};

}  // namespace sandbox
