// Sends one batch as a signed PutRecords request and classifies the answer: serialize, sign with
// SigV4, send through the HttpClient seam. No retries and no logging here; the sender does both.
#pragma once

#include <chrono>
#include <functional>
#include <span>
#include <string>

#include "aws/credentials.h"
#include "aws/endpoint.h"
#include "common/result.h"
#include "http/http_client.h"
#include "kinesis/limits.h"
#include "kinesis/put_records_request.h"
#include "kinesis/put_records_response.h"
#include "kinesis/record.h"
#include "kinesis/wire_protocol.h"

namespace tk::kinesis {

// The exact X-Amz-Target of PutRecords (API version 2013-12-02; the same for JSON and CBOR, whose
// Content-Types are in wire_protocol.h) and the SigV4 signing name of Kinesis.
inline constexpr std::string_view kPutRecordsTarget = "Kinesis_20131202.PutRecords";
inline constexpr std::string_view kKinesisSigningName = "kinesis";

struct KinesisClientConfig {
  // Where to POST: the URL the transport connects to, the Host header and path that are signed
  // (all from the one parse of the URL, so they cannot disagree).
  aws::Endpoint endpoint;
  std::string region;  // signing region
  StreamTarget target;
  aws::Credentials credentials;  // the set to sign with until SetCredentials() replaces it
  WireProtocol protocol = WireProtocol::kCbor;  // how request bodies are encoded
  Limits limits = {};  // the stream's record and request size limits (kinesis/limits.h)
};

// Checks everything the client relies on, reporting every problem at once: there is an endpoint
// (a URL, a Host header and a path), the region is set, and the stream target has exactly one of
// name or ARN. Credentials are checked where
// they are read (aws::CredentialsProvider).
Status ValidateKinesisClientConfig(const KinesisClientConfig& config);

class PutRecordsClient {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // `http` must outlive the client. `now` is the signing clock (injected for tests). The
  // config should have passed ValidateKinesisClientConfig.
  PutRecordsClient(KinesisClientConfig config, http::HttpClient& http,
                   Clock now = &std::chrono::system_clock::now);

  // Sends `records` (within the request limits, as a PutRecordsBatch guarantees) as one
  // PutRecords request, signed at now(), and classifies the response. An empty span sends
  // nothing and is kSent; a span over the request limits (500 records, config.limits'
  // max_request_bytes) is kInvalidRequest "InvalidBatch" (sending it
  // would be a ValidationException). Blocking; one call at a time.
  // `timeout` bounds the whole HTTP exchange (zero: the transport's default); the sender uses it
  // to keep a shutdown drain inside Lambda's deadline.
  PutRecordsOutcome Send(std::span<const Record> records,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds::zero());

  // The credentials to sign the next requests with (the Kinesis session refreshes them).
  void SetCredentials(const aws::Credentials& credentials);
  // Added to now() when signing: the service's clock minus ours, learnt from a clock-skew error.
  void SetClockOffset(std::chrono::seconds offset) { clock_offset_ = offset; }

 private:
  // `body` is the buffer the body is written into (its capacity is reused).
  http::Request BuildSignedRequest(std::span<const Record> records, std::string body) const;

  KinesisClientConfig config_;
  // The previous request's body buffer, kept for the next one (see kMaxKeptBodyBytes).
  std::string body_buffer_;
  http::HttpClient& http_;
  Clock now_;
  std::chrono::seconds clock_offset_{0};
};

}  // namespace tk::kinesis
