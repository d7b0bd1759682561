// Turns one telemetry event into one Kinesis record: a small metadata envelope around the
// event's own bytes, and a partition key.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "kinesis/limits.h"
#include "kinesis/record.h"
#include "kinesis/record_recycler.h"
#include "telemetry/event_id.h"

namespace tk::telemetry {

// Who produced the telemetry. Rendered once at start-up, never per event.
struct FunctionMetadata {
  std::string function_name;
  std::string function_version;
  std::string region;
  uint32_t memory_mb = 0;
  std::string account_id;  // empty when Lambda did not tell us
  std::string sandbox_id;  // drawn by the extension at start: Lambda hides the log stream name
  std::string extension_version;
};

// The envelope up to and including `"id":"`. The event's id (32 hex digits, event_id.h), `",`,
// `"event":`, the event bytes and a closing brace follow:
// {"function":"f","version":"$LATEST","region":"eu-west-1","memoryMB":128,"account":"1234",
//  "sandbox":"5f0c...","extension":"telemetry-kinesis/0.1.0","id":"9b1c...","event":<event bytes>}
// An event that carries a tenantId (record.tenantId, tenant isolation mode) gets
// `"tenantId":"<id>",` before `"event":` in its own record (RecordEncoder::Encode). The event
// stays last, so a reader finds its bytes between the first `"event":` and the final brace.
std::string RenderEnvelopePrefix(const FunctionMetadata& metadata);

// A random 16-hex-digit identity for this execution environment.
std::string DrawSandboxId();

class RecordEncoder {
 public:
  // `envelope_prefix`: from RenderEnvelopePrefix() (it ends in `"event":`, where a tenant's field
  // is put before). `limits`: the stream's (its maximum record size bounds every record).
  RecordEncoder(std::string envelope_prefix, config::PartitionKeyStrategy strategy,
                std::string sandbox_id, kinesis::Limits limits = {});

  // Fills `out` with the record for `raw_event` with id `id` (one copy of the event bytes). Returns
  // false, leaving `out` unspecified, when the record would exceed the stream's maximum record
  // size. When `out` has no room (e.g. a moved-from record) and a recycler is set, a spent record's
  // buffers are reused: no allocation per event. A non-empty `tenant_id` (the event's
  // record.tenantId, unescaped) goes into the envelope, and with strategy kTenant becomes the
  // partition key.
  bool Encode(std::string_view raw_event, const EventId& id, kinesis::Record& out,
              std::string_view tenant_id = {});

  // The same record without copying the event: `out` borrows `raw_event`, which must lie in
  // batch->body, and the envelope from batch->head, its id, batch->middle and batch->tail (set
  // by FrameBatch()). For events without a tenantId only: the framing is shared by the whole
  // batch.
  bool EncodeBorrowed(std::string_view raw_event, const EventId& id,
                      const std::shared_ptr<const kinesis::SharedBatch>& batch,
                      kinesis::Record& out);
  // Sets the envelope text around each event of `batch` (this encoder's: it carries the
  // sandbox id, which a SnapStart restore renews).
  void FrameBatch(kinesis::SharedBatch& batch) const;

  // Size of the record Encode() would produce for an event of `event_bytes` (and `tenant_id`).
  size_t RecordSize(size_t event_bytes, std::string_view tenant_id = {}) const;
  // The largest record Encode() produces (data plus partition key).
  size_t max_record_bytes() const { return limits_.max_record_bytes; }

  // Where spent records come back from (the sender); null (the default): allocate per record.
  // Must outlive the encoder. Encode() is then still single-threaded, as before.
  void RecycleFrom(kinesis::RecordRecycler* recycler) { recycler_ = recycler; }

  // The ids of this environment's events (renewed with the encoder at a SnapStart restore).
  EventIdentity& identity() { return identity_; }
  const EventIdentity& identity() const { return identity_; }

 private:
  void ReuseSpentRecord(kinesis::Record& out);
  void AssignPartitionKey(kinesis::Record& out, std::string_view tenant_id = {});
  // Whether the partition key of an event with `tenant_id` is the tenant id itself.
  bool KeyedByTenant(std::string_view tenant_id) const;
  size_t KeyBytes(std::string_view tenant_id) const;
  // prefix, `"tenantId":"<id>",`, `"event":`, the event and the closing brace.
  void AppendTenantRecord(std::string_view raw_event, std::string_view tenant_id,
                          std::string& data) const;

  std::string envelope_prefix_;
  config::PartitionKeyStrategy strategy_;
  std::string sandbox_id_;
  kinesis::Limits limits_;
  EventIdentity identity_;
  std::mt19937_64 random_;
  kinesis::RecordRecycler* recycler_ = nullptr;
  std::vector<kinesis::Record> spare_;  // taken from recycler_ a few at a time
};

}  // namespace tk::telemetry
