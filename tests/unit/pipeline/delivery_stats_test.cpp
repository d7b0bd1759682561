// The one table of delivery counters (kDeliveryCounters) and what is made from it: the summary
// line, the balance of events, and the README's table, which must have one row per counter.
#include "pipeline/delivery_stats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace tk::pipeline {
namespace {

using ::testing::HasSubstr;

const char* BalanceName(Balance balance) {
  switch (balance) {
    case Balance::kIn:
      return "in";
    case Balance::kOut:
      return "out";
    case Balance::kNone:
      break;
  }
  return "-";
}

// The README row a counter must have.
std::string ReadmeRow(const DeliveryCounter& counter) {
  const std::string metric =
      counter.emf_name == nullptr ? "-" : "`" + std::string(counter.emf_name) + "`";
  return "| `" + std::string(counter.summary_key) + "` | " + metric + " | " +
         BalanceName(counter.balance) + " | " + counter.meaning + " |";
}

TEST(DeliveryCountersTest, SummaryKeysAreUnique) {
  std::set<std::string> keys;
  for (const DeliveryCounter& counter : kDeliveryCounters) {
    EXPECT_TRUE(keys.insert(counter.summary_key).second) << counter.summary_key;
  }
}

TEST(DeliveryCountersTest, TheSummaryLineHasEveryCounterInTableOrder) {
  DeliveryStats stats;
  stats.events_received = 7;
  stats.session.reconnects = 2;
  const std::string summary = stats.Summary();
  EXPECT_THAT(summary, HasSubstr("received=7 delivered=0"));
  EXPECT_THAT(summary, HasSubstr("reconnects=2"));
  size_t at = 0;
  for (const DeliveryCounter& counter : kDeliveryCounters) {
    const size_t found = summary.find(std::string(counter.summary_key) + "=", at);
    ASSERT_NE(found, std::string::npos) << counter.summary_key;
    at = found;
  }
}

TEST(DeliveryCountersTest, UnaccountedIsWhatCameInMinusEveryFinalFate) {
  DeliveryStats stats;
  stats.events_received = 100;
  stats.events_recovered_from_spool = 5;
  stats.records_delivered = 80;
  stats.events_filtered = 10;
  stats.events_dropped_overflow = 3;
  stats.records_unsent_at_shutdown = 2;
  stats.records_retried = 40;  // not an event's fate
  EXPECT_EQ(Unaccounted(SnapshotOf(stats)), 10);
}

TEST(DeliveryCountersTest, TheReadmeHasOneRowPerCounter) {
  std::ifstream file(std::string(TK_SOURCE_DIR) + "/README.md");
  ASSERT_TRUE(file) << "README.md not found";
  std::stringstream text;
  text << file.rdbuf();
  for (const DeliveryCounter& counter : kDeliveryCounters) {
    // Not EXPECT_THAT(HasSubstr): its failure would print the whole README.
    EXPECT_NE(text.str().find(ReadmeRow(counter) + "\n"), std::string::npos)
        << "README.md, \"Delivery counters\": add or correct the row of " << counter.summary_key
        << ":\n"
        << ReadmeRow(counter);
  }
}

}  // namespace
}  // namespace tk::pipeline
