// Random identifiers the sandbox hands out: extension ids, request ids, trace ids, log-line ids.
#pragma once

#include <cstdint>
#include <string>

namespace sandbox {

/// A random RFC 4122 version-4 UUID string. Thread-safe.
std::string newUuid();

/// `n` random lowercase hex digits. Thread-safe.
std::string randomHex(std::size_t n);

/// An X-Ray trace header value, "Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=1", as Lambda
/// passes in the INVOKE event's `tracing.value`.
std::string newTraceHeader();

}  // namespace sandbox
