// Tests the PutRecords response classifier: one fixture per response shape, table-driven.
#include "kinesis/put_records_response.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tk::kinesis {
namespace {

constexpr const char* kAllSuccess = R"({
  "FailedRecordCount": 0,
  "Records": [
    {"SequenceNumber": "49543463076548007577105092703039560359975228518395019266",
     "ShardId": "shardId-000000000000"},
    {"SequenceNumber": "49543463076570308322303623326179887152428262250726293522",
     "ShardId": "shardId-000000000001"},
    {"SequenceNumber": "49543463076548007577105092703039560359975228518395019267",
     "ShardId": "shardId-000000000000"}
  ],
  "EncryptionType": "NONE"
})";

constexpr const char* kPartialFailure = R"({
  "FailedRecordCount": 3,
  "Records": [
    {"SequenceNumber": "49543463076548007577105092703039560359975228518395019266",
     "ShardId": "shardId-000000000000"},
    {"ErrorCode": "ProvisionedThroughputExceededException",
     "ErrorMessage": "Rate exceeded for shard shardId-000000000001 in stream telemetry under account 123456789012."},
    {"SequenceNumber": "49543463076570308322303623326179887152428262250726293588",
     "ShardId": "shardId-000000000001"},
    {"ErrorCode": "InternalFailure", "ErrorMessage": "Internal service failure."},
    {"ErrorCode": "ProvisionedThroughputExceededException",
     "ErrorMessage": "Rate exceeded for shard shardId-000000000001 in stream telemetry under account 123456789012."}
  ]
})";

http::Response Http(long status, std::string body) {
  return http::Response{.status = status, .body = std::move(body), .headers = {}, .transport = {}};
}

std::string ErrorBody(const std::string& type, const std::string& message) {
  return R"({"__type":")" + type + R"(","message":")" + message + R"("})";
}

struct Shape {
  const char* name;
  http::Response response;
  size_t records_sent;
  Disposition disposition;
  std::string error_code;
  std::vector<size_t> failed_indices;
};

// One row per response shape the service (or the network) can produce.
std::vector<Shape> Shapes() {
  return {
      {"AllSuccess", Http(200, kAllSuccess), 3, Disposition::kSent, "", {}},
      {"PartialFailureWithMixedErrorCodes",
       Http(200, kPartialFailure),
       5,
       Disposition::kSent,
       "",
       {1, 3, 4}},
      {"Throttling400",
       Http(400, ErrorBody("ProvisionedThroughputExceededException", "Rate exceeded")),
       3,
       Disposition::kRetryable,
       "ProvisionedThroughputExceededException",
       {}},
      {"PrefixedThrottling400",
       Http(400, ErrorBody("com.amazonaws.kinesis.v20131202#ThrottlingException", "Slow down")),
       3,
       Disposition::kRetryable,
       "ThrottlingException",
       {}},
      {"KmsThrottling400",
       Http(400, ErrorBody("KMSThrottlingException", "KMS throttled")),
       3,
       Disposition::kRetryable,
       "KMSThrottlingException",
       {}},
      {"LimitExceeded400",
       Http(400, ErrorBody("LimitExceededException", "Too many")),
       3,
       Disposition::kRetryable,
       "LimitExceededException",
       {}},
      {"RequestExpired400",
       Http(400, ErrorBody("RequestExpired", "Request has expired")),
       3,
       Disposition::kCorrectClockSkew,
       "RequestExpired",
       {}},
      {"ResourceNotFound400",
       Http(400, ErrorBody("ResourceNotFoundException",
                           "Stream telemetry under account 123456789012 not found.")),
       3,
       Disposition::kHold,
       "ResourceNotFoundException",
       {}},
      {"AccessDenied400",
       Http(400, ErrorBody("AccessDeniedException",
                           "User is not authorized to perform: kinesis:PutRecords")),
       3,
       Disposition::kHold,
       "AccessDeniedException",
       {}},
      {"Validation400",
       Http(400, ErrorBody("ValidationException", "1 validation error detected")),
       3,
       Disposition::kInvalidRequest,
       "ValidationException",
       {}},
      {"InvalidArgument400",
       Http(400, ErrorBody("InvalidArgumentException", "bad")),
       3,
       Disposition::kInvalidRequest,
       "InvalidArgumentException",
       {}},
      {"KmsAccessDenied400",
       Http(400, ErrorBody("KMSAccessDeniedException", "no key access")),
       3,
       Disposition::kHold,
       "KMSAccessDeniedException",
       {}},
      {"KmsDisabled400",
       Http(400, ErrorBody("KMSDisabledException", "disabled")),
       3,
       Disposition::kHold,
       "KMSDisabledException",
       {}},
      {"UnrecognizedClient400",
       Http(400, ErrorBody("UnrecognizedClientException",
                           "The security token included in the request is invalid.")),
       3,
       Disposition::kRefreshCredentials,
       "UnrecognizedClientException",
       {}},
      {"ExpiredToken403",
       Http(403, ErrorBody("ExpiredTokenException", "expired")),
       3,
       Disposition::kRefreshCredentials,
       "ExpiredTokenException",
       {}},
      {"InvalidSignature403",
       Http(403, ErrorBody("InvalidSignatureException", "mismatch")),
       3,
       Disposition::kHold,
       "InvalidSignatureException",
       {}},
      {"TooLarge413WithoutBody", Http(413, ""), 3, Disposition::kInvalidRequest, "HttpStatus", {}},
      {"TooManyRequests429WithoutBody",
       Http(429, ""),
       3,
       Disposition::kRetryable,
       "HttpStatus",
       {}},
      {"InternalFailure500",
       Http(500, ErrorBody("InternalFailure", "Internal service failure")),
       3,
       Disposition::kRetryable,
       "InternalFailure",
       {}},
      {"ServiceUnavailable503Html",
       Http(503, "<html><body>Service Unavailable</body></html>"),
       3,
       Disposition::kRetryable,
       "HttpStatus",
       {}},
      {"ServiceUnavailable503Json",
       Http(503, ErrorBody("ServiceUnavailable", "try later")),
       3,
       Disposition::kRetryable,
       "ServiceUnavailable",
       {}},
      {"TransportError",
       http::Response{.status = 0,
                      .body = "",
                      .headers = {},
                      .transport = {"curl error 7 (Couldn't connect)", ErrorKind::kConnect}},
       3,
       Disposition::kRetryable,
       "Transport",
       {}},
      {"Malformed200NotJson",
       Http(200, "<html>oops"),
       3,
       Disposition::kRetryable,
       "MalformedResponse",
       {}},
      {"Malformed200TruncatedJson",
       Http(200, std::string(kAllSuccess).substr(0, 80)),
       3,
       Disposition::kRetryable,
       "MalformedResponse",
       {}},
      {"Malformed200WithoutRecords",
       Http(200, R"({"FailedRecordCount":0})"),
       3,
       Disposition::kRetryable,
       "MalformedResponse",
       {}},
      {"Malformed200WithFewerResultsThanRecords",
       Http(200, kAllSuccess),
       4,
       Disposition::kRetryable,
       "MalformedResponse",
       {}},
      {"Redirect302", Http(302, ""), 3, Disposition::kHold, "HttpStatus", {}},
  };
}

class ResponseShapeTest : public ::testing::TestWithParam<Shape> {};

TEST_P(ResponseShapeTest, ClassifiesTheShape) {
  const Shape& shape = GetParam();

  const PutRecordsOutcome outcome = ClassifyPutRecordsResponse(shape.response, shape.records_sent);

  EXPECT_EQ(outcome.disposition, shape.disposition);
  EXPECT_EQ(outcome.error_code, shape.error_code);
  EXPECT_EQ(outcome.failed_indices, shape.failed_indices);
  if (shape.disposition != Disposition::kSent) {
    EXPECT_FALSE(outcome.error_message.empty());
    EXPECT_TRUE(outcome.failed_by_code.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(EveryShape, ResponseShapeTest, ::testing::ValuesIn(Shapes()),
                         [](const ::testing::TestParamInfo<Shape>& param_info) {
                           return std::string(param_info.param.name);
                         });

TEST(PutRecordsResponseTest, CountsPartialFailuresByErrorCode) {
  const PutRecordsOutcome outcome = ClassifyPutRecordsResponse(Http(200, kPartialFailure), 5);

  ASSERT_EQ(outcome.disposition, Disposition::kSent);
  EXPECT_EQ(outcome.failed_by_code.size(), 2u);
  EXPECT_EQ(outcome.failed_by_code.at("ProvisionedThroughputExceededException"), 2u);
  EXPECT_EQ(outcome.failed_by_code.at("InternalFailure"), 1u);
}

TEST(PutRecordsResponseTest, ReportsNoFailuresWhenEveryRecordWasStored) {
  const PutRecordsOutcome outcome = ClassifyPutRecordsResponse(Http(200, kAllSuccess), 3);

  EXPECT_EQ(outcome.disposition, Disposition::kSent);
  EXPECT_TRUE(outcome.failed_indices.empty());
  EXPECT_TRUE(outcome.failed_by_code.empty());
  EXPECT_TRUE(outcome.error_code.empty());
}

TEST(PutRecordsResponseTest, KeepsTheServiceMessageAndStatusForWholeRequestErrors) {
  const PutRecordsOutcome outcome = ClassifyPutRecordsResponse(
      Http(400, ErrorBody("ResourceNotFoundException", "Stream telemetry not found.")), 1);

  EXPECT_EQ(outcome.error_message, "HTTP 400: Stream telemetry not found.");
}

TEST(PutRecordsResponseTest, ReadsACapitalisedMessageField) {
  const PutRecordsOutcome outcome = ClassifyPutRecordsResponse(
      Http(400, R"({"__type":"AccessDeniedException","Message":"denied"})"), 1);

  EXPECT_EQ(outcome.error_code, "AccessDeniedException");
  EXPECT_EQ(outcome.error_message, "HTTP 400: denied");
}

TEST(PutRecordsResponseTest, PassesTheTransportErrorThrough) {
  const PutRecordsOutcome outcome = ClassifyPutRecordsResponse(
      http::Response{.status = 0,
                     .body = "",
                     .headers = {},
                     .transport = {"curl error 28 (Timeout)", ErrorKind::kTimeout}},
      2);

  EXPECT_EQ(outcome.error_message, "curl error 28 (Timeout)");
  EXPECT_EQ(outcome.error_kind, ErrorKind::kTimeout) << "as the HTTP client classified it";
}

TEST(PutRecordsResponseTest, AnAnswerOfTheServiceHasNoTransportKind) {
  EXPECT_EQ(ClassifyPutRecordsResponse(Http(500, ""), 1).error_kind, ErrorKind::kFailed);
  EXPECT_EQ(ClassifyPutRecordsResponse(Http(200, kAllSuccess), 3).error_kind, ErrorKind::kFailed);
}

TEST(PutRecordsResponseTest, SaysWhyAMalformed200IsRetried) {
  const PutRecordsOutcome outcome = ClassifyPutRecordsResponse(Http(200, kAllSuccess), 4);

  EXPECT_EQ(outcome.error_message, "HTTP 200 has 3 results for 4 records sent");
}

TEST(PutRecordsResponseTest, ReadsTheErrorTypeFromTheHeaderFirst) {
  http::Response response = Http(400, ErrorBody("SomethingElse", "refused"));
  response.headers.push_back(
      {"x-amzn-ErrorType",
       "ExpiredTokenException:http://internal.amazon.com/coral/com.amazon.coral.service/"});
  const PutRecordsOutcome outcome = ClassifyPutRecordsResponse(response, 1);
  EXPECT_EQ(outcome.error_code, "ExpiredTokenException");
  EXPECT_EQ(outcome.disposition, Disposition::kRefreshCredentials);
}

TEST(PutRecordsResponseTest, ReadsTheErrorTypeWhenOnlyTheHeaderHasIt) {
  http::Response response = Http(400, "");
  response.headers.push_back({"X-Amzn-ErrorType", "ThrottlingException"});
  const PutRecordsOutcome outcome = ClassifyPutRecordsResponse(response, 1);
  EXPECT_EQ(outcome.error_code, "ThrottlingException");
  EXPECT_EQ(outcome.disposition, Disposition::kRetryable);
}

TEST(PutRecordsResponseTest, StripsTheNamespaceOfABodyType) {
  EXPECT_EQ(ClassifyPutRecordsResponse(
                Http(400, ErrorBody("com.amazon.coral.service#AccessDeniedException", "x")), 1)
                .error_code,
            "AccessDeniedException");
  EXPECT_EQ(ClassifyPutRecordsResponse(Http(400, R"({"code":"SlowDown"})"), 1).error_code,
            "SlowDown");
}

TEST(PutRecordsResponseTest, ASignatureExpiredAnswerCarriesTheServiceClock) {
  http::Response response =
      Http(400, ErrorBody("InvalidSignatureException",
                          "Signature expired: 20261202T000000Z is now earlier than "
                          "20261202T010000Z (20261202T010500Z - 5 min.)"));
  response.headers.push_back({"Date", "Wed, 02 Dec 2026 01:05:00 GMT"});
  const PutRecordsOutcome outcome = ClassifyPutRecordsResponse(response, 1);
  EXPECT_EQ(outcome.disposition, Disposition::kCorrectClockSkew);
  EXPECT_EQ(outcome.server_time, 1796173500);  // date -u -d '2026-12-02 01:05:00' +%s
}

TEST(PutRecordsResponseTest, MarksATransportErrorOnAReusedConnection) {
  http::Response response{
      .status = 0, .body = "", .headers = {}, .transport = {"reset", ErrorKind::kConnectionLost}};
  response.reused_connection = true;
  EXPECT_TRUE(ClassifyPutRecordsResponse(response, 1).on_reused_connection);
}

}  // namespace
}  // namespace tk::kinesis
