// tk-bench-drain: how long the extension's shutdown drain takes for a backlog. The real record
// queue, sender thread, PutRecords client (body, SigV4) and HTTP transport send `--events`
// encoded 250-byte log events, queued before the sender starts, to a PutRecords endpoint (the
// loopback sink), timed from the start of the drain to the last record acknowledged, as
// DrainAndStop runs at SHUTDOWN. The connection is warmed first, as it is in a running extension.
//
//   tk-bench-drain --endpoint http://127.0.0.1:PORT [--events 10000] [--line-bytes 250] [--runs 5]
//                  [--stream telemetry-bench] [--deadline-ms 2000] [--random-keys]
//
// --random-keys gives every record its own partition key (TELEMETRY_KINESIS_PARTITION_KEY=random),
// spreading a multi-shard stream's per-shard write limits; by default all records share the
// sandbox's key, as the extension's default does.
// --deadline-ms longer than Lambda's 2 s measures a slow endpoint's throughput (kinesis-local).
//
// Prints one JSON object: {"events","line_bytes","runs_ms":[...],"requests_per_run":[...],
// "unsent_per_run":[...],"retried_per_run":[...]}.
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

#include "common/telemetry_batch.h"
#include "http/httplib_http_client.h"
#include "kinesis/put_records_client.h"
#include "pipeline/delivery_stats.h"
#include "pipeline/record_queue.h"
#include "pipeline/sender.h"
#include "telemetry/telemetry_ingest.h"

namespace {

using Clock = std::chrono::steady_clock;

// Lambda gives an external extension about 2,000 ms for SHUTDOWN; by default the drain gets that.
constexpr size_t kDefaultDeadlineMs = 2000;
constexpr size_t kMaxDeadlineMs = 600'000;
constexpr size_t kQueueBytes = size_t{32} << 20;  // TELEMETRY_KINESIS_QUEUE_MAX_BYTES default
constexpr size_t kEventsPerPost = 1000;           // Lambda's default maxItems

struct Flags {
  std::string endpoint;
  size_t events = 10'000;
  size_t line_bytes = 250;
  int runs = 5;
  std::string stream = "telemetry-bench";
  bool random_keys = false;
  size_t deadline_ms = kDefaultDeadlineMs;
};

bool ParseSize(const std::string& text, size_t& out) {
  return std::from_chars(text.data(), text.data() + text.size(), out).ec == std::errc() && out > 0;
}

bool ParseFlags(int argc, char** argv, Flags& flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--random-keys") {
      flags.random_keys = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    const std::string value = argv[++i];
    size_t number = 0;
    if (arg == "--endpoint") {
      flags.endpoint = value;
    } else if (arg == "--events" && ParseSize(value, number)) {
      flags.events = number;
    } else if (arg == "--line-bytes" && ParseSize(value, number)) {
      flags.line_bytes = number;
    } else if (arg == "--stream" && !value.empty()) {
      flags.stream = value;
    } else if (arg == "--deadline-ms" && ParseSize(value, number) && number <= kMaxDeadlineMs) {
      flags.deadline_ms = number;
    } else if (arg == "--runs" && ParseSize(value, number) && number <= 100) {
      flags.runs = static_cast<int>(number);
    } else {
      return false;
    }
  }
  return !flags.endpoint.empty();
}

tk::kinesis::KinesisClientConfig ClientConfig(const Flags& flags) {
  tk::kinesis::KinesisClientConfig config;
  config.endpoint = tk::aws::ParseEndpointUrl(flags.endpoint, "--endpoint").value();
  config.region = "us-east-1";
  config.target.stream_name = flags.stream;
  config.credentials = {"AKIDBENCH", "bench-secret", "bench-session"};
  return config;
}

struct RunResult {
  double ms = 0;
  uint64_t requests = 0;
  uint64_t unsent = 0;
  uint64_t retried = 0;
};

RunResult DrainOnce(const Flags& flags) {
  tk::pipeline::DeliveryStats stats;
  tk::pipeline::RecordQueue queue(kQueueBytes);
  // The backlog arrives as the listener queues it: Telemetry API batches, parsed and encoded.
  tk::telemetry::TelemetryIngest ingest(tk::bench::TypicalEncoder(flags.random_keys), queue, stats);
  for (size_t sent = 0; sent < flags.events; sent += kEventsPerPost) {
    const size_t count = std::min(kEventsPerPost, flags.events - sent);
    ingest.HandleBatch(tk::bench::FunctionLogBatch(count, flags.line_bytes, sent));
  }
  tk::http::HttplibHttpClient http;
  tk::kinesis::PutRecordsClient client(ClientConfig(flags), http);
  // Warm the keep-alive connection with one record, as a running extension's is.
  std::vector<tk::kinesis::Record> warm = tk::bench::EncodedRecords(1, flags.line_bytes);
  const tk::kinesis::PutRecordsOutcome warmed = client.Send(warm);
  if (warmed.disposition != tk::kinesis::Disposition::kSent) {
    std::cerr << "tk-bench-drain: the endpoint refused a PutRecords: " << warmed.error_code << " "
              << warmed.error_message << "\n";
    std::exit(1);
  }

  std::mt19937_64 random(1);
  tk::pipeline::Sender sender(
      queue,
      [&client](std::span<const tk::kinesis::Record> records, Clock::time_point deadline) {
        auto timeout =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        return client.Send(records, std::max(timeout, std::chrono::milliseconds(1)));
      },
      stats, tk::pipeline::SenderOptions{},
      [&random] { return std::uniform_real_distribution<double>(0.0, 1.0)(random); });
  const Clock::time_point started = Clock::now();
  sender.Start();
  RunResult result;
  result.unsent = sender.DrainAndStop(started + std::chrono::milliseconds(flags.deadline_ms));
  result.ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  result.requests = stats.requests_sent;
  result.retried = stats.records_retried;
  return result;
}

template <typename T>
std::string JsonArray(const std::vector<T>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i != 0) out.push_back(',');
    out.append(std::to_string(values[i]));
  }
  return out + "]";
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, flags)) {
    std::cerr << "usage: tk-bench-drain --endpoint URL [--events N] [--line-bytes B] [--runs R] "
                 "[--stream NAME] [--deadline-ms D] [--random-keys]\n";
    return 2;
  }
  std::vector<double> runs_ms;
  std::vector<uint64_t> requests;
  std::vector<uint64_t> unsent;
  std::vector<uint64_t> retried;
  for (int run = 0; run < flags.runs; ++run) {
    RunResult result = DrainOnce(flags);
    runs_ms.push_back(result.ms);
    requests.push_back(result.requests);
    unsent.push_back(result.unsent);
    retried.push_back(result.retried);
  }
  std::cout << "{\"events\":" << flags.events << ",\"line_bytes\":" << flags.line_bytes
            << ",\"runs_ms\":" << JsonArray(runs_ms)
            << ",\"requests_per_run\":" << JsonArray(requests)
            << ",\"unsent_per_run\":" << JsonArray(unsent)
            << ",\"retried_per_run\":" << JsonArray(retried) << "}\n";
  return 0;
}
