// The extension's hot path without sockets: a Telemetry API batch goes through the listener's
// handler (parse, encode, queue), the sender's packing, the PutRecords body (CBOR by default, or
// JSON), SigV4 and the response classification, exactly as in the process; only the HTTP
// transport is a canned answer.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_sizes.h"
#include "common/telemetry_batch.h"
#include "kinesis/put_records_batch.h"
#include "kinesis/put_records_client.h"
#include "kinesis/record_recycler.h"
#include "pipeline/delivery_stats.h"
#include "pipeline/record_queue.h"
#include "telemetry/batch_parser.h"
#include "telemetry/listener.h"
#include "telemetry/telemetry_ingest.h"

namespace tk::bench {
namespace {

// Answers every PutRecords with success for as many records as the request carried, in the
// request's encoding (Kinesis answers CBOR with CBOR). Answers are rendered once per record count
// (with nlohmann::json), so the benchmark times the extension, not this stand-in.
class CannedKinesis final : public http::HttpClient {
 public:
  http::Response Send(const http::Request& request) override {
    const bool cbor = IsCbor(request);
    // The key "Data" once per record: as a JSON string, or as a CBOR text string (head 0x64).
    const std::string_view data_key = cbor ? std::string_view(
                                                 "\x64"
                                                 "Data")
                                           : "\"Data\"";
    size_t records = 0;
    for (size_t at = request.body.find(data_key); at != std::string::npos;
         at = request.body.find(data_key, at + 1)) {
      ++records;
    }
    http::Response response;
    response.status = 200;
    response.body = Answer(records, cbor);
    return response;
  }

 private:
  static bool IsCbor(const http::Request& request) {
    for (const http::Header& header : request.headers) {
      if (header.name == "content-type") return header.value == kinesis::kAmzCborContentType;
    }
    return false;
  }
  const std::string& Answer(size_t records, bool cbor) {
    std::string& answer = (cbor ? cbor_answers_ : json_answers_)[records];
    if (!answer.empty()) return answer;
    nlohmann::json entries = nlohmann::json::array();
    for (size_t i = 0; i < records; ++i) {
      entries.push_back(
          {{"SequenceNumber", "49590338271490256608559692538361571095921575989136588898"},
           {"ShardId", "shardId-000000000000"}});
    }
    const nlohmann::json result = {{"FailedRecordCount", 0}, {"Records", std::move(entries)}};
    if (cbor) {
      const std::vector<uint8_t> bytes = nlohmann::json::to_cbor(result);
      answer.assign(bytes.begin(), bytes.end());
    } else {
      answer = result.dump();
    }
    return answer;
  }

  std::map<size_t, std::string> cbor_answers_;
  std::map<size_t, std::string> json_answers_;
};

// The body as the listener hands it to the ingest: read into a buffer of its own (the one copy
// out of the socket), with simdjson's padding spare after it.
std::string ReceivedBody(const std::string& body) {
  std::string received;
  received.reserve(body.size() + telemetry::kListenerBodyPadding);
  received.assign(body);
  return received;
}

// Parse + encode only (the listener thread's share of the work).
void BM_ParseEncode(benchmark::State& state) {
  auto batch = std::make_shared<kinesis::SharedBatch>();
  batch->body =
      ReceivedBody(FunctionLogBatch(kEventsPerBatch, static_cast<size_t>(state.range(0))));
  telemetry::BatchParser parser;
  telemetry::RecordEncoder encoder = TypicalEncoder();
  encoder.FrameBatch(*batch);
  const std::shared_ptr<const kinesis::SharedBatch> shared = batch;
  std::vector<telemetry::TelemetryEvent> events;
  std::vector<kinesis::Record> records(kEventsPerBatch);
  size_t record_bytes = 0;
  for (auto _ : state) {
    // In place, as the ingest parses a received body; records borrow their events from it.
    if (!parser.Parse(shared->body, shared->body.capacity(), events).ok()) {
      state.SkipWithError("parse failed");
    }
    record_bytes = 0;
    encoder.identity().BeginBody(shared->body);
    for (size_t i = 0; i < events.size(); ++i) {
      const auto offset = static_cast<uint64_t>(events[i].raw.data() - shared->body.data());
      encoder.EncodeBorrowed(events[i].raw, encoder.identity().AtOffset(offset), shared,
                             records[i]);
      record_bytes += records[i].DataSize();
    }
    benchmark::DoNotOptimize(records.data());
  }
  SetPerEventCounters(state, kEventsPerBatch, record_bytes);
}
BENCHMARK(BM_ParseEncode)->Arg(kLogLineBytes)->Unit(benchmark::kMicrosecond);

// Everything from the POST body to the request handed to the transport, and its answer read, in
// the default protocol (CBOR; BM_HotPath_Json for AWS JSON 1.1 with base64).
void RunHotPath(benchmark::State& state, kinesis::WireProtocol protocol) {
  const std::string body = FunctionLogBatch(kEventsPerBatch, static_cast<size_t>(state.range(0)));
  pipeline::DeliveryStats stats;
  pipeline::RecordQueue queue(size_t{64} << 20);
  // Wired as in the extension: delivered records go back to the encoder for reuse.
  kinesis::RecordRecycler recycler;
  telemetry::RecordEncoder encoder = TypicalEncoder();
  encoder.RecycleFrom(&recycler);
  telemetry::TelemetryIngest ingest(std::move(encoder), queue, stats);
  CannedKinesis http;
  kinesis::KinesisClientConfig config;
  config.endpoint = aws::ParseEndpointUrl("http://127.0.0.1:4567", "endpoint").value();
  config.region = "eu-west-1";
  config.target.stream_name = "telemetry";
  config.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token"};
  config.protocol = protocol;
  kinesis::PutRecordsClient client(config, http);
  kinesis::PutRecordsBatch batch;
  size_t record_bytes = 0;
  for (auto _ : state) {
    if (ingest.HandleBatch(ReceivedBody(body)).status != 200) {
      state.SkipWithError("ingest refused the batch");
    }
    record_bytes = queue.held_bytes();
    while (!queue.empty()) {
      queue.PopInto(batch);
      kinesis::PutRecordsOutcome outcome = client.Send(batch.records());
      if (outcome.disposition != kinesis::Disposition::kSent) state.SkipWithError("send failed");
      queue.Release(batch.bytes());
      recycler.Give(batch.records());
      batch.Clear();
    }
  }
  SetPerEventCounters(state, kEventsPerBatch, record_bytes);
}

void BM_HotPath(benchmark::State& state) { RunHotPath(state, kinesis::WireProtocol::kCbor); }
BENCHMARK(BM_HotPath)->Arg(kLogLineBytes)->Unit(benchmark::kMicrosecond);

void BM_HotPath_Json(benchmark::State& state) { RunHotPath(state, kinesis::WireProtocol::kJson); }
BENCHMARK(BM_HotPath_Json)->Arg(kLogLineBytes)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tk::bench
