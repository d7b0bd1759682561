// The error table, one test per row: each row's expected action is written here independently of
// src/kinesis/error_classification.cpp, with the source that says so.
#include "kinesis/error_classification.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace tk::kinesis {
namespace {

struct Expected {
  const char* type;
  Disposition action;
  const char* source;
};

using enum Disposition;

// [sdk-js] = AWS SDK for JavaScript v3, @smithy/service-error-classification constants.ts;
// [common] = Kinesis API Reference, Common Errors; [put-records] = Kinesis API Reference,
// PutRecords, Errors.
const std::vector<Expected>& ExpectedRows() {
  static const std::vector<Expected> rows = {
      {"ProvisionedThroughputExceededException", kRetryable, "[put-records] [sdk-js] throttling"},
      {"KMSThrottlingException", kRetryable, "[put-records]"},
      {"LimitExceededException", kRetryable, "[sdk-js] THROTTLING_ERROR_CODES"},
      {"ThrottlingException", kRetryable, "[common], [sdk-js] THROTTLING_ERROR_CODES"},
      {"Throttling", kRetryable, "[sdk-js] THROTTLING_ERROR_CODES"},
      {"ThrottledException", kRetryable, "[sdk-js] THROTTLING_ERROR_CODES"},
      {"TooManyRequestsException", kRetryable, "[sdk-js] THROTTLING_ERROR_CODES"},
      {"RequestThrottled", kRetryable, "[sdk-js] THROTTLING_ERROR_CODES"},
      {"RequestThrottledException", kRetryable, "[sdk-js] THROTTLING_ERROR_CODES"},
      {"RequestLimitExceeded", kRetryable, "[sdk-js] THROTTLING_ERROR_CODES"},
      {"BandwidthLimitExceeded", kRetryable, "[sdk-js] THROTTLING_ERROR_CODES"},
      {"SlowDown", kRetryable, "[sdk-js] THROTTLING_ERROR_CODES"},
      {"PriorRequestNotComplete", kRetryable, "[sdk-js] THROTTLING_ERROR_CODES"},
      {"InternalFailure", kRetryable, "[common] 500"},
      {"InternalFailureException", kRetryable, "[put-records]"},
      {"InternalServerError", kRetryable, "[common] 500"},
      {"ServiceUnavailable", kRetryable, "[common] 503"},
      {"ServiceUnavailableException", kRetryable, "[common] 503"},
      {"RequestTimeout", kRetryable, "[sdk-js] TRANSIENT_ERROR_CODES"},
      {"RequestTimeoutException", kRetryable, "[common] 408, [sdk-js] TRANSIENT_ERROR_CODES"},
      {"TimeoutError", kRetryable, "[sdk-js] TRANSIENT_ERROR_CODES"},
      {"RequestAbortedException", kRetryable, "[common] 400: the request was aborted"},
      {"RequestExpired", kCorrectClockSkew, "[common], [sdk-js] CLOCK_SKEW_ERROR_CODES"},
      {"RequestTimeTooSkewed", kCorrectClockSkew, "[sdk-js] CLOCK_SKEW_ERROR_CODES"},
      {"RequestInTheFuture", kCorrectClockSkew, "[sdk-js] CLOCK_SKEW_ERROR_CODES"},
      {"InvalidSignatureException", kHold, "[common]; skew only by its message (own test)"},
      {"SignatureDoesNotMatch", kHold, "[common]; skew only by its message (own test)"},
      {"ExpiredTokenException", kRefreshCredentials, "[common] 403: the token expired"},
      {"ExpiredToken", kRefreshCredentials, "AWS STS: the token expired"},
      {"UnrecognizedClientException", kRefreshCredentials, "[common] 403: unknown key/token"},
      {"InvalidClientTokenId", kRefreshCredentials, "[common] 403: unknown key"},
      {"AccessDeniedException", kHold, "[put-records]: missing kinesis:PutRecords"},
      {"NotAuthorized", kHold, "[common]"},
      {"ResourceNotFoundException", kHold, "[put-records]: no such stream (yet)"},
      {"KMSAccessDeniedException", kHold, "[put-records]: missing kms:GenerateDataKey"},
      {"KMSDisabledException", kHold, "[put-records]"},
      {"KMSInvalidStateException", kHold, "[put-records]"},
      {"KMSNotFoundException", kHold, "[put-records]"},
      {"KMSOptInRequired", kHold, "[put-records]"},
      {"OptInRequired", kHold, "[common] 403"},
      {"IncompleteSignature", kHold, "[common] 400"},
      {"MissingAuthenticationToken", kHold, "[common] 403"},
      {"ValidationException", kInvalidRequest, "[common] 400"},
      {"ValidationError", kInvalidRequest, "[common] 400"},
      {"InvalidArgumentException", kInvalidRequest, "[put-records]: a parameter over its limit"},
      {"SerializationException", kInvalidRequest, "AWS JSON protocol: unreadable body"},
      {"RequestEntityTooLargeException", kInvalidRequest, "[common] 413"},
  };
  return rows;
}

class ErrorRowTest : public ::testing::TestWithParam<Expected> {};

TEST_P(ErrorRowTest, ActsAsItsSourceSays) {
  const Expected& row = GetParam();
  const ErrorRule* rule = FindErrorRule(row.type);
  ASSERT_NE(rule, nullptr) << row.type << " is missing from the table (" << row.source << ")";
  EXPECT_EQ(rule->action, row.action) << row.type << ": " << row.source;
  EXPECT_FALSE(rule->source.empty()) << row.type;
  EXPECT_EQ(ClassifyError(400, row.type, "some message"), row.action) << row.source;
  if (row.action == kHold) {
    EXPECT_FALSE(rule->fix.empty()) << row.type << " names no fix";
  }
}

INSTANTIATE_TEST_SUITE_P(EveryRow, ErrorRowTest, ::testing::ValuesIn(ExpectedRows()),
                         [](const ::testing::TestParamInfo<Expected>& param_info) {
                           return std::string(param_info.param.type);
                         });

TEST(ErrorClassification, EveryTableRowHasAnExpectation) {
  std::set<std::string> expected;
  for (const Expected& row : ExpectedRows()) expected.insert(row.type);
  for (const ErrorRule& rule : ErrorRules()) {
    EXPECT_TRUE(expected.contains(std::string(rule.type))) << rule.type << " is untested";
  }
}

// Kinesis's own wording for a request signed more than 5 minutes off.
TEST(ErrorClassification, SignatureExpiredIsClockSkew) {
  EXPECT_EQ(ClassifyError(400, "InvalidSignatureException",
                          "Signature expired: 20261202T000000Z is now earlier than "
                          "20261202T001000Z (20261202T001500Z - 5 min.)"),
            kCorrectClockSkew);
  EXPECT_EQ(ClassifyError(400, "InvalidSignatureException",
                          "Signature not yet current: 20261202T003000Z is still later than "
                          "20261202T002000Z (20261202T001500Z + 5 min.)"),
            kCorrectClockSkew);
  EXPECT_EQ(ClassifyError(400, "InvalidSignatureException",
                          "The request signature we calculated does not match the signature you "
                          "provided."),
            kHold);
}

struct StatusRow {
  long status;
  Disposition action;
  const char* source;
};

class StatusRowTest : public ::testing::TestWithParam<StatusRow> {};

TEST_P(StatusRowTest, AnAnswerWithoutAKnownTypeDecidesByStatus) {
  const StatusRow& row = GetParam();
  EXPECT_EQ(ClassifyError(row.status, "", ""), row.action) << row.status << ": " << row.source;
  EXPECT_EQ(ClassifyError(row.status, "SomeNewErrorType", ""), row.action) << row.status;
}

INSTANTIATE_TEST_SUITE_P(
    EveryStatus, StatusRowTest,
    ::testing::Values(StatusRow{408, kRetryable, "[common] RequestTimeoutException is 408"},
                      StatusRow{429, kRetryable, "HTTP 429 Too Many Requests: throttling"},
                      StatusRow{500, kRetryable, "[sdk-js] TRANSIENT_ERROR_STATUS_CODES"},
                      StatusRow{502, kRetryable, "[sdk-js] TRANSIENT_ERROR_STATUS_CODES"},
                      StatusRow{503, kRetryable, "[sdk-js] TRANSIENT_ERROR_STATUS_CODES"},
                      StatusRow{504, kRetryable, "[sdk-js] TRANSIENT_ERROR_STATUS_CODES"},
                      StatusRow{413, kInvalidRequest, "[common] RequestEntityTooLarge is 413"},
                      StatusRow{400, kHold, "unknown 4xx: held, nothing lost (issue 13)"},
                      StatusRow{403, kHold, "unknown 4xx: held, nothing lost (issue 13)"},
                      StatusRow{404, kHold, "unknown 4xx: held, nothing lost (issue 13)"},
                      StatusRow{302, kHold, "a redirect: a wrong endpoint, held"}),
    [](const ::testing::TestParamInfo<StatusRow>& param_info) {
      return "Http" + std::to_string(param_info.param.status);
    });

}  // namespace
}  // namespace tk::kinesis
