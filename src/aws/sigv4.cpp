// SigV4 canonical request, string to sign and signature, with a per-day signing-key cache.
//
// Rules follow the AWS SigV4 specification for non-S3 services and are pinned by AWS's signing
// test suite (../shared/sigv4-test-suite, run by tests/unit/aws/sigv4_test.cpp).
#include "aws/sigv4.h"
#include "common/ascii.h"

#include <algorithm>

#include "aws/crypto.h"

namespace tk::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kScopeTerminator = "aws4_request";
// The signing key chain starts from "AWS4" + secret (SigV4 specification).
constexpr std::string_view kSecretKeyPrefix = "AWS4";

constexpr std::string_view kDateHeader = "X-Amz-Date";
constexpr std::string_view kSecurityTokenHeader = "X-Amz-Security-Token";
constexpr std::string_view kAuthorizationHeader = "Authorization";
constexpr std::string_view kContentSha256HeaderLower = "x-amz-content-sha256";
constexpr std::string_view kAuthorizationHeaderLower = "authorization";

// "YYYYMMDD" prefix of the X-Amz-Date value is the credential scope date.
constexpr size_t kScopeDateChars = 8;
// "YYYYMMDDTHHMMSSZ".
constexpr size_t kAmzDateChars = 16;

// Widest field of an X-Amz-Date value: the year.
constexpr size_t kMaxDateFieldDigits = 4;

// Appends `value` as exactly `width` (<= kMaxDateFieldDigits) zero-padded decimal digits; higher
// digits are dropped, which only matters for years past 9999.
void AppendDigits(std::string& out, unsigned value, size_t width) {
  char digits[kMaxDateFieldDigits];
  width = std::min(width, kMaxDateFieldDigits);
  for (size_t i = width; i > 0; --i) {
    digits[i - 1] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(digits, width);
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// Appends `text` percent-encoded as SigV4 requires: every byte except RFC 3986 unreserved
// characters (and '/' when `keep_slash`) becomes %XX with uppercase hex.
void AppendUriEncoded(std::string& out, std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Undoes %XX escapes; a '%' not followed by two hex digits stays literal (and is then encoded
// as %25), which is what AWS's signers do with such input. '+' is not a space in SigV4.
std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

// Canonical URI. The path is encoded once more even though it is already encoded on the request
// line: that is AWS's "encode twice" rule for every service except S3. With `normalize`, dot
// segments and empty segments are removed first (RFC 3986 section 5.2.4, plus '//' folding).
void AppendCanonicalUri(std::string& out, std::string_view path, bool normalize) {
  if (path.empty()) {
    out += '/';
    return;
  }
  if (!normalize) {
    AppendUriEncoded(out, path, /*keep_slash=*/true);
    return;
  }
  std::vector<std::string_view> segments;
  bool ends_in_directory = false;  // "/a/", "/a/." and "/a/.." all name a directory
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view segment = path.substr(start, slash - start);
    const bool last = slash == path.size();
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    if (last) ends_in_directory = segment.empty() || segment == "." || segment == "..";
    start = slash + 1;
  }
  out += '/';
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out += '/';
    AppendUriEncoded(out, segments[i], /*keep_slash=*/false);
  }
  if (ends_in_directory && !segments.empty()) out += '/';
}

// Canonical query: every parameter decoded then re-encoded (so already-encoded and raw input give
// the same result), sorted by encoded name then value, a missing '=' read as an empty value.
void AppendCanonicalQuery(std::string& out, std::string_view query) {
  if (query.empty()) return;
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view piece = query.substr(start, amp - start);
    start = amp + 1;
    if (piece.empty()) continue;
    const size_t eq = piece.find('=');
    const std::string_view name = piece.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    std::pair<std::string, std::string> encoded;
    AppendUriEncoded(encoded.first, PercentDecode(name), /*keep_slash=*/false);
    AppendUriEncoded(encoded.second, PercentDecode(value), /*keep_slash=*/false);
    params.push_back(std::move(encoded));
  }
  std::sort(params.begin(), params.end());
  for (size_t i = 0; i < params.size(); ++i) {
    if (i > 0) out += '&';
    out += params[i].first;
    out += '=';
    out += params[i].second;
  }
}

bool IsHeaderWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Appends a header value trimmed at both ends with every run of whitespace (including the line
// breaks of an obsolete folded value) collapsed to one space, as SigV4 requires.
void AppendCanonicalHeaderValue(std::string& out, std::string_view value) {
  bool pending_space = false;
  bool wrote_any = false;
  for (char c : value) {
    if (IsHeaderWhitespace(c)) {
      pending_space = wrote_any;
      continue;
    }
    if (pending_space) out += ' ';
    out += c;
    pending_space = false;
    wrote_any = true;
  }
}

struct HeaderRef {
  std::string lower_name;
  std::string_view value;
};

struct CanonicalHeaders {
  std::string lines;           // "name:value\n" per distinct name, sorted
  std::string signed_headers;  // "name;name;..."
  std::string_view content_sha256;
};

// Lowercases names, sorts them (stably, so repeated names keep their order) and joins the values
// of a repeated name with ',' as SigV4 requires.
CanonicalHeaders BuildCanonicalHeaders(const HttpRequestToSign& request) {
  std::vector<HeaderRef> refs;
  refs.reserve(request.headers.size());
  for (const auto& [name, value] : request.headers) {
    HeaderRef ref{std::string(name.size(), '\0'), value};
    std::transform(name.begin(), name.end(), ref.lower_name.begin(), AsciiLower);
    if (ref.lower_name == kAuthorizationHeaderLower) continue;  // cannot sign itself
    refs.push_back(std::move(ref));
  }
  std::stable_sort(refs.begin(), refs.end(), [](const HeaderRef& a, const HeaderRef& b) {
    return a.lower_name < b.lower_name;
  });

  CanonicalHeaders result;
  for (size_t i = 0; i < refs.size(); ++i) {
    const bool repeats_previous = i > 0 && refs[i].lower_name == refs[i - 1].lower_name;
    if (repeats_previous) {
      result.lines.back() = ',';  // replace the previous line's '\n'
    } else {
      if (!result.signed_headers.empty()) result.signed_headers += ';';
      result.signed_headers += refs[i].lower_name;
      result.lines += refs[i].lower_name;
      result.lines += ':';
    }
    AppendCanonicalHeaderValue(result.lines, refs[i].value);
    result.lines += '\n';
    if (refs[i].lower_name == kContentSha256HeaderLower) result.content_sha256 = refs[i].value;
  }
  return result;
}

// The signing key depends only on (date, region, service, secret), so it changes once a day;
// caching it saves four HMACs per request. thread_local: no lock, and each sender thread keeps
// its own key.
struct SigningKeyCache {
  std::string date;
  std::string region;
  std::string service;
  std::string secret;
  Sha256Digest key{};
  bool valid = false;
};

const Sha256Digest& SigningKey(std::string_view date, const SigningParams& params) {
  thread_local SigningKeyCache cache;
  if (cache.valid && cache.date == date && cache.region == params.region &&
      cache.service == params.service && cache.secret == params.credentials.secret_access_key) {
    return cache.key;
  }
  std::string secret_key;
  secret_key.reserve(kSecretKeyPrefix.size() + params.credentials.secret_access_key.size());
  secret_key += kSecretKeyPrefix;
  secret_key += params.credentials.secret_access_key;
  const Sha256Digest date_key = HmacSha256(secret_key, date);
  const Sha256Digest region_key = HmacSha256(AsStringView(date_key), params.region);
  const Sha256Digest service_key = HmacSha256(AsStringView(region_key), params.service);
  cache.key = HmacSha256(AsStringView(service_key), kScopeTerminator);
  cache.date = date;
  cache.region = params.region;
  cache.service = params.service;
  cache.secret = params.credentials.secret_access_key;
  cache.valid = true;
  return cache.key;
}

void RemoveHeaders(std::vector<std::pair<std::string, std::string>>& headers) {
  std::erase_if(headers, [](const auto& header) {
    return EqualsIgnoreAsciiCase(header.first, kDateHeader) ||
           EqualsIgnoreAsciiCase(header.first, kSecurityTokenHeader) ||
           EqualsIgnoreAsciiCase(header.first, kAuthorizationHeader);
  });
}

}  // namespace

std::string FormatAmzDate(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto seconds_since_epoch = floor<seconds>(time);
  const auto day = floor<days>(seconds_since_epoch);
  const year_month_day date{day};
  const hh_mm_ss clock{seconds_since_epoch - day};
  std::string out;
  out.reserve(kAmzDateChars);
  AppendDigits(out, static_cast<unsigned>(static_cast<int>(date.year())), 4);
  AppendDigits(out, static_cast<unsigned>(date.month()), 2);
  AppendDigits(out, static_cast<unsigned>(date.day()), 2);
  out += 'T';
  AppendDigits(out, static_cast<unsigned>(clock.hours().count()), 2);
  AppendDigits(out, static_cast<unsigned>(clock.minutes().count()), 2);
  AppendDigits(out, static_cast<unsigned>(clock.seconds().count()), 2);
  out += 'Z';
  return out;
}

SignatureParts ComputeSignature(const HttpRequestToSign& request, const SigningParams& params) {
  const std::string amz_date = FormatAmzDate(params.time);
  const std::string_view date = std::string_view(amz_date).substr(0, kScopeDateChars);
  const CanonicalHeaders headers = BuildCanonicalHeaders(request);

  SignatureParts parts;
  std::string& canonical = parts.canonical_request;
  canonical.reserve(request.method.size() + request.path.size() * 3 + request.query.size() * 3 +
                    headers.lines.size() + headers.signed_headers.size() + 2 * kSha256DigestBytes +
                    8);
  canonical += request.method;
  canonical += '\n';
  AppendCanonicalUri(canonical, request.path, params.normalize_path);
  canonical += '\n';
  AppendCanonicalQuery(canonical, request.query);
  canonical += '\n';
  canonical += headers.lines;
  canonical += '\n';
  canonical += headers.signed_headers;
  canonical += '\n';
  if (!headers.content_sha256.empty()) {
    AppendCanonicalHeaderValue(canonical, headers.content_sha256);
  } else {
    canonical += Sha256Hex(request.payload);  // the one pass over a body of up to 5 MiB
  }

  std::string scope;
  scope.reserve(kScopeDateChars + params.region.size() + params.service.size() +
                kScopeTerminator.size() + 3);
  scope += date;
  scope += '/';
  scope += params.region;
  scope += '/';
  scope += params.service;
  scope += '/';
  scope += kScopeTerminator;

  std::string& to_sign = parts.string_to_sign;
  to_sign += kAlgorithm;
  to_sign += '\n';
  to_sign += amz_date;
  to_sign += '\n';
  to_sign += scope;
  to_sign += '\n';
  to_sign += Sha256Hex(canonical);

  parts.signature = HexEncode(HmacSha256(AsStringView(SigningKey(date, params)), to_sign));

  std::string& authorization = parts.authorization_header;
  authorization += kAlgorithm;
  authorization += " Credential=";
  authorization += params.credentials.access_key_id;
  authorization += '/';
  authorization += scope;
  authorization += ", SignedHeaders=";
  authorization += headers.signed_headers;
  authorization += ", Signature=";
  authorization += parts.signature;
  return parts;
}

void SignRequest(HttpRequestToSign& request, const SigningParams& params) {
  RemoveHeaders(request.headers);
  request.headers.emplace_back(kDateHeader, FormatAmzDate(params.time));
  if (!params.credentials.session_token.empty()) {
    request.headers.emplace_back(kSecurityTokenHeader, params.credentials.session_token);
  }
  SignatureParts parts = ComputeSignature(request, params);
  request.headers.emplace_back(kAuthorizationHeader, std::move(parts.authorization_header));
}

}  // namespace tk::aws
