// Tests the Telemetry API subscription: the body's schema, destination, types and buffering,
// and that a refusal comes back as an error.
#include "lambda/telemetry_api_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
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

constexpr char kTelemetryPath[] = "/2022-07-01/telemetry";

TelemetrySubscription Subscription() {
  return TelemetrySubscription{.destination_uri = "http://sandbox.localdomain:4243/",
                               .types = {"platform", "function", "extension"},
                               .max_items = 2'000,
                               .max_bytes = 524'288,
                               .timeout_ms = 100};
}

TEST(RenderSubscriptionBodyTest, HasTheSchemaDestinationTypesAndBuffering) {
  const nlohmann::json body = nlohmann::json::parse(RenderSubscriptionBody(Subscription()));
  EXPECT_EQ(body["schemaVersion"], "2022-12-13");
  EXPECT_EQ(body["destination"]["protocol"], "HTTP");
  EXPECT_EQ(body["destination"]["URI"], "http://sandbox.localdomain:4243/");
  EXPECT_THAT(body["types"].get<std::vector<std::string>>(),
              ElementsAre("platform", "function", "extension"));
  EXPECT_EQ(body["buffering"]["maxItems"], 2'000);
  EXPECT_EQ(body["buffering"]["maxBytes"], 524'288);
  EXPECT_EQ(body["buffering"]["timeoutMs"], 100);
  EXPECT_EQ(body.size(), 4u);
  EXPECT_EQ(body["buffering"].size(), 3u);
}

// A client registered with a stand-in Lambda whose telemetry endpoint answers `status`.
class SubscribeTest : public ::testing::Test {
 protected:
  void StartLambda(int status, std::string answer) {
    lambda_.Post("/2020-01-01/extension/register",
                 [](const httplib::Request&, httplib::Response& response) {
                   response.set_header("Lambda-Extension-Identifier", "ext-1");
                   response.set_content("{}", "application/json");
                 });
    lambda_.Put(kTelemetryPath,
                [status, answer](const httplib::Request&, httplib::Response& response) {
                  response.status = status;
                  response.set_content(answer, "application/json");
                });
    ASSERT_TRUE(lambda_.Start());
    client_ = std::make_unique<testing::HttplibExtensionsApiClient>(lambda_.address());
    ASSERT_TRUE(client_->Register("telemetry-kinesis").ok());
  }

  // One schema version offered: the request is the subscription as given.
  Result<std::string> SubscribeOnce() {
    const std::string_view version[] = {kTelemetrySchemaVersion};
    return SubscribeWithNewestSchema(*client_, Subscription(), version);
  }

  LoopbackServer lambda_;
  std::unique_ptr<testing::HttplibExtensionsApiClient> client_;
};

TEST_F(SubscribeTest, PutsTheSubscriptionWithTheExtensionIdentifier) {
  StartLambda(200, "OK");
  Result<std::string> subscribed = SubscribeOnce();
  ASSERT_TRUE(subscribed.ok()) << subscribed.error().message;
  const std::vector<SeenRequest> requests = lambda_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].method, "PUT");
  EXPECT_EQ(requests[1].path, kTelemetryPath);
  EXPECT_EQ(requests[1].Header("Lambda-Extension-Identifier"), "ext-1");
  EXPECT_EQ(requests[1].body, RenderSubscriptionBody(Subscription()));
}

TEST_F(SubscribeTest, SurfacesA400AnswerAsAnErrorWithLambdasMessage) {
  StartLambda(
      400, R"({"errorMessage":"buffering.maxItems out of range","errorType":"ValidationError"})");
  Result<std::string> subscribed = SubscribeOnce();
  ASSERT_FALSE(subscribed.ok());
  EXPECT_THAT(subscribed.error().message, HasSubstr("400"));
  EXPECT_THAT(subscribed.error().message, HasSubstr("buffering.maxItems out of range"));
}

// A stand-in Lambda that refuses the schema versions in `refused` with a ValidationError, as a
// Lambda that predates them does, and accepts any other.
class SchemaNegotiationTest : public ::testing::Test {
 protected:
  void StartLambda(std::vector<std::string> refused, int refusal_status = 400,
                   std::string refusal_type = "ValidationError") {
    lambda_.Post("/2020-01-01/extension/register",
                 [](const httplib::Request&, httplib::Response& response) {
                   response.set_header("Lambda-Extension-Identifier", "ext-1");
                   response.set_content("{}", "application/json");
                 });
    lambda_.Put(kTelemetryPath, [=](const httplib::Request& request, httplib::Response& response) {
      const std::string version = nlohmann::json::parse(request.body)["schemaVersion"];
      if (std::find(refused.begin(), refused.end(), version) == refused.end()) {
        response.set_content("\"OK\"", "application/json");
        return;
      }
      response.status = refusal_status;
      response.set_content(R"({"errorMessage":"unsupported schemaVersion )" + version +
                               R"(","errorType":")" + refusal_type + R"("})",
                           "application/json");
    });
    ASSERT_TRUE(lambda_.Start());
    client_ = std::make_unique<testing::HttplibExtensionsApiClient>(lambda_.address());
    ASSERT_TRUE(client_->Register("telemetry-kinesis").ok());
  }

  std::vector<std::string> SchemasTried() {
    std::vector<std::string> versions;
    for (const SeenRequest& request : lambda_.requests()) {
      if (request.method == "PUT") {
        versions.push_back(nlohmann::json::parse(request.body)["schemaVersion"]);
      }
    }
    return versions;
  }

  LoopbackServer lambda_;
  std::unique_ptr<testing::HttplibExtensionsApiClient> client_;
};

TEST_F(SchemaNegotiationTest, SubscribesWithTheNewestSchemaWhenLambdaAcceptsIt) {
  StartLambda({});
  Result<std::string> schema =
      SubscribeWithNewestSchema(*client_, Subscription(), kSchemasNewestFirst);
  ASSERT_TRUE(schema.ok()) << schema.error().message;
  EXPECT_EQ(*schema, "2025-01-29");
  EXPECT_THAT(SchemasTried(), ElementsAre("2025-01-29"));
}

TEST_F(SchemaNegotiationTest, FallsBackToThePreviousSchemaOnAValidationError) {
  StartLambda({"2025-01-29"});
  Result<std::string> schema =
      SubscribeWithNewestSchema(*client_, Subscription(), kSchemasNewestFirst);
  ASSERT_TRUE(schema.ok()) << schema.error().message;
  EXPECT_EQ(*schema, "2022-12-13");
  EXPECT_THAT(SchemasTried(), ElementsAre("2025-01-29", "2022-12-13"));
}

TEST_F(SchemaNegotiationTest, ManagedInstancesHaveNoOlderSchemaToFallBackTo) {
  StartLambda({"2025-01-29"});
  Result<std::string> schema =
      SubscribeWithNewestSchema(*client_, Subscription(), kSchemasManagedInstances);
  ASSERT_FALSE(schema.ok());
  EXPECT_THAT(schema.error().message, HasSubstr("unsupported schemaVersion 2025-01-29"));
  EXPECT_THAT(SchemasTried(), ElementsAre("2025-01-29"));
}

TEST_F(SchemaNegotiationTest, ReportsEveryRefusalWhenNoSchemaIsAccepted) {
  StartLambda({"2025-01-29", "2022-12-13"});
  Result<std::string> schema =
      SubscribeWithNewestSchema(*client_, Subscription(), kSchemasNewestFirst);
  ASSERT_FALSE(schema.ok());
  EXPECT_THAT(schema.error().message, HasSubstr("schema 2025-01-29: "));
  EXPECT_THAT(schema.error().message, HasSubstr("schema 2022-12-13: "));
}

TEST_F(SchemaNegotiationTest, DoesNotFallBackOnOtherRefusals) {
  StartLambda({"2025-01-29"}, 403, "Extension.InvalidExtensionIdentifier");
  Result<std::string> schema =
      SubscribeWithNewestSchema(*client_, Subscription(), kSchemasNewestFirst);
  ASSERT_FALSE(schema.ok());
  EXPECT_THAT(schema.error().message, HasSubstr("403"));
  EXPECT_THAT(SchemasTried(), ElementsAre("2025-01-29"));
}

}  // namespace
}  // namespace tk::lambda
