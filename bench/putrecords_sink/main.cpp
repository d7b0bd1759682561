// putrecords-sink: a minimal Kinesis PutRecords endpoint on loopback for throughput benchmarks.
// It checks each request as Kinesis would (CBOR or JSON, by Content-Type), answers every record
// with a SequenceNumber and a ShardId in the request's encoding, counts what it accepted, and
// stores nothing. kinesis-local is the correctness
// reference; this sink exists so that the endpoint is never the bottleneck being measured.
//
//   putrecords-sink [--port N] [--port-file PATH] [--max-seconds S] [--shard-id ID]
//
// Also answers GET /stats (JSON counts, see sink_stats.h), GET /count (records accepted, as a
// decimal number) and POST /reset. Stops on SIGINT or
// SIGTERM, or after --max-seconds (default 3600), printing the final stats on stdout.
#include <signal.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "http_server.h"
#include "put_records_answer.h"
#include "sink_stats.h"

namespace {

std::atomic<bool> g_stop{false};

extern "C" void OnSignal(int) { g_stop = true; }

struct Flags {
  uint16_t port = 0;
  std::string port_file;
  int max_seconds = 3600;
  std::string shard_id = "shardId-000000000000";
};

bool ParseFlags(int argc, char** argv, Flags& flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    const std::string value = argv[++i];
    int number = 0;
    const bool numeric =
        std::from_chars(value.data(), value.data() + value.size(), number).ec == std::errc();
    if (arg == "--port" && numeric && number >= 0 && number <= 65535) {
      flags.port = static_cast<uint16_t>(number);
    } else if (arg == "--max-seconds" && numeric && number > 0) {
      flags.max_seconds = number;
    } else if (arg == "--port-file") {
      flags.port_file = value;
    } else if (arg == "--shard-id" && !value.empty()) {
      flags.shard_id = value;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, flags)) {
    std::cerr << "usage: putrecords-sink [--port N] [--port-file PATH] [--max-seconds S] "
                 "[--shard-id ID]\n";
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGINT, OnSignal);
  ::signal(SIGTERM, OnSignal);

  sink::SinkStats stats;
  std::atomic<uint64_t> next_sequence{1};
  auto handle = [&](const sink::HttpRequest& request, sink::HttpReply& reply) {
    if (request.method == "GET" && request.path == "/stats") {
      reply.content_type = "application/json";
      reply.body = stats.Json();
      return;
    }
    if (request.method == "GET" && request.path == "/count") {
      reply.content_type = "text/plain";
      reply.body = std::to_string(stats.records());
      return;
    }
    if (request.method == "POST" && request.path == "/reset") {
      stats.Reset();
      reply.content_type = "application/json";
      reply.body = "{}";
      return;
    }
    if (request.method != "POST") {
      reply.status = 404;
      return;
    }
    // One answerer per connection thread: it keeps its parser's buffers.
    thread_local sink::PutRecordsAnswerer answerer(flags.shard_id);
    sink::Answer answer =
        answerer.Respond(request.amz_target, request.content_type, request.body, next_sequence);
    if (answer.status == 200) {
      stats.AddRequest(answer.records, answer.data_bytes, answer.payload_units,
                       request.body.size());
    } else {
      stats.AddRefusal();
    }
    reply.status = answer.status;
    reply.content_type = answer.content_type;
    reply.body = std::move(answer.body);
  };

  std::string error;
  auto server = sink::HttpServer::Listen(flags.port, {}, handle, error);
  if (!server) {
    std::cerr << "putrecords-sink: " << error << "\n";
    return 1;
  }
  if (!flags.port_file.empty()) {
    // Written to a temporary name and renamed, so a reader never sees a partial port number.
    const std::string temporary = flags.port_file + ".tmp";
    std::ofstream(temporary) << server->port() << "\n";
    std::rename(temporary.c_str(), flags.port_file.c_str());
  }
  std::cerr << "putrecords-sink: listening on 127.0.0.1:" << server->port() << "\n";
  std::thread deadline([&flags] {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(flags.max_seconds);
    while (!g_stop && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    g_stop = true;
  });
  server->Run(g_stop);
  deadline.join();
  std::cout << stats.Json() << std::endl;
  return 0;
}
