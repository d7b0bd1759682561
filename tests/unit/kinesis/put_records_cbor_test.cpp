// Tests the CBOR side of PutRecords: the request body against nlohmann::json's CBOR encoder and
// decoder (an independent implementation), and the classification of CBOR answers.
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kinesis/put_records_cbor_body.h"
#include "kinesis/put_records_cbor_response.h"
#include "kinesis/put_records_request.h"
#include "kinesis/put_records_response.h"

namespace tk::kinesis {
namespace {

using nlohmann::json;

std::string ToCbor(const json& value) {
  const std::vector<uint8_t> bytes = json::to_cbor(value);
  return {bytes.begin(), bytes.end()};
}

std::string Head(CborMajorType type, uint64_t argument) {
  std::string head(CborHeadSize(argument), '\0');
  EXPECT_EQ(WriteCborHead(head.data(), head.size(), type, argument), head.size());
  EXPECT_EQ(WriteCborHead(head.data(), head.size() - 1, type, argument), 0u);  // no room: nothing
  return head;
}

// Lengths at which the head changes form: inline, then 1, 2, 4 following bytes.
const std::vector<size_t> kBoundaryLengths = {0, 1, 23, 24, 255, 256, 65535, 65536};

TEST(CborHeadTest, TextAndByteStringHeadsMatchNlohmannAtEveryBoundary) {
  for (const size_t length : kBoundaryLengths) {
    const std::string text(length, 'a');
    EXPECT_EQ(ToCbor(json(text)), Head(CborMajorType::kTextString, length) + text) << length;
    const json bytes = json::binary(std::vector<uint8_t>(length, 0x61));
    EXPECT_EQ(ToCbor(bytes), Head(CborMajorType::kByteString, length) + text) << length;
  }
}

TEST(CborHeadTest, ArrayHeadsMatchNlohmann) {
  for (const size_t count : {size_t{0}, size_t{23}, size_t{24}, size_t{500}}) {
    const std::string encoded = ToCbor(json::array_t(count, json(nullptr)));
    EXPECT_EQ(encoded.substr(0, CborHeadSize(count)), Head(CborMajorType::kArray, count)) << count;
  }
}

// Four- and eight-byte arguments (strings of 4 GiB are not built here): the argument encoding is
// the one of unsigned integers, major type 0, which nlohmann encodes for any value.
TEST(CborHeadTest, LongArgumentsUseTheUnsignedIntegerEncoding) {
  for (const uint64_t argument : {uint64_t{1'000'000}, uint64_t{0xFFFF'FFFF}, uint64_t{1} << 32,
                                  uint64_t{0xFFFF'FFFF'FFFF'FFFF}}) {
    std::string expected = ToCbor(json(argument));
    expected[0] = static_cast<char>(expected[0] | 0x80);  // major type 0 -> 4 (array)
    EXPECT_EQ(Head(CborMajorType::kArray, argument), expected) << argument;
  }
}

std::vector<Record> SampleRecords() {
  std::string every_byte;
  for (int byte = 0; byte < 256; ++byte) every_byte.push_back(static_cast<char>(byte));
  return {{.partition_key = "sandbox-1", .data = R"({"type":"platform.start"})"},
          {.partition_key = "k", .data = ""},
          {.partition_key = "schl\xC3\xBCssel", .data = every_byte},
          {.partition_key = std::string(256, 'p'), .data = std::string(70'000, 'x')}};
}

std::string Serialize(const StreamTarget& target, const std::vector<Record>& records) {
  std::string body;
  SerializePutRecordsCborBody(target, records, body);
  return body;
}

TEST(PutRecordsCborBodyTest, DecodesToTheStreamAndEveryRecordsBytesAndKey) {
  const std::vector<Record> records = SampleRecords();
  const StreamTarget target{.stream_name = "telemetry", .stream_arn = ""};
  const std::string body = Serialize(target, records);

  EXPECT_EQ(body.size(), PutRecordsCborBodySize(target, records));
  const json decoded = json::from_cbor(body);
  ASSERT_EQ(decoded.size(), 2u);
  EXPECT_EQ(decoded.at("StreamName"), "telemetry");
  ASSERT_EQ(decoded.at("Records").size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const json& entry = decoded.at("Records").at(i);
    ASSERT_EQ(entry.size(), 2u);
    ASSERT_TRUE(entry.at("Data").is_binary());
    const std::vector<uint8_t>& data = entry.at("Data").get_binary();
    EXPECT_EQ(std::string(data.begin(), data.end()), records[i].data) << i;
    EXPECT_EQ(entry.at("PartitionKey"), records[i].partition_key) << i;
  }
}

TEST(PutRecordsCborBodyTest, DecodesToTheSameDocumentNlohmannWouldEncode) {
  const std::vector<Record> records = SampleRecords();
  json document = {{"StreamARN", "arn:aws:kinesis:eu-west-1:123456789012:stream/telemetry"},
                   {"Records", json::array()}};
  for (const Record& record : records) {
    document["Records"].push_back(
        {{"Data", json::binary(std::vector<uint8_t>(record.data.begin(), record.data.end()))},
         {"PartitionKey", record.partition_key}});
  }
  const StreamTarget target{
      .stream_name = "", .stream_arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/telemetry"};
  // Equal as documents (nlohmann writes keys sorted, we write the stream first); compared with
  // EXPECT_TRUE so a failure does not print 70 KB.
  EXPECT_TRUE(json::from_cbor(Serialize(target, records)) == document);
}

TEST(PutRecordsCborBodyTest, AnEmptyBatchIsAnEmptyRecordsArray) {
  const std::string body = Serialize({.stream_name = "s", .stream_arn = ""}, {});
  EXPECT_EQ(json::from_cbor(body), json({{"StreamName", "s"}, {"Records", json::array()}}));
}

TEST(PutRecordsCborBodyTest, ReusesTheBufferAndTheProtocolOverloadPicksCbor) {
  const std::vector<Record> records = SampleRecords();
  const StreamTarget target{.stream_name = "telemetry", .stream_arn = ""};
  std::string buffer(1'000'000, 'z');
  const char* storage = buffer.data();
  SerializePutRecordsBody(WireProtocol::kCbor, target, records, buffer);
  EXPECT_EQ(buffer.data(), storage);
  EXPECT_EQ(buffer, Serialize(target, records));
  EXPECT_EQ(PutRecordsBodySize(WireProtocol::kCbor, target, records), buffer.size());
  // A quarter less than JSON for the same records: no base64.
  EXPECT_LT(buffer.size() * 4, PutRecordsBodySize(WireProtocol::kJson, target, records) * 3 + 400);
}

http::Response Http(long status, std::string body) {
  return http::Response{.status = status, .body = std::move(body), .headers = {}, .transport = {}};
}

json Stored(int sequence) {
  return {{"SequenceNumber", std::to_string(sequence)}, {"ShardId", "shardId-000000000000"}};
}

json Failed(const std::string& code) {
  return {{"ErrorCode", code}, {"ErrorMessage", code + " (test)"}};
}

TEST(PutRecordsCborResponseTest, AllStoredWithNullErrorCodesIsSent) {
  // kinesis-local writes "ErrorCode": null on stored entries; AWS omits the key.
  json first = Stored(1);
  first["ErrorCode"] = nullptr;
  first["ErrorMessage"] = nullptr;
  const json result = {{"FailedRecordCount", 0},
                       {"Records", {first, Stored(2), Stored(3)}},
                       {"EncryptionType", "NONE"}};
  const PutRecordsOutcome outcome = ClassifyPutRecordsResponse(Http(200, ToCbor(result)), 3);
  EXPECT_EQ(outcome.disposition, Disposition::kSent);
  EXPECT_TRUE(outcome.failed_indices.empty());
}

TEST(PutRecordsCborResponseTest, PartialFailureNamesTheFailedIndicesAndCodes) {
  const json result = {
      {"FailedRecordCount", 3},
      {"Records",
       {Stored(1), Failed("ProvisionedThroughputExceededException"), Stored(3),
        Failed("InternalFailure"), Failed("ProvisionedThroughputExceededException")}}};
  const PutRecordsOutcome outcome = ClassifyPutRecordsResponse(Http(200, ToCbor(result)), 5);
  EXPECT_EQ(outcome.disposition, Disposition::kSent);
  EXPECT_EQ(outcome.failed_indices, (std::vector<size_t>{1, 3, 4}));
  EXPECT_EQ(outcome.failed_by_code.at("ProvisionedThroughputExceededException"), 2u);
  EXPECT_EQ(outcome.failed_by_code.at("InternalFailure"), 1u);
}

// CBOR maps may repeat a key (nlohmann cannot write that, so the bytes are put together here).
std::string Text(std::string_view text) {
  return Head(CborMajorType::kTextString, text.size()) + std::string(text);
}

TEST(PutRecordsCborResponseTest, RepeatedKeysCountOnceAsWhenTheJsonAnswerIsRead) {
  // {"Records": [{"ErrorCode": "A", "ErrorCode": "B"}, {"ErrorCode": null, "ErrorCode": "C"}],
  //  "Records": [{}, {}]}: the first Records, each entry's first ErrorCode.
  const std::string body =
      Head(CborMajorType::kMap, 2) + Text("Records") + Head(CborMajorType::kArray, 2) +
      Head(CborMajorType::kMap, 2) + Text("ErrorCode") + Text("A") + Text("ErrorCode") + Text("B") +
      Head(CborMajorType::kMap, 2) + Text("ErrorCode") + std::string("\xF6", 1) +
      Text("ErrorCode") + Text("C") + Text("Records") + Head(CborMajorType::kArray, 2) +
      Head(CborMajorType::kMap, 0) + Head(CborMajorType::kMap, 0);
  const PutRecordsOutcome outcome = ClassifyPutRecordsResponse(Http(200, body), 2);
  EXPECT_EQ(outcome.disposition, Disposition::kSent) << outcome.error_message;
  EXPECT_EQ(outcome.failed_indices, (std::vector<size_t>{0}));
  EXPECT_EQ(outcome.failed_by_code.at("A"), 1u);
  EXPECT_EQ(outcome.failed_by_code.size(), 1u);
}

TEST(PutRecordsCborResponseTest, NestedValuesInsideAnEntryDoNotCountAsEntries) {
  json entry = Stored(1);
  entry["Extra"] = {{"ErrorCode", "NotThisOne"}, {"List", {1, 2, 3}}};
  const json result = {{"Records", {entry, Stored(2)}}};
  const PutRecordsOutcome outcome = ClassifyPutRecordsResponse(Http(200, ToCbor(result)), 2);
  EXPECT_EQ(outcome.disposition, Disposition::kSent);
  EXPECT_TRUE(outcome.failed_indices.empty());
}

TEST(PutRecordsCborResponseTest, ResultsThatCannotBeMatchedAreRetriedWhole) {
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"count mismatch", ToCbor({{"Records", {Stored(1)}}})},
      {"no Records", ToCbor({{"FailedRecordCount", 0}})},
      {"Records not an array", ToCbor({{"Records", {{"a", 1}}}})},
      {"truncated", ToCbor({{"Records", {Stored(1), Stored(2)}}}).substr(0, 20)},
      {"trailing bytes", ToCbor({{"Records", {Stored(1), Stored(2)}}}) + "x"},
      {"a map with an unreadable key", std::string("\xA1\xFF", 2)},
  };
  for (const auto& [name, body] : bodies) {
    const PutRecordsOutcome outcome = ClassifyPutRecordsResponse(Http(200, body), 2);
    EXPECT_EQ(outcome.disposition, Disposition::kRetryable) << name;
    EXPECT_EQ(outcome.error_code, "MalformedResponse") << name;
  }
}

TEST(PutRecordsCborResponseTest, ErrorBodiesGiveTheirTypeAndMessage) {
  const PutRecordsOutcome missing = ClassifyPutRecordsResponse(
      Http(400, ToCbor({{"__type", "ResourceNotFoundException"},
                        {"message", "Stream telemetry under account 1 not found."}})),
      1);
  EXPECT_EQ(missing.disposition, Disposition::kHold);
  EXPECT_EQ(missing.error_code, "ResourceNotFoundException");
  EXPECT_EQ(missing.error_message, "HTTP 400: Stream telemetry under account 1 not found.");

  const PutRecordsOutcome throttled = ClassifyPutRecordsResponse(
      Http(400, ToCbor({{"__type", "com.amazonaws.kinesis#ProvisionedThroughputExceededException"},
                        {"Message", "Rate exceeded"}})),
      1);
  EXPECT_EQ(throttled.disposition, Disposition::kRetryable);
  EXPECT_EQ(throttled.error_code, "ProvisionedThroughputExceededException");
  EXPECT_EQ(throttled.error_message, "HTTP 400: Rate exceeded");

  const PutRecordsOutcome unreadable =
      ClassifyPutRecordsResponse(Http(500, std::string("\xA2\x61", 2)), 1);
  EXPECT_EQ(unreadable.disposition, Disposition::kRetryable);
  EXPECT_EQ(unreadable.error_code, "HttpStatus");
}

TEST(PutRecordsCborResponseTest, JsonIsNeverTakenForCbor) {
  EXPECT_FALSE(IsCborMap(R"({"Records":[]})"));
  EXPECT_FALSE(IsCborMap(" {}"));
  EXPECT_FALSE(IsCborMap(""));
  EXPECT_TRUE(IsCborMap(ToCbor(json::object())));
  EXPECT_TRUE(IsCborMap(ToCbor({{"Records", json::array()}})));
}

}  // namespace
}  // namespace tk::kinesis
