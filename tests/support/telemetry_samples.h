// The sample events of the AWS documentation in ../shared/telemetry-samples, as test input.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace tk::testing {

// The JSON text of sample `name` (e.g. "platform.report.json"), trailing whitespace removed.
inline std::string ReadSample(const std::string& name) {
  std::ifstream in(std::filesystem::path(TK_SHARED_DIR) / "telemetry-samples" / name,
                   std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  std::string event = text.str();
  while (!event.empty() && (event.back() == '\n' || event.back() == ' ')) event.pop_back();
  return event;
}

}  // namespace tk::testing
