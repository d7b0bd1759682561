#include "pipeline/restore_latch.h"

namespace tk::pipeline {

bool RestoreLatch::Note(const char* source, const std::function<void()>& apply) {
  if (noted_.exchange(true)) return false;
  for_sender_ = true;
  if (apply) apply();
  notice_ = source;
  return true;
}

const char* RestoreLatch::TakeNotice() { return notice_.exchange(nullptr); }

bool RestoreLatch::TakeForSender() { return for_sender_.exchange(false); }

}  // namespace tk::pipeline
