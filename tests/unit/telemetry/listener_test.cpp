// Tests the telemetry listener on loopback: replies come from the handler, oversized bodies are
// refused before the handler runs, host fallback, and a fast idempotent Stop().
#include "telemetry/listener.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tk::telemetry {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Records the bodies the listener hands over and answers with a fixed reply.
class RecordingHandler {
 public:
  explicit RecordingHandler(ListenerReply reply) : reply_(std::move(reply)) {}

  TelemetryListener::BatchHandler AsHandler() {
    return [this](std::string body) {
      std::lock_guard lock(mutex_);
      ++calls_;
      last_spare_capacity_ = body.capacity() - body.size();
      last_body_ = std::move(body);
      return reply_;
    };
  }
  int calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::string last_body() {
    std::lock_guard lock(mutex_);
    return last_body_;
  }
  size_t last_spare_capacity() {
    std::lock_guard lock(mutex_);
    return last_spare_capacity_;
  }

 private:
  ListenerReply reply_;
  std::mutex mutex_;
  int calls_ = 0;
  std::string last_body_;
  size_t last_spare_capacity_ = 0;
};

ListenerOptions LoopbackOptions(size_t max_body_bytes = 1024) {
  ListenerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.max_body_bytes = max_body_bytes;
  return options;
}

std::unique_ptr<TelemetryListener> StartOrDie(const ListenerOptions& options,
                                              TelemetryListener::BatchHandler handler) {
  auto listener = TelemetryListener::Start(options, std::move(handler));
  if (!listener) ADD_FAILURE() << listener.error().message;
  return listener ? std::move(listener).value() : nullptr;
}

httplib::Client ClientFor(const TelemetryListener& listener) {
  httplib::Client client(listener.host(), listener.port());
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  return client;
}

TEST(TelemetryListenerTest, ReturnsTheHandlersStatusAndBodyForAPost) {
  RecordingHandler handler({202, "queued 2"});
  auto listener = StartOrDie(LoopbackOptions(), handler.AsHandler());
  ASSERT_NE(listener, nullptr);
  EXPECT_EQ(listener->host(), "127.0.0.1");
  EXPECT_GT(listener->port(), 0);
  EXPECT_EQ(listener->SubscriptionUri(),
            "http://127.0.0.1:" + std::to_string(listener->port()) + "/");

  httplib::Client client = ClientFor(*listener);
  const std::string body = R"([{"type":"function","record":"hello"}])";
  auto result = client.Post("/", body, "application/json");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 202);
  EXPECT_EQ(result->body, "queued 2");
  EXPECT_EQ(handler.calls(), 1);
  EXPECT_EQ(handler.last_body(), body);
  // The handler gets the body itself, with simdjson's padding spare after it (parsed in place).
  EXPECT_GE(handler.last_spare_capacity(), kListenerBodyPadding);
}

TEST(TelemetryListenerTest, PassesAnErrorStatusFromTheHandlerThrough) {
  RecordingHandler handler({400, "malformed telemetry batch"});
  auto listener = StartOrDie(LoopbackOptions(), handler.AsHandler());
  ASSERT_NE(listener, nullptr);
  httplib::Client client = ClientFor(*listener);
  auto result = client.Post("/any/path", "[", "application/json");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 400);
  EXPECT_EQ(result->body, "malformed telemetry batch");
}

TEST(TelemetryListenerTest, RefusesABodyOverTheLimitWith413WithoutCallingTheHandler) {
  RecordingHandler handler({200, "OK"});
  auto listener = StartOrDie(LoopbackOptions(100), handler.AsHandler());
  ASSERT_NE(listener, nullptr);
  httplib::Client client = ClientFor(*listener);

  auto too_big = client.Post("/", std::string(101, 'x'), "application/json");
  ASSERT_TRUE(too_big) << httplib::to_string(too_big.error());
  EXPECT_EQ(too_big->status, 413);
  EXPECT_EQ(handler.calls(), 0);

  httplib::Client second = ClientFor(*listener);
  auto at_limit = second.Post("/", std::string(100, 'x'), "application/json");
  ASSERT_TRUE(at_limit) << httplib::to_string(at_limit.error());
  EXPECT_EQ(at_limit->status, 200);
  EXPECT_EQ(handler.calls(), 1);
}

// A small batch is answered by the reader thread (no hand-off: one wake-up per POST), a larger
// one by a worker, so the reader never waits long for a handler.
TEST(TelemetryListenerTest, HandlesSmallBodiesOnTheReaderAndLargerOnesOnAWorker) {
  std::mutex mutex;
  std::vector<std::thread::id> handled_on;
  auto listener = StartOrDie(LoopbackOptions(4 * kListenerInlineBodyBytes), [&](std::string) {
    std::lock_guard lock(mutex);
    handled_on.push_back(std::this_thread::get_id());
    return ListenerReply{200, "OK"};
  });
  ASSERT_NE(listener, nullptr);
  for (const size_t size :
       {size_t{2}, kListenerInlineBodyBytes, kListenerInlineBodyBytes + 1, size_t{2}}) {
    httplib::Client client = ClientFor(*listener);
    auto result = client.Post("/", std::string(size, ' '), "application/json");
    ASSERT_TRUE(result) << httplib::to_string(result.error());
    EXPECT_EQ(result->status, 200);
  }
  std::lock_guard lock(mutex);
  ASSERT_EQ(handled_on.size(), 4u);
  EXPECT_EQ(handled_on[0], handled_on[1]) << "both small bodies on the reader";
  EXPECT_EQ(handled_on[0], handled_on[3]);
  EXPECT_NE(handled_on[2], handled_on[0]) << "the larger body on a worker";
}

TEST(ResolveListenerHostTest, FallsBackToLoopbackForAnUnresolvableName) {
  EXPECT_EQ(ResolveListenerHost("no-such-host.invalid"), "127.0.0.1");
  EXPECT_EQ(ResolveListenerHost(""), "127.0.0.1");
}

TEST(ResolveListenerHostTest, KeepsAHostThatResolves) {
  EXPECT_EQ(ResolveListenerHost("127.0.0.1"), "127.0.0.1");
}

TEST(TelemetryListenerTest, ListensOnLoopbackWhenTheConfiguredHostDoesNotResolve) {
  RecordingHandler handler({200, "OK"});
  ListenerOptions options = LoopbackOptions();
  options.host = "no-such-host.invalid";
  auto listener = StartOrDie(options, handler.AsHandler());
  ASSERT_NE(listener, nullptr);
  EXPECT_EQ(listener->host(), "127.0.0.1");
  httplib::Client client = ClientFor(*listener);
  auto result = client.Post("/", "[]", "application/json");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
}

TEST(TelemetryListenerTest, FailsToStartOnAPortThatIsTaken) {
  RecordingHandler handler({200, "OK"});
  auto first = StartOrDie(LoopbackOptions(), handler.AsHandler());
  ASSERT_NE(first, nullptr);
  ListenerOptions options = LoopbackOptions();
  options.port = first->port();
  auto second = TelemetryListener::Start(options, handler.AsHandler());
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.error().message, ::testing::HasSubstr(std::to_string(first->port())));
}

TEST(TelemetryListenerTest, StopsFastAndIdempotently) {
  RecordingHandler handler({200, "OK"});
  auto listener = StartOrDie(LoopbackOptions(), handler.AsHandler());
  ASSERT_NE(listener, nullptr);
  const uint16_t port = listener->port();
  {
    httplib::Client client = ClientFor(*listener);
    ASSERT_TRUE(client.Post("/", "[]", "application/json"));
  }

  const auto start = steady_clock::now();
  listener->Stop();
  listener->Stop();
  EXPECT_LT(steady_clock::now() - start, milliseconds(1000));

  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1, 0);
  EXPECT_FALSE(client.Post("/", "[]", "application/json"));
  listener.reset();  // the destructor stops again: still fine
}

}  // namespace
}  // namespace tk::telemetry
