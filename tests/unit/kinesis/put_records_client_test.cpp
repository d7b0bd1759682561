// Tests the PutRecords client against a fake transport: headers, target, signature, token, body.
#include "kinesis/put_records_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "aws/sigv4.h"
#include "unit/kinesis/fake_http_client.h"

namespace tk::kinesis {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

// 2024-01-02T03:04:05Z
const system_clock::time_point kSigningTime = system_clock::time_point(seconds(1704164645));

KinesisClientConfig Config(std::string session_token = "") {
  return KinesisClientConfig{
      .endpoint = aws::ParseEndpointUrl("https://kinesis.eu-west-1.amazonaws.com", "test").value(),
      .region = "eu-west-1",
      .target = {.stream_name = "telemetry", .stream_arn = ""},
      .credentials = {.access_key_id = "AKIDEXAMPLE",
                      .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                      .session_token = std::move(session_token)},
  };
}

std::vector<Record> ThreeRecords() {
  return {{.partition_key = "sandbox-1", .data = R"({"type":"platform.start"})", .attempts = 0},
          {.partition_key = "sandbox-1", .data = R"({"type":"function"})", .attempts = 0},
          {.partition_key = "sandbox-1", .data = R"({"type":"platform.report"})", .attempts = 0}};
}

std::optional<std::string> HeaderValue(const http::Request& request, std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  for (const http::Header& header : request.headers) {
    std::string lower = header.name;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower == name) return header.value;
  }
  return std::nullopt;
}

http::Response Ok(std::string body) {
  return http::Response{.status = 200, .body = std::move(body), .headers = {}, .transport = {}};
}

constexpr const char* kThreeStored =
    R"({"FailedRecordCount":0,"Records":[{"SequenceNumber":"1","ShardId":"shardId-0"},)"
    R"({"SequenceNumber":"2","ShardId":"shardId-0"},{"SequenceNumber":"3","ShardId":"shardId-0"}]})";

constexpr const char* kMiddleThrottled =
    R"({"FailedRecordCount":1,"Records":[{"SequenceNumber":"1","ShardId":"shardId-0"},)"
    R"({"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded"},)"
    R"({"SequenceNumber":"3","ShardId":"shardId-0"}]})";

class PutRecordsClientTest : public ::testing::Test {
 protected:
  PutRecordsOutcome SendThree(KinesisClientConfig config) {
    http_.Enqueue(Ok(kThreeStored));
    PutRecordsClient client(std::move(config), http_, [] { return kSigningTime; });
    const std::vector<Record> records = ThreeRecords();
    return client.Send(records);
  }
  const http::Request& Sent() const { return http_.requests().back(); }

  testing::FakeHttpClient http_;
};

KinesisClientConfig JsonConfig() {
  KinesisClientConfig config = Config();
  config.protocol = WireProtocol::kJson;
  return config;
}

TEST_F(PutRecordsClientTest, PostsToTheEndpointWithThePutRecordsTargetAndCborByDefault) {
  ASSERT_EQ(SendThree(Config()).disposition, Disposition::kSent);

  ASSERT_EQ(http_.requests().size(), 1u);
  EXPECT_EQ(Sent().method, "POST");
  EXPECT_EQ(Sent().url, "https://kinesis.eu-west-1.amazonaws.com");
  EXPECT_EQ(HeaderValue(Sent(), "Host"), "kinesis.eu-west-1.amazonaws.com");
  EXPECT_EQ(HeaderValue(Sent(), "Content-Type"), "application/x-amz-cbor-1.1");
  EXPECT_EQ(HeaderValue(Sent(), "X-Amz-Target"), "Kinesis_20131202.PutRecords");
}

TEST_F(PutRecordsClientTest, PostsJsonWithItsContentTypeWhenConfigured) {
  ASSERT_EQ(SendThree(JsonConfig()).disposition, Disposition::kSent);

  EXPECT_EQ(HeaderValue(Sent(), "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(HeaderValue(Sent(), "X-Amz-Target"), "Kinesis_20131202.PutRecords");
  const std::vector<Record> records = ThreeRecords();
  EXPECT_EQ(Sent().body, SerializePutRecordsBody(Config().target, records));
}

TEST_F(PutRecordsClientTest, SendsTheSerializedRecordsAsTheBody) {
  SendThree(Config());

  const std::vector<Record> records = ThreeRecords();
  std::string expected;
  SerializePutRecordsBody(WireProtocol::kCbor, Config().target, records, expected);
  EXPECT_EQ(Sent().body, expected);
}

TEST_F(PutRecordsClientTest, SignsForKinesisInTheRegionAtTheInjectedTime) {
  SendThree(Config());

  EXPECT_EQ(HeaderValue(Sent(), "X-Amz-Date"), "20240102T030405Z");
  const std::optional<std::string> authorization = HeaderValue(Sent(), "Authorization");
  ASSERT_TRUE(authorization.has_value());
  EXPECT_EQ(
      authorization->rfind(
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/eu-west-1/kinesis/aws4_request", 0),
      0u)
      << *authorization;
  EXPECT_NE(authorization->find("Signature="), std::string::npos);
  EXPECT_EQ(authorization->find("wJalrXUtnFEMI"), std::string::npos);  // never the secret
}

TEST_F(PutRecordsClientTest, SignatureCoversExactlyTheHeadersAndBodySent) {
  SendThree(Config("session-token-value"));

  // Re-sign what went on the wire, independently: it must give the Authorization that was sent.
  aws::HttpRequestToSign wire;
  wire.method = Sent().method;
  wire.path = "/";
  for (const http::Header& header : Sent().headers) {
    if (header.name == "Authorization" || header.name == "authorization") continue;
    wire.headers.emplace_back(header.name, header.value);
  }
  wire.payload = Sent().body;
  const aws::SignatureParts parts = aws::ComputeSignature(
      wire, aws::SigningParams{.credentials = Config("session-token-value").credentials,
                               .region = "eu-west-1",
                               .service = "kinesis",
                               .time = kSigningTime});
  EXPECT_EQ(HeaderValue(Sent(), "Authorization"), parts.authorization_header);
}

TEST_F(PutRecordsClientTest, SendsTheSecurityTokenWhenTheCredentialsHaveOne) {
  SendThree(Config("session-token-value"));

  EXPECT_EQ(HeaderValue(Sent(), "X-Amz-Security-Token"), "session-token-value");
}

TEST_F(PutRecordsClientTest, SendsNoSecurityTokenForLongTermKeys) {
  SendThree(Config(""));

  EXPECT_FALSE(HeaderValue(Sent(), "X-Amz-Security-Token").has_value());
}

TEST_F(PutRecordsClientTest, UsesTheEndpointAuthorityWithItsPortAsHost) {
  KinesisClientConfig config = Config();
  config.endpoint = aws::ParseEndpointUrl("http://127.0.0.1:4567", "test").value();

  SendThree(config);

  EXPECT_EQ(Sent().url, "http://127.0.0.1:4567");
  EXPECT_EQ(HeaderValue(Sent(), "Host"), "127.0.0.1:4567");
}

TEST_F(PutRecordsClientTest, ReturnsTheClassifiedOutcomeOfTheResponse) {
  http_.Enqueue(Ok(kMiddleThrottled));
  PutRecordsClient client(Config(), http_, [] { return kSigningTime; });
  const std::vector<Record> records = ThreeRecords();

  const PutRecordsOutcome outcome = client.Send(records);

  EXPECT_EQ(outcome.disposition, Disposition::kSent);
  EXPECT_EQ(outcome.failed_indices, std::vector<size_t>{1});
}

TEST_F(PutRecordsClientTest, RetriesOnlyFailedRecordsAfterPartialFailure) {
  http_.Enqueue(Ok(kMiddleThrottled));
  http_.Enqueue(Ok(R"({"FailedRecordCount":0,"Records":[{"SequenceNumber":"4","ShardId":"s"}]})"));
  PutRecordsClient client(Config(), http_, [] { return kSigningTime; });
  const std::vector<Record> records = ThreeRecords();

  const PutRecordsOutcome first = client.Send(records);
  std::vector<Record> resend;
  for (const size_t index : first.failed_indices) resend.push_back(records[index]);
  const PutRecordsOutcome second = client.Send(resend);

  ASSERT_EQ(http_.requests().size(), 2u);
  std::string expected;
  SerializePutRecordsBody(WireProtocol::kCbor, Config().target, {&records[1], 1}, expected);
  EXPECT_EQ(http_.requests()[1].body, expected);
  EXPECT_EQ(second.disposition, Disposition::kSent);
  EXPECT_TRUE(second.failed_indices.empty());
}

TEST_F(PutRecordsClientTest, SignsEveryAttemptAtTheTimeItIsSent) {
  system_clock::time_point now = kSigningTime;
  http_.Enqueue(Ok(kThreeStored));
  http_.Enqueue(Ok(kThreeStored));
  PutRecordsClient client(Config(), http_, [&now] { return now; });
  const std::vector<Record> records = ThreeRecords();

  client.Send(records);
  now += seconds(61);
  client.Send(records);

  EXPECT_EQ(HeaderValue(http_.requests()[0], "X-Amz-Date"), "20240102T030405Z");
  EXPECT_EQ(HeaderValue(http_.requests()[1], "X-Amz-Date"), "20240102T030506Z");
}

TEST_F(PutRecordsClientTest, SendsNothingForAnEmptyBatch) {
  PutRecordsClient client(Config(), http_, [] { return kSigningTime; });

  const PutRecordsOutcome outcome = client.Send({});

  EXPECT_EQ(outcome.disposition, Disposition::kSent);
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(PutRecordsClientTest, RefusesABatchOverTheRequestLimitsWithoutSending) {
  PutRecordsClient client(Config(), http_, [] { return kSigningTime; });
  const std::vector<Record> records(501, Record{.partition_key = "k", .data = "d", .attempts = 0});

  const PutRecordsOutcome outcome = client.Send(records);

  EXPECT_EQ(outcome.disposition, Disposition::kInvalidRequest);
  EXPECT_EQ(outcome.error_code, "InvalidBatch");
  EXPECT_EQ(outcome.error_kind, ErrorKind::kInvalidInput);
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(PutRecordsClientTest, SendsARequestOver5MiBOnlyWithTheLargeRecordLimits) {
  // Three records of 2 MiB: 6 MiB, over the 1 MiB stream's 5 MiB but within 10 MiB.
  const std::vector<Record> records(
      3, Record{.partition_key = "k", .data = std::string(2 * kMiB - 1, 'd'), .attempts = 0});

  PutRecordsClient default_client(Config(), http_, [] { return kSigningTime; });
  const PutRecordsOutcome refused = default_client.Send(records);
  EXPECT_EQ(refused.disposition, Disposition::kInvalidRequest);
  EXPECT_EQ(refused.error_code, "InvalidBatch");
  EXPECT_NE(refused.error_message.find("5242880 bytes"), std::string::npos)
      << refused.error_message;
  EXPECT_TRUE(http_.requests().empty());

  KinesisClientConfig large = Config();
  large.limits = LimitsForStream(10 * kMiB);
  http_.Enqueue(Ok(kThreeStored));
  PutRecordsClient large_client(large, http_, [] { return kSigningTime; });
  EXPECT_EQ(large_client.Send(records).disposition, Disposition::kSent);
  EXPECT_EQ(http_.requests().size(), 1u);
}

TEST_F(PutRecordsClientTest, TurnsATransportFailureIntoARetryableOutcome) {
  http_.Enqueue(http::Response{
      .status = 0, .body = "", .headers = {}, .transport = {"curl error 7", ErrorKind::kConnect}});
  PutRecordsClient client(Config(), http_, [] { return kSigningTime; });
  const std::vector<Record> records = ThreeRecords();

  const PutRecordsOutcome outcome = client.Send(records);

  EXPECT_EQ(outcome.disposition, Disposition::kRetryable);
  EXPECT_EQ(outcome.error_code, "Transport");
}

TEST(KinesisClientConfigTest, AcceptsAConsistentConfig) {
  KinesisClientConfig config = Config();
  EXPECT_TRUE(ValidateKinesisClientConfig(config).ok());
}

TEST(KinesisClientConfigTest, ReportsEveryProblemAtOnce) {
  KinesisClientConfig config = Config();
  config.endpoint = {};
  config.region = "";
  config.target.stream_arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/telemetry";

  const Status status = ValidateKinesisClientConfig(config);

  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("no Kinesis endpoint"), std::string::npos);
  EXPECT_NE(status.error().message.find("region"), std::string::npos);
  EXPECT_NE(status.error().message.find("not both"), std::string::npos);
}

TEST(KinesisClientConfigTest, RejectsAnEndpointWithoutItsHostHeader) {
  KinesisClientConfig config = Config();
  config.endpoint.host_header = "";
  EXPECT_FALSE(ValidateKinesisClientConfig(config).ok());
}

}  // namespace
}  // namespace tk::kinesis
