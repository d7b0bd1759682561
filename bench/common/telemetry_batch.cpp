// Benchmark inputs: function log events and batches, and records encoded from them.
#include "common/telemetry_batch.h"

#include <cstdio>
#include <memory>
#include <string_view>
#include <utility>

namespace tk::bench {

std::string FunctionLogEvent(size_t serial, size_t line_bytes) {
  char head[96];
  std::snprintf(head, sizeof head, "inv-%04zu line-%04zu id=%016zx", serial / 10'000,
                serial % 10'000, static_cast<size_t>(serial * 0x9E3779B97F4A7C15ull));
  std::string text = head;
  static constexpr std::string_view kFiller = " the quick brown fox jumps over the lazy dog";
  while (text.size() < line_bytes) {
    text.append(kFiller.substr(0, std::min(line_bytes - text.size(), kFiller.size())));
  }
  return R"({"time":"2024-05-01T12:00:00.123Z","type":"function","record":")" + text + "\"}";
}

std::string FunctionLogBatch(size_t events, size_t line_bytes, size_t first_serial) {
  std::string body = "[";
  for (size_t i = 0; i < events; ++i) {
    if (i != 0) body.push_back(',');
    body.append(FunctionLogEvent(first_serial + i, line_bytes));
  }
  body.push_back(']');
  return body;
}

telemetry::RecordEncoder TypicalEncoder(bool random_keys) {
  telemetry::FunctionMetadata metadata;
  metadata.function_name = "orders-api";
  metadata.function_version = "$LATEST";
  metadata.region = "eu-west-1";
  metadata.memory_mb = 128;
  metadata.account_id = "123456789012";
  metadata.sandbox_id = "5f0c2a9be41d7730";
  metadata.extension_version = "telemetry-kinesis/0.1.0";
  return telemetry::RecordEncoder(
      telemetry::RenderEnvelopePrefix(metadata),
      random_keys ? config::PartitionKeyStrategy::kRandom : config::PartitionKeyStrategy::kSandbox,
      metadata.sandbox_id);
}

std::vector<kinesis::Record> EncodedRecords(size_t count, size_t line_bytes) {
  telemetry::RecordEncoder encoder = TypicalEncoder();
  std::vector<kinesis::Record> records(count);
  for (size_t i = 0; i < count; ++i) {
    const std::string event = FunctionLogEvent(i, line_bytes);
    encoder.Encode(event, encoder.identity().OfText(event), records[i]);
  }
  return records;
}

std::vector<kinesis::Record> BorrowedRecords(size_t count, size_t line_bytes) {
  telemetry::RecordEncoder encoder = TypicalEncoder();
  auto batch = std::make_shared<kinesis::SharedBatch>();
  std::vector<std::pair<size_t, size_t>> events;  // offset and length in the body
  batch->body = "[";
  for (size_t i = 0; i < count; ++i) {
    if (i != 0) batch->body += ',';
    const std::string event = FunctionLogEvent(i, line_bytes);
    events.emplace_back(batch->body.size(), event.size());
    batch->body += event;
  }
  batch->body += ']';
  encoder.FrameBatch(*batch);
  encoder.identity().BeginBody(batch->body);
  const std::shared_ptr<const kinesis::SharedBatch> shared = std::move(batch);
  std::vector<kinesis::Record> records(count);
  for (size_t i = 0; i < count; ++i) {
    const auto [offset, length] = events[i];
    encoder.EncodeBorrowed(std::string_view(shared->body).substr(offset, length),
                           encoder.identity().AtOffset(offset), shared, records[i]);
  }
  return records;
}

}  // namespace tk::bench
