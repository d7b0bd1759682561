// Tests batch parsing against the shared Telemetry API samples (one file per event type): every
// event's bytes pass through untouched, types and request ids are found, bad batches are refused.
#include "telemetry/batch_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/tenant_events.h"
#include "telemetry/listener.h"

namespace tk::telemetry {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const fs::path kSamplesDir = fs::path(TK_SHARED_DIR) / "telemetry-samples";
const fs::path kInvalidDir = kSamplesDir / "invalid";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The *.json files directly in `dir`, sorted, as discovered when the tests run.
std::vector<fs::path> JsonFilesIn(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsJsonSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsJsonSpace(text.back())) text.remove_suffix(1);
  return text;
}

// The exact text of each element of a JSON array (trimmed of surrounding whitespace), found by
// a bracket scanner that knows strings and escapes: independent of the parser under test.
std::vector<std::string_view> TopLevelElements(std::string_view array) {
  std::vector<std::string_view> elements;
  array = Trim(array);
  if (array.size() < 2) return elements;
  int depth = 0;
  bool in_string = false;
  size_t start = 1;
  for (size_t i = 1; i + 1 < array.size(); ++i) {
    char c = array[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    if (c == ',' && depth == 0) {
      elements.push_back(Trim(array.substr(start, i - start)));
      start = i + 1;
    }
  }
  std::string_view last = Trim(array.substr(start, array.size() - 1 - start));
  if (!last.empty()) elements.push_back(last);
  return elements;
}

// A sample as a POST body: single-event files hold one object, batch files an array.
std::string AsBatchBody(const std::string& file_text) {
  if (Trim(file_text).starts_with("[")) return file_text;
  return "[" + file_text + "]";
}

std::string TestNameFor(const fs::path& path) {
  std::string name;
  for (char c : path.stem().string()) {
    if (std::isalnum(static_cast<unsigned char>(c))) name += c;
  }
  return name;
}

std::string ParamName(const ::testing::TestParamInfo<fs::path>& info) {
  return TestNameFor(info.param);
}

class ValidSampleTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(ValidSampleTest, IsAcceptedWithEveryEventsBytesUntouched) {
  const std::string body = AsBatchBody(ReadFile(GetParam()));
  const std::vector<std::string_view> expected = TopLevelElements(body);
  ASSERT_THAT(expected, Not(IsEmpty()));

  BatchParser parser;
  std::vector<TelemetryEvent> events;
  Status parsed = parser.Parse(body, events);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(events.size(), expected.size());
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].raw, expected[i]) << "event " << i;
  }
}

TEST_P(ValidSampleTest, FindsEachEventsTypeAndRequestId) {
  const std::string body = AsBatchBody(ReadFile(GetParam()));
  BatchParser parser;
  std::vector<TelemetryEvent> events;
  ASSERT_TRUE(parser.Parse(body, events).ok());
  const nlohmann::json batch = nlohmann::json::parse(body);
  ASSERT_EQ(events.size(), batch.size());
  for (size_t i = 0; i < events.size(); ++i) {
    const nlohmann::json& event = batch[i];
    EXPECT_EQ(events[i].type, event.value("type", "")) << "event " << i;
    std::string request_id;
    if (event["record"].is_object()) request_id = event["record"].value("requestId", "");
    EXPECT_EQ(events[i].request_id, request_id) << "event " << i;
    EXPECT_EQ(events[i].tenant_id, "") << "no shared sample is of a tenant-isolated function";
    const std::string type = event.value("type", "");
    if (type == "platform.report" || type == "platform.start" || type == "platform.runtimeDone") {
      EXPECT_EQ(events[i].request_id, "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa") << type;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(SharedSamples, ValidSampleTest,
                         ::testing::ValuesIn(JsonFilesIn(kSamplesDir)), ParamName);

class InvalidSampleTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(InvalidSampleTest, IsRejectedWithAMessage) {
  const std::string body = ReadFile(GetParam());
  BatchParser parser;
  std::vector<TelemetryEvent> events;
  Status parsed = parser.Parse(body, events);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.error().message, Not(IsEmpty()));
}

INSTANTIATE_TEST_SUITE_P(SharedInvalidSamples, InvalidSampleTest,
                         ::testing::ValuesIn(JsonFilesIn(kInvalidDir)), ParamName);

TEST(BatchParserTest, FindsTheSharedSamplesItIsParameterizedOver) {
  // Guards against a moved folder silently turning the parameterized tests into none.
  EXPECT_GE(JsonFilesIn(kSamplesDir).size(), 10u) << kSamplesDir;
  EXPECT_GE(JsonFilesIn(kInvalidDir).size(), 3u) << kInvalidDir;
  EXPECT_TRUE(fs::exists(kSamplesDir / "batch-lifecycle.json"));
}

TEST(BatchParserTest, KeepsWhitespaceInsideAnEventAndDropsItBetweenEvents) {
  const std::string first = "{ \"type\" :\t\"function\",\n  \"record\" : \"a  b\\n\\u00e9\" }";
  const std::string second = "{\"type\":\"extension\",\"record\":{ \"k\" : [ 1 , 2.50 ] }}";
  const std::string body = " \n[ " + first + " ,\r\n\t" + second + "\n] \n";
  BatchParser parser;
  std::vector<TelemetryEvent> events;
  ASSERT_TRUE(parser.Parse(body, events).ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].raw, first);
  EXPECT_EQ(events[0].type, "function");
  EXPECT_EQ(events[1].raw, second);
  EXPECT_EQ(events[1].type, "extension");
}

// Events are cut at the structural characters of the validating parse: brackets, braces and commas
// inside strings (escaped quotes too) are not boundaries, nested arrays and objects stay whole.
TEST(BatchParserTest, CutsEventsAtTheirOwnBracesWhateverTheyNestOrQuote) {
  const std::vector<std::string> expected = {
      R"({"type":"function","record":"} ] { [ , \"}\" ,"})",
      R"({"type":"platform.start","record":{"requestId":"r-1","a":[[],{},[{"b":[1,{"c":"]"}]}]]}})",
      R"({})", R"({"record":[{"x":"{"},"[",{"y":{}}],"type":"t"})"};
  std::string body = "[";
  for (size_t i = 0; i < expected.size(); ++i) body += (i == 0 ? "" : " ,\n") + expected[i];
  body += "]";
  BatchParser parser;
  std::vector<TelemetryEvent> events;
  ASSERT_TRUE(parser.Parse(body, events).ok()) << body;
  ASSERT_EQ(events.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(events[i].raw, expected[i]) << i;
  EXPECT_EQ(events[1].request_id, "r-1");
  EXPECT_EQ(events[3].type, "t");
}

// The listener's bodies carry simdjson's padding in their spare capacity: they are read where they
// are (events point into the body); a body without it is copied first (events point elsewhere).
TEST(BatchParserTest, ParsesInPlaceOnlyWhenThePaddingIsReadable) {
  const std::string event = R"({"type":"function","record":"hello"})";
  std::string body = "[" + event + "," + event + "]";
  body.reserve(body.size() + kListenerBodyPadding);
  const auto inside_body = [&body](std::string_view view) {
    return view.data() >= body.data() && view.data() + view.size() <= body.data() + body.size();
  };
  BatchParser parser;
  std::vector<TelemetryEvent> events;

  ASSERT_TRUE(parser.Parse(body, body.size() + kListenerBodyPadding, events).ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].raw, event);
  EXPECT_TRUE(inside_body(events[0].raw) && inside_body(events[1].raw));

  for (const size_t readable : {body.size(), body.size() + kListenerBodyPadding - 1}) {
    ASSERT_TRUE(parser.Parse(body, readable, events).ok());
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1].raw, event);
    EXPECT_FALSE(inside_body(events[0].raw)) << readable;
  }
  // A malformed body read in place is rejected just the same.
  std::string bad = "[" + event + ",{]";
  bad.reserve(bad.size() + kListenerBodyPadding);
  EXPECT_FALSE(parser.Parse(bad, bad.size() + kListenerBodyPadding, events).ok());
}

TEST(BatchParserTest, AcceptsAnEmptyArrayWithZeroEvents) {
  BatchParser parser;
  std::vector<TelemetryEvent> events = {TelemetryEvent{}};
  for (const char* body : {"[]", " [ \n ] "}) {
    Status parsed = parser.Parse(body, events);
    ASSERT_TRUE(parsed.ok()) << body;
    EXPECT_THAT(events, IsEmpty()) << body;
  }
}

TEST(BatchParserTest, RejectsAnArrayElementThatIsNotAnObject) {
  BatchParser parser;
  std::vector<TelemetryEvent> events;
  for (const char* body :
       {R"([{"type":"function","record":"x"}, 42])",
        R"([{"type":"function","record":"x"}, "text"])", R"([[]])", R"([null])"}) {
    Status parsed = parser.Parse(body, events);
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_THAT(parsed.error().message, HasSubstr("not a JSON object")) << body;
  }
}

TEST(BatchParserTest, RejectsBodiesThatAreNotOneJsonArray) {
  BatchParser parser;
  std::vector<TelemetryEvent> events;
  for (const char* body : {"", "   ", "{}", "\"text\"", "[{}] [{}]", "[{}],", "[{\"a\":1}"}) {
    Status parsed = parser.Parse(body, events);
    EXPECT_FALSE(parsed.ok()) << "\"" << body << "\"";
    if (!parsed.ok()) {
      EXPECT_THAT(parsed.error().message, Not(IsEmpty()));
    }
  }
}

TEST(BatchParserTest, RejectsAnEmptyBodyEvenAsANullView) {
  BatchParser parser;
  std::vector<TelemetryEvent> events;
  EXPECT_FALSE(parser.Parse(std::string_view(), events).ok());
  EXPECT_FALSE(parser.Parse(std::string_view(), events).ok());  // with a buffer allocated
}

TEST(BatchParserTest, AcceptsAnEventOfAnUnknownTypeOrWithoutAType) {
  BatchParser parser;
  std::vector<TelemetryEvent> events;
  const std::string body =
      R"([{"time":"2024-01-01T00:00:00Z","type":"platform.somethingNew","record":{"requestId":"r-9"}},)"
      R"({"record":"no type"}])";
  ASSERT_TRUE(parser.Parse(body, events).ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "platform.somethingNew");
  EXPECT_EQ(events[0].request_id, "r-9");
  EXPECT_EQ(events[1].type, "");
  EXPECT_EQ(events[1].request_id, "");
}

TEST(BatchParserTest, FindsTheTenantIdInTheRecordOfEveryEventThatCarriesOne) {
  using namespace tk::testing;
  BatchParser parser;
  std::vector<TelemetryEvent> events;
  const std::string body = "[" + InitStartEvent() + "," + TenantStartEvent() + "," +
                           TenantLogEvent("custom log line1") + "," + TextLogEvent("plain") + "," +
                           TenantRuntimeDoneEvent() + "," + TenantReportEvent() + "]";
  ASSERT_TRUE(parser.Parse(body, events).ok());
  ASSERT_EQ(events.size(), 6u);
  const std::vector<std::string> expected = {"", kTenant, kTenant, "", kTenant, kTenant};
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].tenant_id, expected[i]) << events[i].type << " (event " << i << ")";
  }
  // The request id is still found, before (start, log) or after (report) the tenant.
  for (size_t i : {1u, 2u, 4u, 5u}) EXPECT_EQ(events[i].request_id, kTenantRequestId) << i;
}

TEST(BatchParserTest, TakesATenantIdOnlyAsAStringMemberOfTheRecordItself) {
  BatchParser parser;
  std::vector<TelemetryEvent> events;
  const std::string body =
      R"([{"type":"function","tenantId":"top-level","record":{"requestId":"r1"}},)"
      R"({"type":"function","record":{"message":"{\"tenantId\":\"quoted\"}"}},)"
      R"({"type":"function","record":{"nested":{"tenantId":"deeper"},"requestId":"r3"}},)"
      R"({"type":"function","record":{"tenantId":42}},)"
      R"({"type":"function","record":"tenantId: text"},)"
      R"({"type":"function","record":{"tenantId":"t\"q\u00e9","requestId":"r6"}}])";
  ASSERT_TRUE(parser.Parse(body, events).ok());
  ASSERT_EQ(events.size(), 6u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(events[i].tenant_id, "") << "event " << i;
  EXPECT_EQ(events[2].request_id, "r3");
  EXPECT_EQ(events[5].tenant_id, "t\"q\xC3\xA9") << "unescaped";
  EXPECT_EQ(events[5].request_id, "r6");
}

// A batch of `count` function events, each with a `padding`-byte message.
std::string FunctionBatch(size_t count, size_t padding) {
  std::string body = "[";
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) body += ",";
    body += R"({"time":"2024-01-01T00:00:00Z","type":"function","record":")" +
            std::string(padding, static_cast<char>('a' + i % 26)) + "\"}";
  }
  return body + "]";
}

TEST(BatchParserTest, ParsesASmallBodyCorrectlyAfterABigOneOnTheSameParser) {
  BatchParser parser;
  std::vector<TelemetryEvent> events;
  const std::string big = FunctionBatch(300, 1000);  // ~330 KB: past the initial buffer
  ASSERT_TRUE(parser.Parse(big, events).ok());
  ASSERT_EQ(events.size(), 300u);
  EXPECT_EQ(events[299].raw, TopLevelElements(big)[299]);

  const std::string small = R"([{"type":"platform.report","record":{"requestId":"r-1"}}])";
  ASSERT_TRUE(parser.Parse(small, events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].raw, R"({"type":"platform.report","record":{"requestId":"r-1"}})");
  EXPECT_EQ(events[0].type, "platform.report");
  EXPECT_EQ(events[0].request_id, "r-1");

  // The stale tail of the big body is still in the buffer: a truncated prefix of it must
  // be judged on its own bytes.
  ASSERT_TRUE(parser.Parse(big, events).ok());
  const std::string truncated = big.substr(0, big.size() / 2);
  EXPECT_FALSE(parser.Parse(truncated, events).ok());
  const std::string first_event_unclosed = big.substr(0, TopLevelElements(big)[0].size());
  EXPECT_FALSE(parser.Parse(first_event_unclosed, events).ok());

  // And it still works for a big one again.
  ASSERT_TRUE(parser.Parse(FunctionBatch(3, 10), events).ok());
  EXPECT_EQ(events.size(), 3u);
}

TEST(BatchParserTest, RecoversAfterARejectedBody) {
  BatchParser parser;
  std::vector<TelemetryEvent> events;
  EXPECT_FALSE(parser.Parse("[{\"type\":", events).ok());
  ASSERT_TRUE(parser.Parse(FunctionBatch(2, 5), events).ok());
  EXPECT_EQ(events.size(), 2u);
}

}  // namespace
}  // namespace tk::telemetry
