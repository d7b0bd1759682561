// Parses and validates a Telemetry API Subscribe request body (PUT /2022-07-01/telemetry) into a
// Subscription, the way Lambda does; pure code.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "event_factory.h"

namespace sandbox {

// Buffering limits, Telemetry API reference "Subscribe" -> buffering.
constexpr int kMinBufferMaxItems = 1000;
constexpr int kMaxBufferMaxItems = 10000;
constexpr int kDefaultBufferMaxItems = 1000;
constexpr int kMinBufferMaxBytes = 262144;   // 256 KiB
constexpr int kMaxBufferMaxBytes = 1048576;  // 1 MiB
constexpr int kDefaultBufferMaxBytes = 262144;
constexpr int kMinBufferTimeoutMs = 25;
constexpr int kMaxBufferTimeoutMs = 30000;
constexpr int kDefaultBufferTimeoutMs = 1000;

struct Buffering {
  int max_items = kDefaultBufferMaxItems;
  int max_bytes = kDefaultBufferMaxBytes;
  int timeout_ms = kDefaultBufferTimeoutMs;
};

/// A validated subscription: where to POST, which streams, how to buffer.
struct Subscription {
  std::string schema_version;
  std::string uri;   // as given by the extension
  std::string host;  // where the sandbox actually connects (sandbox.localdomain -> 127.0.0.1)
  int port = 0;
  std::string path;  // "/" when the URI has none
  std::vector<std::string> types;
  Buffering buffering;

  bool wants(TelemetryStream stream) const;
};

/// Success (subscription) or a Lambda-style ValidationError message listing every problem.
struct SubscriptionParse {
  std::optional<Subscription> subscription;
  std::string error_message;  // "a; b; c" like Lambda's "URI port is not provided; types ..."
};

/// Validates the body as Lambda does: schemaVersion, destination.protocol/URI, types, buffering
/// ranges (defaults when absent).
SubscriptionParse parseSubscription(const std::string& body);

}  // namespace sandbox
