// Tests the record envelope (rendered once, escaped), the per-event record, partition keys and
// the per-record limit (1 MiB, or the stream's raised maximum record size).
#include "telemetry/record_encoder.h"

#include "kinesis/record_recycler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "kinesis/limits.h"
#include "support/telemetry_samples.h"
#include "support/tenant_events.h"

namespace tk::telemetry {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

constexpr char kSandboxId[] = "0123456789abcdef";
constexpr EventId kId{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
constexpr char kIdHex[] = "0123456789abcdeffedcba9876543210";
// What follows the prefix besides the event: the id, `","event":` and the closing brace.
constexpr size_t kFramingBytes = 32 + 10 + 1;

// The record of `raw` with id kId.
std::string Framed(const std::string& prefix, const std::string& raw) {
  return prefix + kIdHex + R"(","event":)" + raw + "}";
}

FunctionMetadata Metadata(std::string account_id = "123456789012") {
  FunctionMetadata metadata;
  metadata.function_name = "orders-api";
  metadata.function_version = "$LATEST";
  metadata.region = "eu-west-1";
  metadata.memory_mb = 256;
  metadata.account_id = std::move(account_id);
  metadata.sandbox_id = kSandboxId;
  metadata.extension_version = "telemetry-kinesis/0.1.0";
  return metadata;
}

using tk::testing::ReadSample;

// The envelope as a JSON object: the prefix closed with an id and a null event.
nlohmann::ordered_json ParsePrefix(const std::string& prefix) {
  return nlohmann::ordered_json::parse(prefix + R"(id","event":null})");
}

std::vector<std::string> Keys(const nlohmann::ordered_json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) keys.push_back(item.key());
  return keys;
}

TEST(RenderEnvelopePrefixTest, HoldsTheFunctionMetadataInOrderEndingInTheIdsString) {
  const std::string prefix = RenderEnvelopePrefix(Metadata());
  EXPECT_THAT(prefix, StartsWith("{"));
  EXPECT_THAT(prefix, EndsWith(",\"id\":\""));
  const nlohmann::ordered_json envelope = ParsePrefix(prefix);
  EXPECT_THAT(Keys(envelope), ElementsAre("function", "version", "region", "memoryMB", "account",
                                          "sandbox", "extension", "id", "event"));
  EXPECT_EQ(envelope["function"], "orders-api");
  EXPECT_EQ(envelope["version"], "$LATEST");
  EXPECT_EQ(envelope["region"], "eu-west-1");
  EXPECT_EQ(envelope["memoryMB"], 256);
  EXPECT_TRUE(envelope["memoryMB"].is_number_unsigned());
  EXPECT_EQ(envelope["account"], "123456789012");
  EXPECT_EQ(envelope["sandbox"], kSandboxId);
  EXPECT_EQ(envelope["extension"], "telemetry-kinesis/0.1.0");
}

TEST(RenderEnvelopePrefixTest, LeavesOutTheAccountWhenItIsUnknown) {
  const nlohmann::ordered_json envelope = ParsePrefix(RenderEnvelopePrefix(Metadata("")));
  EXPECT_FALSE(envelope.contains("account"));
  EXPECT_THAT(Keys(envelope), ElementsAre("function", "version", "region", "memoryMB", "sandbox",
                                          "extension", "id", "event"));
}

TEST(RenderEnvelopePrefixTest, EscapesOddFunctionNamesAndVersions) {
  FunctionMetadata metadata = Metadata();
  metadata.function_name = "we\"ird\\name\n\t\x01/</script> \xc3\xa9\xe2\x9c\x93";
  metadata.function_version = "\"}],\"event\":1,{";
  const nlohmann::ordered_json envelope = ParsePrefix(RenderEnvelopePrefix(metadata));
  EXPECT_EQ(envelope["function"], metadata.function_name);
  EXPECT_EQ(envelope["version"], metadata.function_version);
  EXPECT_TRUE(envelope["event"].is_null());
}

TEST(RecordEncoderTest, WrapsTheEventBytesUntouchedInTheEnvelope) {
  const std::string prefix = RenderEnvelopePrefix(Metadata());
  RecordEncoder encoder(prefix, config::PartitionKeyStrategy::kSandbox, kSandboxId);
  const std::string raw = ReadSample("platform.report.json");  // multi-line, indented
  kinesis::Record record;
  record.attempts = 3;  // stale state from a reused record
  ASSERT_TRUE(encoder.Encode(raw, kId, record));
  EXPECT_EQ(record.data, Framed(prefix, raw));
  EXPECT_EQ(record.attempts, 0u);
  const nlohmann::json parsed = nlohmann::json::parse(record.data);
  EXPECT_EQ(parsed["event"], nlohmann::json::parse(raw));
  EXPECT_EQ(parsed["function"], "orders-api");
  EXPECT_EQ(encoder.RecordSize(raw.size()), record.data.size() + record.partition_key.size());
}

TEST(RecordEncoderTest, SandboxStrategyGivesEveryRecordTheSandboxKey) {
  RecordEncoder encoder(RenderEnvelopePrefix(Metadata()), config::PartitionKeyStrategy::kSandbox,
                        kSandboxId);
  kinesis::Record record;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(encoder.Encode(R"({"type":"function","record":"x"})", kId, record));
    ASSERT_EQ(record.partition_key, kSandboxId);
  }
}

TEST(RecordEncoderTest, RandomStrategyGivesRecordsDifferentHexKeys) {
  RecordEncoder encoder(RenderEnvelopePrefix(Metadata()), config::PartitionKeyStrategy::kRandom,
                        kSandboxId);
  std::set<std::string> keys;
  kinesis::Record record;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(encoder.Encode(R"({"type":"function","record":"x"})", kId, record));
    EXPECT_THAT(record.partition_key, MatchesRegex("[0-9a-f]{16}"));
    keys.insert(record.partition_key);
  }
  EXPECT_EQ(keys.size(), 100u);  // 64-bit keys: a collision in 100 draws is ~3e-16
}

TEST(RecordEncoderTest, WritesIntoASpentRecordsBuffersWhenARecyclerIsSet) {
  const std::string prefix = RenderEnvelopePrefix(Metadata());
  RecordEncoder encoder(prefix, config::PartitionKeyStrategy::kSandbox, kSandboxId);
  kinesis::RecordRecycler recycler;
  encoder.RecycleFrom(&recycler);
  std::vector<kinesis::Record> spent(1);
  spent[0].data.assign(4096, 'x');
  spent[0].partition_key = "an-old-partition-key";
  spent[0].attempts = 2;
  const char* spent_buffer = spent[0].data.data();
  recycler.Give(spent);

  kinesis::Record record;  // as the listener's handler passes it: no buffer of its own
  const std::string raw = R"({"type":"function","record":"hello"})";
  ASSERT_TRUE(encoder.Encode(raw, kId, record));
  EXPECT_EQ(record.data.data(), spent_buffer);  // no allocation for this event
  EXPECT_EQ(record.data, Framed(prefix, raw));
  EXPECT_EQ(record.partition_key, kSandboxId);
  EXPECT_EQ(record.attempts, 0u);
  EXPECT_EQ(recycler.size(), 0u);

  // With nothing left to reuse it allocates, as without a recycler.
  kinesis::Record another;
  ASSERT_TRUE(encoder.Encode(raw, kId, another));
  EXPECT_EQ(another.data, Framed(prefix, raw));
}

// An event JSON of exactly `bytes` bytes.
std::string EventOfSize(size_t bytes) {
  const std::string head = R"({"type":"function","record":")";
  const std::string tail = "\"}";
  return head + std::string(bytes - head.size() - tail.size(), 'x') + tail;
}

// ---- Tenant isolation: tenantId in the envelope, and the `tenant` partition key ----

TEST(RecordEncoderTenantTest, PutsTheEventsTenantIdInItsEnvelopeBeforeTheEvent) {
  const std::string prefix = RenderEnvelopePrefix(Metadata());
  RecordEncoder encoder(prefix, config::PartitionKeyStrategy::kSandbox, kSandboxId);
  for (const std::string& raw :
       {tk::testing::TenantStartEvent(), tk::testing::TenantLogEvent("custom log line1"),
        tk::testing::TenantRuntimeDoneEvent(), tk::testing::TenantReportEvent()}) {
    kinesis::Record record;
    ASSERT_TRUE(encoder.Encode(raw, kId, record, tk::testing::kTenant));
    const nlohmann::ordered_json envelope = nlohmann::ordered_json::parse(record.data);
    EXPECT_THAT(Keys(envelope), ElementsAre("function", "version", "region", "memoryMB", "account",
                                            "sandbox", "extension", "id", "tenantId", "event"));
    EXPECT_EQ(envelope["tenantId"], tk::testing::kTenant);
    EXPECT_EQ(envelope["id"], kIdHex);
    EXPECT_EQ(record.data,
              prefix + kIdHex + R"(","tenantId":"BlueTenant",)" + R"("event":)" + raw + "}")
        << "the event's bytes stay untouched";
    EXPECT_EQ(record.partition_key, kSandboxId) << "strategy sandbox keeps the sandbox key";
    EXPECT_EQ(encoder.RecordSize(raw.size(), tk::testing::kTenant), record.Size());
  }
}

TEST(RecordEncoderTenantTest, LeavesTheEnvelopeOfAnEventWithoutATenantAsItWas) {
  const std::string prefix = RenderEnvelopePrefix(Metadata());
  RecordEncoder encoder(prefix, config::PartitionKeyStrategy::kTenant, kSandboxId);
  const std::string raw = tk::testing::InitStartEvent();
  kinesis::Record record;
  ASSERT_TRUE(encoder.Encode(raw, kId, record));
  EXPECT_EQ(record.data, Framed(prefix, raw));
  EXPECT_EQ(record.partition_key, kSandboxId);
  EXPECT_EQ(encoder.RecordSize(raw.size()), record.Size());
}

TEST(RecordEncoderTenantTest, EscapesATenantIdForTheEnvelope) {
  RecordEncoder encoder(RenderEnvelopePrefix(Metadata()), config::PartitionKeyStrategy::kTenant,
                        kSandboxId);
  const std::string tenant = "a\"b\\c\x01";
  kinesis::Record record;
  ASSERT_TRUE(encoder.Encode(tk::testing::TenantStartEvent(), kId, record, tenant));
  EXPECT_THAT(record.data, ::testing::HasSubstr(R"("tenantId":"a\"b\\c\u0001",)"));
  EXPECT_EQ(nlohmann::json::parse(record.data)["tenantId"], tenant);
  EXPECT_EQ(record.partition_key, tenant) << "the key is the id itself, unescaped";
  EXPECT_EQ(encoder.RecordSize(tk::testing::TenantStartEvent().size(), tenant), record.Size());
}

TEST(RecordEncoderTenantTest, TenantStrategyKeysByTheTenantAndFallsBackToTheSandbox) {
  RecordEncoder encoder(RenderEnvelopePrefix(Metadata()), config::PartitionKeyStrategy::kTenant,
                        kSandboxId);
  kinesis::Record record;
  ASSERT_TRUE(encoder.Encode(tk::testing::TenantReportEvent(), kId, record, tk::testing::kTenant));
  EXPECT_EQ(record.partition_key, tk::testing::kTenant);
  ASSERT_TRUE(encoder.Encode(tk::testing::TextLogEvent("plain"), kId, record));
  EXPECT_EQ(record.partition_key, kSandboxId);
  // Lambda's tenant ids are 1-256 characters; a longer one cannot be a partition key.
  const std::string overlong(257, 't');
  ASSERT_TRUE(encoder.Encode(tk::testing::TenantReportEvent(overlong), kId, record, overlong));
  EXPECT_EQ(record.partition_key, kSandboxId);
  EXPECT_EQ(nlohmann::json::parse(record.data)["tenantId"], overlong);
  const std::string longest(256, 't');
  ASSERT_TRUE(encoder.Encode(tk::testing::TenantReportEvent(longest), kId, record, longest));
  EXPECT_EQ(record.partition_key, longest);
  EXPECT_EQ(encoder.RecordSize(tk::testing::TenantReportEvent(longest).size(), longest),
            record.Size());
}

TEST(RecordEncoderTenantTest, RandomStrategyIgnoresTheTenantForTheKey) {
  RecordEncoder encoder(RenderEnvelopePrefix(Metadata()), config::PartitionKeyStrategy::kRandom,
                        kSandboxId);
  kinesis::Record record;
  ASSERT_TRUE(encoder.Encode(tk::testing::TenantStartEvent(), kId, record, tk::testing::kTenant));
  EXPECT_THAT(record.partition_key, MatchesRegex("[0-9a-f]{16}"));
  EXPECT_EQ(nlohmann::json::parse(record.data)["tenantId"], tk::testing::kTenant);
}

TEST(RecordEncoderTenantTest, TheTenantFieldAndKeyCountAgainstTheRecordLimit) {
  const std::string prefix = RenderEnvelopePrefix(Metadata());
  RecordEncoder encoder(prefix, config::PartitionKeyStrategy::kTenant, kSandboxId);
  const std::string tenant = tk::testing::kTenant;
  // prefix + id framing + "tenantId":"BlueTenant", (24 bytes) + event + "}" + key (10 bytes)
  // = 1 MiB.
  const size_t fitting =
      kinesis::kDefaultMaxRecordBytes - prefix.size() - kFramingBytes - 24 - tenant.size();
  kinesis::Record record;
  ASSERT_TRUE(encoder.Encode(EventOfSize(fitting), kId, record, tenant));
  EXPECT_EQ(record.Size(), kinesis::kDefaultMaxRecordBytes);
  EXPECT_FALSE(encoder.Encode(EventOfSize(fitting + 1), kId, record, tenant));
}

TEST(DrawSandboxIdTest, DrawsSixteenHexDigitsFreshEachTime) {
  const std::string first = DrawSandboxId();
  const std::string second = DrawSandboxId();
  EXPECT_THAT(first, MatchesRegex("[0-9a-f]{16}"));
  EXPECT_THAT(second, MatchesRegex("[0-9a-f]{16}"));
  EXPECT_NE(first, second);
}

struct KeyCase {
  std::string name;
  config::PartitionKeyStrategy strategy;
  std::string sandbox_id;
};

std::string KeyCaseName(const ::testing::TestParamInfo<KeyCase>& param) { return param.param.name; }

void PrintTo(const KeyCase& key_case, std::ostream* out) { *out << key_case.name; }

class RecordLimitTest : public ::testing::TestWithParam<KeyCase> {};

TEST_P(RecordLimitTest, AcceptsARecordOfExactlyOneMebibyteAndRefusesOneByteMore) {
  const KeyCase& key_case = GetParam();
  const std::string prefix = RenderEnvelopePrefix(Metadata());
  RecordEncoder encoder(prefix, key_case.strategy, key_case.sandbox_id);
  const size_t key_bytes =
      key_case.strategy == config::PartitionKeyStrategy::kRandom ? 16 : key_case.sandbox_id.size();
  const size_t fitting_event =
      kinesis::kDefaultMaxRecordBytes - prefix.size() - kFramingBytes - key_bytes;

  kinesis::Record record;
  ASSERT_TRUE(encoder.Encode(EventOfSize(fitting_event), kId, record));
  EXPECT_EQ(record.data.size() + record.partition_key.size(), kinesis::kDefaultMaxRecordBytes);
  EXPECT_EQ(record.Size(), kinesis::kDefaultMaxRecordBytes);
  EXPECT_EQ(encoder.RecordSize(fitting_event), kinesis::kDefaultMaxRecordBytes);

  EXPECT_FALSE(encoder.Encode(EventOfSize(fitting_event + 1), kId, record));
  EXPECT_EQ(encoder.RecordSize(fitting_event + 1), kinesis::kDefaultMaxRecordBytes + 1);
}

TEST_P(RecordLimitTest, FollowsTheStreamsRaisedMaximumRecordSize) {
  const KeyCase& key_case = GetParam();
  const std::string prefix = RenderEnvelopePrefix(Metadata());
  const kinesis::Limits limits = kinesis::LimitsForStream(10 * kinesis::kMiB);
  RecordEncoder encoder(prefix, key_case.strategy, key_case.sandbox_id, limits);
  EXPECT_EQ(encoder.max_record_bytes(), 10 * kinesis::kMiB);
  const size_t key_bytes =
      key_case.strategy == config::PartitionKeyStrategy::kRandom ? 16 : key_case.sandbox_id.size();
  const size_t fitting_event = 10 * kinesis::kMiB - prefix.size() - kFramingBytes - key_bytes;

  kinesis::Record record;
  ASSERT_TRUE(encoder.Encode(EventOfSize(fitting_event), kId, record));
  EXPECT_EQ(record.Size(), 10 * kinesis::kMiB);
  EXPECT_FALSE(encoder.Encode(EventOfSize(fitting_event + 1), kId, record));
}

TEST(RecordEncoderTest, EncodesA5MiBEventOnlyWhenTheStreamTakes10MiBRecords) {
  const std::string event = EventOfSize(5 * kinesis::kMiB);
  kinesis::Record record;

  RecordEncoder default_encoder(RenderEnvelopePrefix(Metadata()),
                                config::PartitionKeyStrategy::kSandbox, kSandboxId);
  EXPECT_FALSE(default_encoder.Encode(event, kId, record));

  RecordEncoder large_encoder(RenderEnvelopePrefix(Metadata()),
                              config::PartitionKeyStrategy::kSandbox, kSandboxId,
                              kinesis::LimitsForStream(10 * kinesis::kMiB));
  ASSERT_TRUE(large_encoder.Encode(event, kId, record));
  EXPECT_THAT(record.data, EndsWith(event + "}"));
  auto batch = std::make_shared<kinesis::SharedBatch>();
  batch->body = event;
  large_encoder.FrameBatch(*batch);
  EXPECT_TRUE(large_encoder.EncodeBorrowed(batch->body, kId, batch, record));
  EXPECT_TRUE(default_encoder.Encode(EventOfSize(1000), kId, record));
}

TEST(RecordEncoderTest, PutsTheIdInTheEnvelopeOfOwnedAndBorrowedRecordsAlike) {
  const std::string prefix = RenderEnvelopePrefix(Metadata());
  RecordEncoder encoder(prefix, config::PartitionKeyStrategy::kSandbox, kSandboxId);
  auto batch = std::make_shared<kinesis::SharedBatch>();
  batch->body = R"([{"type":"function","record":"x"}])";
  encoder.FrameBatch(*batch);
  const std::string_view raw = std::string_view(batch->body).substr(1, batch->body.size() - 2);
  kinesis::Record owned;
  kinesis::Record borrowed;
  ASSERT_TRUE(encoder.Encode(raw, kId, owned));
  ASSERT_TRUE(encoder.EncodeBorrowed(raw, kId, batch, borrowed));
  std::string scratch;
  EXPECT_EQ(borrowed.ContiguousData(scratch), owned.data);
  EXPECT_EQ(nlohmann::json::parse(owned.data)["id"], kIdHex);
  EXPECT_EQ(borrowed.DataSize(), owned.data.size());
}

INSTANTIATE_TEST_SUITE_P(
    PartitionKeys, RecordLimitTest,
    ::testing::Values(KeyCase{"DrawnSandboxId", config::PartitionKeyStrategy::kSandbox,
                              "0123456789abcdef"},
                      KeyCase{"ShortSandboxId", config::PartitionKeyStrategy::kSandbox, "sb-1"},
                      KeyCase{"InstanceIdAsSandboxId", config::PartitionKeyStrategy::kSandbox,
                              "82561ce0-53dd-47d1-90e0-c8f5e063e62e"},
                      KeyCase{"Random", config::PartitionKeyStrategy::kRandom, "sb-1"}),
    KeyCaseName);

}  // namespace
}  // namespace tk::telemetry
