// DATA_MESSAGE records: log events rendered per event, framed and gzip-packed per record.
#include "telemetry/cloudwatch_logs.h"

#include <ctime>

#include "common/json_escape.h"
#include "telemetry/cloudwatch_lines.h"
#include "telemetry/gzip_packer.h"
#include "telemetry/record_encoder.h"

namespace tk::telemetry {
namespace {

constexpr std::string_view kLogEventsEnd = "]}";

std::string Quoted(std::string_view text) {
  std::string quoted = "\"";
  AppendJsonEscaped(quoted, text);
  return quoted + "\"";
}

// The DATA_MESSAGE around the log events: everything up to `"logStream":"`, the stream (the
// record's key), then the rest up to the log events' array.
class DataMessageFraming final : public GzipFraming {
 public:
  explicit DataMessageFraming(const CloudWatchLogsSource& source)
      : before_stream_(R"({"messageType":"DATA_MESSAGE","owner":)" + Quoted(source.owner) +
                       R"(,"logGroup":)" + Quoted(source.log_group) + R"(,"logStream":)"),
        after_stream_(R"(,"subscriptionFilters":[)" + Quoted(source.subscription_filter) +
                      R"(],"logEvents":[)") {}

  // Log events are separated by commas: each unit ends in one, the last one's is left out.
  void AppendUnit(std::string_view unit, std::string& pending) const override {
    pending.append(unit).push_back(',');
  }
  size_t UnitBytes(size_t unit_bytes) const override { return unit_bytes + 1; }
  std::string_view Document(std::string_view key, std::string_view units,
                            std::string& scratch) const override {
    scratch.assign(before_stream_);
    scratch.append(Quoted(key)).append(after_stream_);
    if (!units.empty()) scratch.append(units.substr(0, units.size() - 1));
    scratch.append(kLogEventsEnd);
    return scratch;
  }
  size_t FrameBytes(std::string_view key) const override {
    return before_stream_.size() + JsonEscapedSize(key) + 2 + after_stream_.size() +
           kLogEventsEnd.size();
  }

 private:
  std::string before_stream_;
  std::string after_stream_;
};

}  // namespace

std::string DrawLogStreamName(std::chrono::system_clock::time_point started,
                              std::string_view function_version, std::string_view sandbox_id) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(started);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char date[16];
  std::strftime(date, sizeof date, "%Y/%m/%d", &utc);
  return std::string(date) + "/[" + std::string(function_version) + "]" + std::string(sandbox_id) +
         DrawSandboxId();
}

CloudWatchLogEventEncoder::CloudWatchLogEventEncoder(std::string log_stream,
                                                     config::CloudWatchLogFormat format,
                                                     std::string function_version)
    : log_stream_(std::move(log_stream)),
      format_(format),
      function_version_(std::move(function_version)) {}

bool CloudWatchLogEventEncoder::Encode(std::string_view raw_event, const EventId& id,
                                       kinesis::Record& out) const {
  const std::optional<CloudWatchLine> line =
      CloudWatchLineOf(raw_event, format_, function_version_);
  if (!line) return false;
  out.batch.reset();
  out.event = {};
  out.own_size = 0;
  out.partition_key = log_stream_;
  out.data.clear();
  out.data.reserve(line->message.size() + 128);
  out.data.append(R"({"id":")").append(DecimalOf(id)).append(R"(","timestamp":)");
  out.data.append(std::to_string(line->timestamp_ms)).append(R"(,"message":")");
  AppendJsonEscaped(out.data, line->message);
  out.data.append("\"}");
  out.attempts = 0;
  out.events = 1;
  return true;
}

std::unique_ptr<RecordPacker> MakeCloudWatchLogsPacker(CloudWatchLogsSource source,
                                                       size_t max_record_bytes,
                                                       kinesis::Limits limits) {
  return std::make_unique<GzipPacker>(std::make_unique<DataMessageFraming>(source),
                                      max_record_bytes, AggregateKey::kPerEventKey, limits);
}

}  // namespace tk::telemetry
