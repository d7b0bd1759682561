// Sends one batch as a signed PutRecords request and classifies the answer: serialize, sign with
// SigV4, send through the HttpClient seam. No retries and no logging here; the sender does both.
#include "kinesis/put_records_client.h"

#include <algorithm>

#include <utility>

#include "aws/endpoint.h"
#include "aws/sigv4.h"
#include "common/text.h"
#include "kinesis/limits.h"

namespace tk::kinesis {
namespace {

// A body buffer up to this size is kept between requests (a request of 500 records of a few
// hundred bytes is ~0.3 MB); a larger one, from a request of big records, is given back so the
// extension does not hold several MB for the rest of its life.
constexpr size_t kMaxKeptBodyBytes = size_t{1} << 20;

size_t TotalBytes(std::span<const Record> records) {
  size_t bytes = 0;
  for (const Record& record : records) bytes += record.Size();
  return bytes;
}

}  // namespace

Status ValidateKinesisClientConfig(const KinesisClientConfig& config) {
  std::vector<std::string> problems;
  const auto add = [&problems](std::string problem) { problems.push_back(std::move(problem)); };
  const aws::Endpoint& endpoint = config.endpoint;
  if (endpoint.url.empty() || endpoint.host_header.empty() || !endpoint.path.starts_with('/')) {
    add("no Kinesis endpoint (URL, Host header and path; aws::ParseEndpointUrl makes one)");
  }
  if (config.region.empty()) add("signing region is empty");
  if (const Status target = ValidateStreamTarget(config.target); !target.ok()) {
    add(target.error().message);
  }
  if (problems.empty()) return Status::Ok();
  return Error{Join(problems, "; ")};
}

PutRecordsClient::PutRecordsClient(KinesisClientConfig config, http::HttpClient& http, Clock now)
    : config_(std::move(config)), http_(http), now_(std::move(now)) {}

http::Request PutRecordsClient::BuildSignedRequest(std::span<const Record> records,
                                                   std::string body) const {
  http::Request request;
  request.url = config_.endpoint.url;
  request.method = "POST";
  request.body = std::move(body);
  SerializePutRecordsBody(config_.protocol, config_.target, records, request.body);

  aws::HttpRequestToSign to_sign;
  to_sign.method = request.method;
  to_sign.path = config_.endpoint.path;
  to_sign.headers = {{"host", config_.endpoint.host_header},
                     {"content-type", std::string(ContentType(config_.protocol))},
                     {"x-amz-target", std::string(kPutRecordsTarget)}};
  to_sign.payload = request.body;  // a view: request.body is not moved until after signing
  aws::SignRequest(to_sign, aws::SigningParams{.credentials = config_.credentials,
                                               .region = config_.region,
                                               .service = std::string(kKinesisSigningName),
                                               .time = now_() + clock_offset_});
  request.headers.reserve(to_sign.headers.size());
  for (auto& [name, value] : to_sign.headers) {
    request.headers.push_back({std::move(name), std::move(value)});
  }
  return request;
}

void PutRecordsClient::SetCredentials(const aws::Credentials& credentials) {
  // Compared first: the same set is handed in before every request.
  if (credentials.access_key_id == config_.credentials.access_key_id &&
      credentials.session_token == config_.credentials.session_token &&
      credentials.secret_access_key == config_.credentials.secret_access_key) {
    return;
  }
  config_.credentials = credentials;
}

PutRecordsOutcome PutRecordsClient::Send(std::span<const Record> records,
                                         std::chrono::milliseconds timeout) {
  PutRecordsOutcome outcome;
  if (records.empty()) {
    outcome.disposition = Disposition::kSent;
    return outcome;
  }
  const size_t max_request_bytes = config_.limits.max_request_bytes;
  if (records.size() > kMaxRecordsPerRequest || TotalBytes(records) > max_request_bytes) {
    outcome.disposition = Disposition::kInvalidRequest;
    outcome.error_code = "InvalidBatch";
    outcome.error_kind = ErrorKind::kInvalidInput;
    outcome.error_message =
        std::to_string(records.size()) + " records, " + std::to_string(TotalBytes(records)) +
        " bytes: over the PutRecords request limits (" + std::to_string(kMaxRecordsPerRequest) +
        " records, " + std::to_string(max_request_bytes) + " bytes)";
    return outcome;
  }
  http::Request request = BuildSignedRequest(records, std::move(body_buffer_));
  // At least 1 ms: zero would mean "the transport's default", not "already late".
  if (timeout > std::chrono::milliseconds::zero())
    request.timeout_ms = std::max<long>(timeout.count(), 1);
  const http::Response response = http_.Send(request);
  if (request.body.capacity() <= kMaxKeptBodyBytes) body_buffer_ = std::move(request.body);
  return ClassifyPutRecordsResponse(response, records.size());
}

}  // namespace tk::kinesis
