// Tests the listener's incremental request parser: a request in any pieces (one byte at a time
// too), the pause at the end of the head, refusals decided there, chunked bodies, the head limit,
// and requests cut short or malformed.
#include "telemetry/request_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace tk::telemetry {
namespace {

using State = RequestParser::State;

constexpr size_t kPadding = 64;

RequestLimits Limits(size_t max_body_bytes = 100, size_t max_head_bytes = 8192) {
  return RequestLimits{max_head_bytes, max_body_bytes, kPadding};
}

std::string Post(const std::string& body, const std::string& extra_headers = "") {
  return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
         extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST(RequestParserTest, PausesAfterTheHeadAndKeepsTheBodyBytesThatCameWithIt) {
  RequestParser parser(Limits());
  EXPECT_EQ(parser.Feed(Post(R"([{"a":1}])")), State::kHeadComplete);
  EXPECT_EQ(parser.refusal_status(), 0);
  EXPECT_FALSE(parser.expects_continue());
  EXPECT_EQ(parser.body_bytes_needed(), 9u);
  EXPECT_EQ(parser.AcceptBody(), State::kComplete);
  std::string body = parser.TakeBody();
  EXPECT_EQ(body, R"([{"a":1}])");
  EXPECT_GE(body.capacity() - body.size(), kPadding);
}

TEST(RequestParserTest, TakesARequestOneByteAtATime) {
  RequestParser parser(Limits());
  const std::string request = Post("[1,2]");
  const size_t head_end = request.find("\r\n\r\n") + 4;
  for (size_t i = 0; i + 1 < head_end; ++i) {
    ASSERT_EQ(parser.Feed(request.substr(i, 1)), State::kHead) << "at byte " << i;
  }
  ASSERT_EQ(parser.Feed(request.substr(head_end - 1, 1)), State::kHeadComplete);
  ASSERT_EQ(parser.AcceptBody(), State::kBody);
  for (size_t i = head_end; i + 1 < request.size(); ++i) {
    ASSERT_EQ(parser.Feed(request.substr(i, 1)), State::kBody) << "at byte " << i;
  }
  EXPECT_EQ(parser.Feed(request.substr(request.size() - 1)), State::kComplete);
  EXPECT_EQ(parser.TakeBody(), "[1,2]");
}

TEST(RequestParserTest, CompletesAnEmptyBodyAtOnceAndIgnoresBytesAfterTheRequest) {
  RequestParser parser(Limits());
  ASSERT_EQ(parser.Feed(Post("") + "GET / HTTP/1.1\r\n\r\n"), State::kHeadComplete);
  EXPECT_EQ(parser.AcceptBody(), State::kComplete);
  EXPECT_EQ(parser.Feed("more"), State::kComplete);
  EXPECT_EQ(parser.TakeBody(), "");
}

TEST(RequestParserTest, RefusesABodyOverTheLimitAtTheHeadAndDiscardsItWhenAsked) {
  RequestParser parser(Limits(10));
  const std::string request = Post(std::string(11, 'x'));
  ASSERT_EQ(parser.Feed(request.substr(0, request.size() - 5)), State::kHeadComplete);
  EXPECT_EQ(parser.refusal_status(), 413);
  EXPECT_EQ(parser.DiscardBody(), State::kBody);
  EXPECT_EQ(parser.Feed(request.substr(request.size() - 5)), State::kComplete);
  EXPECT_EQ(parser.refusal_status(), 413);
  EXPECT_EQ(parser.TakeBody(), "");
}

TEST(RequestParserTest, AcceptsABodyExactlyAtTheLimit) {
  RequestParser parser(Limits(10));
  ASSERT_EQ(parser.Feed(Post(std::string(10, 'x'))), State::kHeadComplete);
  EXPECT_EQ(parser.refusal_status(), 0);
  EXPECT_EQ(parser.AcceptBody(), State::kComplete);
  EXPECT_EQ(parser.TakeBody(), std::string(10, 'x'));
}

TEST(RequestParserTest, RefusesMethodsOtherThanPostAndPut) {
  RequestParser get(Limits());
  ASSERT_EQ(get.Feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), State::kHeadComplete);
  EXPECT_EQ(get.refusal_status(), 405);

  RequestParser put(Limits());
  ASSERT_EQ(put.Feed("PUT / HTTP/1.1\r\nContent-Length: 2\r\n\r\n[]"), State::kHeadComplete);
  EXPECT_EQ(put.refusal_status(), 0);
  EXPECT_EQ(put.AcceptBody(), State::kComplete);
  EXPECT_EQ(put.TakeBody(), "[]");
}

TEST(RequestParserTest, ReadsAChunkedBodyAndRefusesOneThatGrowsPastTheLimit) {
  const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  RequestParser parser(Limits(10));
  ASSERT_EQ(parser.Feed(head + "3\r\n[1,\r\n"), State::kHeadComplete);
  EXPECT_EQ(parser.body_bytes_needed(), 10u);  // unknown length: the limit
  EXPECT_EQ(parser.AcceptBody(), State::kBody);
  EXPECT_EQ(parser.Feed("2\r\n2]\r\n0\r\n\r\n"), State::kComplete);
  EXPECT_EQ(parser.refusal_status(), 0);
  std::string body = parser.TakeBody();
  EXPECT_EQ(body, "[1,2]");
  EXPECT_GE(body.capacity() - body.size(), kPadding);

  RequestParser too_long(Limits(10));
  ASSERT_EQ(too_long.Feed(head + "8\r\n12345678\r\n"), State::kHeadComplete);
  ASSERT_EQ(too_long.AcceptBody(), State::kBody);
  EXPECT_EQ(too_long.Feed("8\r\n12345678\r\n0\r\n\r\n"), State::kComplete);
  EXPECT_EQ(too_long.refusal_status(), 413);
}

TEST(RequestParserTest, SeesExpect100ContinueInAnyCase) {
  RequestParser parser(Limits());
  ASSERT_EQ(parser.Feed(Post("", "expect: 100-Continue\r\n")), State::kHeadComplete);
  EXPECT_TRUE(parser.expects_continue());
  RequestParser other(Limits());
  ASSERT_EQ(other.Feed(Post("", "X-Expect: 100-continue\r\nExpect: nothing\r\n")),
            State::kHeadComplete);
  EXPECT_FALSE(other.expects_continue());
}

TEST(RequestParserTest, FailsWith431WhenTheHeadGrowsPastTheLimit) {
  RequestParser parser(Limits(100, 64));
  EXPECT_EQ(parser.Feed("POST / HTTP/1.1\r\n"), State::kHead);
  State state = State::kHead;
  for (int i = 0; i < 10 && state == State::kHead; ++i)
    state = parser.Feed("X-Pad: 0123456789\r\n");
  EXPECT_EQ(state, State::kFailed);
  EXPECT_EQ(parser.failure_status(), 431);
}

TEST(RequestParserTest, FailsWith400OnMalformedInputOrARequestCutShort) {
  RequestParser garbage(Limits());
  EXPECT_EQ(garbage.Feed("\x16\x03\x01 not http\r\n\r\n"), State::kFailed);
  EXPECT_EQ(garbage.failure_status(), 400);

  RequestParser cut(Limits());
  ASSERT_EQ(cut.Feed("POST / HTTP/1.1\r\nContent-Length: 50\r\n\r\n[1,"), State::kHeadComplete);
  ASSERT_EQ(cut.AcceptBody(), State::kBody);
  EXPECT_EQ(cut.Finish(), State::kFailed);
  EXPECT_EQ(cut.failure_status(), 400);

  RequestParser bad_length(Limits());
  EXPECT_EQ(bad_length.Feed("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n"), State::kFailed);
}

}  // namespace
}  // namespace tk::telemetry
