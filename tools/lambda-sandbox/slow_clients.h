// --slow-clients N --slow-clients-ms D: N local connections to the extension's telemetry
// listener that send an HTTP request's headers one byte every 100-200 ms for D ms, then close.
// Lambda does not do this: it stands for another local process (the function, a second
// extension, a scanner) that ties up the listener while Lambda's own POSTs must get through.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace sandbox {

struct SlowClientOptions {
  int count = 0;  // 0: none
  int duration_ms = 2000;
};

struct SlowClientStats {
  int requested = 0;
  int connected = 0;
  int connect_failures = 0;
  std::int64_t bytes_sent = 0;
  int closed_by_listener = 0;         // the listener hung up (or reset) before our D ms were over
  std::int64_t started_epoch_ms = 0;  // when they connected (0: never started)
  double ran_ms = 0;                  // connected -> closed
};

class SlowClients {
 public:
  explicit SlowClients(SlowClientOptions options) : options_(options) {}
  ~SlowClients();
  SlowClients(const SlowClients&) = delete;
  SlowClients& operator=(const SlowClients&) = delete;

  /// Opens the connections to 127.0.0.1:`port` and starts trickling a request for `path` from
  /// one background thread. Once only; a no-op when count is 0.
  void start(const std::string& host, int port, const std::string& path);
  /// Closes every connection (early, if D ms have not passed) and joins the thread.
  void stop();
  SlowClientStats stats() const;

 private:
  void run(std::string host, int port, std::string path);

  const SlowClientOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool started_ = false;
  bool stopping_ = false;
  SlowClientStats stats_;
  std::thread thread_;
};

}  // namespace sandbox
