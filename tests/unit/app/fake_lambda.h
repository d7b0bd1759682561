// Fakes for the lifecycle's tests, behind the project's HTTP seam:
// - FakeRuntimeApi plays Lambda's Runtime API (register, Telemetry subscribe, /next, error
//   reports) from a script, and delivers telemetry batches to the extension's real listener after
//   the event they belong to, as Lambda does;
// - FakeKinesis answers PutRecords (JSON protocol) for every record, or stalls like an
//   unreachable endpoint until the request's own timeout.
#pragma once

#include <httplib.h>
#include <openssl/evp.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "app/delivery_pipeline.h"
#include "http/http_client.h"

namespace tk::app::testing {

using SteadyClock = std::chrono::steady_clock;

inline int64_t WallMsFromNow(std::chrono::milliseconds later) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             (std::chrono::system_clock::now() + later).time_since_epoch())
      .count();
}

// A Telemetry API batch (schema 2022-12-13): `lines` as function log events, then, when
// `request_id` is not empty, that invocation's platform.runtimeDone and platform.report.
inline std::string TelemetryBatch(const std::vector<std::string>& lines,
                                  const std::string& request_id = "") {
  nlohmann::json batch = nlohmann::json::array();
  for (const std::string& line : lines) {
    batch.push_back({{"time", "2026-12-02T10:00:00.000Z"}, {"type", "function"}, {"record", line}});
  }
  if (!request_id.empty()) {
    batch.push_back({{"time", "2026-12-02T10:00:00.100Z"},
                     {"type", "platform.runtimeDone"},
                     {"record", {{"requestId", request_id}, {"status", "success"}}}});
    batch.push_back({{"time", "2026-12-02T10:00:00.101Z"},
                     {"type", "platform.report"},
                     {"record",
                      {{"requestId", request_id},
                       {"status", "success"},
                       {"metrics", {{"durationMs", 100.0}, {"billedDurationMs", 100}}}}}});
  }
  return batch.dump();
}

// One answer to /next, and the telemetry Lambda sends once it has been given.
struct NextStep {
  // What /next returns, rendered when it is called (deadlines count from then); none: a
  // transport failure.
  std::function<std::string()> event_json;
  std::vector<std::string> telemetry;  // POSTed to the listener, in order, after the answer
  std::function<void()> before;        // runs when /next is called (e.g. a SIGTERM's drain)
};

inline NextStep Invoke(const std::string& request_id, std::chrono::milliseconds deadline_in,
                       std::vector<std::string> telemetry = {}) {
  return {[=] {
            return nlohmann::json{{"eventType", "INVOKE"},
                                  {"requestId", request_id},
                                  {"deadlineMs", WallMsFromNow(deadline_in)}}
                .dump();
          },
          std::move(telemetry),
          {}};
}

inline NextStep Shutdown(std::chrono::milliseconds deadline_in,
                         std::vector<std::string> telemetry = {}) {
  return {[=] {
            return nlohmann::json{{"eventType", "SHUTDOWN"},
                                  {"shutdownReason", "spindown"},
                                  {"deadlineMs", WallMsFromNow(deadline_in)}}
                .dump();
          },
          std::move(telemetry),
          {}};
}

class FakeRuntimeApi final : public http::HttpClient {
 public:
  struct ErrorReport {
    std::string path;
    std::string error_type;
  };

  FakeRuntimeApi() : deliverer_([this] { DeliverInOrder(); }) {}
  ~FakeRuntimeApi() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    deliverer_.join();
  }

  void Then(NextStep step) { script_.push_back(std::move(step)); }
  // The answer to every subscription PUT (200 by default).
  void AnswerSubscribe(long status, std::string body) {
    subscribe_status_ = status;
    subscribe_body_ = std::move(body);
  }

  http::Response Send(const http::Request& request) override {
    const std::string path = request.url.substr(request.url.find('/', sizeof("http://")));
    http::Response response;
    if (path == "/2020-01-01/extension/register") {
      register_body_ = request.body;
      response.status = 200;
      response.headers = {{"Lambda-Extension-Identifier", "ext-1"}};
      response.body = R"({"functionName":"orders","functionVersion":"$LATEST",)"
                      R"("accountId":"123456789012"})";
    } else if (path == "/2022-07-01/telemetry") {
      std::lock_guard lock(mutex_);  // the deliverer reads the destination
      subscriptions_.push_back(nlohmann::json::parse(request.body));
      response.status = subscribe_status_;
      response.body = subscribe_body_;
    } else if (path == "/2020-01-01/extension/event/next") {
      response = Next();
    } else if (path == "/2020-01-01/extension/init/error" ||
               path == "/2020-01-01/extension/exit/error") {
      for (const http::Header& header : request.headers) {
        if (header.name == "Lambda-Extension-Function-Error-Type") {
          error_reports_.push_back({path, header.value});
        }
      }
      response.status = 202;
    } else {
      response.status = 404;
    }
    return response;
  }

  // Observations, for after RunExtension has returned.
  const std::string& register_body() const { return register_body_; }
  const std::vector<nlohmann::json>& subscriptions() const { return subscriptions_; }
  const std::vector<ErrorReport>& error_reports() const { return error_reports_; }
  const std::vector<SteadyClock::time_point>& next_calls() const { return next_calls_; }
  // Telemetry POSTs the listener answered 200.
  int telemetry_accepted() {
    std::lock_guard lock(mutex_);
    return accepted_;
  }

 private:
  http::Response Next() {
    next_calls_.push_back(SteadyClock::now());
    http::Response response;
    if (script_.empty()) {
      response.transport = {"the test's script has no more events", ErrorKind::kConnect};
      return response;
    }
    NextStep step = std::move(script_.front());
    script_.pop_front();
    if (step.before) step.before();
    if (!step.event_json) {
      response.transport = {"connection refused", ErrorKind::kConnect};
      return response;
    }
    {
      std::lock_guard lock(mutex_);
      for (std::string& body : step.telemetry) to_deliver_.push_back(std::move(body));
    }
    wake_.notify_all();
    response.status = 200;
    response.body = step.event_json();
    return response;
  }

  // Lambda's side of the Telemetry API: POSTs each batch to the subscribed destination.
  void DeliverInOrder() {
    std::unique_ptr<httplib::Client> client;
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [this] { return stopping_ || !to_deliver_.empty(); });
      if (to_deliver_.empty()) return;
      std::string body = std::move(to_deliver_.front());
      to_deliver_.pop_front();
      const std::string uri = subscriptions_.empty()
                                  ? ""
                                  : subscriptions_.back()["destination"]["URI"].get<std::string>();
      lock.unlock();
      bool accepted = false;
      if (!uri.empty()) {
        if (!client) client = std::make_unique<httplib::Client>(uri.substr(0, uri.size() - 1));
        auto result = client->Post("/", body, "application/json");
        accepted = result && result->status == 200;
      }
      lock.lock();
      if (accepted) ++accepted_;
    }
  }

  std::deque<NextStep> script_;
  std::string register_body_;
  std::vector<nlohmann::json> subscriptions_;
  long subscribe_status_ = 200;
  std::string subscribe_body_;
  std::vector<ErrorReport> error_reports_;
  std::vector<SteadyClock::time_point> next_calls_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> to_deliver_;
  int accepted_ = 0;
  bool stopping_ = false;
  std::thread deliverer_;  // last: started once the rest is built
};

// What the fake Kinesis has seen, shared by every client the pipeline made.
class FakeKinesis {
 public:
  enum class Mode { kAccept, kStall };

  explicit FakeKinesis(Mode mode = Mode::kAccept) : mode_(mode) {}
  ~FakeKinesis() { Release(); }

  HttpClientFactory Factory() {
    return [this](const http::HttpClientOptions&) -> std::unique_ptr<http::HttpClient> {
      return std::make_unique<Client>(*this);
    };
  }

  // Ends every stall at once (the endpoint came back).
  void Release() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    changed_.notify_all();
  }

  // The function log lines delivered, in arrival order.
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  int requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  int dropped_connections() {
    std::lock_guard lock(mutex_);
    return drops_;
  }
  // Waits (bounded) until `count` lines have been delivered.
  bool WaitForLines(size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return lines_.size() >= count; });
  }

 private:
  class Client final : public http::HttpClient {
   public:
    explicit Client(FakeKinesis& kinesis) : kinesis_(kinesis) {}
    http::Response Send(const http::Request& request) override { return kinesis_.Answer(request); }
    void DropConnections() override {
      std::lock_guard lock(kinesis_.mutex_);
      ++kinesis_.drops_;
    }
    void Abort() override {
      {
        std::lock_guard lock(kinesis_.mutex_);
        kinesis_.aborted_ = true;
      }
      kinesis_.changed_.notify_all();
    }

   private:
    FakeKinesis& kinesis_;
  };

  static std::string Base64Decoded(const std::string& text) {
    std::string out(text.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    out.resize(n < 0 ? 0 : static_cast<size_t>(n));
    while (!out.empty() && out.back() == '\0') out.pop_back();  // the padding's zero bytes
    return out;
  }

  http::Response Answer(const http::Request& request) {
    std::unique_lock lock(mutex_);
    ++requests_;
    http::Response response;
    if (aborted_) {
      response.transport = {"HTTP transport error: aborted", ErrorKind::kAborted};
      return response;
    }
    if (mode_ == Mode::kStall) {
      // An endpoint that never answers: the request ends at its own timeout, or when aborted.
      changed_.wait_for(lock, std::chrono::milliseconds(request.timeout_ms),
                        [this] { return released_ || aborted_; });
      response.transport = aborted_
                               ? Error{"HTTP transport error: aborted", ErrorKind::kAborted}
                               : Error{"HTTP transport error: read timeout", ErrorKind::kTimeout};
      return response;
    }
    const nlohmann::json body = nlohmann::json::parse(request.body);
    nlohmann::json results = nlohmann::json::array();
    for (const nlohmann::json& record : body["Records"]) {
      const nlohmann::json envelope = nlohmann::json::parse(Base64Decoded(record["Data"]));
      const nlohmann::json& event = envelope["event"];
      if (event["type"] == "function") lines_.push_back(event["record"].get<std::string>());
      results.push_back({{"SequenceNumber", "1"}, {"ShardId", "shardId-000000000000"}});
    }
    changed_.notify_all();
    response.status = 200;
    response.body = nlohmann::json{{"FailedRecordCount", 0}, {"Records", results}}.dump();
    return response;
  }

  const Mode mode_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool released_ = false;
  bool aborted_ = false;  // HttpClient::Abort: no request gets an answer any more
  std::vector<std::string> lines_;
  int requests_ = 0;
  int drops_ = 0;
};

}  // namespace tk::app::testing
