// The Kinesis session's own repairs, against a scripted transport and a scripted credentials
// source: a refresh when Kinesis refuses the credentials, one re-sign with the service's clock,
// one immediate re-send on a fresh connection, and what a SnapStart restore changes.
#include "kinesis/kinesis_session.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "unit/kinesis/fake_http_client.h"

namespace tk::kinesis {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

const system_clock::time_point kNow = system_clock::time_point(seconds(1796169600));

// Hands out the sets it is given, in order (the last one again when they run out).
class ScriptedSource final : public aws::CredentialsSource {
 public:
  explicit ScriptedSource(std::vector<aws::Credentials> sets) : sets_(std::move(sets)) {}
  Result<aws::TimedCredentials> Fetch(std::chrono::milliseconds) override {
    ++(*fetches_);
    const size_t index = std::min(next_++, sets_.size() - 1);
    return aws::TimedCredentials{sets_[index], std::nullopt};
  }
  std::string Describe() const override { return "script"; }
  int* fetches_ = nullptr;

 private:
  std::vector<aws::Credentials> sets_;
  size_t next_ = 0;
};

http::Response Answer(long status, std::string body, std::vector<http::Header> headers = {}) {
  return http::Response{
      .status = status, .body = std::move(body), .headers = std::move(headers), .transport = {}};
}

http::Response StoredOne() {
  return Answer(200, R"({"FailedRecordCount":0,"Records":[{"SequenceNumber":"1","ShardId":"s"}]})");
}

http::Response ErrorAnswer(const std::string& type, const std::string& message,
                           std::vector<http::Header> headers = {}) {
  return Answer(400, R"({"__type":")" + type + R"(","message":")" + message + R"("})",
                std::move(headers));
}

std::string HeaderOf(const http::Request& request, const std::string& name) {
  for (const http::Header& header : request.headers) {
    if (header.name == name) return header.value;
  }
  return "";
}

class KinesisSessionTest : public ::testing::Test {
 protected:
  void Start(std::vector<aws::Credentials> sets) {
    auto source = std::make_unique<ScriptedSource>(std::move(sets));
    source->fetches_ = &fetches_;
    provider_ =
        std::make_unique<aws::CredentialsProvider>(std::move(source), [this] { return now_; });
    KinesisClientConfig config{
        .endpoint =
            aws::ParseEndpointUrl("https://kinesis.us-east-1.amazonaws.com", "test").value(),
        .region = "us-east-1",
        .target = {.stream_name = "telemetry", .stream_arn = ""},
        .credentials = {},
        .protocol = WireProtocol::kJson};
    session_ = std::make_unique<KinesisSession>(config, *provider_, http_, stats_,
                                                [this] { return now_; });
  }
  PutRecordsOutcome SendOne() {
    const std::vector<Record> records = {{.partition_key = "k", .data = "d", .attempts = 0}};
    return session_->Send(records, std::chrono::steady_clock::now() + seconds(5));
  }

  system_clock::time_point now_ = kNow;
  int fetches_ = 0;
  testing::FakeHttpClient http_;
  SessionStats stats_;
  std::unique_ptr<aws::CredentialsProvider> provider_;
  std::unique_ptr<KinesisSession> session_;
};

const aws::Credentials kOld{"AKIDOLD", "old-secret", "old-token"};
const aws::Credentials kNew{"AKIDNEW", "new-secret", "new-token"};

TEST_F(KinesisSessionTest, RefreshesRefusedCredentialsAndSendsAgainAtOnce) {
  Start({kOld, kNew});
  http_.Enqueue(ErrorAnswer("ExpiredTokenException",
                            "The security token included in the request is expired"));
  http_.Enqueue(StoredOne());

  const PutRecordsOutcome outcome = SendOne();

  EXPECT_EQ(outcome.disposition, Disposition::kSent);
  ASSERT_EQ(http_.requests().size(), 2u);
  EXPECT_EQ(HeaderOf(http_.requests()[0], "X-Amz-Security-Token"), "old-token");
  EXPECT_EQ(HeaderOf(http_.requests()[1], "X-Amz-Security-Token"), "new-token");
  EXPECT_EQ(stats_.credential_refreshes.load(), 1u);
}

TEST_F(KinesisSessionTest, HoldsWhenFreshCredentialsAreRefusedToo) {
  Start({kOld});  // the environment's keys: the same set again
  http_.Enqueue(ErrorAnswer("UnrecognizedClientException", "invalid token"));
  http_.Enqueue(ErrorAnswer("UnrecognizedClientException", "invalid token"));

  const PutRecordsOutcome outcome = SendOne();

  EXPECT_EQ(outcome.disposition, Disposition::kHold);
  EXPECT_EQ(outcome.error_code, "UnrecognizedClientException");
  EXPECT_EQ(http_.requests().size(), 2u);
}

TEST_F(KinesisSessionTest, ReSignsWithTheServiceClockAfterSignatureExpired) {
  Start({kOld});
  // Our clock is 10 minutes behind the service's.
  http_.Enqueue(ErrorAnswer("InvalidSignatureException",
                            "Signature expired: 20261202T000000Z is now earlier than "
                            "20261202T000500Z (20261202T001000Z - 5 min.)",
                            {{"Date", "Wed, 02 Dec 2026 00:10:00 GMT"}}));
  http_.Enqueue(StoredOne());

  const PutRecordsOutcome outcome = SendOne();

  EXPECT_EQ(outcome.disposition, Disposition::kSent);
  ASSERT_EQ(http_.requests().size(), 2u);
  EXPECT_EQ(HeaderOf(http_.requests()[0], "X-Amz-Date"), "20261202T000000Z");
  EXPECT_EQ(HeaderOf(http_.requests()[1], "X-Amz-Date"), "20261202T001000Z");
  EXPECT_EQ(stats_.clock_skew_corrections.load(), 1u);
}

TEST_F(KinesisSessionTest, ASkewErrorThatPersistsIsAnOrdinaryRetry) {
  Start({kOld});
  http_.Enqueue(ErrorAnswer("RequestExpired", "Request has expired"));  // no Date to learn from
  http_.Enqueue(ErrorAnswer("RequestExpired", "Request has expired"));
  EXPECT_EQ(SendOne().disposition, Disposition::kRetryable);
}

TEST_F(KinesisSessionTest, ResendsAtOnceOnAFreshConnectionWhenAReusedOneFails) {
  Start({kOld});
  http::Response reset{.status = 0,
                       .body = "",
                       .headers = {},
                       .transport = {"connection reset by peer", ErrorKind::kConnectionLost}};
  reset.reused_connection = true;
  http_.Enqueue(reset);
  http_.Enqueue(StoredOne());

  EXPECT_EQ(SendOne().disposition, Disposition::kSent);
  EXPECT_EQ(stats_.reconnects.load(), 1u);
  EXPECT_GE(http_.drops(), 1);
}

TEST_F(KinesisSessionTest, ResendsAtOnceWhenAReusedConnectionTimesOut) {
  Start({kOld});
  http::Response silent{
      .status = 0, .body = "", .headers = {}, .transport = {"read timeout", ErrorKind::kTimeout}};
  silent.reused_connection = true;
  http_.Enqueue(silent);
  http_.Enqueue(StoredOne());

  EXPECT_EQ(SendOne().disposition, Disposition::kSent);
  EXPECT_EQ(stats_.reconnects.load(), 1u);
}

// The decision reads the kind: an aborted client refuses every request, whatever the connection.
TEST_F(KinesisSessionTest, AnAbortedRequestOnAReusedConnectionIsNotResent) {
  Start({kOld});
  http::Response aborted{.status = 0,
                         .body = "",
                         .headers = {},
                         .transport = {"connection reset by peer", ErrorKind::kAborted}};
  aborted.reused_connection = true;
  http_.Enqueue(aborted);
  http_.Enqueue(StoredOne());

  EXPECT_EQ(SendOne().disposition, Disposition::kRetryable);
  EXPECT_EQ(http_.requests().size(), 1u);
  EXPECT_EQ(stats_.reconnects.load(), 0u);
}

TEST_F(KinesisSessionTest, AFailedFreshConnectionIsNotRetriedHere) {
  Start({kOld});
  http_.Enqueue(http::Response{.status = 0,
                               .body = "",
                               .headers = {},
                               .transport = {"could not connect", ErrorKind::kConnect}});
  EXPECT_EQ(SendOne().disposition, Disposition::kRetryable);
  EXPECT_EQ(http_.requests().size(), 1u);
  EXPECT_EQ(stats_.reconnects.load(), 0u);
}

TEST_F(KinesisSessionTest, ARestoreDropsTheConnectionAndFetchesNewCredentials) {
  Start({kOld, kNew});
  http_.Enqueue(StoredOne());
  http_.Enqueue(StoredOne());
  SendOne();
  const int drops_before = http_.drops();

  session_->OnRestore();
  SendOne();

  EXPECT_EQ(http_.drops(), drops_before + 1);
  EXPECT_EQ(fetches_, 2);
  EXPECT_EQ(HeaderOf(http_.requests()[1], "X-Amz-Security-Token"), "new-token");
}

TEST_F(KinesisSessionTest, AConnectionIdleForAMinuteIsReplaced) {
  Start({kOld});
  http_.Enqueue(StoredOne());
  http_.Enqueue(StoredOne());
  http_.Enqueue(StoredOne());
  SendOne();
  const int drops_after_first = http_.drops();
  now_ += seconds(5);
  SendOne();
  EXPECT_EQ(http_.drops(), drops_after_first);
  now_ += kMaxConnectionIdle;
  SendOne();
  EXPECT_EQ(http_.drops(), drops_after_first + 1);
}

}  // namespace
}  // namespace tk::kinesis
