// Tests the PutRecords body writer: exact size, escaping, and a round trip through a JSON parser.
#include "kinesis/put_records_request.h"

#include "common/json_escape.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aws/crypto.h"

namespace tk::kinesis {
namespace {

struct ParsedRecord {
  std::string data;  // base64-decoded
  std::string partition_key;
};

struct ParsedBody {
  std::string stream_name;
  std::string stream_arn;
  std::vector<ParsedRecord> records;
};

// Parses a body with simdjson (an independent JSON parser) and decodes every Data field.
ParsedBody Parse(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(body).get(doc), simdjson::SUCCESS) << body;
  ParsedBody parsed;
  std::string_view text;
  if (doc["StreamName"].get(text) == simdjson::SUCCESS) parsed.stream_name = text;
  if (doc["StreamARN"].get(text) == simdjson::SUCCESS) parsed.stream_arn = text;
  simdjson::dom::array records;
  EXPECT_EQ(doc["Records"].get(records), simdjson::SUCCESS);
  for (simdjson::dom::element record : records) {
    ParsedRecord entry;
    std::string_view data;
    EXPECT_EQ(record["Data"].get(data), simdjson::SUCCESS);
    const Result<std::string> decoded = aws::Base64Decode(data);
    EXPECT_TRUE(decoded.ok()) << data;
    if (decoded.ok()) entry.data = decoded.value();
    std::string_view key;
    EXPECT_EQ(record["PartitionKey"].get(key), simdjson::SUCCESS);
    entry.partition_key = key;
    parsed.records.push_back(std::move(entry));
  }
  return parsed;
}

std::string AllByteValues() {
  std::string bytes;
  for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  return bytes;
}

TEST(PutRecordsRequestTest, RoundTripsBinaryDataAndAwkwardPartitionKeys) {
  const std::vector<Record> records = {
      {.partition_key = "plain", .data = R"({"type":"platform.report"})", .attempts = 0},
      {.partition_key = "quote\"back\\slash/", .data = AllByteValues(), .attempts = 0},
      {.partition_key = std::string("ctl\x01\n\t\x1f", 7), .data = "", .attempts = 0},
      {.partition_key = "unicode-\xC3\xA9-\xE2\x82\xAC", .data = "ab", .attempts = 2},
  };
  const StreamTarget target{.stream_name = "telemetry", .stream_arn = ""};

  const ParsedBody parsed = Parse(SerializePutRecordsBody(target, records));

  EXPECT_EQ(parsed.stream_name, "telemetry");
  ASSERT_EQ(parsed.records.size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(parsed.records[i].data, records[i].data) << "record " << i;
    EXPECT_EQ(parsed.records[i].partition_key, records[i].partition_key) << "record " << i;
  }
}

TEST(PutRecordsRequestTest, WritesStreamArnWhenTheTargetIsAnArn) {
  const std::vector<Record> records = {{.partition_key = "k", .data = "d", .attempts = 0}};
  const StreamTarget target{.stream_name = "",
                            .stream_arn = "arn:aws:kinesis:us-east-1:123456789012:stream/s"};

  const std::string body = SerializePutRecordsBody(target, records);

  EXPECT_EQ(body, R"({"StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s",)"
                  R"("Records":[{"Data":"ZA==","PartitionKey":"k"}]})");
}

TEST(PutRecordsRequestTest, WritesTheDocumentedShapeForTwoRecords) {
  const std::vector<Record> records = {{.partition_key = "a", .data = "hi", .attempts = 0},
                                       {.partition_key = "b", .data = "", .attempts = 0}};

  const std::string body = SerializePutRecordsBody({.stream_name = "s", .stream_arn = ""}, records);

  EXPECT_EQ(body, R"({"StreamName":"s","Records":[{"Data":"aGk=","PartitionKey":"a"},)"
                  R"({"Data":"","PartitionKey":"b"}]})");
}

TEST(PutRecordsRequestTest, PredictsTheBodySizeExactly) {
  std::vector<Record> records;
  for (size_t n = 0; n < 40; ++n) {
    records.push_back({.partition_key = "key\"" + std::to_string(n) + std::string(1, '\x02'),
                       .data = std::string(n * 7, 'x'),
                       .attempts = 0});
  }
  const StreamTarget target{.stream_name = "s\\name", .stream_arn = ""};

  const std::string body = SerializePutRecordsBody(target, records);

  EXPECT_EQ(body.size(), PutRecordsBodySize(target, records));
  EXPECT_EQ(body.size(), body.capacity());  // reserved once, never regrown
}

TEST(PutRecordsRequestTest, WritesIntoAReusedBufferTheSameBodyWithoutGrowingIt) {
  std::vector<Record> records;
  for (size_t n = 0; n < 10; ++n) {
    records.push_back({.partition_key = n % 2 ? "plain-key" : "key\"with\\escapes",
                       .data = std::string(n * 13 + 1, static_cast<char>('a' + n)),
                       .attempts = 0});
  }
  const StreamTarget target{.stream_name = "",
                            .stream_arn = "arn:aws:kinesis:eu-west-1:1:stream/s"};
  std::string buffer(64 * 1024, '#');  // a previous, larger request's body
  const char* storage = buffer.data();

  SerializePutRecordsBody(target, records, buffer);

  EXPECT_EQ(buffer, SerializePutRecordsBody(target, records));
  EXPECT_EQ(buffer.data(), storage);  // written in place: no new allocation
  const ParsedBody parsed = Parse(buffer);
  ASSERT_EQ(parsed.records.size(), records.size());
  EXPECT_EQ(parsed.records[3].data, records[3].data);
  EXPECT_EQ(parsed.records[4].partition_key, records[4].partition_key);
}

TEST(PutRecordsRequestTest, WritesAnEmptyRecordsArrayForNoRecords) {
  EXPECT_EQ(SerializePutRecordsBody({.stream_name = "s", .stream_arn = ""}, {}),
            R"({"StreamName":"s","Records":[]})");
}

TEST(PutRecordsRequestTest, EscapesEveryAsciiByteExactlyAsNlohmannJsonDoes) {
  for (int b = 0; b < 128; ++b) {
    const std::string text = std::string("a") + static_cast<char>(b) + "z";
    const std::string quoted = nlohmann::json(text).dump();
    const std::string expected = quoted.substr(1, quoted.size() - 2);

    std::string escaped;
    AppendJsonEscaped(escaped, text);

    EXPECT_EQ(escaped, expected) << "byte " << b;
    EXPECT_EQ(JsonEscapedSize(text), expected.size()) << "byte " << b;
  }
}

TEST(PutRecordsRequestTest, PassesMultiByteUtf8Unchanged) {
  const std::string text = "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  std::string escaped;
  AppendJsonEscaped(escaped, text);
  EXPECT_EQ(escaped, text);
}

TEST(PutRecordsRequestTest, RequiresExactlyOneOfStreamNameAndArn) {
  EXPECT_TRUE(ValidateStreamTarget({.stream_name = "s", .stream_arn = ""}).ok());
  EXPECT_TRUE(ValidateStreamTarget({.stream_name = "", .stream_arn = "arn:x"}).ok());
  EXPECT_FALSE(ValidateStreamTarget({.stream_name = "", .stream_arn = ""}).ok());
  EXPECT_FALSE(ValidateStreamTarget({.stream_name = "s", .stream_arn = "arn:x"}).ok());
}

}  // namespace
}  // namespace tk::kinesis
