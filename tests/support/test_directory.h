// A directory of its own for the running test (process and test name in its path), emptied
// first, for tests that write files (the spool's segments).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace tk::testing {

inline std::filesystem::path FreshTestDirectory(const std::string& prefix) {
  const std::filesystem::path directory =
      std::filesystem::temp_directory_path() /
      (prefix + "-" + std::to_string(::getpid()) + "-" +
       ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(directory);
  return directory;
}

}  // namespace tk::testing
