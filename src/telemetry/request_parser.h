// One HTTP/1.1 request read incrementally off a connection, for the telemetry listener.
//
// The listener's reader thread collects the bytes of every open connection as they arrive, in
// whatever pieces, and must know from them alone when the head is complete (to decide on the body)
// and when the whole request is (to hand it to a worker). cpp-httplib can only parse by blocking
// on a socket, so the parsing is llhttp's (Node's HTTP parser; Debian's node-llhttp ships its C
// sources, compiled in), which takes a request in any pieces: Content-Length and chunked bodies,
// header syntax and sizes are its job, not ours.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace tk::telemetry {

struct RequestLimits {
  size_t max_head_bytes = 8192;  // request line + headers; past it the request fails with 431
  size_t max_body_bytes = 0;     // past it the request is refused with 413
  size_t body_padding = 0;       // spare capacity kept after the body (simdjson's padding)
};

class RequestParser {
 public:
  enum class State {
    kHead,          // reading the request line and headers
    kHeadComplete,  // the head is parsed and parsing is paused: AcceptBody() or DiscardBody()
    kBody,          // reading the body (kept or discarded)
    kComplete,      // the whole request is in; later bytes are ignored (one request a connection)
    kFailed,        // malformed, cut short or over the head limit: answer failure_status()
  };

  explicit RequestParser(const RequestLimits& limits);
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses `bytes`, the next ones off the connection. When they complete the head, the bytes
  // after it are kept until AcceptBody() or DiscardBody(). Not to be called in kHeadComplete.
  State Feed(std::string_view bytes);
  // The peer closed its side: a request not complete by now has failed (400).
  State Finish();
  // From kHeadComplete: reserves the body (body_bytes_needed() + padding) and goes on parsing.
  State AcceptBody();
  // From kHeadComplete: goes on parsing to the end of the request but keeps none of the body, so
  // that a refusal is answered after the body was sent (a peer still sending when its connection
  // is closed may get a reset instead of the answer).
  State DiscardBody();

  State state() const { return state_; }

  // Known from kHeadComplete on.
  // 0, or the status to answer instead of serving the request: 413 for a body over the limit
  // (also set later when a chunked body grows past it), 405 for a method other than POST or PUT.
  int refusal_status() const { return refusal_status_; }
  // The client waits for "100 Continue" before sending its body.
  bool expects_continue() const { return expects_continue_; }
  // What the body may grow to: its Content-Length, or the limit when it is chunked.
  size_t body_bytes_needed() const;

  // kFailed: 400 (malformed or cut short) or 431 (head over the limit).
  int failure_status() const { return failure_status_; }

  // kComplete, not refused: the body, with at least limits.body_padding bytes of spare capacity.
  std::string TakeBody();

 private:
  struct Llhttp;  // llhttp's parser and callbacks, kept out of this header (C names)

  State Execute(const char* data, size_t size);
  State Fail(int status);

  // Called from llhttp's callbacks.
  void OnHeaderField(std::string_view piece);
  void OnHeaderFieldComplete();
  void OnHeaderValue(std::string_view piece);
  void OnHeaderValueComplete();
  void OnHeadersComplete(unsigned method, bool chunked, unsigned long long content_length);
  void OnBody(std::string_view piece);

  RequestLimits limits_;
  std::unique_ptr<Llhttp> llhttp_;
  State state_ = State::kHead;
  size_t head_bytes_ = 0;
  std::string pending_;  // bytes after the head, kept while paused in kHeadComplete
  std::string header_name_;
  std::string expect_value_;
  bool in_expect_header_ = false;
  bool expects_continue_ = false;
  bool chunked_ = false;
  unsigned long long content_length_ = 0;
  int refusal_status_ = 0;
  int failure_status_ = 0;
  bool keep_body_ = false;
  std::string body_;
};

}  // namespace tk::telemetry
