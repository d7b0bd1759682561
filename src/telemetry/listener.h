// The HTTP endpoint Lambda's Telemetry API POSTs batches to.
//
// Design: one reader thread, a few workers. The reader accepts connections and collects each
// one's request bytes with epoll, never blocking on any one peer; llhttp parses them as they
// arrive (request_parser.h). Only a complete request is handled: a small one by the reader itself
// (an invocation's usual POST: no thread hand-off, one wake-up per POST), a larger one by a worker
// (connection_queue.h), which runs the handler and writes the answer. No thread is ever
// tied to a connection whose request is still coming, so however many slow or idle clients are
// connected, Lambda's POST (whole within a millisecond or two over loopback) waits only for the
// handlers of the POSTs before it.
//
// Why not cpp-httplib's Server, used before: it gives each connection to a worker for its whole
// life and its timeouts are per read, so a client sending a byte every 500 ms held a worker (of
// two) indefinitely and 20 such clients made Lambda's POST time out (Lambda retried it: duplicated
// events). Keeping it would have meant a worker per possible slow client plus a watchdog closing
// sockets under it; httplib cannot parse a request that it does not read itself.
//
// Bounds, each on the whole request rather than on one read:
// - a head deadline and a whole-request deadline from the accept; past them the connection is
//   answered 408 and closed (a peer trickling bytes gains nothing);
// - at most max_connections open (incomplete + being handled), for the file descriptors the
//   Kinesis client needs. At the cap a new connection evicts the oldest incomplete one, once that
//   one has had kListenerEvictionGrace to send its request: otherwise slow peers at the cap would
//   keep Lambda's connection waiting in the kernel's backlog, starvation again;
// - the bodies held at once (being read or waiting for a worker) within kListenerBodiesInMemory
//   bodies of the maximum size; a body that does not fit evicts the oldest incomplete one, or
//   waits for a worker to take one;
// - a body over max_body_bytes is answered 413 without being kept (read and dropped, so that the
//   client sees the answer rather than a reset).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"

namespace tk::telemetry {

// What the listener answers to one POST.
struct ListenerReply {
  int status = 200;
  std::string message;  // plain-text body (short)
};

// Lambda's Telemetry API POSTs one batch at a time over loopback, so these limits only bite a
// misbehaving local client; they keep it from starving Lambda's deliveries or the extension.
// The request line and headers must be in within this long of the accept...
inline constexpr std::chrono::milliseconds kListenerHeadDeadline{1000};
// ...and the whole request within this long (a 2 MiB body takes milliseconds over loopback).
inline constexpr std::chrono::milliseconds kListenerRequestDeadline{3000};
// How long a worker may wait to write an answer (a few hundred bytes: the socket buffer takes it
// unless the peer is gone).
inline constexpr std::chrono::milliseconds kListenerWriteTimeout{1000};
// At the connection cap, an incomplete connection at least this old may be closed for a new one.
// Lambda's POST is whole well within it; a connection that has not sent its request by then is
// not Lambda's, or is one Lambda retries (it was not accepted, so nothing is duplicated).
inline constexpr std::chrono::milliseconds kListenerEvictionGrace{20};
// Connections held at once by default (incomplete + waiting for or being served by a worker).
inline constexpr size_t kListenerMaxConnections = 64;
// Connections the kernel completes and holds until we accept them (the kernel caps it at
// net.core.somaxconn). When it is full the kernel drops handshakes, which are retried only after
// a second: a burst of slow clients past the cap, accepted only as older ones are evicted, must
// not fill it and so delay Lambda's connection. Pending connections cost no descriptor.
inline constexpr int kListenerAcceptBacklog = 1024;
// Bodies of max_body_bytes held at once (being read or waiting for a worker): the memory bound.
inline constexpr size_t kListenerBodiesInMemory = 4;
// Bodies up to this size are handled on the reader thread, larger ones by a worker. A 100-event
// invocation's batch (250-byte lines) is about 35 KB; its handler takes a fraction of a
// millisecond, which is all other connections' reading may wait.
inline constexpr size_t kListenerInlineBodyBytes = 64 * 1024;
// Request line and headers; longer ones are answered 431. Lambda's head is about 150 bytes.
inline constexpr size_t kListenerMaxHeadBytes = 8192;

// The body handed to the handler is followed by at least this many readable bytes (the buffer's
// spare capacity), simdjson's padding: the batch parser reads it in place instead of copying it.
inline constexpr size_t kListenerBodyPadding = 64;

struct ListenerOptions {
  std::string host;   // "sandbox.localdomain"; loopback when that name does not resolve
  uint16_t port = 0;  // 0 = any free port (tests)
  size_t max_body_bytes = 2 * 1024 * 1024;  // larger bodies get 413 and are not kept
  size_t worker_threads = 2;                // run the handler; never wait for a peer's bytes
  size_t max_connections = kListenerMaxConnections;
  // The defaults are the production bounds; tests shorten them rather than wait out a second.
  std::chrono::milliseconds head_deadline = kListenerHeadDeadline;
  std::chrono::milliseconds request_deadline = kListenerRequestDeadline;  // at least the head's
};

class TelemetryListener {
 public:
  // The handler takes the body over (records may keep pointing into it). Its capacity leaves at
  // least kListenerBodyPadding bytes after it, so the handler can parse it in place. Called on
  // the reader thread (small bodies) or a worker, on up to worker_threads + 1 at once.
  using BatchHandler = std::function<ListenerReply(std::string body)>;

  // Binds and starts serving on background threads. Errors: the port is taken, the host cannot
  // be bound, the system is out of descriptors or threads. A body over max_body_bytes is answered
  // 413 (logged once: every log line comes back as telemetry); a request not in by its deadline
  // is answered 408 and its connection closed.
  static Result<std::unique_ptr<TelemetryListener>> Start(const ListenerOptions& options,
                                                          BatchHandler handler);
  ~TelemetryListener();
  TelemetryListener(const TelemetryListener&) = delete;
  TelemetryListener& operator=(const TelemetryListener&) = delete;

  // The URI to give the Telemetry API subscription, e.g. http://sandbox.localdomain:4243/.
  std::string SubscriptionUri() const;
  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }

  // Connections accepted since Start(), and those held now (incomplete, or complete and not yet
  // answered): what the connection cap counts. Read from any thread.
  uint64_t accepted_connections() const;
  size_t open_connections() const;

  // Stops accepting, closes the connections whose request is not complete, answers those that
  // are (the handler runs for them) and joins the threads; idempotent.
  void Stop();

 private:
  class Loop;  // the reader thread's state and the workers (listener.cpp)

  TelemetryListener() = default;

  std::unique_ptr<Loop> loop_;
  std::string host_;
  uint16_t port_ = 0;
};

// `host` when it resolves to an address, otherwise 127.0.0.1. Never widens to 0.0.0.0.
std::string ResolveListenerHost(const std::string& host);

}  // namespace tk::telemetry
