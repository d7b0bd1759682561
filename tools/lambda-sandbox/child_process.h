// Runs the extension as a child process: spawn with its environment and piped stdout/stderr,
// freeze/thaw/kill its process group, reap it with wait4 and sample its memory high-water mark.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace sandbox {

/// How the child ended, with its resource usage from wait4.
struct ChildExit {
  std::optional<int> exit_code;  // set when it exited normally
  std::optional<int> signal;     // set when a signal ended it
  double cpu_user_ms = 0;
  double cpu_sys_ms = 0;
  long ru_maxrss_kb = 0;  // includes the pre-exec fork image of the sandbox: see README
  // Context switches of all its threads: voluntary ones are blocking waits, each ended by a
  // wake-up (bench/run.mjs reports them per invocation).
  long voluntary_switches = 0;
  long involuntary_switches = 0;
  std::chrono::steady_clock::time_point exited_at{};
};

class ChildProcess {
 public:
  /// Spawns `path` with `env` ("KEY=VALUE" strings) in its own process group, stdout and stderr
  /// piped to us. Returns nullptr and sets `error` when the fork or the exec fails.
  static std::unique_ptr<ChildProcess> spawn(const std::string& path,
                                             const std::vector<std::string>& env,
                                             std::string& error);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  int stdoutFd() const { return stdout_fd_; }
  int stderrFd() const { return stderr_fd_; }

  /// SIGSTOP / SIGCONT the whole process group: Lambda freezes every process of the sandbox
  /// between invocations, not only the extension's main process.
  void freeze();
  void thaw();
  /// SIGTERM the process group (Lambda Managed Instances at shutdown: "the execution environment
  /// emits a SIGTERM signal during shut down").
  void terminate();
  /// SIGKILL the process group (what Lambda does to extensions still running at the SHUTDOWN
  /// deadline).
  void kill();

  bool exited() const { return exited_.load(); }
  /// Waits until the child has exited or `timeout` passed; true when it exited.
  bool waitExit(std::chrono::milliseconds timeout);
  /// Valid once exited() is true.
  ChildExit exitInfo() const;

  /// Peak resident set size of the extension's own process image (VmHWM, sampled from
  /// /proc/<pid>/status every few ms while it runs), in KiB.
  long peakRssKb() const { return peak_rss_kb_.load(); }
  /// Samples VmHWM now (also done periodically by the sampler thread).
  void sampleMemory();

 private:
  ChildProcess(pid_t pid, int stdout_fd, int stderr_fd);
  void reap();
  void samplerLoop();

  pid_t pid_;
  int stdout_fd_;
  int stderr_fd_;
  std::atomic<bool> exited_{false};
  std::atomic<long> peak_rss_kb_{0};
  mutable std::mutex mutex_;
  std::condition_variable exited_cv_;
  ChildExit exit_;  // guarded by mutex_
  std::thread reaper_;
  std::thread sampler_;
};

}  // namespace sandbox
