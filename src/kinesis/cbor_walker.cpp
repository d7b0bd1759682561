// Drives libcbor's streaming decoder (cbor_stream_decode: one item head or scalar per call, a
// callback per item) and keeps the nesting that it leaves to the caller: for each open map or
// array, how many items are left (or "until break" for indefinite lengths) and, in maps, whether
// the next item is a key.
#include "kinesis/cbor_walker.h"

#include <cbor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tk::kinesis {
namespace {

// Deeper than any AWS answer; bounds the walker's memory on hostile input.
constexpr size_t kMaxDepth = 64;

class Walker {
 public:
  explicit Walker(CborVisitor& visitor) : visitor_(visitor) {}

  Status Walk(std::string_view document) {
    const auto* cursor = reinterpret_cast<cbor_data>(document.data());
    size_t left = document.size();
    while (!failed() && !done_) {
      if (left == 0) return Error{"CBOR document is truncated"};
      const cbor_decoder_result result = cbor_stream_decode(cursor, left, &Callbacks(), this);
      if (result.status == CBOR_DECODER_NEDATA) return Error{"CBOR document is truncated"};
      if (result.status == CBOR_DECODER_ERROR) return Error{"CBOR document has malformed bytes"};
      cursor += result.read;
      left -= result.read;
    }
    if (failed()) return Error{error_};
    if (left != 0) return Error{"CBOR document has trailing bytes"};
    return Status::Ok();
  }

  // A complete scalar: a string, a number, a simple value.
  void Scalar(CborKind kind, std::string_view text = {}) {
    if (failed()) return;
    if (chunks_ != CborKind::kOther) {  // a chunk of an indefinite-length string
      if (kind != chunks_) return Fail("CBOR chunked string mixes chunk types");
      chunked_text_.append(text);
      return;
    }
    if (ExpectingKey()) {
      Frame& map = stack_.back();
      map.key = kind == CborKind::kText ? text : std::string_view();
      map.key_is_stored = false;
      Completed();
      return;
    }
    if (!visitor_.Value(stack_.size(), CurrentKey(), CborValue{kind, text})) {
      return Fail(visitor_.StopReason());
    }
    Completed();
  }

  void ChunkedStringStart(CborKind kind) {
    if (failed()) return;
    if (chunks_ != CborKind::kOther) return Fail("CBOR chunked string inside a chunked string");
    chunks_ = kind;
    chunked_text_.clear();
  }

  void ContainerStart(bool is_map, bool indefinite, uint64_t size) {
    if (failed()) return;
    if (chunks_ != CborKind::kOther) return Fail("CBOR chunked string holds a container");
    if (ExpectingKey()) return Fail("CBOR map key is a map or an array");
    if (stack_.size() == kMaxDepth) return Fail("CBOR document nests too deep");
    const CborKind kind = is_map ? CborKind::kMapStart : CborKind::kArrayStart;
    if (!visitor_.Value(stack_.size(), CurrentKey(), CborValue{kind, {}})) {
      return Fail(visitor_.StopReason());
    }
    // A map of n entries holds 2n items (keys and values); guard the doubling on hostile sizes.
    const uint64_t items = is_map ? (size > UINT64_MAX / 2 ? UINT64_MAX : 2 * size) : size;
    Frame frame;
    frame.is_map = is_map;
    frame.indefinite = indefinite;
    frame.items_left = items;
    stack_.push_back(std::move(frame));
    if (!indefinite && items == 0) Close();
  }

  void Break() {
    if (failed()) return;
    if (chunks_ != CborKind::kOther) {  // the end of a chunked string: now it is one scalar
      const CborKind kind = chunks_;
      chunks_ = CborKind::kOther;
      if (ExpectingKey()) {
        stack_.back().key_storage = kind == CborKind::kText ? chunked_text_ : std::string();
        stack_.back().key_is_stored = true;
        Completed();
        return;
      }
      Scalar(kind, chunked_text_);
      return;
    }
    if (stack_.empty() || !stack_.back().indefinite)
      return Fail("CBOR break outside an indefinite container");
    if (stack_.back().is_map && !stack_.back().expect_key) return Fail("CBOR map ends after a key");
    Close();
  }

  void Tag() {}  // the tagged item follows and is read as itself

 private:
  struct Frame {
    bool is_map = false;
    bool indefinite = false;
    uint64_t items_left = 0;  // definite lengths only
    std::string_view key;     // the key of the value being read (maps), in the document
    std::string key_storage;  // ... or a chunked key's text, joined here
    bool key_is_stored = false;
    bool expect_key = true;
  };

  bool failed() const { return !error_.empty(); }
  void Fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
  }
  bool ExpectingKey() const {
    return !stack_.empty() && stack_.back().is_map && stack_.back().expect_key;
  }
  std::string_view CurrentKey() const {
    if (stack_.empty() || !stack_.back().is_map) return {};
    const Frame& map = stack_.back();
    return map.key_is_stored ? std::string_view(map.key_storage) : map.key;
  }

  // One item (key, scalar value or whole container) of the innermost container is complete.
  void Completed() {
    if (stack_.empty()) {
      done_ = true;
      return;
    }
    Frame& top = stack_.back();
    if (top.is_map) top.expect_key = !top.expect_key;
    if (!top.indefinite && --top.items_left == 0) Close();
  }

  void Close() {
    stack_.pop_back();
    visitor_.End(stack_.size());
    Completed();
  }

  static const cbor_callbacks& Callbacks();

  CborVisitor& visitor_;
  std::vector<Frame> stack_;
  std::string error_;
  std::string chunked_text_;
  CborKind chunks_ = CborKind::kOther;  // kText/kBytes while inside a chunked string
  bool done_ = false;
};

Walker& Of(void* context) { return *static_cast<Walker*>(context); }

std::string_view View(cbor_data data, size_t length) {
  return {reinterpret_cast<const char*>(data), length};
}

const cbor_callbacks& Walker::Callbacks() {
  static const cbor_callbacks callbacks = [] {
    cbor_callbacks c = cbor_empty_callbacks;
    c.uint8 = [](void* w, uint8_t) { Of(w).Scalar(CborKind::kOther); };
    c.uint16 = [](void* w, uint16_t) { Of(w).Scalar(CborKind::kOther); };
    c.uint32 = [](void* w, uint32_t) { Of(w).Scalar(CborKind::kOther); };
    c.uint64 = [](void* w, uint64_t) { Of(w).Scalar(CborKind::kOther); };
    c.negint8 = [](void* w, uint8_t) { Of(w).Scalar(CborKind::kOther); };
    c.negint16 = [](void* w, uint16_t) { Of(w).Scalar(CborKind::kOther); };
    c.negint32 = [](void* w, uint32_t) { Of(w).Scalar(CborKind::kOther); };
    c.negint64 = [](void* w, uint64_t) { Of(w).Scalar(CborKind::kOther); };
    c.float2 = [](void* w, float) { Of(w).Scalar(CborKind::kOther); };
    c.float4 = [](void* w, float) { Of(w).Scalar(CborKind::kOther); };
    c.float8 = [](void* w, double) { Of(w).Scalar(CborKind::kOther); };
    c.undefined = [](void* w) { Of(w).Scalar(CborKind::kOther); };
    c.null = [](void* w) { Of(w).Scalar(CborKind::kOther); };
    c.boolean = [](void* w, bool) { Of(w).Scalar(CborKind::kOther); };
    c.string = [](void* w, cbor_data d, size_t n) { Of(w).Scalar(CborKind::kText, View(d, n)); };
    c.byte_string = [](void* w, cbor_data d, size_t n) {
      Of(w).Scalar(CborKind::kBytes, View(d, n));
    };
    c.string_start = [](void* w) { Of(w).ChunkedStringStart(CborKind::kText); };
    c.byte_string_start = [](void* w) { Of(w).ChunkedStringStart(CborKind::kBytes); };
    c.map_start = [](void* w, size_t n) { Of(w).ContainerStart(true, false, n); };
    c.indef_map_start = [](void* w) { Of(w).ContainerStart(true, true, 0); };
    c.array_start = [](void* w, size_t n) { Of(w).ContainerStart(false, false, n); };
    c.indef_array_start = [](void* w) { Of(w).ContainerStart(false, true, 0); };
    c.indef_break = [](void* w) { Of(w).Break(); };
    c.tag = [](void* w, uint64_t) { Of(w).Tag(); };
    return c;
  }();
  return callbacks;
}

}  // namespace

Status WalkCbor(std::string_view document, CborVisitor& visitor) {
  return Walker(visitor).Walk(document);
}

}  // namespace tk::kinesis
