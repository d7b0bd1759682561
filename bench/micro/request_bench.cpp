// PutRecords request assembly (the CBOR body, and the JSON body with base64 data), SigV4 signing
// per body size, and base64 alone.
#include <benchmark/benchmark.h>

#include <string>

#include "aws/crypto.h"
#include "aws/sigv4.h"
#include "bench_sizes.h"
#include "common/telemetry_batch.h"
#include "kinesis/put_records_request.h"

namespace tk::bench {
namespace {

void RunRequestAssembly(benchmark::State& state, kinesis::WireProtocol protocol) {
  // As the sender gets them in the default format: borrowing their events from the POST body.
  const std::vector<kinesis::Record> records =
      BorrowedRecords(static_cast<size_t>(state.range(0)), kLogLineBytes);
  kinesis::StreamTarget target{.stream_name = "telemetry", .stream_arn = ""};
  size_t bytes = 0;
  for (const kinesis::Record& record : records) bytes += record.Size();
  for (auto _ : state) {
    std::string body;  // a fresh buffer each time, as the worst case (the sender reuses one)
    kinesis::SerializePutRecordsBody(protocol, target, records, body);
    benchmark::DoNotOptimize(body.data());
  }
  SetPerEventCounters(state, records.size(), bytes);
}

void BM_RequestAssembly(benchmark::State& state) {
  RunRequestAssembly(state, kinesis::WireProtocol::kCbor);
}
BENCHMARK(BM_RequestAssembly)->Arg(500)->Unit(benchmark::kMicrosecond);

void BM_RequestAssembly_Json(benchmark::State& state) {
  RunRequestAssembly(state, kinesis::WireProtocol::kJson);
}
BENCHMARK(BM_RequestAssembly_Json)->Arg(500)->Unit(benchmark::kMicrosecond);

void BM_SigV4(benchmark::State& state) {
  const std::string payload(static_cast<size_t>(state.range(0)), 'x');
  aws::SigningParams params{
      .credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token"},
      .region = "eu-west-1",
      .service = "kinesis",
      .time = std::chrono::system_clock::now()};
  for (auto _ : state) {
    aws::HttpRequestToSign request;
    request.method = "POST";
    request.path = "/";
    request.headers = {{"host", "kinesis.eu-west-1.amazonaws.com"},
                       {"content-type", "application/x-amz-json-1.1"},
                       {"x-amz-target", "Kinesis_20131202.PutRecords"}};
    request.payload = payload;
    aws::SignRequest(request, params);
    benchmark::DoNotOptimize(request.headers.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * payload.size()));
}
BENCHMARK(BM_SigV4)
    ->Arg(1 << 10)
    ->Arg(64 << 10)
    ->Arg(340 << 10)  // a 500-record body of 250-byte log lines
    ->Arg(5 << 20)
    ->Unit(benchmark::kMicrosecond);

void BM_Base64(benchmark::State& state) {
  const std::string input(static_cast<size_t>(state.range(0)), 'x');
  std::string out;
  out.reserve(aws::Base64EncodedSize(input.size()));
  for (auto _ : state) {
    out.clear();
    aws::AppendBase64(out, input);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
}
BENCHMARK(BM_Base64)->Arg(512)->Arg(256 << 10)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tk::bench

BENCHMARK_MAIN();
