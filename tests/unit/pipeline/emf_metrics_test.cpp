// EMF lines: the CloudWatch structure, counts as differences between lines, gauges as they are.
#include "pipeline/emf_metrics.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace tk::pipeline {
namespace {

TEST(EmfReporterTest, RendersOneCloudWatchEmbeddedMetricFormatObject) {
  DeliveryStats stats;
  stats.events_received = 10;
  stats.records_delivered = 7;
  stats.events_dropped_too_large = 1;
  stats.requests_sent = 2;
  stats.request_latency_ms_total = 30;
  EmfReporter reporter("orders \"api\"");
  auto line = nlohmann::json::parse(reporter.Render(stats, 1'700'000'000'000, 4096));

  EXPECT_EQ(line["_aws"]["Timestamp"], 1'700'000'000'000);
  const auto& directive = line["_aws"]["CloudWatchMetrics"][0];
  EXPECT_EQ(directive["Namespace"], kEmfNamespace);
  EXPECT_EQ(directive["Dimensions"], nlohmann::json::parse(R"([["FunctionName"]])"));
  EXPECT_EQ(line["FunctionName"], "orders \"api\"");
  // Every declared metric has a value at the top level, as EMF requires.
  for (const auto& metric : directive["Metrics"]) {
    EXPECT_TRUE(line.contains(metric["Name"].get<std::string>())) << metric["Name"];
  }
  EXPECT_EQ(line["EventsReceived"], 10);
  EXPECT_EQ(line["RecordsDelivered"], 7);
  EXPECT_EQ(line["DroppedTooLarge"], 1);
  EXPECT_EQ(line["PutRecordsLatencyAverage"], 15.0);
  EXPECT_EQ(line["BufferedBytes"], 4096);
}

TEST(EmfReporterTest, ReportsCountsSinceThePreviousLineSoCloudWatchSumsAreRight) {
  DeliveryStats stats;
  EmfReporter reporter("f");
  stats.events_received = 5;
  reporter.Render(stats, 1, 0);
  stats.events_received = 12;
  stats.records_delivered = 3;
  auto second = nlohmann::json::parse(reporter.Render(stats, 2, 0));
  EXPECT_EQ(second["EventsReceived"], 7);
  EXPECT_EQ(second["RecordsDelivered"], 3);
  EXPECT_EQ(second["PutRecordsLatencyAverage"], 0.0) << "no requests: no division by zero";
}

TEST(EmfReporterTest, ReportsFilteredEventsAndTheKinesisRecordsAndUnitsOfPackedFormats) {
  DeliveryStats stats;
  EmfReporter reporter("f");
  stats.events_received = 1'000;
  stats.events_filtered = 200;
  stats.records_delivered = 800;  // events
  stats.records_put = 9;
  stats.put_payload_units = 10;
  auto first = nlohmann::json::parse(reporter.Render(stats, 1, 0));
  EXPECT_EQ(first["EventsFiltered"], 200);
  EXPECT_EQ(first["RecordsDelivered"], 800);
  EXPECT_EQ(first["KinesisRecordsPut"], 9);
  EXPECT_EQ(first["PutPayloadUnits"], 10);
  stats.events_filtered = 250;
  auto second = nlohmann::json::parse(reporter.Render(stats, 2, 0));
  EXPECT_EQ(second["EventsFiltered"], 50);
  EXPECT_EQ(second["KinesisRecordsPut"], 0);
}

TEST(DeliveryStatsTest, TheSummaryKeepsItsKeysAndAddsTheFormatAndFilterOnes) {
  DeliveryStats stats;
  stats.events_received = 12;
  stats.records_delivered = 10;
  stats.events_filtered = 2;
  stats.records_put = 1;
  stats.put_payload_units = 1;
  const std::string summary = stats.Summary();
  EXPECT_NE(summary.find("received=12 delivered=10 "), std::string::npos) << summary;
  EXPECT_NE(summary.find(" filtered=2 records_put=1 put_payload_units=1"), std::string::npos)
      << summary;
}

}  // namespace
}  // namespace tk::pipeline
