// The libcurl edge of the sender: one reused easy handle that carries PutRecords requests to
// Kinesis over a kept-alive HTTPS connection. The only file pair in the tree that uses libcurl.
#include "http/curl_http_client.h"

#include <algorithm>

#include <curl/curl.h>

#include <array>
#include <mutex>
#include <string>
#include <utility>

namespace tk::http {
namespace {

// A Kinesis PutRecords response is at most a few hundred bytes per record (500 records per
// request), so 8 MiB is far above any real answer; a misbehaving endpoint cannot make the
// extension's memory grow past it.
constexpr size_t kMaxResponseBodyBytes = 8u * 1024 * 1024;

// TCP keepalive probes keep a pooled connection alive through idle NAT/load-balancer timeouts
// between invocations (values in seconds, as libcurl takes them).
constexpr long kTcpKeepIdleSeconds = 30;
constexpr long kTcpKeepIntervalSeconds = 15;

// curl_global_init is not thread-safe and must run once per process before any handle exists.
// It is never undone with curl_global_cleanup: the process exits right after the sender stops,
// and cleaning up while another thread might still hold a handle would be worse.
CURLcode GlobalInitOnce() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result;
}

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t bytes = size * count;
  if (body->size() + bytes > kMaxResponseBodyBytes) return 0;  // curl fails with a write error
  body->append(data, bytes);
  return bytes;
}

// libcurl drops a header given as "Name:" and sends an empty one given as "Name;".
std::string HeaderLine(const Header& header) {
  if (header.value.empty()) return header.name + ";";
  std::string line;
  line.reserve(header.name.size() + 2 + header.value.size());
  line.append(header.name).append(": ").append(header.value);
  return line;
}

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  bool Append(const std::string& line) {
    curl_slist* grown = curl_slist_append(list, line.c_str());
    if (grown == nullptr) return false;
    list = grown;
    return true;
  }
};

bool HasHeader(const Request& request, std::string_view name) {
  for (const Header& header : request.headers) {
    if (header.name.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) {
      same = (header.name[i] | 0x20) == (name[i] | 0x20);
    }
    if (same) return true;
  }
  return false;
}

}  // namespace

struct CurlHttpClient::Impl {
  CurlOptions options;
  CURL* handle = nullptr;
  CURLcode init_result = CURLE_OK;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};

  void ApplyConnectionOptions();
  bool ApplyRequestOptions(const Request& request, HeaderList& headers, std::string& body);
};

// Options that hold for every request. Re-applied after each curl_easy_reset, which clears
// options but keeps the live connection cache (and so keep-alive) of the handle.
void CurlHttpClient::Impl::ApplyConnectionOptions() {
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a multi-threaded process
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer.data());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, options.ca_file.c_str());
  curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(handle, CURLOPT_TCP_KEEPIDLE, kTcpKeepIdleSeconds);
  curl_easy_setopt(handle, CURLOPT_TCP_KEEPINTVL, kTcpKeepIntervalSeconds);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, options.connect_timeout_ms);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, options.request_timeout_ms);
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &AppendBody);
}

bool CurlHttpClient::Impl::ApplyRequestOptions(const Request& request, HeaderList& headers,
                                               std::string& body) {
  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &body);
  if (request.timeout_ms > 0) {
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS,
                     std::min(request.timeout_ms, options.request_timeout_ms));
  }
  if (request.method == "GET" && request.body.empty()) {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  } else {
    // Points libcurl at the caller's buffer: the body is not copied. request outlives Send().
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    if (request.method != "POST") {
      curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }
  for (const Header& header : request.headers) {
    if (!headers.Append(HeaderLine(header))) return false;
  }
  // "Expect: 100-continue" would cost a round trip per large body; Kinesis does not need it.
  if (!headers.Append("Expect:")) return false;
  // libcurl would otherwise label a POST as a form; send no Content-Type rather than a wrong one.
  if (!HasHeader(request, "Content-Type") && !headers.Append("Content-Type:")) return false;
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.list);
  return true;
}

CurlHttpClient::CurlHttpClient(CurlOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->init_result = GlobalInitOnce();
  if (impl_->init_result == CURLE_OK) impl_->handle = curl_easy_init();
}

CurlHttpClient::~CurlHttpClient() {
  if (impl_->handle != nullptr) curl_easy_cleanup(impl_->handle);
}

Response CurlHttpClient::Send(const Request& request) {
  Response response;
  if (impl_->init_result != CURLE_OK) {
    response.transport_error =
        std::string("curl_global_init failed: ") + curl_easy_strerror(impl_->init_result);
    return response;
  }
  if (impl_->handle == nullptr) {
    response.transport_error = "curl_easy_init failed";
    return response;
  }
  curl_easy_reset(impl_->handle);
  impl_->ApplyConnectionOptions();
  impl_->error_buffer[0] = '\0';
  HeaderList headers;
  if (!impl_->ApplyRequestOptions(request, headers, response.body)) {
    response.transport_error = "curl_slist_append failed (out of memory)";
    return response;
  }
  const CURLcode code = curl_easy_perform(impl_->handle);
  // Do not leave dangling pointers to this call's header list and body in the handle.
  curl_easy_setopt(impl_->handle, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(impl_->handle, CURLOPT_WRITEDATA, nullptr);
  if (code != CURLE_OK) {
    response.transport_error = std::string("curl error ") + std::to_string(static_cast<int>(code)) +
                               " (" + curl_easy_strerror(code) + ")";
    if (impl_->error_buffer[0] != '\0') {
      response.transport_error.append(": ").append(impl_->error_buffer.data());
    }
    response.body.clear();
    return response;
  }
  curl_easy_getinfo(impl_->handle, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace tk::http
