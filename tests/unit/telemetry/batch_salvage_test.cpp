// Salvaging damaged Telemetry API bodies and joining events Lambda split across two POSTs.
#include "telemetry/batch_salvage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace tk::telemetry {
namespace {

using ::testing::ElementsAre;

constexpr std::string_view kStart =
    R"({"time":"2026-12-02T00:00:00.000Z","type":"platform.start","record":{"requestId":"r1","version":"$LATEST"}})";
constexpr std::string_view kLine =
    R"({"time":"2026-12-02T00:00:00.010Z","type":"function","record":"hello {not a brace} \"quoted\""})";
constexpr std::string_view kDone =
    R"({"time":"2026-12-02T00:00:00.020Z","type":"platform.runtimeDone","record":{"requestId":"r1","status":"success"}})";

std::string Batch(std::initializer_list<std::string_view> events) {
  std::string body = "[";
  for (std::string_view event : events) {
    if (body.size() > 1) body += ",";
    body.append(event);
  }
  return body + "]";
}

TEST(SalvageBody, KeepsEveryCompleteEventBeforeTheDamage) {
  const std::string body = Batch({kStart, kLine, kDone});
  // Cut inside the third event: the first two are whole.
  const std::string damaged = body.substr(0, body.size() - 30) + "\x01garbage";
  const SalvagedBody salvaged = SalvageBody(damaged);
  EXPECT_FALSE(salvaged.garbage);
  EXPECT_THAT(salvaged.events, ElementsAre(kStart, kLine));
  EXPECT_GT(damaged.size(), 0u);
}

TEST(SalvageBody, AnEventDamagedInTheMiddleEndsTheScan) {
  std::string bad_line(kLine);
  bad_line[10] = '\x02';  // a control character inside a string: invalid JSON
  const std::string body = Batch({kStart, bad_line, kDone});
  const SalvagedBody salvaged = SalvageBody(body);
  EXPECT_THAT(salvaged.events, ElementsAre(kStart));
  EXPECT_GT(salvaged.damaged_bytes, kDone.size());
}

TEST(SalvageBody, ABodyCutShortLeavesItsLastEventAsTheTail) {
  const std::string body = Batch({kStart, kLine});
  const std::string cut = body.substr(0, 1 + kStart.size() + 1 + 40);
  const SalvagedBody salvaged = SalvageBody(cut);
  EXPECT_THAT(salvaged.events, ElementsAre(kStart));
  EXPECT_EQ(salvaged.tail, kLine.substr(0, 40));
  EXPECT_EQ(salvaged.damaged_bytes, 0u);
}

TEST(SalvageBody, AContinuationWithoutItsBracketIsScannedToo) {
  const std::string body = std::string(kLine) + "," + std::string(kDone) + "]";
  const SalvagedBody salvaged = SalvageBody(body);
  EXPECT_THAT(salvaged.events, ElementsAre(kLine, kDone));
  EXPECT_EQ(salvaged.damaged_bytes, 0u);
}

// Seen in CI: a body damaged inside a record value, with random bytes to its end, was kept as the
// head of a split event (and later shipped as a fragment, garbage included) instead of counted.
TEST(SalvageBody, GarbageInsideARecordValueIsDamageNotTheHeadOfACutEvent) {
  const std::string head = std::string(kLine.substr(0, 70));  // inside the record string
  std::string garbage;
  for (int i = 0; i < 64; ++i) garbage.push_back(static_cast<char>((i * 37 + 11) % 256));
  const std::string body =
      Batch({kStart}).substr(0, Batch({kStart}).size() - 1) + "," + head + garbage;
  const SalvagedBody salvaged = SalvageBody(body);
  EXPECT_THAT(salvaged.events, ElementsAre(kStart));
  EXPECT_TRUE(salvaged.tail.empty());
  EXPECT_EQ(salvaged.damaged_bytes, head.size() + garbage.size());
  EXPECT_FALSE(salvaged.garbage);
}

TEST(SalvageBody, ACutThatSplitsAUtf8SequenceAtTheEndIsStillAHead) {
  // "é" is C3 A9: Lambda's byte-exact cut may leave its first byte only.
  const std::string head =
      R"({"time":"2026-12-02T00:00:00.010Z","type":"function","record":"caf)" + std::string("\xC3");
  const std::string body = "[" + std::string(kStart) + "," + head;
  const SalvagedBody salvaged = SalvageBody(body);  // views into body
  EXPECT_THAT(salvaged.events, ElementsAre(kStart));
  EXPECT_EQ(salvaged.tail, head);
  EXPECT_EQ(salvaged.damaged_bytes, 0u);
}

TEST(SalvageBody, GarbageFromTheStartIsGarbage) {
  EXPECT_TRUE(SalvageBody("not json at all").garbage);
  EXPECT_TRUE(SalvageBody("").garbage);
  EXPECT_TRUE(SalvageBody("[1,2,3]").garbage);
  EXPECT_TRUE(SalvageBody("[{\"a\":\x01}]").garbage);
}

// What Lambda sends for a record larger than maxBytes: the first body ends mid-value, the
// second repeats the envelope and continues the value.
TEST(JoinSplitEvent, JoinsAStringValueCutInTheMiddle) {
  const std::string line =
      R"({"time":"2026-12-02T00:00:00.010Z","type":"function","record":"aaaaabbbbb"})";
  const std::string head = line.substr(0, line.find("bbbbb"));
  const std::string continuation =
      R"({"time":"2026-12-02T00:00:00.010Z","type":"function","record":"bbbbb"})";
  EXPECT_EQ(JoinSplitEvent(head, continuation), line);
}

TEST(JoinSplitEvent, JoinsWhenBothHalvesStartAlike) {
  // The value's second half starts with the same letters as its first: the envelope is still
  // found (the longest one whose join is valid).
  const std::string line = R"({"time":"t","type":"function","record":"abcabc"})";
  const std::string head = R"({"time":"t","type":"function","record":"abc)";
  const std::string continuation = R"({"time":"t","type":"function","record":"abc"})";
  EXPECT_EQ(JoinSplitEvent(head, continuation), line);
}

TEST(JoinSplitEvent, JoinsAValueCutInsideANestedObject) {
  const std::string line =
      R"({"time":"t","type":"function","record":{"level":"INFO","message":"xxxxyyyy"}})";
  const std::string head =
      R"({"time":"t","type":"function","record":{"level":"INFO","message":"xxxx)";
  const std::string continuation =
      R"({"time":"t","type":"function","record":{"level":"INFO","message":"yyyy"}})";
  EXPECT_EQ(JoinSplitEvent(head, continuation), line);
}

TEST(JoinSplitEvent, RefusesAnEventWithAnotherEnvelope) {
  const std::string head = R"({"time":"t1","type":"function","record":"aaaa)";
  EXPECT_EQ(JoinSplitEvent(head, R"({"time":"t2","type":"platform.report","record":{}})"),
            std::nullopt);
}

TEST(JoinSplitEvent, RefusesAHeadCutBeforeItsRecord) {
  EXPECT_EQ(JoinSplitEvent(R"({"time":"2026-12-02T01:00:00.)",
                           R"({"time":"2026-12-02T01:00:00.009Z","type":"function","record":"x"})"),
            std::nullopt);
}

TEST(MakeFragmentEvent, IsAWellFormedEventThatKeepsTheBytes) {
  const std::string fragment = std::string(kLine.substr(0, 50)) + "\xE2\x82";  // cut in UTF-8
  const std::string event = MakeFragmentEvent(fragment, "split event never continued", 0, 0);
  ASSERT_TRUE(IsValidJsonObject(event)) << event;
  const nlohmann::json json = nlohmann::json::parse(event);
  EXPECT_EQ(json["type"], "telemetry-kinesis.fragment");
  EXPECT_EQ(json["time"], "2026-12-02T00:00:00.010Z");
  EXPECT_EQ(json["record"]["bytes"], fragment.size());
  EXPECT_EQ(json["record"]["offset"], 0);
  EXPECT_EQ(json["record"]["fragment"].get<std::string>().substr(0, 50), kLine.substr(0, 50));
}

TEST(PendingFragment, KeepsAndGivesUpOneHead) {
  PendingFragment pending;
  EXPECT_TRUE(pending.empty());
  pending.Keep("{\"a\":\"b", PendingFragment::Clock::now());
  EXPECT_FALSE(pending.empty());
  EXPECT_EQ(pending.Take(), "{\"a\":\"b");
  EXPECT_TRUE(pending.empty());
}

}  // namespace
}  // namespace tk::telemetry
