// Checks the hand-written KPL encoder (telemetry/kpl_aggregator) against libprotobuf: every
// aggregate parses as an AggregatedRecord with the events in order, and its protobuf bytes equal
// libprotobuf's serialization of the same message, byte for byte, for sizes across every varint
// length boundary and random binary data.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "aws/crypto.h"
#include "kinesis/limits.h"
#include "kpl_aggregation.pb.h"
#include "telemetry/kpl_aggregator.h"

namespace tk::telemetry {
namespace {

struct Event {
  std::string key;
  std::string data;
};

std::string_view Protobuf(const kinesis::Record& record) {
  std::string_view data = record.data;
  return data.substr(kKplMagic.size(), data.size() - kKplMagic.size() - kKplDigestBytes);
}

// libprotobuf's serialization of an aggregate of `events`, keyed as KplAggregator keys them.
std::string ReferenceBytes(const std::vector<Event>& events) {
  kpl::AggregatedRecord message;
  message.add_partition_key_table(events.front().key);
  for (const Event& event : events) {
    kpl::Record* record = message.add_records();
    record->set_partition_key_index(0);
    record->set_data(event.data);
  }
  return message.SerializeAsString();
}

// Runs `events` through an aggregator; checks each aggregate against libprotobuf and returns
// the events recovered, in order.
std::vector<std::string> AggregateAndCheck(const std::vector<Event>& events, size_t max_bytes,
                                           AggregateKey rule) {
  KplAggregator aggregator(max_bytes, rule);
  std::vector<kinesis::Record> records;
  for (const Event& event : events) EXPECT_TRUE(aggregator.Add(event.key, event.data, records));
  aggregator.Finish(records);

  std::vector<std::string> recovered;
  size_t next = 0;
  for (const kinesis::Record& record : records) {
    SCOPED_TRACE("aggregate of " + std::to_string(record.events) + " events");
    EXPECT_LE(record.Size(), kinesis::kDefaultMaxRecordBytes);
    EXPECT_EQ(record.data.compare(0, 4, std::string(kKplMagic.begin(), kKplMagic.end())), 0);
    const aws::Md5Digest digest = aws::Md5(Protobuf(record));
    EXPECT_EQ(record.data.substr(record.data.size() - kKplDigestBytes),
              std::string(digest.begin(), digest.end()));

    kpl::AggregatedRecord parsed;
    EXPECT_TRUE(parsed.ParseFromString(std::string(Protobuf(record))));
    EXPECT_EQ(parsed.partition_key_table_size(), 1);
    EXPECT_EQ(parsed.partition_key_table(0), record.partition_key);
    EXPECT_EQ(parsed.explicit_hash_key_table_size(), 0);
    EXPECT_EQ(static_cast<uint32_t>(parsed.records_size()), record.events);
    for (const kpl::Record& user : parsed.records()) {
      EXPECT_EQ(user.partition_key_index(), 0u);
      EXPECT_FALSE(user.has_explicit_hash_key_index());
      EXPECT_EQ(user.tags_size(), 0);
      recovered.push_back(user.data());
    }
    const std::vector<Event> in_this(
        events.begin() + static_cast<std::ptrdiff_t>(next),
        events.begin() + static_cast<std::ptrdiff_t>(next + record.events));
    EXPECT_EQ(std::string(Protobuf(record)), ReferenceBytes(in_this)) << "differs from libprotobuf";
    if (rule == AggregateKey::kFirstEventKey) {
      EXPECT_EQ(record.partition_key, in_this.front().key);
    }
    next += record.events;
  }
  return recovered;
}

std::vector<std::string> DataOf(const std::vector<Event>& events) {
  std::vector<std::string> data;
  for (const Event& event : events) data.push_back(event.data);
  return data;
}

TEST(KplAggregatorProtobufTest, MatchesLibprotobufAcrossEveryVarintLengthBoundary) {
  // Data lengths around 1-, 2- and 3-byte varints, for the data and for the Record message.
  std::vector<Event> events;
  for (size_t size :
       {0, 1, 122, 123, 124, 127, 128, 129, 16'377, 16'378, 16'383, 16'384, 16'385, 200'000}) {
    events.push_back({"0123456789abcdef", std::string(size, static_cast<char>('a' + size % 26))});
  }
  EXPECT_EQ(AggregateAndCheck(events, kinesis::kDefaultMaxRecordBytes, AggregateKey::kPerEventKey),
            DataOf(events));
}

TEST(KplAggregatorProtobufTest, MatchesLibprotobufForRandomBinaryEventsAndKeys) {
  std::mt19937_64 random(20240601);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> small(0, 3'000);
  std::uniform_int_distribution<size_t> key_length(1, 256);
  for (int round = 0; round < 50; ++round) {
    std::vector<Event> events(1 + round % 40);
    std::string key(key_length(random), 'k');
    for (char& c : key) c = static_cast<char>('a' + byte(random) % 26);
    for (Event& event : events) {
      event.key = key;
      event.data.resize(small(random));
      for (char& c : event.data) c = static_cast<char>(byte(random));
    }
    const size_t target = 1'024 + static_cast<size_t>(round) * 1'500;
    EXPECT_EQ(AggregateAndCheck(events, target, AggregateKey::kPerEventKey), DataOf(events));
  }
}

TEST(KplAggregatorProtobufTest, FirstEventKeyRuleKeepsOneKeyPerAggregate) {
  std::vector<Event> events;
  for (int i = 0; i < 300; ++i) {
    events.push_back({"key-" + std::to_string(i), std::string(200, 'x') + std::to_string(i)});
  }
  EXPECT_EQ(AggregateAndCheck(events, 25 * kinesis::kKiB, AggregateKey::kFirstEventKey),
            DataOf(events));
}

TEST(KplAggregatorProtobufTest, SizeFormulasEqualLibprotobufsByteSize) {
  for (size_t size : {0, 5, 127, 128, 16'383, 16'384, 70'000}) {
    kpl::AggregatedRecord one;
    one.add_partition_key_table("0123456789abcdef");
    kpl::Record* record = one.add_records();
    record->set_partition_key_index(0);
    record->set_data(std::string(size, 'd'));
    kpl::AggregatedRecord keys_only;
    keys_only.add_partition_key_table("0123456789abcdef");
    EXPECT_EQ(KplAggregator::UserRecordBytes(size), one.ByteSizeLong() - keys_only.ByteSizeLong());
    EXPECT_EQ(KplAggregator::FixedBytes(16), keys_only.ByteSizeLong() + 4 + 16);
  }
}

}  // namespace
}  // namespace tk::telemetry
