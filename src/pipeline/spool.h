// The overflow spool: records that do not fit the memory budget wait in files under /tmp
// (which survives between invocations of a warm sandbox and a crash of the extension).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "kinesis/record.h"

namespace tk::pipeline {

struct SpoolOptions {
  std::string directory;  // created if missing, e.g. /tmp/telemetry-kinesis-spool
  size_t max_bytes = 0;   // bound of all segment files together
  // A segment is closed before a frame would take it past this size (a frame bigger than this
  // gets a segment of its own), so the memory budget can take back one segment at a time.
  size_t segment_bytes = 1 << 20;
};

// What reading a segment found besides good records.
struct SpoolReadReport {
  size_t records = 0;           // good records returned
  size_t corrupt_frames = 0;    // frames whose checksum or header did not match (skipped)
  size_t skipped_bytes = 0;     // bytes passed over to find the next good frame
  bool truncated_tail = false;  // the segment ended inside a frame (a crash mid-write)
  bool adopted = false;         // the segment was left by an earlier process (crash recovery)
};

enum class SpoolAppendResult { kAppended, kFull, kIoError };

// Append-only segment files of checksummed frames. Records are taken back oldest first, one
// whole segment at a time; a taken segment is deleted at once (its records then live in memory,
// as durable as everything else the extension holds). Thread-safe.
//
// Frame: "TKS1" | u32 payload bytes | u32 CRC-32 of payload | payload, where payload is
//        u16 partition key bytes | partition key | data            (a record of one event), or
//        "TKS2" | ... | u16 key bytes | key | u32 events | data   (a packed ndjson/kpl record).
// Little-endian. Readers accept both; TKS1 is written whenever the record holds one event.
class Spool {
 public:
  // Opens (creating) the directory and adopts segments left by an earlier process, so a
  // restart after a crash replays them first. Errors: the directory cannot be created/used.
  static Result<std::unique_ptr<Spool>> Open(const SpoolOptions& options);
  ~Spool();

  // Appends all `records` or none (across segments if they do not fit the open one). kFull: the
  // bound would be exceeded; kIoError: a write failed. Either way nothing of them is left.
  SpoolAppendResult Append(std::span<const kinesis::Record> records);

  // Moves the records of the oldest segment (closing the one being written if it is the only
  // one) into `out` and deletes that segment. Corrupt or truncated frames are skipped and
  // reported, never fatal. Returns false when the spool is empty.
  bool TakeOldestSegment(std::vector<kinesis::Record>& out, SpoolReadReport& report);

  bool empty() const;
  size_t bytes() const;  // on disk, all segments
  size_t records()
      const;  // frames appended and not yet taken (excludes adopted segments' unknown count)
  size_t adopted_segments() const { return adopted_segments_; }
  const std::string& directory() const { return options_.directory; }
  size_t segment_bytes() const { return options_.segment_bytes; }
  // Bytes of the segment TakeOldestSegment() would take (0 when empty): an upper bound on its
  // records' Size(), as each frame adds a header to a record.
  size_t oldest_segment_bytes() const;

 private:
  explicit Spool(SpoolOptions options) : options_(std::move(options)) {}
  std::string SegmentPath(uint64_t sequence) const;
  bool OpenWriterLocked();
  void CloseWriterLocked();
  // Removes what a failed Append wrote: segments it opened and its bytes in the one open before.
  void UndoAppendLocked(bool had_writer, size_t segments_before, size_t writer_bytes_before);

  struct Segment {
    uint64_t sequence = 0;
    size_t bytes = 0;  // on disk
  };

  SpoolOptions options_;
  mutable std::mutex mutex_;
  std::deque<Segment> segments_;  // oldest first; the last may be open
  int writer_fd_ = -1;            // fd of segments_.back() while it is being written
  size_t writer_bytes_ = 0;
  size_t total_bytes_ = 0;
  size_t records_ = 0;
  uint64_t next_sequence_ = 0;
  uint64_t first_own_sequence_ = 0;  // segments below this were adopted at Open()
  size_t adopted_segments_ = 0;
};

// Decodes the frames of one segment's bytes (exposed for tests and the fuzzer).
std::vector<kinesis::Record> DecodeSpoolSegment(std::string_view bytes, SpoolReadReport& report);

// Appends one frame for `record` to `out`.
void EncodeSpoolFrame(const kinesis::Record& record, std::string& out);

}  // namespace tk::pipeline
