// The lifecycle (app/extension_app) with Lambda's Runtime API and Kinesis faked behind the HTTP
// seam and everything between them real: the listener on loopback, the ingest, the queue, the
// sender and the Kinesis session. Each mode's event loop, the flush before /next, the shutdown
// drain and deadline, restores, signals, and the disabled mode of a bad configuration.
#include "app/extension_app.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "unit/app/fake_lambda.h"

namespace tk::app {
namespace {

using ::testing::ElementsAre;
using ::testing::Ge;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using namespace std::chrono_literals;
using testing::FakeKinesis;
using testing::FakeRuntimeApi;
using testing::Invoke;
using testing::Shutdown;
using testing::SteadyClock;
using testing::TelemetryBatch;

constexpr char kKeyId[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// A port nothing listens on now (the kernel's next ephemeral one), for the telemetry listener.
uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t size = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

class ExtensionAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The configuration checks them; the environment credentials source reads them again from the
    // process environment at each fetch.
    ::setenv("AWS_ACCESS_KEY_ID", kKeyId, 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", kSecret, 1);
    environment_ = {
        {"AWS_ACCESS_KEY_ID", kKeyId},
        {"AWS_SECRET_ACCESS_KEY", kSecret},
        {"AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"},
        {"AWS_REGION", "eu-west-1"},
        {"AWS_LAMBDA_FUNCTION_NAME", "orders"},
        {"AWS_ENDPOINT_URL_KINESIS", "http://127.0.0.1:4567"},
        {"TELEMETRY_KINESIS_STREAM", "telemetry"},
        {"TELEMETRY_KINESIS_PROTOCOL", "json"},
        {"TELEMETRY_KINESIS_LISTENER_HOST", "127.0.0.1"},
        {"TELEMETRY_KINESIS_LISTENER_PORT", std::to_string(FreePort())},
        {"TELEMETRY_KINESIS_SPOOL_MAX_BYTES", "0"},
    };
  }

  // Runs the extension to its end with the fakes; a signal's drain is kept in `drain_`.
  int Run(FakeKinesis& kinesis) {
    const ExtensionWiring wiring{
        .runtime_api = lambda_,
        .make_http = kinesis.Factory(),
        .on_termination_signal = [this](std::function<int()> drain) { drain_ = std::move(drain); }};
    const int code = RunExtension(config::Environment({environment_.begin(), environment_.end()}),
                                  "telemetry-kinesis", wiring);
    ended_at_ = SteadyClock::now();
    return code;
  }

  std::map<std::string, std::string> environment_;
  FakeRuntimeApi lambda_;
  std::function<int()> drain_;
  SteadyClock::time_point ended_at_;
};

TEST_F(ExtensionAppTest, ShipsEachInvocationBeforeItsNextAndExitsAtShutdown) {
  environment_["TELEMETRY_KINESIS_FLUSH"] = "end";
  FakeKinesis kinesis;
  lambda_.Then(Invoke("r1", 3s, {TelemetryBatch({"one", "two"}, "r1")}));
  // When /next comes back the first invocation's lines must already be in Kinesis.
  testing::NextStep second = Invoke("r2", 3s, {TelemetryBatch({"three"}, "r2")});
  std::vector<std::string> seen_at_second_next;
  second.before = [&] { seen_at_second_next = kinesis.lines(); };
  lambda_.Then(std::move(second));
  lambda_.Then(Shutdown(2s));

  EXPECT_EQ(Run(kinesis), 0);
  EXPECT_THAT(seen_at_second_next, ElementsAre("one", "two"));
  EXPECT_THAT(kinesis.lines(), ElementsAre("one", "two", "three"));
  EXPECT_EQ(lambda_.register_body(), R"({"events":["INVOKE","SHUTDOWN"]})");
  ASSERT_EQ(lambda_.subscriptions().size(), 1u);
  EXPECT_EQ(lambda_.subscriptions()[0]["schemaVersion"], "2025-01-29");
  EXPECT_THAT(lambda_.error_reports(), IsEmpty());
}

TEST_F(ExtensionAppTest, FlushBeforeNextStopsAtTheBudget) {
  environment_["TELEMETRY_KINESIS_FLUSH"] = "end";
  environment_["TELEMETRY_KINESIS_FLUSH_BUDGET_MS"] = "100";
  FakeKinesis kinesis(FakeKinesis::Mode::kStall);  // never answers
  lambda_.Then(Invoke("r1", 10s, {TelemetryBatch({"held"}, "r1")}));
  lambda_.Then(Shutdown(500ms));  // the stalled request is abandoned at its deadline

  EXPECT_EQ(Run(kinesis), 0);
  ASSERT_EQ(lambda_.next_calls().size(), 2u);
  // The invocation's deadline is 10 s away; the flush gives up after its 100 ms budget (plus
  // the wait for runtimeDone, which came at once), not when Kinesis or the deadline answers.
  EXPECT_LT(lambda_.next_calls()[1] - lambda_.next_calls()[0], 2s);
  EXPECT_THAT(kinesis.requests(), Ge(1));
}

TEST_F(ExtensionAppTest, ExitsBeforeShutdownDeadlineWithBacklog) {
  FakeKinesis kinesis(FakeKinesis::Mode::kStall);
  lambda_.Then(Invoke("r1", 3s, {TelemetryBatch({"a", "b", "c"}, "r1")}));
  lambda_.Then(Shutdown(800ms));
  const auto started = SteadyClock::now();

  EXPECT_EQ(Run(kinesis), 0);
  ASSERT_EQ(lambda_.next_calls().size(), 2u);
  const SteadyClock::time_point shutdown_deadline = lambda_.next_calls()[1] + 800ms;
  // Out before Lambda's deadline, with the default 200 ms margin kept (less scheduling slack),
  // although Kinesis never answered and the records are still held.
  EXPECT_LT(ended_at_, shutdown_deadline - 100ms);
  EXPECT_GT(ended_at_ - started, 0ms);
  EXPECT_THAT(kinesis.requests(), Ge(1));
  EXPECT_THAT(kinesis.lines(), IsEmpty());
}

TEST_F(ExtensionAppTest, RunsDisabledWhenConfigIsInvalid) {
  environment_["TELEMETRY_KINESIS_QUEUE_MAX_BYTES"] = "lots";
  FakeKinesis kinesis;
  lambda_.Then(Invoke("r1", 3s));
  lambda_.Then(Invoke("r2", 3s));
  lambda_.Then(Shutdown(2s));

  EXPECT_EQ(Run(kinesis), 0);
  // Registered, served every event, shipped nothing and never subscribed.
  EXPECT_EQ(lambda_.next_calls().size(), 3u);
  EXPECT_THAT(lambda_.subscriptions(), IsEmpty());
  EXPECT_EQ(kinesis.requests(), 0);
  EXPECT_THAT(lambda_.error_reports(), IsEmpty());
  ASSERT_TRUE(drain_);  // a signal ends the disabled extension at once
  EXPECT_EQ(drain_(), 0);
}

TEST_F(ExtensionAppTest, FailsTheInitWhenConfigIsInvalidAndAskedTo) {
  environment_["TELEMETRY_KINESIS_QUEUE_MAX_BYTES"] = "lots";
  environment_["TELEMETRY_KINESIS_ON_INIT_ERROR"] = "fail";
  FakeKinesis kinesis;

  EXPECT_EQ(Run(kinesis), 1);
  EXPECT_THAT(lambda_.next_calls(), IsEmpty());
  ASSERT_EQ(lambda_.error_reports().size(), 1u);
  EXPECT_EQ(lambda_.error_reports()[0].path, "/2020-01-01/extension/init/error");
  EXPECT_EQ(lambda_.error_reports()[0].error_type, "Extension.ConfigInvalid");
}

TEST_F(ExtensionAppTest, RunsDisabledWhenTheSubscriptionIsRefused) {
  lambda_.AnswerSubscribe(403, R"({"errorType":"AccessDeniedException"})");
  FakeKinesis kinesis;
  lambda_.Then(Invoke("r1", 3s));
  lambda_.Then(Shutdown(2s));

  EXPECT_EQ(Run(kinesis), 0);
  EXPECT_EQ(lambda_.subscriptions().size(), 1u);  // a refusal other than ValidationError: no retry
  EXPECT_EQ(lambda_.next_calls().size(), 2u);
}

TEST_F(ExtensionAppTest, FallsBackToTheOlderSchemaWhenLambdaRefusesTheNewest) {
  lambda_.AnswerSubscribe(400, R"({"errorType":"ValidationError","errorMessage":"schema"})");
  FakeKinesis kinesis;
  lambda_.Then(Shutdown(2s));

  EXPECT_EQ(Run(kinesis), 0);
  ASSERT_EQ(lambda_.subscriptions().size(), 2u);
  EXPECT_EQ(lambda_.subscriptions()[1]["schemaVersion"], "2022-12-13");
}

TEST_F(ExtensionAppTest, ReportsAnExitErrorWhenNextFails) {
  FakeKinesis kinesis;
  lambda_.Then({});  // /next: connection refused

  EXPECT_EQ(Run(kinesis), 1);
  ASSERT_EQ(lambda_.error_reports().size(), 1u);
  EXPECT_EQ(lambda_.error_reports()[0].path, "/2020-01-01/extension/exit/error");
  EXPECT_EQ(lambda_.error_reports()[0].error_type, "Extension.NextEventFailed");
}

TEST_F(ExtensionAppTest, ManagedInstancesRegisterForShutdownOnlyAndDrainWhatArrived) {
  environment_["AWS_LAMBDA_INITIALIZATION_TYPE"] = "lambda-managed-instances";
  FakeKinesis kinesis;
  // No INVOKE: the one /next returns SHUTDOWN; telemetry of the concurrent invocations came
  // before it.
  testing::NextStep shutdown = Shutdown(2s);
  shutdown.telemetry = {TelemetryBatch({"m1", "m2"}, "r1")};
  lambda_.Then(std::move(shutdown));

  EXPECT_EQ(Run(kinesis), 0);
  EXPECT_EQ(lambda_.register_body(), R"({"events":["SHUTDOWN"]})");
  ASSERT_EQ(lambda_.subscriptions().size(), 1u);
  EXPECT_EQ(lambda_.subscriptions()[0]["schemaVersion"], "2025-01-29");
  EXPECT_THAT(kinesis.lines(), ElementsAre("m1", "m2"));
}

TEST_F(ExtensionAppTest, SnapStartTreatsTheFirstEventAsARestore) {
  environment_["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start";
  environment_["TELEMETRY_KINESIS_FLUSH"] = "end";
  FakeKinesis kinesis;
  lambda_.Then(Invoke("r1", 3s, {TelemetryBatch({"after restore"}, "r1")}));
  lambda_.Then(Shutdown(2s));

  ::testing::internal::CaptureStderr();
  const int code = Run(kinesis);
  const std::string logged = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 0);
  EXPECT_THAT(kinesis.lines(), ElementsAre("after restore"));
  EXPECT_THAT(logged, HasSubstr("SnapStart restore noticed (first event after the snapshot)"));
}

TEST_F(ExtensionAppTest, ProvisionedConcurrencyServesInvocationsLikeOnDemand) {
  environment_["AWS_LAMBDA_INITIALIZATION_TYPE"] = "provisioned-concurrency";
  environment_["TELEMETRY_KINESIS_FLUSH"] = "end";
  FakeKinesis kinesis;
  lambda_.Then(Invoke("r1", 3s, {TelemetryBatch({"warm"}, "r1")}));
  lambda_.Then(Shutdown(2s));

  ::testing::internal::CaptureStderr();
  const int code = Run(kinesis);
  const std::string logged = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 0);
  EXPECT_THAT(kinesis.lines(), ElementsAre("warm"));
  EXPECT_THAT(logged, Not(HasSubstr("restore")));
}

TEST_F(ExtensionAppTest, ASignalDuringNextDrainsOnceAndShutdownGetsTheSameSummary) {
  FakeKinesis kinesis;
  lambda_.Then(Invoke("r1", 3s, {TelemetryBatch({"x", "y"}, "r1")}));
  // SIGTERM arrives while the lifecycle waits in /next: its drain ships what is held.
  testing::NextStep shutdown = Shutdown(2s);
  int drained = -1;
  shutdown.before = [&] { drained = drain_(); };
  lambda_.Then(std::move(shutdown));

  EXPECT_EQ(Run(kinesis), 0);
  EXPECT_EQ(drained, 0);
  EXPECT_THAT(kinesis.lines(), ElementsAre("x", "y"));
}

TEST_F(ExtensionAppTest, FailsTheInitWhenTheListenerCannotBind) {
  environment_["TELEMETRY_KINESIS_ON_INIT_ERROR"] = "fail";
  environment_["TELEMETRY_KINESIS_LISTENER_HOST"] = "192.0.2.1";  // not an address of this host
  FakeKinesis kinesis;

  EXPECT_EQ(Run(kinesis), 1);
  ASSERT_EQ(lambda_.error_reports().size(), 1u);
  EXPECT_EQ(lambda_.error_reports()[0].error_type, "Extension.ListenerFailed");
}

}  // namespace
}  // namespace tk::app
