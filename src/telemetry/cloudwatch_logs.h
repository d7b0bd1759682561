// The cloudwatch-logs record format: each Kinesis record is one gzip member of a CloudWatch Logs
// subscription DATA_MESSAGE, as a subscription filter delivers a log group to Kinesis:
//   {"messageType":"DATA_MESSAGE","owner":"<account>","logGroup":"/aws/lambda/<function>",
//    "logStream":"2024/05/01/[$LATEST]<32 hex>","subscriptionFilters":["<name>"],
//    "logEvents":[{"id":"<56 digits>","timestamp":<ms>,"message":"<the line>"},...]}
// (CloudWatch Logs User Guide, "Using subscription filters": the record fields and the gzip).
// The partition key is the log stream, as a subscription filter's is.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "config/record_options.h"
#include "kinesis/limits.h"
#include "kinesis/record.h"
#include "telemetry/event_id.h"
#include "telemetry/record_packer.h"

namespace tk::telemetry {

// Lambda's log stream name: "YYYY/MM/DD/[<version>]<32 hex digits>", the date (UTC) the
// execution environment started and an id of the environment (Lambda operator guide, "How
// CloudWatch structures logs"; the Node.js logging guide's example
// "2019/06/07/[$LATEST]e6f4a0c4241adcd70c262d34c0bbc85c"). Lambda hides the real one from
// extensions, so the id is ours: `sandbox_id` (16 hex digits) and 16 more drawn here.
std::string DrawLogStreamName(std::chrono::system_clock::time_point started,
                              std::string_view function_version, std::string_view sandbox_id);

// Who the records say sent them.
struct CloudWatchLogsSource {
  std::string owner;                // the account id
  std::string log_group;            // "/aws/lambda/<function>" unless configured
  std::string log_stream;           // DrawLogStreamName()
  std::string subscription_filter;  // the configured name
};

// One telemetry event as one log event of a DATA_MESSAGE: its JSON object is the record data
// the packer collects, the log stream its partition key.
class CloudWatchLogEventEncoder {
 public:
  CloudWatchLogEventEncoder(std::string log_stream, config::CloudWatchLogFormat format,
                            std::string function_version);

  // Fills `out` with {"id","timestamp","message"} for `raw_event`; false when CloudWatch has no
  // line for it (cloudwatch_lines.h), leaving `out` unspecified.
  bool Encode(std::string_view raw_event, const EventId& id, kinesis::Record& out) const;

 private:
  std::string log_stream_;
  config::CloudWatchLogFormat format_;
  std::string function_version_;
};

// The packer of cloudwatch-logs records: log events gzip-packed into DATA_MESSAGEs of
// `source` (its log stream is replaced by each record's partition key).
std::unique_ptr<RecordPacker> MakeCloudWatchLogsPacker(CloudWatchLogsSource source,
                                                       size_t max_record_bytes,
                                                       kinesis::Limits limits = {});

}  // namespace tk::telemetry
