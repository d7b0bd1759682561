// Tests the Extensions API client against a local stand-in for Lambda's Runtime API: register
// (headers, identifier, account id), /next (INVOKE, SHUTDOWN), and error reports.
#include "lambda/extensions_api_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/loopback_server.h"
#include "unit/lambda/httplib_extensions_api_client.h"

namespace tk::lambda {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using tk::testing::LoopbackServer;
using tk::testing::SeenRequest;

constexpr char kRegisterPath[] = "/2020-01-01/extension/register";
constexpr char kNextPath[] = "/2020-01-01/extension/event/next";
constexpr char kExtensionId[] = "5c5ef1a8-1b7c-4b2a-a2c3-9f0f0e0d0c0b";

// Lambda's answer to a successful register with the accountId feature.
void AnswerRegister(const httplib::Request&, httplib::Response& response) {
  response.set_header("Lambda-Extension-Identifier", kExtensionId);
  response.set_content(
      R"({"functionName":"orders-api","functionVersion":"$LATEST","handler":"index.handler",)"
      R"("accountId":"123456789012"})",
      "application/json");
}

LoopbackServer::Handler AnswerJson(std::string body, int status = 200) {
  return [body = std::move(body), status](const httplib::Request&, httplib::Response& response) {
    response.status = status;
    response.set_content(body, "application/json");
  };
}

TEST(ExtensionsApiClientTest, RegistersWithItsNameAndTheAccountIdFeature) {
  LoopbackServer lambda;
  lambda.Post(kRegisterPath, AnswerRegister);
  ASSERT_TRUE(lambda.Start());

  testing::HttplibExtensionsApiClient client(lambda.address());
  Result<Registration> registration = client.Register("telemetry-kinesis");
  ASSERT_TRUE(registration.ok()) << registration.error().message;
  EXPECT_EQ(registration->extension_id, kExtensionId);
  EXPECT_EQ(registration->function_name, "orders-api");
  EXPECT_EQ(registration->function_version, "$LATEST");
  EXPECT_EQ(registration->account_id, "123456789012");
  EXPECT_EQ(client.extension_id(), kExtensionId);

  const std::vector<SeenRequest> requests = lambda.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].Header("Lambda-Extension-Name"), "telemetry-kinesis");
  EXPECT_EQ(requests[0].Header("Lambda-Extension-Accept-Feature"), "accountId");
  const nlohmann::json body = nlohmann::json::parse(requests[0].body);
  EXPECT_THAT(body["events"].get<std::vector<std::string>>(), ElementsAre("INVOKE", "SHUTDOWN"));
}

TEST(ExtensionsApiClientTest, RegistersForShutdownOnlyWhenAskedToAsOnManagedInstances) {
  LoopbackServer lambda;
  lambda.Post(kRegisterPath, AnswerRegister);
  ASSERT_TRUE(lambda.Start());
  testing::HttplibExtensionsApiClient client(lambda.address());
  ASSERT_TRUE(client.Register("telemetry-kinesis", RegisterFor::kShutdownOnly).ok());
  const std::vector<SeenRequest> requests = lambda.requests();
  ASSERT_EQ(requests.size(), 1u);
  const nlohmann::json body = nlohmann::json::parse(requests[0].body);
  EXPECT_THAT(body["events"].get<std::vector<std::string>>(), ElementsAre("SHUTDOWN"));
}

TEST(ExtensionsApiClientTest, RegistersWithoutAnAccountIdWhenLambdaSendsNone) {
  LoopbackServer lambda;
  lambda.Post(kRegisterPath, [](const httplib::Request&, httplib::Response& response) {
    response.set_header("Lambda-Extension-Identifier", kExtensionId);
    response.set_content(R"({"functionName":"f","functionVersion":"1"})", "application/json");
  });
  ASSERT_TRUE(lambda.Start());
  testing::HttplibExtensionsApiClient client(lambda.address());
  Result<Registration> registration = client.Register("telemetry-kinesis");
  ASSERT_TRUE(registration.ok()) << registration.error().message;
  EXPECT_EQ(registration->account_id, "");
  EXPECT_EQ(registration->function_version, "1");
}

TEST(ExtensionsApiClientTest, FailsToRegisterWithoutAnIdentifierHeader) {
  LoopbackServer lambda;
  lambda.Post(kRegisterPath, AnswerJson(R"({"functionName":"f"})"));
  ASSERT_TRUE(lambda.Start());
  testing::HttplibExtensionsApiClient client(lambda.address());
  Result<Registration> registration = client.Register("telemetry-kinesis");
  ASSERT_FALSE(registration.ok());
  EXPECT_THAT(registration.error().message, HasSubstr("Lambda-Extension-Identifier"));
}

TEST(ExtensionsApiClientTest, FailsToRegisterWithLambdasAnswerWhenRefused) {
  LoopbackServer lambda;
  lambda.Post(kRegisterPath,
              AnswerJson(R"({"errorType":"Extension.InvalidName","errorMessage":"bad"})", 403));
  ASSERT_TRUE(lambda.Start());
  testing::HttplibExtensionsApiClient client(lambda.address());
  Result<Registration> registration = client.Register("telemetry-kinesis");
  ASSERT_FALSE(registration.ok());
  EXPECT_THAT(registration.error().message, HasSubstr("403"));
  EXPECT_THAT(registration.error().message, HasSubstr("Extension.InvalidName"));
}

TEST(ExtensionsApiClientTest, FailsToRegisterWhenLambdaIsUnreachable) {
  int closed_port = 0;
  {
    LoopbackServer gone;
    ASSERT_TRUE(gone.Start());
    closed_port = gone.port();
  }
  testing::HttplibExtensionsApiClient client("127.0.0.1:" + std::to_string(closed_port));
  Result<Registration> registration = client.Register("telemetry-kinesis");
  ASSERT_FALSE(registration.ok());
  EXPECT_THAT(registration.error().message, HasSubstr("unreachable"));
}

TEST(ExtensionsApiClientTest, ParsesAnInvokeEventAndSendsTheIdentifier) {
  LoopbackServer lambda;
  lambda.Post(kRegisterPath, AnswerRegister);
  lambda.Get(
      kNextPath,
      AnswerJson(R"({"eventType":"INVOKE","deadlineMs":1700000000123,)"
                 R"("requestId":"3da1f2dc-3222-475e-9205-e2e6c6318895",)"
                 R"("invokedFunctionArn":"arn:aws:lambda:eu-west-1:123456789012:function:f",)"
                 R"("tracing":{"type":"X-Amzn-Trace-Id","value":"Root=1-5f35ae12"}})"));
  ASSERT_TRUE(lambda.Start());
  testing::HttplibExtensionsApiClient client(lambda.address());
  ASSERT_TRUE(client.Register("telemetry-kinesis").ok());

  Result<LifecycleEvent> event = client.NextEvent();
  ASSERT_TRUE(event.ok()) << event.error().message;
  EXPECT_EQ(event->type, EventType::kInvoke);
  EXPECT_EQ(event->request_id, "3da1f2dc-3222-475e-9205-e2e6c6318895");
  EXPECT_EQ(event->deadline_ms, 1700000000123);

  const std::vector<SeenRequest> requests = lambda.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].Header("Lambda-Extension-Identifier"), kExtensionId);
}

TEST(ExtensionsApiClientTest, ParsesAShutdownEventWithItsReasonAndDeadline) {
  LoopbackServer lambda;
  lambda.Post(kRegisterPath, AnswerRegister);
  lambda.Get(kNextPath, AnswerJson(R"({"eventType":"SHUTDOWN","shutdownReason":"spindown",)"
                                   R"("deadlineMs":1700000002000})"));
  ASSERT_TRUE(lambda.Start());
  testing::HttplibExtensionsApiClient client(lambda.address());
  ASSERT_TRUE(client.Register("telemetry-kinesis").ok());

  Result<LifecycleEvent> event = client.NextEvent();
  ASSERT_TRUE(event.ok()) << event.error().message;
  EXPECT_EQ(event->type, EventType::kShutdown);
  EXPECT_EQ(event->shutdown_reason, "spindown");
  EXPECT_EQ(event->deadline_ms, 1700000002000);
}

TEST(ExtensionsApiClientTest, RejectsAnUnknownOrMalformedNextEvent) {
  for (const std::string& answer :
       {std::string(R"({"eventType":"RESTORE","deadlineMs":1})"), std::string("not json")}) {
    LoopbackServer lambda;
    lambda.Get(kNextPath, AnswerJson(answer));
    ASSERT_TRUE(lambda.Start());
    testing::HttplibExtensionsApiClient client(lambda.address());
    Result<LifecycleEvent> event = client.NextEvent();
    EXPECT_FALSE(event.ok()) << answer;
  }
}

TEST(ExtensionsApiClientTest, ToleratesFieldsOfAnUnexpectedTypeWithoutThrowing) {
  LoopbackServer lambda;
  lambda.Get(kNextPath, AnswerJson(R"({"eventType":"SHUTDOWN","shutdownReason":7,)"
                                   R"("deadlineMs":"soon"})"));
  ASSERT_TRUE(lambda.Start());
  testing::HttplibExtensionsApiClient client(lambda.address());
  Result<LifecycleEvent> event = client.NextEvent();
  ASSERT_TRUE(event.ok()) << event.error().message;
  EXPECT_EQ(event->type, EventType::kShutdown);
  EXPECT_EQ(event->shutdown_reason, "");
  EXPECT_EQ(event->deadline_ms, 0);
}

TEST(ExtensionsApiClientTest, ReportsAnInitErrorWithTheFunctionErrorTypeHeader) {
  LoopbackServer lambda;
  lambda.Post(kRegisterPath, AnswerRegister);
  lambda.Post("/2020-01-01/extension/init/error", AnswerJson(R"({"status":"OK"})", 202));
  ASSERT_TRUE(lambda.Start());
  testing::HttplibExtensionsApiClient client(lambda.address());
  ASSERT_TRUE(client.Register("telemetry-kinesis").ok());

  Status reported = client.ReportInitError("Extension.ConfigInvalid", "AWS_REGION is not set");
  ASSERT_TRUE(reported.ok()) << reported.error().message;
  const std::vector<SeenRequest> requests = lambda.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].path, "/2020-01-01/extension/init/error");
  EXPECT_EQ(requests[1].Header("Lambda-Extension-Function-Error-Type"), "Extension.ConfigInvalid");
  EXPECT_EQ(requests[1].Header("Lambda-Extension-Identifier"), kExtensionId);
  const nlohmann::json body = nlohmann::json::parse(requests[1].body);
  EXPECT_EQ(body["errorType"], "Extension.ConfigInvalid");
  EXPECT_EQ(body["errorMessage"], "AWS_REGION is not set");
}

TEST(ExtensionsApiClientTest, ReportsAnExitErrorOnTheExitPath) {
  LoopbackServer lambda;
  lambda.Post("/2020-01-01/extension/exit/error", AnswerJson(R"({"status":"OK"})", 202));
  ASSERT_TRUE(lambda.Start());
  testing::HttplibExtensionsApiClient client(lambda.address());
  ASSERT_TRUE(client.ReportExitError("Extension.NextEventFailed", "lost").ok());
  const std::vector<SeenRequest> requests = lambda.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("Lambda-Extension-Function-Error-Type"),
            "Extension.NextEventFailed");
}

TEST(ExtensionsApiClientTest, SurfacesARefusedErrorReport) {
  LoopbackServer lambda;
  lambda.Post("/2020-01-01/extension/init/error", AnswerJson(R"({"errorType":"x"})", 400));
  ASSERT_TRUE(lambda.Start());
  testing::HttplibExtensionsApiClient client(lambda.address());
  Status reported = client.ReportInitError("Extension.ConfigInvalid", "bad");
  ASSERT_FALSE(reported.ok());
  EXPECT_THAT(reported.error().message, HasSubstr("400"));
}

}  // namespace
}  // namespace tk::lambda
