// A streaming walk over one CBOR document (RFC 8949) with libcbor's decoder: no tree, no copies
// of definite-length strings. The visitor sees every value with its depth and the map key it sits
// under, which is all a reader of a fixed-shape AWS answer needs.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/result.h"

namespace tk::kinesis {

enum class CborKind {
  kText,        // text string; `text` holds it
  kBytes,       // byte string; `text` holds it
  kMapStart,    // a map begins; its entries follow one level deeper
  kArrayStart,  // an array begins; its items follow one level deeper
  kOther,       // number, boolean, null, undefined, float
};

struct CborValue {
  CborKind kind = CborKind::kOther;
  std::string_view text;  // valid during the callback only
};

class CborVisitor {
 public:
  virtual ~CborVisitor() = default;
  // One value at `depth` (0: the document itself), under `key` when its parent is a map with a
  // text key ("" inside arrays). Return false to stop the walk (WalkCbor then fails with
  // `StopReason()`).
  virtual bool Value(size_t depth, std::string_view key, const CborValue& value) = 0;
  // The map or array that Value() announced at `depth` has ended.
  virtual void End(size_t /*depth*/) {}
  virtual std::string StopReason() const { return "stopped by the reader"; }
};

// Walks exactly one data item spanning all of `document`. Tags are looked through; indefinite
// lengths (maps, arrays, chunked strings) are supported; map keys must be strings or scalars.
// An error says what is wrong: undecodable bytes, truncation, trailing bytes, too deep.
Status WalkCbor(std::string_view document, CborVisitor& visitor);

}  // namespace tk::kinesis
