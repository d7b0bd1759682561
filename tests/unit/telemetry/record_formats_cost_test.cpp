// The cost claim of the packed formats: for 10,000 250-byte log lines POSTed as Lambda batches
// them, ndjson, ndjson+gzip and kpl use at least 20x fewer PUT payload units and records than
// one record per event (bench/record_formats prints the full figures).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kinesis/limits.h"
#include "telemetry/telemetry_ingest.h"

namespace tk::telemetry {
namespace {

constexpr size_t kEvents = 10'000;
constexpr size_t kLineBytes = 250;
constexpr size_t kEventsPerPost = 1'000;  // Telemetry API buffering maxItems (default here)

struct Cost {
  uint64_t records = 0;
  uint64_t units = 0;
  uint64_t events = 0;
};

std::string LogEvent(size_t serial) {
  std::string line = "2024-05-01T12:00:00.000Z\\t" + std::to_string(serial * 7919) +
                     "\\tINFO\\torder " + std::to_string(serial) +
                     " accepted total=" + std::to_string(serial % 977);
  line.resize(kLineBytes, '.');
  return R"({"time":"2024-05-01T12:00:00.000Z","type":"function","record":")" + line + "\"}";
}

Cost Measure(config::RecordFormat format, config::Compression compression) {
  telemetry::FunctionMetadata metadata;
  metadata.function_name = "orders-api";
  metadata.function_version = "$LATEST";
  metadata.region = "eu-west-1";
  metadata.memory_mb = 128;
  metadata.account_id = "123456789012";
  metadata.sandbox_id = "5f0c2a9be41d7730";
  metadata.extension_version = "telemetry-kinesis/0.1.0";
  pipeline::RecordQueue queue(64 * kinesis::kMiB);
  pipeline::DeliveryStats stats;
  TelemetryIngest ingest(
      telemetry::RecordEncoder(telemetry::RenderEnvelopePrefix(metadata),
                               config::PartitionKeyStrategy::kSandbox, metadata.sandbox_id),
      queue, stats);
  ingest.PackWith(
      telemetry::MakeRecordPacker({format, compression, config::kDefaultPackedRecordBytes, {}},
                                  telemetry::AggregateKey::kPerEventKey));
  for (size_t post = 0; post < kEvents / kEventsPerPost; ++post) {
    std::string body = "[";
    for (size_t i = 0; i < kEventsPerPost; ++i) {
      body += (i == 0 ? "" : ",") + LogEvent(post * kEventsPerPost + i);
    }
    EXPECT_EQ(ingest.HandleBatch(body + "]").status, 200);
  }
  Cost cost;
  for (int requests = 0; requests < 1'000 && !queue.empty(); ++requests) {
    kinesis::PutRecordsBatch batch;
    EXPECT_EQ(queue.PopInto(batch), 0u);
    for (const kinesis::Record& record : batch.records()) {
      cost.records++;
      cost.units += kinesis::PayloadUnits(record.Size());
      cost.events += record.events;
    }
  }
  return cost;
}

TEST(RecordFormatsCostTest, PackedFormatsUseAtLeast20TimesFewerUnitsAndRecordsThanEvent) {
  const Cost event = Measure(config::RecordFormat::kEvent, config::Compression::kNone);
  EXPECT_EQ(event.records, kEvents);
  EXPECT_EQ(event.units, kEvents);
  for (auto [format, compression, name] :
       {std::tuple{config::RecordFormat::kNdjson, config::Compression::kNone, "ndjson"},
        std::tuple{config::RecordFormat::kNdjson, config::Compression::kGzip, "ndjson+gzip"},
        std::tuple{config::RecordFormat::kKpl, config::Compression::kNone, "kpl"}}) {
    const Cost packed = Measure(format, compression);
    EXPECT_EQ(packed.events, kEvents) << name;
    EXPECT_GE(event.units, 20 * packed.units) << name << ": " << packed.units << " units";
    EXPECT_GE(event.records, 20 * packed.records) << name << ": " << packed.records << " records";
  }
}

}  // namespace
}  // namespace tk::telemetry
