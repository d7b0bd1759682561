// The floor of the hot path as issue 5 defines it: base64-encode every record's bytes once and
// SHA-256 the encoded text once (SigV4 hashes the body), the unavoidable work of the JSON protocol;
// the hot path is reported as a ratio to it. With CBOR, base64 is avoided too: what no protocol
// avoids is SHA-256 of the record bytes themselves (BM_Floor_Sha256), reported beside it.
#include <benchmark/benchmark.h>

#include "aws/crypto.h"
#include "bench_sizes.h"
#include "common/telemetry_batch.h"

namespace tk::bench {
namespace {

void BM_Floor_Base64Sha256(benchmark::State& state) {
  const auto line_bytes = static_cast<size_t>(state.range(0));
  const std::vector<kinesis::Record> records = EncodedRecords(kEventsPerBatch, line_bytes);
  std::string encoded;
  size_t record_bytes = 0;
  for (const kinesis::Record& record : records) record_bytes += record.data.size();
  encoded.reserve(aws::Base64EncodedSize(record_bytes) + 4 * records.size());
  for (auto _ : state) {
    encoded.clear();
    for (const kinesis::Record& record : records) aws::AppendBase64(encoded, record.data);
    benchmark::DoNotOptimize(aws::Sha256(encoded));
  }
  SetPerEventCounters(state, records.size(), record_bytes);
}
BENCHMARK(BM_Floor_Base64Sha256)->Arg(kLogLineBytes)->Unit(benchmark::kMicrosecond);

void BM_Floor_Sha256(benchmark::State& state) {
  const auto line_bytes = static_cast<size_t>(state.range(0));
  const std::vector<kinesis::Record> records = EncodedRecords(kEventsPerBatch, line_bytes);
  std::string raw;
  for (const kinesis::Record& record : records) raw.append(record.data);
  for (auto _ : state) benchmark::DoNotOptimize(aws::Sha256(raw));
  SetPerEventCounters(state, records.size(), raw.size());
}
BENCHMARK(BM_Floor_Sha256)->Arg(kLogLineBytes)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tk::bench
