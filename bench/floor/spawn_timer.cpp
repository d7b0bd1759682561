// tk-bench-spawn-timer: starts a program the way tools/lambda-sandbox starts the extension (pipe2,
// fork, execve with the pipe as stdout) and times from just before fork to the first byte the
// program writes, over several runs. The sandbox times the extension's init the same way, from
// before fork to its first /next, so the floors (bench/floor/linked_empty.cpp, which writes its
// line at the end of main) and the init figure share one clock and one start-up path.
//
//   tk-bench-spawn-timer RUNS PROGRAM [ARG...]
//
// Prints {"start_ms":[...],"output":"<the last run's first line>"}.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Start {
  double ms = -1;
  std::string output;
};

Start TimeOneStart(char** argv) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return {};
  const auto started = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) return {};
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::execve(argv[0], argv, environ);
    ::_exit(127);
  }
  ::close(out[1]);
  Start start;
  char buffer[4096];
  ssize_t n;
  bool first = true;
  while ((n = ::read(out[0], buffer, sizeof buffer)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // the run fails below if the program did not write
    }
    if (first) {
      start.ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
              .count();
      first = false;
    }
    start.output.append(buffer, static_cast<size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) start.ms = -1;
  if (size_t newline = start.output.find('\n'); newline != std::string::npos) {
    start.output.resize(newline);
  }
  return start;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: tk-bench-spawn-timer RUNS PROGRAM [ARG...]\n");
    return 2;
  }
  const int runs = std::atoi(argv[1]);
  std::vector<double> ms;
  std::string output;
  for (int i = 0; i < runs; ++i) {
    Start start = TimeOneStart(argv + 2);
    if (start.ms < 0) {
      std::fprintf(stderr, "tk-bench-spawn-timer: %s did not start and exit cleanly\n", argv[2]);
      return 1;
    }
    ms.push_back(start.ms);
    output = std::move(start.output);
  }
  std::printf("{\"start_ms\":[");
  for (size_t i = 0; i < ms.size(); ++i) std::printf("%s%.4f", i ? "," : "", ms[i]);
  // The program's line is JSON (linked_empty.cpp): embedded as it is.
  std::printf("],\"output\":%s}\n", output.empty() ? "null" : output.c_str());
  return 0;
}
