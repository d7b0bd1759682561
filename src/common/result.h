// Errors as values on the runtime path: a Result<T> holds a T or an Error.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace tk {

// What a caller may decide on besides the message. An error from outside (the network) is
// classified once, where it is received, so no caller reads its text to retry, hold or drop.
enum class ErrorKind {
  kFailed,        // the default: reported as it is (a refusal, a local failure), nothing to decide
  kInvalidInput,  // the request cannot be carried out as asked (bad URL, method, batch): the same
                  // request fails again
  // No answer arrived (http::Response::transport). Which step failed:
  kDns,             // the host name did not resolve
  kConnect,         // no connection: refused, unreachable, connect timeout, proxy unreachable
  kTls,             // TLS handshake or certificate verification failed, or no CA bundle loaded
  kProxyRefused,    // the proxy refused the tunnel or the request: the endpoint never saw it
  kConnectionLost,  // the connection closed, reset or broke off before a complete answer
  kTimeout,         // the request's deadline passed (in the name lookup, a read or a write)
  kAborted,         // the caller abandoned the request (HttpClient::Abort)
};

// Aggregate: Error{"text"} is kFailed; Error{"text", ErrorKind::kTimeout} names a kind.
struct Error {
  std::string message;
  ErrorKind kind = ErrorKind::kFailed;
};

// A minimal stand-in for C++23 std::expected: holds either a value or an Error.
template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<Error>(state_); }

 private:
  std::variant<T, Error> state_;
};

// Result for operations that return nothing on success.
class Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design
  static Status Ok() { return Status(); }

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace tk
