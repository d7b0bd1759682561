// SigV4 against every case of AWS's signing test suite, plus the PutRecords hot-path behaviour.
#include "aws/sigv4.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "aws/crypto.h"

namespace tk::aws {
namespace {

namespace fs = std::filesystem;
using Headers = std::vector<std::pair<std::string, std::string>>;
using std::chrono::system_clock;

const fs::path kSuiteDir = fs::path(TK_SHARED_DIR) / "sigv4-test-suite";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// "2015-08-30T12:36:00Z" -> time_point.
system_clock::time_point ParseTimestamp(const std::string& text) {
  int year = 0;
  unsigned month = 0, day = 0;
  int hour = 0, minute = 0, second = 0;
  std::sscanf(text.c_str(), "%d-%u-%uT%d:%d:%dZ", &year, &month, &day, &hour, &minute, &second);
  using namespace std::chrono;
  return sys_days{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}} +
         hours{hour} + minutes{minute} + seconds{second};
}

struct ParsedRequest {
  std::string method, path, query, body;
  Headers headers;
};

// Parses a request.txt / header-signed-request.txt. The target may contain spaces
// ("GET /example space/ HTTP/1.1"), so it runs from the first to the last space. A header line
// starting with whitespace continues the previous value; the line break is kept so that the
// signer's whitespace folding is what gets tested.
ParsedRequest ParseRequestFile(const std::string& text) {
  ParsedRequest request;
  size_t line_end = text.find('\n');
  const std::string request_line = text.substr(0, line_end);
  const size_t first_space = request_line.find(' ');
  const size_t last_space = request_line.rfind(' ');
  request.method = request_line.substr(0, first_space);
  const std::string target = request_line.substr(first_space + 1, last_space - first_space - 1);
  const size_t question = target.find('?');
  request.path = target.substr(0, question);
  if (question != std::string::npos) request.query = target.substr(question + 1);

  size_t pos = line_end == std::string::npos ? text.size() : line_end + 1;
  while (pos < text.size()) {
    line_end = text.find('\n', pos);
    const std::string line =
        text.substr(pos, line_end == std::string::npos ? std::string::npos : line_end - pos);
    pos = line_end == std::string::npos ? text.size() : line_end + 1;
    if (line.empty()) {
      request.body = text.substr(pos);
      break;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      request.headers.back().second += "\n" + line;
      continue;
    }
    const size_t colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return request;
}

struct SuiteCase {
  std::string name;
  fs::path dir;
};

std::vector<SuiteCase> DiscoverSuiteCases() {
  std::vector<SuiteCase> cases;
  if (!fs::is_directory(kSuiteDir)) return cases;
  for (const fs::directory_entry& entry : fs::directory_iterator(kSuiteDir)) {
    if (entry.is_directory() && fs::exists(entry.path() / "context.json")) {
      cases.push_back({entry.path().filename().string(), entry.path()});
    }
  }
  std::sort(cases.begin(), cases.end(),
            [](const SuiteCase& a, const SuiteCase& b) { return a.name < b.name; });
  return cases;
}

struct SuiteContext {
  SigningParams params;
  bool sign_body = false;
  bool omit_session_token = false;
};

SuiteContext ReadContext(const fs::path& dir) {
  const nlohmann::json json = nlohmann::json::parse(ReadFile(dir / "context.json"));
  SuiteContext context;
  const nlohmann::json& credentials = json.at("credentials");
  context.params.credentials.access_key_id = credentials.at("access_key_id").get<std::string>();
  context.params.credentials.secret_access_key =
      credentials.at("secret_access_key").get<std::string>();
  context.params.credentials.session_token = credentials.value("token", std::string());
  context.params.region = json.at("region").get<std::string>();
  context.params.service = json.at("service").get<std::string>();
  context.params.time = ParseTimestamp(json.at("timestamp").get<std::string>());
  context.params.normalize_path = json.value("normalize", true);
  context.sign_body = json.value("sign_body", false);
  context.omit_session_token = json.value("omit_session_token", false);
  return context;
}

class AwsSigV4TestSuite : public testing::TestWithParam<SuiteCase> {
 protected:
  void SetUp() override {
    context_ = ReadContext(GetParam().dir);
    parsed_ = ParseRequestFile(ReadFile(GetParam().dir / "request.txt"));
    request_.method = parsed_.method;
    request_.path = parsed_.path;
    request_.query = parsed_.query;
    request_.headers = parsed_.headers;
    request_.payload = parsed_.body;
    // What the suite's signer adds for header signing with "sign_body": the payload hash header.
    if (context_.sign_body) {
      request_.headers.emplace_back("x-amz-content-sha256", Sha256Hex(parsed_.body));
    }
  }

  std::string Expected(const std::string& file) const { return ReadFile(GetParam().dir / file); }

  SuiteContext context_;
  ParsedRequest parsed_;
  HttpRequestToSign request_;
};

TEST_P(AwsSigV4TestSuite, ReproducesCanonicalRequestStringToSignAndSignature) {
  // ComputeSignature uses headers as given, so add what the signer would have added.
  request_.headers.emplace_back("X-Amz-Date", FormatAmzDate(context_.params.time));
  const std::string& token = context_.params.credentials.session_token;
  if (!token.empty() && !context_.omit_session_token) {
    request_.headers.emplace_back("X-Amz-Security-Token", token);
  }

  const SignatureParts parts = ComputeSignature(request_, context_.params);

  EXPECT_EQ(parts.canonical_request, Expected("header-canonical-request.txt"));
  EXPECT_EQ(parts.string_to_sign, Expected("header-string-to-sign.txt"));
  EXPECT_EQ(parts.signature, Expected("header-signature.txt"));
}

TEST_P(AwsSigV4TestSuite, SignRequestProducesTheExpectedSignedRequestHeaders) {
  SigningParams params = context_.params;
  // "omit_session_token": the token is sent but added after signing, so it is not signed.
  if (context_.omit_session_token) params.credentials.session_token.clear();
  SignRequest(request_, params);
  if (context_.omit_session_token) {
    request_.headers.emplace_back("X-Amz-Security-Token",
                                  context_.params.credentials.session_token);
  }

  auto normalized = [](const Headers& headers) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [name, value] : headers) out.emplace_back(Lower(name), value);
    std::sort(out.begin(), out.end());
    return out;
  };
  const ParsedRequest expected = ParseRequestFile(Expected("header-signed-request.txt"));
  EXPECT_EQ(normalized(request_.headers), normalized(expected.headers));
}

std::string CaseTestName(const testing::TestParamInfo<SuiteCase>& info) {
  std::string name = info.param.name;
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); },
      '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Vectors, AwsSigV4TestSuite, testing::ValuesIn(DiscoverSuiteCases()),
                         CaseTestName);

TEST(AwsSigV4TestSuiteDiscovery, FindsTheSuiteFoldersIncludingTheSessionTokenCase) {
  const std::vector<SuiteCase> cases = DiscoverSuiteCases();
  ASSERT_FALSE(cases.empty()) << "no cases under " << kSuiteDir;
  auto has = [&cases](const std::string& name) {
    return std::any_of(cases.begin(), cases.end(),
                       [&name](const SuiteCase& c) { return c.name == name; });
  };
  EXPECT_TRUE(has("get-vanilla"));
  EXPECT_TRUE(has("get-vanilla-with-session-token"));
  EXPECT_TRUE(has("post-sts-header-before"));
}

// --- Behaviour beyond the suite: the PutRecords hot path and edge cases. ---

SigningParams KinesisParams() {
  SigningParams params;
  params.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token"};
  params.region = "us-east-1";
  params.service = "kinesis";
  params.time = ParseTimestamp("2015-08-30T12:36:00Z");
  return params;
}

HttpRequestToSign PutRecordsRequest(std::string_view body) {
  HttpRequestToSign request;
  request.method = "POST";
  request.path = "/";
  request.headers = {{"Host", "kinesis.us-east-1.amazonaws.com"},
                     {"Content-Type", "application/x-amz-json-1.1"},
                     {"X-Amz-Target", "Kinesis_20131202.PutRecords"}};
  request.payload = body;
  return request;
}

std::string HeaderValue(const Headers& headers, std::string_view name) {
  std::string found;
  int count = 0;
  for (const auto& [key, value] : headers) {
    if (Lower(key) == Lower(std::string(name))) {
      found = value;
      ++count;
    }
  }
  EXPECT_LE(count, 1) << "header " << name << " appears " << count << " times";
  return found;
}

TEST(SigV4, FormatsAmzDateAsIso8601BasicUtcAndDropsSubseconds) {
  const auto time = ParseTimestamp("2024-02-29T23:59:58Z") + std::chrono::milliseconds(999);
  EXPECT_EQ(FormatAmzDate(time), "20240229T235958Z");
  EXPECT_EQ(FormatAmzDate(system_clock::time_point{}), "19700101T000000Z");
}

TEST(SigV4, SignsAPutRecordsRequestWithDateTokenAndPayloadHash) {
  const std::string body = R"({"StreamName":"s","Records":[{"Data":"Zm9v","PartitionKey":"k"}]})";
  HttpRequestToSign request = PutRecordsRequest(body);
  const SigningParams params = KinesisParams();

  SignRequest(request, params);

  EXPECT_EQ(HeaderValue(request.headers, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_EQ(HeaderValue(request.headers, "X-Amz-Security-Token"), "session-token");
  const std::string authorization = HeaderValue(request.headers, "Authorization");
  EXPECT_TRUE(authorization.starts_with(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, "
      "Signature="))
      << authorization;

  const SignatureParts parts = ComputeSignature(request, params);  // Authorization is skipped
  EXPECT_TRUE(parts.canonical_request.ends_with("\n" + Sha256Hex(body)));
  EXPECT_EQ(authorization, parts.authorization_header);
}

TEST(SigV4, ResigningReplacesTheSigningHeadersInsteadOfDuplicatingThem) {
  HttpRequestToSign request = PutRecordsRequest("{}");
  SigningParams params = KinesisParams();
  SignRequest(request, params);
  const std::string first = HeaderValue(request.headers, "Authorization");

  params.time += std::chrono::seconds(30);
  SignRequest(request, params);

  EXPECT_EQ(request.headers.size(), 6u);
  EXPECT_EQ(HeaderValue(request.headers, "X-Amz-Date"), "20150830T123630Z");
  EXPECT_NE(HeaderValue(request.headers, "Authorization"), first);
}

TEST(SigV4, OmitsTheSecurityTokenHeaderForLongTermCredentials) {
  HttpRequestToSign request = PutRecordsRequest("{}");
  SigningParams params = KinesisParams();
  params.credentials.session_token.clear();
  SignRequest(request, params);
  for (const auto& header : request.headers) EXPECT_NE(Lower(header.first), "x-amz-security-token");
  EXPECT_EQ(request.headers.size(), 5u);
}

TEST(SigV4, CachedSigningKeyFollowsChangesOfSecretDateRegionAndService) {
  const fs::path vanilla = kSuiteDir / "get-vanilla";
  const SuiteContext context = ReadContext(vanilla);
  const ParsedRequest parsed = ParseRequestFile(ReadFile(vanilla / "request.txt"));
  HttpRequestToSign request{parsed.method, parsed.path, parsed.query, parsed.headers, parsed.body};
  request.headers.emplace_back("X-Amz-Date", FormatAmzDate(context.params.time));
  const std::string expected = ReadFile(vanilla / "header-signature.txt");

  EXPECT_EQ(ComputeSignature(request, context.params).signature, expected);
  SigningParams other = context.params;
  other.credentials.secret_access_key = "another-secret";
  EXPECT_NE(ComputeSignature(request, other).signature, expected);
  EXPECT_EQ(ComputeSignature(request, context.params).signature, expected);
  other = context.params;
  other.region = "eu-west-1";
  EXPECT_NE(ComputeSignature(request, other).signature, expected);
  other = context.params;
  other.service = "kinesis";
  EXPECT_NE(ComputeSignature(request, other).signature, expected);
  other = context.params;
  other.time += std::chrono::hours(24);  // next day: new scope date and signing key
  const SignatureParts next_day = ComputeSignature(request, other);
  EXPECT_NE(next_day.signature, expected);
  EXPECT_NE(next_day.string_to_sign.find("20150831/us-east-1/service/aws4_request"),
            std::string::npos);
  EXPECT_EQ(ComputeSignature(request, context.params).signature, expected);
}

TEST(SigV4, TakesThePayloadHashFromXAmzContentSha256WhenPresent) {
  HttpRequestToSign request = PutRecordsRequest("ignored body");
  request.headers.emplace_back("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD");
  request.headers.emplace_back("X-Amz-Date", "20150830T123600Z");
  const SignatureParts parts = ComputeSignature(request, KinesisParams());
  EXPECT_TRUE(parts.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
}

std::string CanonicalLine(std::string_view path, std::string_view query, size_t line,
                          bool normalize = true) {
  HttpRequestToSign request;
  request.method = "GET";
  request.path = path;
  request.query = query;
  request.headers = {{"Host", "example.amazonaws.com"}};
  SigningParams params = KinesisParams();
  params.normalize_path = normalize;
  const std::string canonical = ComputeSignature(request, params).canonical_request;
  std::istringstream lines(canonical);
  std::string text;
  for (size_t i = 0; i <= line; ++i) std::getline(lines, text);
  return text;
}

TEST(SigV4, NormalizesDotSegmentsAndKeepsATrailingSlash) {
  EXPECT_EQ(CanonicalLine("/a/b/../c/./d/", "", 1), "/a/c/d/");
  EXPECT_EQ(CanonicalLine("/a/b/..", "", 1), "/a/");
  EXPECT_EQ(CanonicalLine("/../..", "", 1), "/");
  EXPECT_EQ(CanonicalLine("", "", 1), "/");
}

TEST(SigV4, EncodesAnAlreadyEncodedPathAgainAsNonS3ServicesRequire) {
  EXPECT_EQ(CanonicalLine("/foo%20bar", "", 1), "/foo%2520bar");
  EXPECT_EQ(CanonicalLine("/foo%20bar", "", 1, /*normalize=*/false), "/foo%2520bar");
}

TEST(SigV4, DecodesThenEncodesQueryParametersAndSortsByNameThenValue) {
  EXPECT_EQ(CanonicalLine("/", "b=2&a=2&a=1", 2), "a=1&a=2&b=2");
  EXPECT_EQ(CanonicalLine("/", "flag&x=a%2Fb&y=c/d", 2), "flag=&x=a%2Fb&y=c%2Fd");
  EXPECT_EQ(CanonicalLine("/", "sp=a b&plus=a+b&bad=%zz", 2), "bad=%25zz&plus=a%2Bb&sp=a%20b");
  EXPECT_EQ(CanonicalLine("/", "&&a=1&", 2), "a=1");
}

TEST(SigV4, SignsAFiveMebibytePayloadWithOneHash) {
  const std::string body(5 * 1024 * 1024, 'x');
  HttpRequestToSign request = PutRecordsRequest(body);
  SignRequest(request, KinesisParams());
  const SignatureParts parts = ComputeSignature(request, KinesisParams());
  EXPECT_TRUE(parts.canonical_request.ends_with(Sha256Hex(body)));
  EXPECT_LT(parts.canonical_request.size(), 1024u);  // the body is hashed, never copied in
}

}  // namespace
}  // namespace tk::aws
