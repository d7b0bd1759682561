// sigwait on a dedicated thread: no code runs in signal context, so the drain may take locks,
// allocate and log like any other thread.
#include "app/termination_signals.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "common/log.h"

namespace tk::app {
namespace {

sigset_t TerminationSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

const char* SignalName(int signal_number) { return signal_number == SIGINT ? "SIGINT" : "SIGTERM"; }

}  // namespace

void BlockTerminationSignals() {
  const sigset_t set = TerminationSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void WaitForTerminationSignals(std::function<int()> drain) {
  std::thread([drain = std::move(drain)] {
    const sigset_t set = TerminationSet();
    int signal_number = 0;
    if (sigwait(&set, &signal_number) != 0) return;
    log::Info(std::string(SignalName(signal_number)) +
              " received: draining what is held, then exiting (a second signal exits at once)");
    std::thread([drain] { _exit(drain()); }).detach();
    if (sigwait(&set, &signal_number) != 0) return;
    log::Warn(std::string("second ") + SignalName(signal_number) +
              ": exiting now, without waiting for the drain");
    _exit(1);
  }).detach();
}

}  // namespace tk::app
