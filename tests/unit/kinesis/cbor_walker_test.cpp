// Tests the CBOR walker on what nlohmann::json's encoder writes (definite lengths) and on the forms
// it never writes but other encoders (Jackson, which the AWS Java stack uses) do: indefinite-length
// maps and arrays, chunked strings, tags.
#include "kinesis/cbor_walker.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kinesis/put_records_cbor_response.h"
#include "kinesis/put_records_response.h"

namespace tk::kinesis {
namespace {

// Records every event as "depth:key=value" ("{" / "[" for starts, "}" for ends).
class Recorder : public CborVisitor {
 public:
  std::vector<std::string> events;

  bool Value(size_t depth, std::string_view key, const CborValue& value) override {
    std::string text = std::to_string(depth) + ":" + std::string(key) + "=";
    switch (value.kind) {
      case CborKind::kText:
        text += "'" + std::string(value.text) + "'";
        break;
      case CborKind::kBytes:
        text += "b" + std::to_string(value.text.size());
        break;
      case CborKind::kMapStart:
        text += "{";
        break;
      case CborKind::kArrayStart:
        text += "[";
        break;
      case CborKind::kOther:
        text += "#";
        break;
    }
    events.push_back(std::move(text));
    return true;
  }
  void End(size_t depth) override { events.push_back(std::to_string(depth) + ":}"); }
};

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (const int byte : bytes) out.push_back(static_cast<char>(byte));
  return out;
}

std::string Text(const std::string& text) {  // a definite text string of < 24 bytes
  return Bytes({0x60 + static_cast<int>(text.size())}) + text;
}

TEST(CborWalkerTest, WalksWhatNlohmannWritesWithDepthsAndKeys) {
  const std::vector<uint8_t> encoded = nlohmann::json::to_cbor(
      {{"a", {1, "x", nullptr}}, {"b", {{"c", nlohmann::json::binary({1, 2, 3})}}}, {"d", {}}});
  Recorder recorder;
  ASSERT_TRUE(WalkCbor(std::string(encoded.begin(), encoded.end()), recorder).ok());
  EXPECT_EQ(recorder.events,
            (std::vector<std::string>{"0:={", "1:a=[", "2:=#", "2:='x'", "2:=#", "1:}", "1:b={",
                                      "2:c=b3", "1:}", "1:d=#", "0:}"}));
}

TEST(CborWalkerTest, IndefiniteContainersChunkedStringsAndTagsAreReadAsTheirValues) {
  // {_ "Records": [_ {_ "ErrorCode": (_ "Throttle", "d"), "n": 1(5) } ], "k" : h'0102' }
  const std::string document =
      Bytes({0xBF}) + Text("Records") + Bytes({0x9F, 0xBF}) + Text("ErrorCode") + Bytes({0x7F}) +
      Text("Throttle") + Text("d") + Bytes({0xFF}) + Text("n") + Bytes({0xC1, 0x05, 0xFF, 0xFF}) +
      Bytes({0x7F}) + Text("k") + Bytes({0xFF}) + Bytes({0x5F, 0x41, 0x01, 0x41, 0x02, 0xFF, 0xFF});
  Recorder recorder;
  ASSERT_TRUE(WalkCbor(document, recorder).ok());
  EXPECT_EQ(recorder.events,
            (std::vector<std::string>{"0:={", "1:Records=[", "2:={", "3:ErrorCode='Throttled'",
                                      "3:n=#", "2:}", "1:}", "1:k=b2", "0:}"}));

  const Result<PutRecordsResultEntries> result = ReadCborPutRecordsResult(document);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->count, 1u);
  ASSERT_EQ(result->errors.size(), 1u);
  EXPECT_EQ(result->errors[0].second, "Throttled");
}

TEST(CborWalkerTest, RefusesWhatIsNotExactlyOneWellFormedItem) {
  Recorder recorder;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty", ""},
      {"truncated map", Bytes({0xA2}) + Text("a") + Bytes({0x01})},
      {"truncated string", Bytes({0x65, 'a', 'b'})},
      {"trailing bytes", Bytes({0xA0, 0x00})},
      {"reserved additional information", Bytes({0x1C})},
      {"break outside an indefinite container", Bytes({0xFF})},
      {"break right after a key", Bytes({0xBF}) + Text("a") + Bytes({0xFF})},
      {"map key is a map", Bytes({0xA1, 0xA0, 0x01})},
      {"chunk of another type", Bytes({0x7F, 0x41, 0x01, 0xFF})},
      {"unterminated indefinite array", Bytes({0x9F, 0x01})},
      {"a huge declared length", Bytes({0x5B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})},
  };
  for (const auto& [name, document] : cases) {
    EXPECT_FALSE(WalkCbor(document, recorder).ok()) << name;
  }
  std::string deep(100, static_cast<char>(0x81));  // [[[[... 100 deep
  deep.push_back(0x01);
  const Status too_deep = WalkCbor(deep, recorder);
  ASSERT_FALSE(too_deep.ok());
  EXPECT_EQ(too_deep.error().message, "CBOR document nests too deep");
}

TEST(CborWalkerTest, ADefiniteMapOfHugeSizeIsTruncatedNotAnOverflow) {
  // A map claiming 2^63 entries: the item count must not wrap around to a small number.
  Recorder recorder;
  const std::string document = Bytes({0xBB, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x02});
  EXPECT_FALSE(WalkCbor(document, recorder).ok());
}

}  // namespace
}  // namespace tk::kinesis
