// tk-bench-load: offers Telemetry API batches to an extension's listener at a target rate (or as
// fast as it accepts them), as Lambda's Telemetry API would POST them, for the throughput runs.
// The batches are rendered before the clock starts, so the driver costs almost no CPU of its own
// (the Lambda sandbox renders every event and would be the bottleneck past ~100k events/s).
//
//   tk-bench-load --url http://127.0.0.1:PORT/ [--rate EVENTS_PER_S (0: unpaced)]
//                 [--duration-ms 10000] [--max-events N] [--events-per-post 3000]
//                 [--line-bytes 250] [--sink URL --max-backlog-events N]
//
// With --sink (the loopback PutRecords sink) the driver is closed-loop: it never lets more than
// N events be offered and not yet received by the sink, so the extension runs at the highest rate
// its pipeline sustains without its memory budget filling (no 503, no spool): the maximum
// sustained rate.
//
// Prints one JSON object: posts, statuses, events offered/accepted, elapsed, POST latency.
#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/telemetry_batch.h"

namespace {

using Clock = std::chrono::steady_clock;

// Distinct batches cycled through (each event of a cycle has a unique id).
constexpr size_t kDistinctBatches = 16;
constexpr auto kPostTimeout = std::chrono::seconds(5);

struct Flags {
  std::string host;
  int port = 0;
  std::string path = "/";
  uint64_t rate = 0;
  uint64_t duration_ms = 10'000;
  uint64_t max_events = 100'000'000;
  size_t events_per_post = 3000;  // ~1 MiB of 250-byte lines: Lambda's largest maxBytes
  size_t line_bytes = 250;
  std::string sink_host;
  int sink_port = 0;
  uint64_t max_backlog_events = 0;
};

bool ParseNumber(const std::string& text, uint64_t& out) {
  return std::from_chars(text.data(), text.data() + text.size(), out).ec == std::errc();
}

// http://HOST:PORT[/path]
bool ParseUrl(const std::string& url, std::string& host, int& port_out, std::string& path) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) return false;
  const std::string rest = url.substr(kScheme.size());
  const size_t colon = rest.find(':');
  const size_t slash = rest.find('/', colon == std::string::npos ? 0 : colon);
  if (colon == std::string::npos) return false;
  host = rest.substr(0, colon);
  uint64_t port = 0;
  if (!ParseNumber(rest.substr(colon + 1, slash - colon - 1), port) || port == 0 || port > 65535) {
    return false;
  }
  port_out = static_cast<int>(port);
  if (slash != std::string::npos) path = rest.substr(slash);
  return true;
}

bool ParseFlags(int argc, char** argv, Flags& flags) {
  bool have_url = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    const std::string value = argv[i + 1];
    uint64_t number = 0;
    const bool numeric = ParseNumber(value, number);
    if (arg == "--url") {
      have_url = ParseUrl(value, flags.host, flags.port, flags.path);
    } else if (arg == "--sink") {
      std::string ignored_path;
      if (!ParseUrl(value, flags.sink_host, flags.sink_port, ignored_path)) return false;
    } else if (arg == "--max-backlog-events" && numeric && number > 0) {
      flags.max_backlog_events = number;
    } else if (arg == "--rate" && numeric) {
      flags.rate = number;
    } else if (arg == "--duration-ms" && numeric && number > 0 && number <= 600'000) {
      flags.duration_ms = number;
    } else if (arg == "--max-events" && numeric && number > 0) {
      flags.max_events = number;
    } else if (arg == "--events-per-post" && numeric && number > 0 && number <= 10'000) {
      flags.events_per_post = number;
    } else if (arg == "--line-bytes" && numeric && number > 0 && number <= 256 * 1024) {
      flags.line_bytes = number;
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && have_url && (flags.sink_port == 0) == (flags.max_backlog_events == 0);
}

// Events the sink has received (GET /count), or -1 when it cannot be asked.
int64_t SinkCount(httplib::Client& sink) {
  auto result = sink.Get("/count");
  if (!result || result->status != 200) return -1;
  uint64_t count = 0;
  if (!ParseNumber(result->body, count)) return -1;
  return static_cast<int64_t>(count);
}

double Percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<size_t>(fraction * static_cast<double>(values.size()) + 0.999999);
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, flags)) {
    std::cerr << "usage: tk-bench-load --url http://HOST:PORT/ [--rate N] [--duration-ms D] "
                 "[--max-events N] [--events-per-post K] [--line-bytes B]\n";
    return 2;
  }
  std::vector<std::string> batches;
  for (size_t i = 0; i < kDistinctBatches; ++i) {
    batches.push_back(tk::bench::FunctionLogBatch(flags.events_per_post, flags.line_bytes,
                                                  i * flags.events_per_post));
  }
  httplib::Client client(flags.host, flags.port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  client.set_connection_timeout(kPostTimeout);
  client.set_read_timeout(kPostTimeout);
  client.set_write_timeout(kPostTimeout);

  httplib::Client sink(flags.sink_host.empty() ? "127.0.0.1" : flags.sink_host, flags.sink_port);
  sink.set_keep_alive(true);
  const int64_t sink_base = flags.sink_port == 0 ? 0 : SinkCount(sink);
  uint64_t backlog_waits = 0;

  std::map<std::string, uint64_t> statuses;
  std::vector<double> latencies_ms;
  uint64_t offered = 0;
  uint64_t accepted = 0;
  uint64_t posts = 0;
  const Clock::time_point started = Clock::now();
  const Clock::time_point until = started + std::chrono::milliseconds(flags.duration_ms);
  while (Clock::now() < until && offered < flags.max_events) {
    if (flags.rate > 0) {
      // Post when the events offered so far are due at the target rate.
      const auto due = started + std::chrono::microseconds(offered * 1'000'000 / flags.rate);
      if (due >= until) break;
      std::this_thread::sleep_until(due);
    }
    if (flags.max_backlog_events > 0) {
      // Closed loop: wait (polling every 200 us) until the sink has caught up enough.
      bool waited = false;
      while (Clock::now() < until) {
        const int64_t received = SinkCount(sink) - sink_base;
        if (received < 0) break;
        if (offered + flags.events_per_post <=
            static_cast<uint64_t>(received) + flags.max_backlog_events) {
          break;
        }
        waited = true;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      if (waited) ++backlog_waits;
      if (Clock::now() >= until) break;
    }
    const std::string& body = batches[posts % kDistinctBatches];
    const Clock::time_point sent = Clock::now();
    auto result = client.Post(flags.path, body, "application/json");
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
    ++posts;
    offered += flags.events_per_post;
    const std::string status = result ? std::to_string(result->status) : "error";
    ++statuses[status];
    if (result && result->status == 200) accepted += flags.events_per_post;
  }
  const double elapsed_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  std::cout << "{\"posts\":" << posts << ",\"events_per_post\":" << flags.events_per_post
            << ",\"events_offered\":" << offered << ",\"events_accepted\":" << accepted
            << ",\"elapsed_ms\":" << elapsed_ms << ",\"target_rate\":" << flags.rate
            << ",\"post_ms_median\":" << Percentile(latencies_ms, 0.5)
            << ",\"post_ms_p99\":" << Percentile(latencies_ms, 0.99)
            << ",\"backlog_waits\":" << backlog_waits << ",\"statuses\":{";
  bool first = true;
  for (const auto& [status, count] : statuses) {
    std::cout << (first ? "" : ",") << "\"" << status << "\":" << count;
    first = false;
  }
  std::cout << "}}\n";
  return 0;
}
