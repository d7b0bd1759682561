// One Kinesis record as the sender holds it between the queue and PutRecords: its bytes, the
// partition key, how many times it has been sent without success, and how many telemetry
// events it carries (one, or many in a packed ndjson/kpl record).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace tk::kinesis {

// A received Telemetry API POST body that records point into instead of copying their event,
// and the text that frames each event into a record (the envelope around it). Shared, read-only,
// by every record cut from it; freed with the last of them.
struct SharedBatch {
  std::string body;
  std::string head;    // before each record's own text (Record::own: its event id)
  std::string middle;  // after the record's own text, before its event
  std::string tail;    // after each event
};

// Bytes of a borrowed record's own text within the shared framing (a 32-hex-digit event id).
inline constexpr size_t kRecordOwnTextBytes = 32;

struct Record {
  std::string partition_key;
  // The record's bytes when it owns them (raw bytes; base64 only when the request body is
  // written). Empty when the bytes are borrowed (see `batch`).
  std::string data;
  // Sends of this record that failed. Counted for tests and logs only: nothing gives a record
  // up after N attempts (it stays until delivered, dropped as invalid, or unsent at shutdown), and
  // backoff follows the sender's consecutive failures.
  uint32_t attempts = 0;
  // Telemetry events in the record: the delivery counters count events, not records, so that
  // the accounting (received = delivered + filtered + dropped + unsent) holds for every format.
  uint32_t events = 1;
  // Borrowed bytes: batch->head + own + batch->middle + event + batch->tail, `event` pointing
  // into batch->body and `own` this record's text in the shared framing (its event id). The
  // event is copied once, into the CBOR request (the JSON body base64s it from a scratch copy),
  // and no per-record data buffer is filled (spent records still circulate for their keys).
  std::shared_ptr<const SharedBatch> batch = nullptr;
  std::string_view event = {};
  std::array<char, kRecordOwnTextBytes> own{};
  uint8_t own_size = 0;

  bool borrowed() const { return batch != nullptr; }

  // The record's byte count, owned or borrowed.
  size_t DataSize() const {
    return batch ? batch->head.size() + own_size + batch->middle.size() + event.size() +
                       batch->tail.size()
                 : data.size();
  }
  // Bytes this record counts against the PutRecords record and request limits (data before
  // base64 plus partition key).
  size_t Size() const { return partition_key.size() + DataSize(); }

  // Writes the record's bytes at `out` (DataSize() of them); returns the end of what it wrote.
  char* CopyDataTo(char* out) const {
    if (!batch) return CopyPiece(out, data);
    out = CopyPiece(out, batch->head);
    out = CopyPiece(out, std::string_view(own.data(), own_size));
    out = CopyPiece(out, batch->middle);
    return CopyPiece(CopyPiece(out, event), batch->tail);
  }
  void AppendDataTo(std::string& out) const {
    const size_t start = out.size();
    out.resize(start + DataSize());
    CopyDataTo(out.data() + start);
  }
  // The record's bytes in one piece: `data` itself, or a copy of the borrowed bytes in `scratch`.
  std::string_view ContiguousData(std::string& scratch) const {
    if (!batch) return data;
    scratch.clear();
    AppendDataTo(scratch);
    return scratch;
  }
  // Copies borrowed bytes into `data` and lets go of the batch (a record that waits for a retry
  // must not keep a whole POST body alive).
  void OwnData() {
    if (!batch) return;
    data.clear();
    AppendDataTo(data);
    batch.reset();
    event = {};
  }

 private:
  static char* CopyPiece(char* out, std::string_view piece) {
    if (!piece.empty()) std::memcpy(out, piece.data(), piece.size());
    return out + piece.size();
  }
};

// Whether `text` holds a buffer of its own on the heap (more than std::string's in-place room).
inline bool HasHeapBuffer(const std::string& text) {
  return text.capacity() > std::string().capacity();
}

// Telemetry events carried by `records`.
inline uint64_t EventCount(std::span<const Record> records) {
  uint64_t events = 0;
  for (const Record& record : records) events += record.events;
  return events;
}

}  // namespace tk::kinesis
