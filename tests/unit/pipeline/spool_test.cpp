// Spool: framing round trip, bounds, oldest-first takes, crash adoption, damage tolerance.
#include "pipeline/spool.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>

#include <fstream>
#include <random>
#include "support/test_directory.h"

namespace tk::pipeline {
namespace {

namespace fs = std::filesystem;

kinesis::Record MakeRecord(const std::string& key, const std::string& data) {
  kinesis::Record record;
  record.partition_key = key;
  record.data = data;
  return record;
}

// A frame of the given version around `payload`, with a correct length and CRC: what a damaged
// or foreign file can contain, since a CRC proves nothing about the payload's inner layout.
std::string FrameWithValidCrc(char version, const std::string& payload) {
  std::string frame = std::string("TKS") + version;
  auto put_u32 = [&frame](uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8) frame.push_back(static_cast<char>(value >> shift));
  };
  put_u32(static_cast<uint32_t>(payload.size()));
  put_u32(static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(payload.data()),
                                      static_cast<uInt>(payload.size()))));
  return frame + payload;
}

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override { directory_ = tk::testing::FreshTestDirectory("tk-spool-test"); }
  void TearDown() override { fs::remove_all(directory_); }

  std::unique_ptr<Spool> OpenSpool(size_t max_bytes = 1 << 20, size_t segment_bytes = 4096) {
    auto spool = Spool::Open({directory_.string(), max_bytes, segment_bytes});
    EXPECT_TRUE(spool.ok());
    return std::move(spool).value();
  }

  std::vector<fs::path> SegmentFiles() const {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(directory_)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
  }

  fs::path directory_;
};

TEST_F(SpoolTest, RoundTripsRecordsInOrderIncludingBinaryBytes) {
  auto spool = OpenSpool();
  std::vector<kinesis::Record> records = {MakeRecord("k1", "first"),
                                          MakeRecord("k2", std::string("\0\xff\n", 3)),
                                          MakeRecord("", "empty key")};
  ASSERT_EQ(spool->Append(records), SpoolAppendResult::kAppended);
  EXPECT_EQ(spool->records(), 3u);
  std::vector<kinesis::Record> out;
  SpoolReadReport report;
  ASSERT_TRUE(spool->TakeOldestSegment(out, report));
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].partition_key, records[i].partition_key);
    EXPECT_EQ(out[i].data, records[i].data);
  }
  EXPECT_EQ(report.corrupt_frames, 0u);
  EXPECT_FALSE(report.truncated_tail);
  EXPECT_TRUE(spool->empty());
  EXPECT_EQ(spool->bytes(), 0u);
  EXPECT_TRUE(SegmentFiles().empty()) << "a taken segment is deleted";
}

TEST_F(SpoolTest, RefusesAnAppendThatWouldExceedTheBoundAndWritesNothing) {
  auto spool = OpenSpool(/*max_bytes=*/200);
  std::vector<kinesis::Record> small = {MakeRecord("k", std::string(100, 'a'))};
  ASSERT_EQ(spool->Append(small), SpoolAppendResult::kAppended);
  size_t before = spool->bytes();
  EXPECT_EQ(spool->Append(small), SpoolAppendResult::kFull);
  EXPECT_EQ(spool->bytes(), before);
  EXPECT_EQ(spool->records(), 1u);
}

TEST_F(SpoolTest, TakesSegmentsOldestFirstAcrossManySegments) {
  auto spool = OpenSpool(1 << 20, /*segment_bytes=*/256);
  for (int i = 0; i < 20; ++i) {
    std::vector<kinesis::Record> one = {
        MakeRecord("k", "record-" + std::to_string(i) + std::string(100, '.'))};
    ASSERT_EQ(spool->Append(one), SpoolAppendResult::kAppended);
  }
  EXPECT_GT(SegmentFiles().size(), 3u);
  std::vector<kinesis::Record> out;
  SpoolReadReport report;
  while (spool->TakeOldestSegment(out, report)) {
  }
  ASSERT_EQ(out.size(), 20u);
  for (int i = 0; i < 20; ++i)
    EXPECT_TRUE(out[i].data.starts_with("record-" + std::to_string(i) + "."));
}

TEST_F(SpoolTest, OneAppendOfManyRecordsSpreadsOverSegmentsNoneOfThemPastItsSize) {
  auto spool = OpenSpool(1 << 20, /*segment_bytes=*/1000);
  std::vector<kinesis::Record> records;
  for (int i = 0; i < 12; ++i)
    records.push_back(MakeRecord("k", std::to_string(i) + std::string(300, '.')));
  ASSERT_EQ(spool->Append(records), SpoolAppendResult::kAppended);
  // A record bigger than a segment gets one of its own.
  std::vector<kinesis::Record> big = {MakeRecord("k", "12" + std::string(2500, '.'))};
  ASSERT_EQ(spool->Append(big), SpoolAppendResult::kAppended);
  std::vector<fs::path> files = SegmentFiles();
  ASSERT_GE(files.size(), 5u);
  for (size_t i = 0; i + 1 < files.size(); ++i)
    EXPECT_LE(fs::file_size(files[i]), 1000u) << files[i];
  EXPECT_GT(fs::file_size(files.back()), 2500u);

  std::vector<kinesis::Record> out;
  for (const fs::path& file : files) {
    EXPECT_EQ(spool->oldest_segment_bytes(), fs::file_size(file));
    SpoolReadReport report;
    ASSERT_TRUE(spool->TakeOldestSegment(out, report));
  }
  EXPECT_EQ(spool->oldest_segment_bytes(), 0u);
  EXPECT_EQ(spool->bytes(), 0u);
  ASSERT_EQ(out.size(), 13u);
  for (int i = 0; i < 13; ++i) EXPECT_TRUE(out[i].data.starts_with(std::to_string(i) + ".")) << i;
}

TEST_F(SpoolTest, ANewProcessAdoptsSegmentsLeftByACrashedOneAndReplaysThemFirst) {
  {
    auto crashed = OpenSpool();
    std::vector<kinesis::Record> records = {MakeRecord("k", "from the crashed process")};
    ASSERT_EQ(crashed->Append(records), SpoolAppendResult::kAppended);
    // No take: the process "dies" with the segment on disk.
  }
  auto restarted = OpenSpool();
  EXPECT_EQ(restarted->adopted_segments(), 1u);
  EXPECT_FALSE(restarted->empty());
  std::vector<kinesis::Record> later = {MakeRecord("k", "after restart")};
  ASSERT_EQ(restarted->Append(later), SpoolAppendResult::kAppended);

  std::vector<kinesis::Record> out;
  SpoolReadReport first;
  ASSERT_TRUE(restarted->TakeOldestSegment(out, first));
  EXPECT_TRUE(first.adopted);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "from the crashed process");
  SpoolReadReport second;
  ASSERT_TRUE(restarted->TakeOldestSegment(out, second));
  EXPECT_FALSE(second.adopted);
  EXPECT_EQ(out.back().data, "after restart");
}

TEST_F(SpoolTest, FilesThatAreNotItsSegmentsAreLeftAloneWithoutThrowing) {
  {
    auto crashed = OpenSpool();
    std::vector<kinesis::Record> records = {MakeRecord("k", "kept")};
    ASSERT_EQ(crashed->Append(records), SpoolAppendResult::kAppended);
  }
  // A name with more digits than 64 bits hold (std::stoull threw out of Open on it), a directory
  // named like a segment, and a stranger's file.
  { std::ofstream(directory_ / "segment-99999999999999999999999.tks") << "x"; }
  fs::create_directory(directory_ / "segment-7.tks");
  { std::ofstream(directory_ / "notes.txt") << "x"; }

  auto restarted = Spool::Open({directory_.string(), 1 << 20, 4096});
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  EXPECT_EQ((*restarted)->adopted_segments(), 1u);
  std::vector<kinesis::Record> out;
  SpoolReadReport report;
  ASSERT_TRUE((*restarted)->TakeOldestSegment(out, report));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "kept");
}

TEST_F(SpoolTest, SkipsADamagedFrameAndKeepsTheRecordsAroundIt) {
  std::string bytes;
  EncodeSpoolFrame(MakeRecord("a", "good one"), bytes);
  size_t damaged_at = bytes.size();
  EncodeSpoolFrame(MakeRecord("b", "will be damaged"), bytes);
  EncodeSpoolFrame(MakeRecord("c", "good two"), bytes);
  bytes[damaged_at + 20] ^= 0x5A;  // inside the second frame's payload: CRC mismatch

  SpoolReadReport report;
  std::vector<kinesis::Record> records = DecodeSpoolSegment(bytes, report);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].data, "good one");
  EXPECT_EQ(records[1].data, "good two");
  EXPECT_EQ(report.corrupt_frames, 1u);
  EXPECT_FALSE(report.truncated_tail);
}

TEST_F(SpoolTest, ABorrowedRecordIsSpooledAsItsBytesAndReadBackOwningThem) {
  auto batch = std::make_shared<kinesis::SharedBatch>();
  batch->body = R"([{"n":1}])";
  batch->head = "<";
  batch->tail = ">";
  kinesis::Record borrowed = MakeRecord("k", "");
  borrowed.batch = batch;
  borrowed.event = std::string_view(batch->body).substr(1, 7);
  std::string from_borrowed;
  std::string from_owned;
  EncodeSpoolFrame(borrowed, from_borrowed);
  EncodeSpoolFrame(MakeRecord("k", R"(<{"n":1}>)"), from_owned);
  EXPECT_EQ(from_borrowed, from_owned);
  SpoolReadReport report;
  std::vector<kinesis::Record> records = DecodeSpoolSegment(from_borrowed, report);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_FALSE(records[0].borrowed());
  EXPECT_EQ(records[0].data, R"(<{"n":1}>)");
}

TEST_F(SpoolTest, ReportsATruncatedTailAsLeftByACrashMidWrite) {
  std::string bytes;
  EncodeSpoolFrame(MakeRecord("a", "complete"), bytes);
  EncodeSpoolFrame(MakeRecord("b", "cut short by a crash"), bytes);
  bytes.resize(bytes.size() - 5);
  SpoolReadReport report;
  std::vector<kinesis::Record> records = DecodeSpoolSegment(bytes, report);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].data, "complete");
  EXPECT_TRUE(report.truncated_tail);
}

TEST_F(SpoolTest, ADamagedLengthFieldDoesNotHideTheFramesAfterIt) {
  std::string bytes;
  EncodeSpoolFrame(MakeRecord("a", "first"), bytes);
  size_t second = bytes.size();
  EncodeSpoolFrame(MakeRecord("b", "second"), bytes);
  EncodeSpoolFrame(MakeRecord("c", "third"), bytes);
  bytes[second + 7] = '\x7f';  // high byte of the length: points far past the end
  SpoolReadReport report;
  std::vector<kinesis::Record> records = DecodeSpoolSegment(bytes, report);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].data, "first");
  EXPECT_EQ(records[1].data, "third");
  EXPECT_EQ(report.corrupt_frames, 1u);
}

TEST_F(SpoolTest, RandomGarbageNeverCrashesTheReader) {
  std::mt19937 random(7);
  for (int round = 0; round < 200; ++round) {
    std::string bytes;
    EncodeSpoolFrame(MakeRecord("k", "payload"), bytes);
    for (int flips = 0; flips < 3; ++flips) {
      bytes[random() % bytes.size()] = static_cast<char>(random());
    }
    bytes.append(random() % 16, static_cast<char>(random()));
    SpoolReadReport report;
    std::vector<kinesis::Record> records = DecodeSpoolSegment(bytes, report);
    EXPECT_LE(records.size(), 1u);
  }
}

TEST_F(SpoolTest, ADamagedSegmentOnDiskIsReportedAndTheSpoolGoesOn) {
  {
    auto spool = OpenSpool();
    std::vector<kinesis::Record> records = {MakeRecord("a", "one"), MakeRecord("b", "two")};
    ASSERT_EQ(spool->Append(records), SpoolAppendResult::kAppended);
  }
  auto files = SegmentFiles();
  ASSERT_EQ(files.size(), 1u);
  {
    std::fstream file(files[0], std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(14);
    file.put('\x00');
  }
  auto spool = OpenSpool();
  std::vector<kinesis::Record> out;
  SpoolReadReport report;
  ASSERT_TRUE(spool->TakeOldestSegment(out, report));
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(report.corrupt_frames, 1u);
  EXPECT_TRUE(spool->empty());
}

kinesis::Record Packed(const std::string& key, const std::string& data, uint32_t events) {
  kinesis::Record record = MakeRecord(key, data);
  record.events = events;
  return record;
}

TEST_F(SpoolTest, KeepsTheEventCountOfPackedRecordsAndWritesOneEventRecordsAsBefore) {
  std::string bytes;
  EncodeSpoolFrame(MakeRecord("k", "one event"), bytes);
  EXPECT_EQ(bytes.substr(0, 4), "TKS1") << "one-event records keep the original frame";
  const size_t first_frame = bytes.size();
  EncodeSpoolFrame(Packed("k", "many\nevents\n", 42), bytes);
  EXPECT_EQ(bytes.substr(first_frame, 4), "TKS2");
  EXPECT_EQ(bytes.size() - first_frame, first_frame - std::string("one event").size() +
                                            std::string("many\nevents\n").size() + 4)
      << "TKS2 adds the 4-byte count";
  SpoolReadReport report;
  std::vector<kinesis::Record> records = DecodeSpoolSegment(bytes, report);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].events, 1u);
  EXPECT_EQ(records[0].data, "one event");
  EXPECT_EQ(records[1].events, 42u);
  EXPECT_EQ(records[1].partition_key, "k");
  EXPECT_EQ(records[1].data, "many\nevents\n");
  EXPECT_EQ(report.corrupt_frames, 0u);
}

TEST_F(SpoolTest, RoundTripsPackedRecordsThroughSegmentFiles) {
  auto spool = OpenSpool();
  std::vector<kinesis::Record> records = {Packed("a", std::string("\xF3\x89\x9A\xC2kpl", 7), 300),
                                          MakeRecord("b", "single"), Packed("c", "x", 2)};
  ASSERT_EQ(spool->Append(records), SpoolAppendResult::kAppended);
  std::vector<kinesis::Record> out;
  SpoolReadReport report;
  ASSERT_TRUE(spool->TakeOldestSegment(out, report));
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].events, records[i].events);
    EXPECT_EQ(out[i].data, records[i].data);
  }
  EXPECT_EQ(kinesis::EventCount(out), 303u);
}

TEST_F(SpoolTest, ResyncsToTheNextFrameOfEitherVersionAfterDamage) {
  std::string bytes;
  EncodeSpoolFrame(Packed("a", "first", 5), bytes);
  bytes[bytes.size() - 1] ^= 0x01;  // checksum mismatch
  bytes += "garbage";
  EncodeSpoolFrame(Packed("b", "second", 6), bytes);
  EncodeSpoolFrame(MakeRecord("c", "third"), bytes);
  SpoolReadReport report;
  std::vector<kinesis::Record> records = DecodeSpoolSegment(bytes, report);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].data, "second");
  EXPECT_EQ(records[0].events, 6u);
  EXPECT_EQ(records[1].data, "third");
  EXPECT_GE(report.corrupt_frames, 1u);
}

TEST_F(SpoolTest, ATks2FrameClaimingZeroEventsIsCorrupt) {
  std::string bytes;
  EncodeSpoolFrame(Packed("a", "x", 0), bytes);  // never written by the extension
  SpoolReadReport report;
  EXPECT_TRUE(DecodeSpoolSegment(bytes, report).empty());
  EXPECT_EQ(report.corrupt_frames, 1u);
}

// Found by spool_segment_fuzz: frames whose CRC matches but whose payload is too short for the
// key length, the key or the event count once threw std::out_of_range and ended the extension.
TEST_F(SpoolTest, AFrameWithAValidCrcButNoRoomForItsKeyOrCountIsCorrupt) {
  const std::string key_of_three_without_count = std::string("\x03\x00", 2) + "abc";
  const std::vector<std::string> frames = {
      FrameWithValidCrc('1', ""),
      FrameWithValidCrc('1', "x"),
      FrameWithValidCrc('2', "x"),
      FrameWithValidCrc('1', std::string("\x05\x00", 2) + "ab"),
      FrameWithValidCrc('2', key_of_three_without_count),
      FrameWithValidCrc('2', key_of_three_without_count + "\x01"),
  };
  for (const std::string& frame : frames) {
    std::string bytes = frame;
    EncodeSpoolFrame(MakeRecord("k", "after the damage"), bytes);
    SpoolReadReport report;
    std::vector<kinesis::Record> records;
    ASSERT_NO_THROW(records = DecodeSpoolSegment(bytes, report));
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].data, "after the damage");
    EXPECT_EQ(report.corrupt_frames, 1u);
  }
}

}  // namespace
}  // namespace tk::pipeline
