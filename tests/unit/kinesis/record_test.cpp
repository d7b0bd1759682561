// Tests records whose bytes are borrowed from a shared POST body: their size and bytes, copying
// them out, and that every PutRecords body writes them exactly as it writes an owned record with
// the same bytes.
#include "kinesis/record.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "kinesis/put_records_cbor_body.h"
#include "kinesis/put_records_request.h"

namespace tk::kinesis {
namespace {

// A body of three events, framed as "{"e":<event>}".
std::shared_ptr<const SharedBatch> ThreeEventBody() {
  auto batch = std::make_shared<SharedBatch>();
  batch->body = R"([{"n":1},{"n":22},{"s":"\u00e9\n"}])";
  batch->head = R"({"e":)";
  batch->tail = "}";
  return batch;
}

// The record of the event at [offset, offset + length) of the body.
Record Borrowed(const std::shared_ptr<const SharedBatch>& batch, size_t offset, size_t length,
                std::string key) {
  Record record;
  record.partition_key = std::move(key);
  record.batch = batch;
  record.event = std::string_view(batch->body).substr(offset, length);
  return record;
}

std::vector<Record> BorrowedRecords() {
  std::shared_ptr<const SharedBatch> batch = ThreeEventBody();
  return {Borrowed(batch, 1, 7, "k1"), Borrowed(batch, 9, 8, "0123456789abcdef"),
          Borrowed(batch, 18, 16, "k3")};
}

std::vector<Record> OwnedCopies(const std::vector<Record>& borrowed) {
  std::vector<Record> owned;
  for (const Record& record : borrowed) {
    Record copy = record;
    copy.OwnData();
    owned.push_back(std::move(copy));
  }
  return owned;
}

TEST(RecordTest, ABorrowedRecordsBytesAreTheHeadTheEventAndTheTail) {
  const std::vector<Record> records = BorrowedRecords();
  ASSERT_TRUE(records[2].borrowed());
  EXPECT_EQ(records[2].event, R"({"s":"\u00e9\n"})");
  EXPECT_EQ(records[2].DataSize(), 5u + 16u + 1u);
  EXPECT_EQ(records[2].Size(), 2u + 22u);
  std::string bytes = "before:";
  records[2].AppendDataTo(bytes);
  EXPECT_EQ(bytes, R"(before:{"e":{"s":"\u00e9\n"}})");
  std::string scratch;
  EXPECT_EQ(records[0].ContiguousData(scratch), R"({"e":{"n":1}})");
  char out[64];
  EXPECT_EQ(records[1].CopyDataTo(out), out + records[1].DataSize());
  EXPECT_EQ(std::string_view(out, records[1].DataSize()), R"({"e":{"n":22}})");
}

TEST(RecordTest, OwnDataCopiesTheBytesAndLetsGoOfTheBody) {
  std::vector<Record> records = BorrowedRecords();
  std::weak_ptr<const SharedBatch> body = records[0].batch;
  for (Record& record : records) record.OwnData();
  EXPECT_TRUE(body.expired());
  EXPECT_FALSE(records[0].borrowed());
  EXPECT_EQ(records[0].data, R"({"e":{"n":1}})");
  EXPECT_EQ(records[0].Size(), 2u + 13u);
  records[0].OwnData();  // already owned: unchanged
  EXPECT_EQ(records[0].data, R"({"e":{"n":1}})");
}

TEST(RecordTest, AnOwnedRecordIsItsDataAlone) {
  const Record record{.partition_key = "k", .data = "bytes"};
  EXPECT_FALSE(record.borrowed());
  EXPECT_EQ(record.DataSize(), 5u);
  std::string scratch = "untouched";
  EXPECT_EQ(record.ContiguousData(scratch).data(), record.data.data()) << "no copy";
  EXPECT_EQ(scratch, "untouched");
}

TEST(RecordTest, EveryRequestBodyWritesBorrowedRecordsAsItWritesOwnedOnes) {
  const std::vector<Record> borrowed = BorrowedRecords();
  const std::vector<Record> owned = OwnedCopies(borrowed);
  StreamTarget target;
  target.stream_name = "telemetry";
  for (WireProtocol protocol : {WireProtocol::kCbor, WireProtocol::kJson}) {
    std::string from_borrowed;
    std::string from_owned;
    SerializePutRecordsBody(protocol, target, borrowed, from_borrowed);
    SerializePutRecordsBody(protocol, target, owned, from_owned);
    EXPECT_EQ(from_borrowed, from_owned) << static_cast<int>(protocol);
    EXPECT_EQ(from_borrowed.size(), PutRecordsBodySize(protocol, target, borrowed));
  }
}

}  // namespace
}  // namespace tk::kinesis
