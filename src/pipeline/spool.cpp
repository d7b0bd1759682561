// Spool segments on disk: framing, checksums, adoption after a crash, oldest-first takes.
#include "pipeline/spool.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace tk::pipeline {
namespace {

// TKS1: a record of one event. TKS2: a record with its event count (packed ndjson/kpl records).
// Both are read; TKS1 is still written for one-event records, so an event-format spool is
// byte for byte what earlier versions wrote.
constexpr std::string_view kFrameMagicStem = "TKS";
constexpr char kOneEventVersion = '1';
constexpr char kEventCountVersion = '2';
constexpr size_t kFrameMagicBytes = 4;
constexpr size_t kFrameHeaderBytes = 12;  // magic + payload length + CRC-32
constexpr size_t kKeyLengthBytes = 2;
constexpr size_t kEventCountBytes = 4;
constexpr std::string_view kSegmentPrefix = "segment-";
constexpr std::string_view kSegmentSuffix = ".tks";

void PutU32(std::string& out, uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>(value >> shift));
}

uint32_t GetU32(std::string_view bytes, size_t at) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) {
    value |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  }
  return value;
}

uint32_t Crc32(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

bool ReadFile(const std::string& path, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out.clear();
  char chunk[64 * 1024];
  while (true) {
    ssize_t got = ::read(fd, chunk, sizeof(chunk));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    out.append(chunk, static_cast<size_t>(got));
  }
  ::close(fd);
  return true;
}

bool IsFrameMagic(std::string_view bytes, size_t at) {
  return bytes.size() - at >= kFrameMagicBytes && bytes.substr(at, 3) == kFrameMagicStem &&
         (bytes[at + 3] == kOneEventVersion || bytes[at + 3] == kEventCountVersion);
}

// Offset of the next frame magic at or after `from`, or npos.
size_t FindFrameMagic(std::string_view bytes, size_t from) {
  for (size_t at = bytes.find(kFrameMagicStem, from); at != std::string_view::npos;
       at = bytes.find(kFrameMagicStem, at + 1)) {
    if (IsFrameMagic(bytes, at)) return at;
  }
  return std::string_view::npos;
}

// Reads a frame payload (key length, key, the event count of a TKS2 frame, data) into `record`;
// false when it does not hold them or counts no events (a record of none is never written). A
// CRC match alone does not prove the layout: a damaged or foreign file can carry a valid CRC
// over a short payload.
bool DecodeFramePayload(std::string_view payload, size_t count_bytes, kinesis::Record& record) {
  if (payload.size() < kKeyLengthBytes) return false;
  const size_t key_bytes = static_cast<unsigned char>(payload[0]) |
                           (static_cast<size_t>(static_cast<unsigned char>(payload[1])) << 8);
  if (payload.size() - kKeyLengthBytes < key_bytes + count_bytes) return false;
  if (count_bytes > 0) {
    record.events = GetU32(payload, kKeyLengthBytes + key_bytes);
    if (record.events == 0) return false;
  }
  record.partition_key.assign(payload.substr(kKeyLengthBytes, key_bytes));
  record.data.assign(payload.substr(kKeyLengthBytes + key_bytes + count_bytes));
  return true;
}

// Parses "segment-<sequence>.tks"; false for any other file name.
bool ParseSegmentName(const std::string& name, uint64_t& sequence) {
  if (!name.starts_with(kSegmentPrefix) || !name.ends_with(kSegmentSuffix)) return false;
  std::string digits = name.substr(kSegmentPrefix.size(),
                                   name.size() - kSegmentPrefix.size() - kSegmentSuffix.size());
  // from_chars, not stoull: a file named with more digits than 64 bits hold (a stranger's file in
  // the directory) is skipped instead of throwing out of Open at start-up.
  const char* end = digits.data() + digits.size();
  const auto [stop, failure] = std::from_chars(digits.data(), end, sequence);
  return !digits.empty() && failure == std::errc() && stop == end;
}

}  // namespace

void EncodeSpoolFrame(const kinesis::Record& record, std::string& out) {
  const bool counted = record.events != 1;
  size_t key_bytes = std::min(record.partition_key.size(), size_t{UINT16_MAX});
  size_t payload_bytes =
      kKeyLengthBytes + key_bytes + (counted ? kEventCountBytes : 0) + record.DataSize();
  size_t payload_start = out.size() + kFrameHeaderBytes;
  out.append(kFrameMagicStem);
  out.push_back(counted ? kEventCountVersion : kOneEventVersion);
  PutU32(out, static_cast<uint32_t>(payload_bytes));
  PutU32(out, 0);  // CRC placeholder, filled below
  out.push_back(static_cast<char>(key_bytes & 0xFF));
  out.push_back(static_cast<char>(key_bytes >> 8));
  out.append(record.partition_key, 0, key_bytes);
  if (counted) PutU32(out, record.events);
  record.AppendDataTo(out);
  uint32_t crc = Crc32(std::string_view(out).substr(payload_start, payload_bytes));
  for (size_t i = 0; i < 4; ++i) out[payload_start - 4 + i] = static_cast<char>(crc >> (8 * i));
}

std::vector<kinesis::Record> DecodeSpoolSegment(std::string_view bytes, SpoolReadReport& report) {
  std::vector<kinesis::Record> records;
  size_t at = 0;
  // Passes over garbage to the next frame marker, counting what was skipped.
  auto resync = [&](size_t from) {
    size_t next = FindFrameMagic(bytes, from);
    size_t stop = next == std::string_view::npos ? bytes.size() : next;
    report.skipped_bytes += stop - at;
    at = stop;
  };
  while (at < bytes.size()) {
    if (bytes.size() - at < kFrameHeaderBytes) {
      report.truncated_tail = true;
      break;
    }
    if (!IsFrameMagic(bytes, at)) {
      report.corrupt_frames++;
      resync(at + 1);
      continue;
    }
    size_t payload_bytes = GetU32(bytes, at + 4);
    uint32_t expected_crc = GetU32(bytes, at + 8);
    if (payload_bytes > bytes.size() - at - kFrameHeaderBytes) {
      // Either the last frame was cut by a crash, or a damaged length: another frame after
      // this one means damage.
      if (FindFrameMagic(bytes, at + 1) == std::string_view::npos) {
        report.truncated_tail = true;
        break;
      }
      report.corrupt_frames++;
      resync(at + 1);
      continue;
    }
    std::string_view payload = bytes.substr(at + kFrameHeaderBytes, payload_bytes);
    const size_t count_bytes = bytes[at + 3] == kEventCountVersion ? kEventCountBytes : 0;
    kinesis::Record record;
    if (Crc32(payload) != expected_crc || !DecodeFramePayload(payload, count_bytes, record)) {
      report.corrupt_frames++;
      resync(at + 1);
      continue;
    }
    records.push_back(std::move(record));
    at += kFrameHeaderBytes + payload_bytes;
  }
  report.records += records.size();
  return records;
}

Result<std::unique_ptr<Spool>> Spool::Open(const SpoolOptions& options) {
  std::error_code error;
  std::filesystem::create_directories(options.directory, error);
  if (error) {
    return Error{"cannot create spool directory " + options.directory + ": " + error.message()};
  }
  std::unique_ptr<Spool> spool(new Spool(options));
  std::vector<Segment> found;
  // Every filesystem call with an error_code: a range-for's increment, is_regular_file() and
  // file_size() without one throw, and an exception here would end the extension at start-up.
  std::filesystem::directory_iterator entries(options.directory, error);
  for (; !error && entries != std::filesystem::directory_iterator(); entries.increment(error)) {
    const std::filesystem::directory_entry& entry = *entries;
    uint64_t sequence = 0;
    if (!entry.is_regular_file(error) || error ||
        !ParseSegmentName(entry.path().filename(), sequence)) {
      error.clear();  // a file that vanished meanwhile, or not ours: skip it
      continue;
    }
    const uintmax_t size = entry.file_size(error);
    if (error) {
      error.clear();
      continue;
    }
    const size_t bytes = static_cast<size_t>(size);
    found.push_back(Segment{sequence, bytes});
    spool->total_bytes_ += bytes;
  }
  if (error)
    return Error{"cannot read spool directory " + options.directory + ": " + error.message()};
  std::sort(found.begin(), found.end(),
            [](const Segment& a, const Segment& b) { return a.sequence < b.sequence; });
  spool->segments_.assign(found.begin(), found.end());
  spool->adopted_segments_ = found.size();
  spool->next_sequence_ = found.empty() ? 0 : found.back().sequence + 1;
  spool->first_own_sequence_ = spool->next_sequence_;
  return spool;
}

Spool::~Spool() {
  std::lock_guard lock(mutex_);
  CloseWriterLocked();
}

std::string Spool::SegmentPath(uint64_t sequence) const {
  char name[64];
  std::snprintf(name, sizeof(name), "segment-%020llu.tks",
                static_cast<unsigned long long>(sequence));
  return options_.directory + "/" + name;
}

bool Spool::OpenWriterLocked() {
  uint64_t sequence = next_sequence_++;
  writer_fd_ = ::open(SegmentPath(sequence).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (writer_fd_ < 0) return false;
  segments_.push_back(Segment{sequence, 0});
  writer_bytes_ = 0;
  return true;
}

void Spool::CloseWriterLocked() {
  if (writer_fd_ >= 0) ::close(writer_fd_);
  writer_fd_ = -1;
  writer_bytes_ = 0;
}

SpoolAppendResult Spool::Append(std::span<const kinesis::Record> records) {
  std::string frames;
  std::vector<size_t> frame_ends;
  frame_ends.reserve(records.size());
  for (const kinesis::Record& record : records) {
    EncodeSpoolFrame(record, frames);
    frame_ends.push_back(frames.size());
  }
  std::lock_guard lock(mutex_);
  if (total_bytes_ + frames.size() > options_.max_bytes) return SpoolAppendResult::kFull;
  const bool had_writer = writer_fd_ >= 0;
  const size_t segments_before = segments_.size();
  const size_t writer_bytes_before = writer_bytes_;
  const auto fits = [this](size_t bytes) {
    return writer_bytes_ + bytes <= options_.segment_bytes;
  };
  size_t start = 0;
  for (size_t next = 0; next < frame_ends.size();) {
    if (writer_fd_ < 0 || (writer_bytes_ > 0 && !fits(frame_ends[next] - start))) {
      CloseWriterLocked();
      if (!OpenWriterLocked()) {
        UndoAppendLocked(had_writer, segments_before, writer_bytes_before);
        return SpoolAppendResult::kIoError;
      }
    }
    size_t end = frame_ends[next++];  // at least one frame, however big
    while (next < frame_ends.size() && fits(frame_ends[next] - start)) end = frame_ends[next++];
    if (!WriteAll(writer_fd_, std::string_view(frames).substr(start, end - start))) {
      UndoAppendLocked(had_writer, segments_before, writer_bytes_before);
      return SpoolAppendResult::kIoError;
    }
    writer_bytes_ += end - start;
    segments_.back().bytes += end - start;
    start = end;
  }
  total_bytes_ += frames.size();
  records_ += records.size();
  return SpoolAppendResult::kAppended;
}

void Spool::UndoAppendLocked(bool had_writer, size_t segments_before, size_t writer_bytes_before) {
  CloseWriterLocked();  // the next Append starts a fresh segment
  while (segments_.size() > segments_before) {
    ::unlink(SegmentPath(segments_.back().sequence).c_str());
    segments_.pop_back();
  }
  if (had_writer && !segments_.empty()) {
    // Whole frames written to the segment that was open would otherwise be replayed although
    // the caller was told none were kept.
    Segment& open = segments_.back();
    if (::truncate(SegmentPath(open.sequence).c_str(), static_cast<off_t>(writer_bytes_before)) ==
        0) {
      open.bytes = writer_bytes_before;
    }
  }
}

bool Spool::TakeOldestSegment(std::vector<kinesis::Record>& out, SpoolReadReport& report) {
  std::lock_guard lock(mutex_);
  if (segments_.empty()) return false;
  const uint64_t sequence = segments_.front().sequence;
  const size_t segment_bytes = segments_.front().bytes;
  report.adopted = sequence < first_own_sequence_;
  if (segments_.size() == 1 && writer_fd_ >= 0) CloseWriterLocked();
  std::string path = SegmentPath(sequence);
  std::string bytes;
  bool read = ReadFile(path, bytes);
  ::unlink(path.c_str());
  segments_.pop_front();
  total_bytes_ -= std::min(total_bytes_, segment_bytes);
  if (!read) {
    report.corrupt_frames++;  // the segment vanished or is unreadable: nothing to recover
    return true;
  }
  std::vector<kinesis::Record> records = DecodeSpoolSegment(bytes, report);
  records_ -= std::min(records_, records.size());
  for (kinesis::Record& record : records) out.push_back(std::move(record));
  return true;
}

bool Spool::empty() const {
  std::lock_guard lock(mutex_);
  return segments_.empty();
}

size_t Spool::oldest_segment_bytes() const {
  std::lock_guard lock(mutex_);
  return segments_.empty() ? 0 : segments_.front().bytes;
}

size_t Spool::bytes() const {
  std::lock_guard lock(mutex_);
  return total_bytes_;
}

size_t Spool::records() const {
  std::lock_guard lock(mutex_);
  return records_;
}

}  // namespace tk::pipeline
