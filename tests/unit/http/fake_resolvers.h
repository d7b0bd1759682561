// Resolvers for http tests: one whose name server never answers, one that answers from a table
// (names no real resolver knows, so a request reaching its server proves the table was used).
// Both record what they were asked.
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http/resolver.h"

namespace tk::http::testing {

struct Asked {
  std::string host;
  std::chrono::milliseconds timeout;
};

// What the caller sees of a lookup that never gets an answer: nothing until the timeout it gave,
// then kTimedOut (GaiResolver's contract; its own test proves it keeps it against a real name
// server). Waits at most kLongest whatever it is given, so a caller that passed too long a timeout
// fails a test by time, without hanging it.
class NeverAnswers final : public Resolver {
 public:
  static constexpr std::chrono::milliseconds kLongest{5000};
  Resolution Resolve(const std::string& host, std::chrono::milliseconds timeout) override {
    asked_.push_back({host, timeout});
    // The simulated silent name server, not a wait for the code under test: the client is blocked
    // in this call (it relies on the resolver's bound), so nothing gives up sooner to release it.
    std::this_thread::sleep_for(std::min(timeout, kLongest));
    return Resolution{.outcome = Resolution::Outcome::kTimedOut, .addresses = {}, .failure = ""};
  }
  const std::vector<Asked>& asked() const { return asked_; }

 private:
  std::vector<Asked> asked_;
};

// Answers from a table after `delay` (which counts against the timeout, as a slow name server's
// answer would); a name not in it fails as an unknown name does.
class TableResolver final : public Resolver {
 public:
  explicit TableResolver(std::map<std::string, std::vector<std::string>> table,
                         std::chrono::milliseconds delay = std::chrono::milliseconds(0))
      : table_(std::move(table)), delay_(delay) {}
  Resolution Resolve(const std::string& host, std::chrono::milliseconds timeout) override {
    asked_.push_back({host, timeout});
    std::this_thread::sleep_for(std::min(delay_, timeout));  // the simulated server's answer time
    if (delay_ >= timeout) {
      return Resolution{.outcome = Resolution::Outcome::kTimedOut, .addresses = {}, .failure = ""};
    }
    const auto found = table_.find(host);
    if (found == table_.end()) {
      return Resolution{.outcome = Resolution::Outcome::kFailed,
                        .addresses = {},
                        .failure = "Name or service not known"};
    }
    return Resolution{
        .outcome = Resolution::Outcome::kResolved, .addresses = found->second, .failure = ""};
  }
  const std::vector<Asked>& asked() const { return asked_; }

 private:
  std::map<std::string, std::vector<std::string>> table_;
  std::chrono::milliseconds delay_;
  std::vector<Asked> asked_;
};

// A resolver for a client, and a pointer to it kept for the test to read what it was asked.
template <typename T, typename... Args>
std::pair<std::unique_ptr<Resolver>, T*> Make(Args&&... args) {
  auto made = std::make_unique<T>(std::forward<Args>(args)...);
  T* seen = made.get();
  return {std::move(made), seen};
}

}  // namespace tk::http::testing
