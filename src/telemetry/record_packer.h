// The packing stage between the encoder and the buffer: many enveloped events into one Kinesis
// record (ndjson, kpl), so a record costs one PUT payload unit instead of one per event.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/record_options.h"
#include "kinesis/limits.h"
#include "kinesis/record.h"

namespace tk::telemetry {

// Which partition key an aggregate record gets.
enum class AggregateKey {
  // The key of the events in it: consecutive events with the same key share a record; a
  // different key closes the record (strategy `sandbox`: one key, so never in practice; strategy
  // `tenant`: at each change between the tenant's key and the sandbox key of events without a
  // tenantId, so that a record, and every KPL user record in it, hashes where its events belong).
  kPerEventKey,
  // The key of its first event (strategy `random`: each event has a fresh random key, so the
  // record is spread by the key drawn for its first event, one random key per record).
  kFirstEventKey,
};

// Packs enveloped events into records of at most a target size. Not thread-safe (the ingest
// holds its lock around a batch).
//
// Flush rule: a record is emitted when the next event would take it past the target, and
// Finish() emits the partial records at the end of every telemetry POST. Nothing is held
// between POSTs: Lambda already batches POSTs by its buffering settings (100 ms by default
// here), and an event held across POSTs could wait out a freeze, or be lost at shutdown.
class RecordPacker {
 public:
  virtual ~RecordPacker() = default;

  // Adds one event (its envelope bytes: the data an `event` record would carry) with its
  // partition key; full records are appended to `out`. Returns false, taking nothing, when the
  // event cannot fit a record within the stream's maximum record size even on its own.
  virtual bool Add(std::string_view partition_key, std::string_view enveloped_event,
                   std::vector<kinesis::Record>& out) = 0;

  // Appends what is still pending as records to `out` (end of a POST); afterwards nothing is held.
  virtual void Finish(std::vector<kinesis::Record>& out) = 0;
};

// Capacity a packer reserves for a record it starts: the whole target up to this bound (a 1 MiB
// target grows the buffer as events arrive instead).
inline constexpr size_t kMaxReservedRecordBytes = 64 * 1024;

// A closed record's buffer gives back its unused capacity when that is large (a partial record
// closed at the end of a POST): the memory budget counts bytes used, so slack must stay small.
void ReleaseSlack(std::string& data);

// The packer for `options.format` (ndjson or kpl); null for `event` (one record per event,
// done by the encoder alone). Records never exceed `limits.max_record_bytes` (the stream's
// maximum record size), whatever the target options.max_record_bytes.
std::unique_ptr<RecordPacker> MakeRecordPacker(const config::RecordOptions& options,
                                               AggregateKey key_rule, kinesis::Limits limits = {});

}  // namespace tk::telemetry
