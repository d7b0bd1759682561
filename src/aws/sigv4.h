// AWS Signature Version 4 (header form) for the PutRecords requests; pure code, time is an input.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/credentials.h"

namespace tk::aws {

struct HttpRequestToSign {
  std::string method;  // "POST"
  std::string path;    // raw path as on the request line, e.g. "/"
  std::string query;   // raw query string without '?', may be empty
  // As they will be sent; must include Host with exactly the value the transport sends.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view payload;  // not owned; must outlive the signing call
};

struct SigningParams {
  Credentials credentials;
  std::string region;   // "us-east-1"
  std::string service;  // "kinesis"
  std::chrono::system_clock::time_point time;
  // AWS normalizes the path (RFC 3986 dot segments, repeated '/') for every service but S3.
  bool normalize_path = true;
};

struct SignatureParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;             // lowercase hex
  std::string authorization_header;  // the value of the Authorization header
};

// Computes the SigV4 signature of `request` as it stands; headers are used as given, except that
// an Authorization header is never signed. The request must already carry X-Amz-Date equal to
// FormatAmzDate(params.time) and, when signing with a session token, X-Amz-Security-Token:
// SignRequest adds both. When an x-amz-content-sha256 header is present its value is taken as the
// payload hash (as S3 and AWS's test suite do), so the payload is not hashed twice. Cannot fail;
// a request without Host is signed anyway and then rejected by AWS.
SignatureParts ComputeSignature(const HttpRequestToSign& request, const SigningParams& params);

// Adds X-Amz-Date, X-Amz-Security-Token (when the credentials have one) and Authorization to
// request.headers, replacing any earlier values of those three (so a retried request can be
// re-signed with a fresh time). Cannot fail.
void SignRequest(HttpRequestToSign& request, const SigningParams& params);

// The X-Amz-Date value for `time`: ISO 8601 basic format in UTC, "20150830T123600Z".
std::string FormatAmzDate(std::chrono::system_clock::time_point time);

}  // namespace tk::aws
