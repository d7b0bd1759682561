// Fuzzes the spool reader with arbitrary segment bytes (a corrupt, truncated or foreign file in
// /tmp): it must never crash, must report what it returns, and what it returns must survive
// being spooled again unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "kinesis/record.h"
#include "pipeline/spool.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  tk::pipeline::SpoolReadReport report;
  const std::vector<tk::kinesis::Record> records = tk::pipeline::DecodeSpoolSegment(bytes, report);
  TK_FUZZ_CHECK(report.records == records.size());
  TK_FUZZ_CHECK(report.skipped_bytes <= size);

  std::string again;
  for (const tk::kinesis::Record& record : records) tk::pipeline::EncodeSpoolFrame(record, again);
  tk::pipeline::SpoolReadReport second_report;
  const std::vector<tk::kinesis::Record> second =
      tk::pipeline::DecodeSpoolSegment(again, second_report);
  TK_FUZZ_CHECK(second.size() == records.size());
  TK_FUZZ_CHECK(second_report.corrupt_frames == 0 && !second_report.truncated_tail);
  for (size_t i = 0; i < records.size(); ++i) {
    TK_FUZZ_CHECK(second[i].partition_key == records[i].partition_key);
    TK_FUZZ_CHECK(second[i].data == records[i].data);
    TK_FUZZ_CHECK(second[i].events == records[i].events);
  }
  return 0;
}
