// tk-bench-record-formats: what each record format costs in Kinesis terms for the same events.
// Renders N function log lines of B bytes (default 10,000 x 250), POSTs them to the real ingest
// in Telemetry API batches (Lambda's buffering defaults here: 1,000 events / 256 KiB per POST),
// packs the queued records into PutRecords requests as the sender does, and prints per format:
// Kinesis records, PUT payload units, PutRecords requests, record bytes (data + key: what
// Kinesis meters), request body bytes (the default CBOR bodies on the wire) and the ingest's CPU
// time.
//
//   build/bench/tk-bench-record-formats [--events N] [--line-bytes B] [--markdown]
//
// The log lines look like a Node.js function's (time, request id, level, message with ids and
// numbers), drawn from a fixed seed: gzip figures depend on the text, and a repeated filler would
// compress unrealistically well. docs/record-formats.md holds the published figures.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/telemetry_batch.h"
#include "kinesis/limits.h"
#include "kinesis/put_records_batch.h"
#include "kinesis/put_records_request.h"
#include "pipeline/delivery_stats.h"
#include "pipeline/record_queue.h"
#include "telemetry/record_packer.h"
#include "telemetry/telemetry_ingest.h"

namespace {

using tk::config::Compression;
using tk::config::RecordFormat;

// Telemetry API buffering as the extension subscribes by default (config.h): a POST holds at
// most 1,000 events and 262,144 bytes.
constexpr size_t kPostMaxEvents = 1'000;
constexpr size_t kPostMaxBytes = 262'144;

struct Format {
  const char* name;
  RecordFormat format;
  Compression compression;
};

constexpr Format kFormats[] = {
    {"event", RecordFormat::kEvent, Compression::kNone},
    {"ndjson", RecordFormat::kNdjson, Compression::kNone},
    {"ndjson+gzip", RecordFormat::kNdjson, Compression::kGzip},
    {"kpl", RecordFormat::kKpl, Compression::kNone},
};

struct Figures {
  uint64_t events = 0, posts = 0, records = 0, units = 0, requests = 0;
  uint64_t record_bytes = 0, body_bytes = 0;
  double ingest_ms = 0;
};

// A log line of about `bytes` bytes shaped like the Node.js runtime's text format.
std::string LogLine(std::mt19937_64& random, size_t serial, size_t bytes) {
  static constexpr std::string_view kLevels[] = {"INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"};
  static constexpr std::string_view kWords[] = {
      "order",   "customer", "payment", "accepted", "declined", "retry",   "cache",  "miss",
      "hit",     "latency",  "ms",      "request",  "upstream", "timeout", "items",  "total",
      "shipped", "invoice",  "created", "updated",  "user",     "session", "region", "queue"};
  char head[128];
  std::snprintf(head, sizeof head,
                "2024-05-01T12:%02zu:%02zu.%03zuZ\t%08llx-%04llx-4%03llx-a%03llx-%012llx\t%s\t",
                serial / 600 % 60, serial / 10 % 60, serial % 1000,
                static_cast<unsigned long long>(random() & 0xFFFFFFFF),
                static_cast<unsigned long long>(random() & 0xFFFF),
                static_cast<unsigned long long>(random() & 0xFFF),
                static_cast<unsigned long long>(random() & 0xFFF),
                static_cast<unsigned long long>(random() & 0xFFFFFFFFFFFF),
                kLevels[random() % std::size(kLevels)].data());
  std::string line = head;
  while (line.size() < bytes) {
    switch (random() % 4) {
      case 0:
        line += "id=" + std::to_string(random() % 1'000'000'000) + " ";
        break;
      case 1:
        line += std::to_string(random() % 10'000) + "." + std::to_string(random() % 100) + " ";
        break;
      default:
        line.append(kWords[random() % std::size(kWords)]).push_back(' ');
    }
  }
  line.resize(bytes);
  return line;
}

std::string FunctionEvent(std::string_view line, size_t serial) {
  // The runtime's tabs are JSON-escaped in the event; the line has no quotes or backslashes.
  std::string escaped;
  for (char c : line) escaped.append(c == '\t' ? "\\t" : std::string(1, c));
  char time[32];
  std::snprintf(time, sizeof time, "2024-05-01T12:%02zu:%02zu.%03zuZ", serial / 600 % 60,
                serial / 10 % 60, serial % 1000);
  return std::string(R"({"time":")") + time + R"(","type":"function","record":")" + escaped + "\"}";
}

// POST bodies holding `events` in order, cut as Lambda's buffering cuts them.
std::vector<std::string> Posts(const std::vector<std::string>& events) {
  std::vector<std::string> posts;
  std::string body;
  size_t in_body = 0;
  for (const std::string& event : events) {
    if (in_body > 0 &&
        (in_body == kPostMaxEvents || body.size() + 2 + event.size() > kPostMaxBytes)) {
      posts.push_back(body + "]");
      body.clear();
      in_body = 0;
    }
    body += in_body == 0 ? "[" : ",";
    body += event;
    ++in_body;
  }
  if (in_body > 0) posts.push_back(body + "]");
  return posts;
}

Figures Measure(const Format& format, const std::vector<std::string>& posts) {
  tk::pipeline::DeliveryStats stats;
  tk::pipeline::RecordQueue queue(size_t{1} << 30);
  tk::telemetry::TelemetryIngest ingest(tk::bench::TypicalEncoder(), queue, stats);
  tk::config::RecordOptions options;
  options.format = format.format;
  options.compression = format.compression;
  ingest.PackWith(
      tk::telemetry::MakeRecordPacker(options, tk::telemetry::AggregateKey::kPerEventKey));

  Figures figures;
  auto started = std::chrono::steady_clock::now();
  for (const std::string& post : posts) {
    if (ingest.HandleBatch(post).status != 200) {
      std::fprintf(stderr, "tk-bench-record-formats: a POST was refused (%s)\n", format.name);
      std::exit(1);
    }
  }
  figures.ingest_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  figures.posts = posts.size();

  const tk::kinesis::StreamTarget target{"telemetry", ""};
  // Every queued record goes into some request; the bound only guards against a broken queue.
  for (size_t guard = 0; guard < 1'000'000 && !queue.empty(); ++guard) {
    tk::kinesis::PutRecordsBatch batch;
    if (queue.PopInto(batch) != 0) {
      std::fprintf(stderr, "tk-bench-record-formats: unsendable record (%s)\n", format.name);
      std::exit(1);
    }
    figures.requests++;
    figures.records += batch.size();
    figures.record_bytes += batch.bytes();
    figures.body_bytes +=
        tk::kinesis::PutRecordsBodySize(tk::kinesis::WireProtocol::kCbor, target, batch.records());
    for (const tk::kinesis::Record& record : batch.records()) {
      figures.units += tk::kinesis::PayloadUnits(record.Size());
      figures.events += record.events;
    }
  }
  return figures;
}

}  // namespace

int main(int argc, char** argv) {
  size_t event_count = 10'000;
  size_t line_bytes = 250;
  bool markdown = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--events" && i + 1 < argc) {
      event_count = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--line-bytes" && i + 1 < argc) {
      line_bytes = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--markdown") {
      markdown = true;
    } else {
      std::fprintf(stderr, "usage: %s [--events N] [--line-bytes B] [--markdown]\n", argv[0]);
      return 2;
    }
  }
  if (event_count == 0 || event_count > 10'000'000 || line_bytes == 0 || line_bytes > 100'000) {
    std::fprintf(stderr, "tk-bench-record-formats: --events 1..10000000, --line-bytes 1..100000\n");
    return 2;
  }

  std::mt19937_64 random(20240501);
  std::vector<std::string> events;
  events.reserve(event_count);
  for (size_t i = 0; i < event_count; ++i)
    events.push_back(FunctionEvent(LogLine(random, i, line_bytes), i));
  const std::vector<std::string> posts = Posts(events);

  std::vector<Figures> all;
  for (const Format& format : kFormats) {
    all.push_back(Measure(format, posts));
    if (all.back().events != event_count) {
      std::fprintf(stderr, "tk-bench-record-formats: %s carried %llu of %zu events\n", format.name,
                   static_cast<unsigned long long>(all.back().events), event_count);
      return 1;
    }
  }

  const Figures& event = all.front();
  if (markdown) {
    std::printf(
        "| format | records | PUT payload units | PutRecords requests | record bytes | "
        "request bytes | units vs `event` | ingest CPU ms |\n");
    std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  } else {
    std::printf("%zu events of %zu-byte log lines in %llu POSTs\n", event_count, line_bytes,
                static_cast<unsigned long long>(event.posts));
    std::printf("%-12s %9s %9s %9s %13s %13s %9s %9s\n", "format", "records", "units", "requests",
                "record_bytes", "request_bytes", "units_x", "ingest_ms");
  }
  for (size_t i = 0; i < all.size(); ++i) {
    const Figures& f = all[i];
    const double fewer = static_cast<double>(event.units) / static_cast<double>(f.units);
    if (markdown) {
      char versus[32];
      std::snprintf(versus, sizeof versus, i == 0 ? "baseline" : "%.1fx fewer", fewer);
      std::printf("| `%s` | %llu | %llu | %llu | %llu | %llu | %s | %.1f |\n", kFormats[i].name,
                  static_cast<unsigned long long>(f.records),
                  static_cast<unsigned long long>(f.units),
                  static_cast<unsigned long long>(f.requests),
                  static_cast<unsigned long long>(f.record_bytes),
                  static_cast<unsigned long long>(f.body_bytes), versus, f.ingest_ms);
    } else {
      std::printf("%-12s %9llu %9llu %9llu %13llu %13llu %8.1fx %9.1f\n", kFormats[i].name,
                  static_cast<unsigned long long>(f.records),
                  static_cast<unsigned long long>(f.units),
                  static_cast<unsigned long long>(f.requests),
                  static_cast<unsigned long long>(f.record_bytes),
                  static_cast<unsigned long long>(f.body_bytes), fewer, f.ingest_ms);
    }
  }
  return 0;
}
