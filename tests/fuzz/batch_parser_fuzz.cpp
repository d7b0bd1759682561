// Fuzzes the listener's path for one POST body: the batch parser, the record encoder and the
// PutRecords body writer. Any input must be rejected cleanly or yield events that are slices of
// the body, records that end with the event's bytes, and a request body of the promised size.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "kinesis/cbor_walker.h"
#include "kinesis/put_records_request.h"
#include "kinesis/record.h"
#include "telemetry/batch_parser.h"
#include "telemetry/listener.h"
#include "telemetry/record_encoder.h"

namespace {

tk::telemetry::RecordEncoder MakeEncoder() {
  tk::telemetry::FunctionMetadata metadata;
  metadata.function_name = "fuzz-function";
  metadata.function_version = "$LATEST";
  metadata.region = "eu-west-1";
  metadata.memory_mb = 128;
  metadata.account_id = "123456789012";
  metadata.sandbox_id = "0123456789abcdef";
  metadata.extension_version = "telemetry-kinesis/fuzz";
  return tk::telemetry::RecordEncoder(tk::telemetry::RenderEnvelopePrefix(metadata),
                                      tk::config::PartitionKeyStrategy::kSandbox,
                                      metadata.sandbox_id);
}

}  // namespace

// Counts the entries of a PutRecords body's Records array (depth 2) that carry Data bytes.
struct RecordCounter : tk::kinesis::CborVisitor {
  size_t records = 0;
  bool Value(size_t depth, std::string_view key, const tk::kinesis::CborValue& value) override {
    if (depth == 3 && key == "Data" && value.kind == tk::kinesis::CborKind::kBytes) ++records;
    return true;
  }
};

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // One parser and encoder for the whole run, as in the extension: buffers are reused and grow.
  static tk::telemetry::BatchParser parser;
  static tk::telemetry::RecordEncoder encoder = MakeEncoder();
  static simdjson::dom::parser checker;

  // As the listener hands it over: padded for simdjson, parsed in place, shared by the records
  // that borrow their events from it.
  auto batch = std::make_shared<tk::kinesis::SharedBatch>();
  batch->body.reserve(size + tk::telemetry::kListenerBodyPadding);
  batch->body.assign(reinterpret_cast<const char*>(data), size);
  encoder.FrameBatch(*batch);
  const std::string& body = batch->body;
  std::vector<tk::telemetry::TelemetryEvent> events;
  if (!parser.Parse(body, body.capacity(), events).ok()) return 0;

  std::vector<tk::kinesis::Record> records;
  std::string scratch;
  for (const tk::telemetry::TelemetryEvent& event : events) {
    // Parsed in place: every event is a slice of the body itself.
    TK_FUZZ_CHECK(!event.raw.empty());
    TK_FUZZ_CHECK(event.raw.data() >= body.data() &&
                  event.raw.data() + event.raw.size() <= body.data() + body.size());
    tk::kinesis::Record record;
    const tk::telemetry::EventId id =
        encoder.identity().AtOffset(static_cast<uint64_t>(event.raw.data() - body.data()));
    if (!encoder.Encode(event.raw, id, record)) continue;  // over the 1 MiB record limit
    TK_FUZZ_CHECK(record.Size() == encoder.RecordSize(event.raw.size()));
    TK_FUZZ_CHECK(record.data.ends_with(std::string(event.raw) + "}"));
    // The envelope around a valid event is itself one valid JSON object.
    simdjson::dom::element parsed;
    TK_FUZZ_CHECK(checker.parse(record.data).get(parsed) == simdjson::SUCCESS);
    TK_FUZZ_CHECK(parsed.is_object());
    // The borrowing record has the same bytes and size without a copy of the event.
    tk::kinesis::Record borrowed;
    TK_FUZZ_CHECK(encoder.EncodeBorrowed(event.raw, id, batch, borrowed));
    TK_FUZZ_CHECK(borrowed.ContiguousData(scratch) == record.data);
    TK_FUZZ_CHECK(borrowed.DataSize() == record.data.size());
    // Requests below mix both kinds, as a retry (which copies) does in the extension.
    records.push_back(records.size() % 2 == 0 ? std::move(borrowed) : std::move(record));
    if (records.size() == 500) break;  // one PutRecords request at most
  }
  tk::kinesis::StreamTarget target;
  target.stream_name = "fuzz-stream";
  const std::string request = tk::kinesis::SerializePutRecordsBody(target, records);
  TK_FUZZ_CHECK(request.size() == tk::kinesis::PutRecordsBodySize(target, records));
  simdjson::dom::element parsed_request;
  TK_FUZZ_CHECK(checker.parse(request).get(parsed_request) == simdjson::SUCCESS);
  // The CBOR body (the default protocol): exact size, one well-formed item with every record.
  std::string cbor_request;
  tk::kinesis::SerializePutRecordsBody(tk::kinesis::WireProtocol::kCbor, target, records,
                                       cbor_request);
  TK_FUZZ_CHECK(cbor_request.size() ==
                tk::kinesis::PutRecordsBodySize(tk::kinesis::WireProtocol::kCbor, target, records));
  RecordCounter counter;
  TK_FUZZ_CHECK(tk::kinesis::WalkCbor(cbor_request, counter).ok());
  TK_FUZZ_CHECK(counter.records == records.size());
  return 0;
}
