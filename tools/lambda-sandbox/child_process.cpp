// Child process control for the extension under test: fork/exec with pipes, process-group
// signals for freeze/thaw/kill, wait4 for exit status and rusage, VmHWM sampling.
#include "child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace sandbox {
namespace {

constexpr auto kMemorySampleInterval = std::chrono::milliseconds(5);

double toMillis(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) * 1000.0 + static_cast<double>(tv.tv_usec) / 1000.0;
}

void closeFd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

// Child side between fork and exec: only async-signal-safe calls (the parent has threads).
[[noreturn]] void execChild(const char* path, char* const argv[], char* const envp[], int out_w,
                            int err_w, int status_w) {
  ::setpgid(0, 0);
  // Restore default dispositions and an empty mask: the extension must not inherit our SIGPIPE
  // ignore or blocked signals.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGCHLD}) {
    ::sigaction(sig, &dfl, nullptr);
  }
  sigset_t empty;
  sigemptyset(&empty);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);
  int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) {
    ::dup2(null_fd, STDIN_FILENO);
  }
  ::dup2(out_w, STDOUT_FILENO);
  ::dup2(err_w, STDERR_FILENO);
  ::execve(path, argv, envp);
  const int err = errno;
  [[maybe_unused]] auto n = ::write(status_w, &err, sizeof err);
  ::_exit(127);
}

}  // namespace

std::unique_ptr<ChildProcess> ChildProcess::spawn(const std::string& path,
                                                  const std::vector<std::string>& env,
                                                  std::string& error) {
  // Everything the child needs is prepared before fork: no allocation after it.
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (const std::string& kv : env) {
    envp.push_back(const_cast<char*>(kv.c_str()));
  }
  envp.push_back(nullptr);
  std::string path_copy = path;
  char* argv[] = {path_copy.data(), nullptr};

  int out_pipe[2], err_pipe[2], status_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
      ::pipe2(status_pipe, O_CLOEXEC) != 0) {
    error = std::string("pipe2: ") + std::strerror(errno);
    return nullptr;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    return nullptr;
  }
  if (pid == 0) {
    execChild(path_copy.c_str(), argv, envp.data(), out_pipe[1], err_pipe[1], status_pipe[1]);
  }
  ::setpgid(pid, pid);  // also in the parent, so freeze() cannot race the child's own setpgid
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ::close(status_pipe[1]);

  // The status pipe closes on a successful exec (O_CLOEXEC) or carries errno when exec failed.
  int exec_errno = 0;
  ssize_t n;
  do {
    n = ::read(status_pipe[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  ::close(status_pipe[0]);
  auto child = std::unique_ptr<ChildProcess>(new ChildProcess(pid, out_pipe[0], err_pipe[0]));
  if (n > 0) {
    error = "exec " + path + ": " + std::strerror(exec_errno);
    child->waitExit(std::chrono::seconds(5));
    return nullptr;
  }
  return child;
}

ChildProcess::ChildProcess(pid_t pid, int stdout_fd, int stderr_fd)
    : pid_(pid), stdout_fd_(stdout_fd), stderr_fd_(stderr_fd) {
  reaper_ = std::thread([this] { reap(); });
  sampler_ = std::thread([this] { samplerLoop(); });
}

ChildProcess::~ChildProcess() {
  if (!exited()) {
    kill();
  }
  if (reaper_.joinable()) {
    reaper_.join();
  }
  if (sampler_.joinable()) {
    sampler_.join();
  }
  closeFd(stdout_fd_);
  closeFd(stderr_fd_);
}

void ChildProcess::freeze() {
  if (!exited()) {
    ::kill(-pid_, SIGSTOP);
  }
}

void ChildProcess::thaw() {
  if (!exited()) {
    ::kill(-pid_, SIGCONT);
  }
}

void ChildProcess::terminate() {
  if (!exited()) {
    ::kill(-pid_, SIGTERM);
  }
}

void ChildProcess::kill() {
  // The group may hold children of the extension that outlive it; kill them all. SIGCONT is not
  // needed: SIGKILL ends stopped processes too.
  ::kill(-pid_, SIGKILL);
}

bool ChildProcess::waitExit(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return exited_cv_.wait_for(lock, timeout, [this] { return exited_.load(); });
}

ChildExit ChildProcess::exitInfo() const {
  const std::lock_guard lock(mutex_);
  return exit_;
}

void ChildProcess::sampleMemory() {
  if (exited()) {
    return;
  }
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      long kb = 0;
      status >> kb;
      long prev = peak_rss_kb_.load();
      while (kb > prev && !peak_rss_kb_.compare_exchange_weak(prev, kb)) {
      }
      return;
    }
    status.ignore(4096, '\n');
  }
}

void ChildProcess::samplerLoop() {
  // Bounded: ends when the child exits (the sandbox always SIGKILLs it at the latest).
  while (!exited()) {
    sampleMemory();
    std::unique_lock lock(mutex_);
    exited_cv_.wait_for(lock, kMemorySampleInterval, [this] { return exited_.load(); });
  }
}

void ChildProcess::reap() {
  int status = 0;
  rusage usage{};
  pid_t r;
  do {
    r = ::wait4(pid_, &status, 0, &usage);
  } while (r < 0 && errno == EINTR);
  {
    const std::lock_guard lock(mutex_);
    exit_.exited_at = std::chrono::steady_clock::now();
    if (r == pid_) {
      if (WIFEXITED(status)) {
        exit_.exit_code = WEXITSTATUS(status);
      } else if (WIFSIGNALED(status)) {
        exit_.signal = WTERMSIG(status);
      }
      exit_.cpu_user_ms = toMillis(usage.ru_utime);
      exit_.cpu_sys_ms = toMillis(usage.ru_stime);
      exit_.ru_maxrss_kb = usage.ru_maxrss;
      exit_.voluntary_switches = usage.ru_nvcsw;
      exit_.involuntary_switches = usage.ru_nivcsw;
    }
    exited_.store(true);
  }
  exited_cv_.notify_all();
}

}  // namespace sandbox
