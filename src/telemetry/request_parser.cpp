// llhttp wiring for RequestParser; see request_parser.h.
#include "telemetry/request_parser.h"
#include "common/ascii.h"

#include <llhttp.h>

#include <algorithm>
#include <cctype>
#include <utility>

namespace tk::telemetry {
namespace {

constexpr int kHttpBadRequest = 400;
constexpr int kHttpMethodNotAllowed = 405;
constexpr int kHttpPayloadTooLarge = 413;
constexpr int kHttpHeadersTooLarge = 431;
// Only the Expect header is looked at: its name and value are kept up to this length (longer
// ones cannot be "Expect" or "100-continue" anyway).
constexpr size_t kKeptHeaderBytes = 32;

void AppendCapped(std::string& kept, std::string_view piece) {
  kept.append(piece.substr(0, kKeptHeaderBytes - std::min(kept.size(), kKeptHeaderBytes)));
}

}  // namespace

struct RequestParser::Llhttp {
  llhttp_t parser{};

  static RequestParser& Self(llhttp_t* parser) {
    return *static_cast<RequestParser*>(parser->data);
  }

  static int HeaderField(llhttp_t* parser, const char* at, size_t length) {
    Self(parser).OnHeaderField({at, length});
    return HPE_OK;
  }
  static int HeaderFieldComplete(llhttp_t* parser) {
    Self(parser).OnHeaderFieldComplete();
    return HPE_OK;
  }
  static int HeaderValue(llhttp_t* parser, const char* at, size_t length) {
    Self(parser).OnHeaderValue({at, length});
    return HPE_OK;
  }
  static int HeaderValueComplete(llhttp_t* parser) {
    Self(parser).OnHeaderValueComplete();
    return HPE_OK;
  }
  // Pauses, so that the listener decides on the body before any of it is parsed.
  static int HeadersComplete(llhttp_t* parser) {
    Self(parser).OnHeadersComplete(parser->method, (parser->flags & F_CHUNKED) != 0,
                                   static_cast<unsigned long long>(parser->content_length));
    return HPE_PAUSED;
  }
  static int Body(llhttp_t* parser, const char* at, size_t length) {
    Self(parser).OnBody({at, length});
    return HPE_OK;
  }
  // Pauses: anything after the request is ignored (the answer closes the connection).
  static int MessageComplete(llhttp_t* parser) {
    Self(parser).state_ = State::kComplete;
    return HPE_PAUSED;
  }

  static llhttp_settings_t MakeSettings() {
    llhttp_settings_t settings;
    llhttp_settings_init(&settings);
    settings.on_header_field = HeaderField;
    settings.on_header_field_complete = HeaderFieldComplete;
    settings.on_header_value = HeaderValue;
    settings.on_header_value_complete = HeaderValueComplete;
    settings.on_headers_complete = HeadersComplete;
    settings.on_body = Body;
    settings.on_message_complete = MessageComplete;
    return settings;
  }
};

RequestParser::RequestParser(const RequestLimits& limits)
    : limits_(limits), llhttp_(std::make_unique<Llhttp>()) {
  // llhttp keeps a pointer to its settings: they must outlive every parser.
  static const llhttp_settings_t kSettings = Llhttp::MakeSettings();
  llhttp_init(&llhttp_->parser, HTTP_REQUEST, &kSettings);
  llhttp_->parser.data = this;
}

RequestParser::~RequestParser() = default;

RequestParser::State RequestParser::Feed(std::string_view bytes) {
  switch (state_) {
    case State::kHead:
    case State::kBody:
      return Execute(bytes.data(), bytes.size());
    case State::kHeadComplete:
      pending_.append(bytes);  // parsed once the listener has decided on the body
      return state_;
    case State::kComplete:
    case State::kFailed:
      return state_;
  }
  return state_;
}

RequestParser::State RequestParser::Finish() {
  // A request's body never ends at the connection's end (RFC 9112 6.3): cut short unless done.
  if (state_ == State::kComplete || state_ == State::kFailed) return state_;
  return Fail(kHttpBadRequest);
}

RequestParser::State RequestParser::AcceptBody() {
  if (state_ != State::kHeadComplete) return state_;
  keep_body_ = true;
  // One allocation for a body of announced length, padding included: no regrowth, no copy.
  // A chunked body grows as it comes (its size is unknown; the limit could be megabytes).
  if (!chunked_) body_.reserve(static_cast<size_t>(content_length_) + limits_.body_padding);
  state_ = State::kBody;
  llhttp_resume(&llhttp_->parser);
  const std::string rest = std::exchange(pending_, {});
  return Execute(rest.data(), rest.size());
}

RequestParser::State RequestParser::DiscardBody() {
  if (state_ != State::kHeadComplete) return state_;
  keep_body_ = false;
  state_ = State::kBody;
  llhttp_resume(&llhttp_->parser);
  const std::string rest = std::exchange(pending_, {});
  return Execute(rest.data(), rest.size());
}

size_t RequestParser::body_bytes_needed() const {
  if (chunked_) return limits_.max_body_bytes;
  return static_cast<size_t>(std::min<unsigned long long>(content_length_, limits_.max_body_bytes));
}

std::string RequestParser::TakeBody() {
  if (body_.capacity() - body_.size() < limits_.body_padding) {
    body_.reserve(body_.size() + limits_.body_padding);
  }
  return std::move(body_);
}

RequestParser::State RequestParser::Execute(const char* data, size_t size) {
  const llhttp_errno_t error = llhttp_execute(&llhttp_->parser, data, size);
  if (error == HPE_OK) {
    head_bytes_ += state_ == State::kHead ? size : 0;
    if (state_ == State::kHead && head_bytes_ > limits_.max_head_bytes) {
      return Fail(kHttpHeadersTooLarge);
    }
    return state_;
  }
  if (error == HPE_PAUSED && state_ == State::kHeadComplete) {
    const char* const paused_at = llhttp_get_error_pos(&llhttp_->parser);
    head_bytes_ += static_cast<size_t>(paused_at - data);
    if (head_bytes_ > limits_.max_head_bytes) return Fail(kHttpHeadersTooLarge);
    pending_.assign(paused_at, static_cast<size_t>(data + size - paused_at));
    return state_;
  }
  if ((error == HPE_PAUSED || error == HPE_PAUSED_UPGRADE) && state_ == State::kComplete) {
    return state_;
  }
  return Fail(kHttpBadRequest);
}

RequestParser::State RequestParser::Fail(int status) {
  failure_status_ = status;
  state_ = State::kFailed;
  std::string().swap(body_);
  std::string().swap(pending_);
  return state_;
}

void RequestParser::OnHeaderField(std::string_view piece) { AppendCapped(header_name_, piece); }

void RequestParser::OnHeaderFieldComplete() {
  in_expect_header_ = EqualsIgnoreAsciiCase(header_name_, "expect");
  header_name_.clear();
}

void RequestParser::OnHeaderValue(std::string_view piece) {
  if (in_expect_header_) AppendCapped(expect_value_, piece);
}

void RequestParser::OnHeaderValueComplete() {
  if (in_expect_header_ && EqualsIgnoreAsciiCase(expect_value_, "100-continue")) {
    expects_continue_ = true;
  }
  expect_value_.clear();
  in_expect_header_ = false;
}

void RequestParser::OnHeadersComplete(unsigned method, bool chunked,
                                      unsigned long long content_length) {
  state_ = State::kHeadComplete;
  chunked_ = chunked;
  content_length_ = content_length;
  if (method != HTTP_POST && method != HTTP_PUT) {
    refusal_status_ = kHttpMethodNotAllowed;
  } else if (!chunked && content_length > limits_.max_body_bytes) {
    refusal_status_ = kHttpPayloadTooLarge;
  }
}

void RequestParser::OnBody(std::string_view piece) {
  if (!keep_body_) return;
  // Only a chunked body can get here past the limit (a Content-Length over it was refused).
  if (body_.size() + piece.size() > limits_.max_body_bytes) {
    refusal_status_ = kHttpPayloadTooLarge;
    keep_body_ = false;
    std::string().swap(body_);
    return;
  }
  body_.append(piece);
}

}  // namespace tk::telemetry
