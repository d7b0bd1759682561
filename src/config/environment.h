// The process environment as a value, so configuration can be tested without setenv().
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tk::config {

class Environment {
 public:
  Environment() = default;
  explicit Environment(std::map<std::string, std::string, std::less<>> variables)
      : variables_(std::move(variables)) {}

  // Snapshot of the current process environment (environ).
  static Environment FromProcess();

  // The value of `name`, or nullopt when unset. An empty value counts as unset: Lambda
  // console users clear a variable by emptying it.
  std::optional<std::string> Get(std::string_view name) const;
  void Set(std::string name, std::string value) { variables_[std::move(name)] = std::move(value); }

 private:
  std::map<std::string, std::string, std::less<>> variables_;
};

}  // namespace tk::config
