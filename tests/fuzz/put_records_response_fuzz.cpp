// Fuzzes the PutRecords response classifier with any status, record count and body: it must never
// crash, and a kSent outcome must name each failed record once, in order, within what was sent.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "http/http_client.h"
#include "kinesis/put_records_response.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  // Byte 0 picks the HTTP status (or no response at all), bytes 1-2 the records sent (0-511).
  static constexpr long kStatuses[] = {200, 200, 200, 200, 400, 403, 404, 408, 413,
                                       429, 500, 502, 503, 504, 0,   299, 301};
  tk::http::Response response;
  response.status = kStatuses[data[0] % std::size(kStatuses)];
  if (response.status == 0)
    response.transport = {"curl error 56 (fuzz)", tk::ErrorKind::kConnectionLost};
  const size_t records_sent = ((size_t{data[1]} << 8) | data[2]) % 512;
  response.body.assign(reinterpret_cast<const char*>(data) + 3, size - 3);

  const tk::kinesis::PutRecordsOutcome outcome =
      tk::kinesis::ClassifyPutRecordsResponse(response, records_sent);
  if (outcome.disposition != tk::kinesis::Disposition::kSent) {
    TK_FUZZ_CHECK(outcome.failed_indices.empty());
    TK_FUZZ_CHECK(!outcome.error_code.empty());
    return 0;
  }
  TK_FUZZ_CHECK(response.status == 200);
  size_t counted = 0;
  for (const auto& [code, count] : outcome.failed_by_code) {
    TK_FUZZ_CHECK(!code.empty());
    counted += count;
  }
  TK_FUZZ_CHECK(counted == outcome.failed_indices.size());
  for (size_t i = 0; i < outcome.failed_indices.size(); ++i) {
    TK_FUZZ_CHECK(outcome.failed_indices[i] < records_sent);
    if (i > 0) TK_FUZZ_CHECK(outcome.failed_indices[i - 1] < outcome.failed_indices[i]);
  }
  return 0;
}
