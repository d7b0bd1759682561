// A SnapStart restore, handled once per process. It is noticed on the lifecycle thread (the first
// event after the snapshot) or the listener's (platform.restoreStart), applied by the sender
// thread to what only it touches (the backoff jitter), and logged by the lifecycle thread.
#pragma once

#include <atomic>
#include <functional>

namespace tk::pipeline {

class RestoreLatch {
 public:
  // The restore was noticed (`source`, a string literal, says how). True for the first call of
  // the process only: that caller runs `apply` (what the noticing thread may do itself) before
  // the notice is published, so the line that says the restore was handled is never logged
  // before it was. Later calls do nothing. Never blocks.
  bool Note(const char* source, const std::function<void()>& apply = {});
  // A restore was noticed (by any thread).
  bool noted() const { return noted_.load(); }
  // How the restore was noticed, once after Note (nullptr otherwise): the line is logged once.
  const char* TakeNotice();
  // True once after Note: the sender thread re-seeds what it owns.
  bool TakeForSender();

 private:
  std::atomic<bool> noted_{false};
  std::atomic<bool> for_sender_{false};
  std::atomic<const char*> notice_{nullptr};
};

}  // namespace tk::pipeline
