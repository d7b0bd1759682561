// The packer for the configured record format.
#include "telemetry/record_packer.h"

#include "telemetry/kpl_aggregator.h"
#include "telemetry/ndjson_packer.h"

namespace tk::telemetry {

void ReleaseSlack(std::string& data) {
  // Slack up to half the size is what a growing string has anyway; more is a reservation unused.
  if (data.capacity() - data.size() > data.size() / 2 + 1024) data.shrink_to_fit();
}

std::unique_ptr<RecordPacker> MakeRecordPacker(const config::RecordOptions& options,
                                               AggregateKey key_rule, kinesis::Limits limits) {
  switch (options.format) {
    case config::RecordFormat::kEvent:
      return nullptr;
    case config::RecordFormat::kCloudWatchLogs:
      return nullptr;  // needs the log group: MakeCloudWatchLogsPacker()
    case config::RecordFormat::kNdjson:
      if (options.compression == config::Compression::kGzip) {
        return std::make_unique<GzipNdjsonPacker>(options.max_record_bytes, key_rule, limits);
      }
      return std::make_unique<NdjsonPacker>(options.max_record_bytes, key_rule, limits);
    case config::RecordFormat::kKpl:
      return std::make_unique<KplAggregator>(options.max_record_bytes, key_rule, limits);
  }
  return nullptr;
}

}  // namespace tk::telemetry
