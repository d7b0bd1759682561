// A scripted HttpClient for kinesis tests: records every request and answers from a queue.
#pragma once

#include <deque>
#include <utility>
#include <vector>

#include "http/http_client.h"

namespace tk::kinesis::testing {

class FakeHttpClient final : public http::HttpClient {
 public:
  // Queues the response to the next Send; with none queued, Send answers 500.
  void Enqueue(http::Response response) { responses_.push_back(std::move(response)); }

  http::Response Send(const http::Request& request) override {
    requests_.push_back(request);
    if (responses_.empty()) {
      return http::Response{.status = 500, .body = "", .headers = {}, .transport = {}};
    }
    http::Response next = std::move(responses_.front());
    responses_.pop_front();
    return next;
  }

  void DropConnections() override { ++drops_; }

  const std::vector<http::Request>& requests() const { return requests_; }
  int drops() const { return drops_; }

 private:
  int drops_ = 0;
  std::deque<http::Response> responses_;
  std::vector<http::Request> requests_;
};

}  // namespace tk::kinesis::testing
