// The encoding pipeline around a BPE model: added-token splitting, pre-tokenization, the
// model, and decoding. Everything here runs without the GIL and is safe to call from several
// threads at once (all state is immutable after construction).
//
// Added tokens are matched as HF tokenizers does: leftmost-longest over the raw text for the
// tokens with normalized=false, then again over the remaining gaps for normalized=true ones;
// single_word matches next to a word character are dropped, lstrip/rstrip absorb adjacent
// whitespace. Which added tokens are live for a call is a per-call mask: that is how Python
// applies tiktoken's allowed_special policy.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bpe/model.h"
#include "pretok/scanners.h"

namespace ts::bpe {

struct AddedToken {
  std::string content;
  uint32_t id = 0;
  bool lstrip = false, rstrip = false, single_word = false, normalized = false;
};

struct PipelineSpec {
  pretok::Options pretok;
  bool add_prefix_space = false;       // HF ByteLevel(add_prefix_space=true)
  std::vector<AddedToken> added;
  std::vector<std::string> decode_bytes;  // id -> bytes for decoding (all ids incl. added)
  std::vector<uint8_t> decodable;         // decode_bytes[id] is meaningful
};

// Leftmost-longest matcher over a set of literal strings (a byte trie).
class Matcher {
 public:
  void add(const std::string& s, int32_t value);
  bool empty() const { return root_kids_ == 0; }
  // Longest match starting exactly at i among enabled values; returns its end or 0.
  size_t longest_at(const uint8_t* s, size_t n, size_t i, const uint8_t* enabled, int32_t* value) const;

 private:
  struct Node {
    std::vector<std::pair<uint8_t, uint32_t>> kids;  // sorted by byte
    int32_t value = -1;
  };
  std::vector<Node> nodes_{Node{}};
  uint32_t first_[256] = {};  // child of the root for each first byte (0 = none)
  size_t root_kids_ = 0;
};

struct Span {
  uint32_t start, end;  // byte offsets into the text
};

class Pipeline {
 public:
  Pipeline(ModelSpec model, PipelineSpec spec);

  const Model& model() const { return model_; }
  size_t num_added() const { return added_.size(); }

  // Encodes text. `mask[k]` enables added token k (nullptr: none enabled). When `spans` is
  // given it receives each token's byte span.
  void encode(const uint8_t* s, size_t n, const uint8_t* mask, std::vector<uint32_t>& out,
              std::vector<Span>* spans) const;
  // Encodes text as one ordinary segment: no added tokens, no prefix space.
  void encode_ordinary(const uint8_t* s, size_t n, std::vector<uint32_t>& out) const;
  // Encodes pre-split pieces (the generic pre-tokenizer path in Python).
  void encode_pieces(const std::vector<std::string_view>& pieces, std::vector<uint32_t>& out) const;
  // First occurrence of an enabled added token: returns its index, or -1; *pos gets the offset.
  int32_t find_added(const uint8_t* s, size_t n, const uint8_t* mask, size_t* pos) const;
  // Splits text on enabled added tokens: (start, end, added index or -1) triples.
  void split_added(const uint8_t* s, size_t n, const uint8_t* mask, bool normalized_phase,
                   std::vector<int64_t>& out) const;

  // Appends the bytes of the ids; returns the index of the first undecodable id, or -1.
  int64_t decode(const uint32_t* ids, size_t n, std::string& out) const;
  bool decodable(uint32_t id) const { return id < decodable_.size() && decodable_[id]; }

 private:
  struct Segment {
    uint32_t start, end;
    int32_t added;  // -1 for text
  };
  void split_phase(const uint8_t* s, size_t begin, size_t end, const Matcher& m,
                   const uint8_t* mask, std::vector<Segment>& out) const;
  void encode_text(const uint8_t* s, size_t begin, size_t end, std::vector<uint32_t>& out,
                   std::vector<Span>* spans) const;

  Model model_;
  // Bytes that begin some added token, and that byte when there is only one (tiktoken's
  // specials all begin with '<'): the search for added tokens jumps between them.
  bool starts_[256] = {};
  int single_start_ = -1;
  pretok::Options pretok_;
  bool add_prefix_space_;
  std::vector<AddedToken> added_;
  Matcher raw_, normalized_;
  std::string decode_arena_;
  std::vector<uint64_t> decode_offsets_;
  std::vector<uint8_t> decodable_;
};

// Character offsets from byte spans: a span that starts or ends inside a multi-byte character
// covers the whole character. Writes 2 values (start, end) per span.
void spans_to_char_offsets(const uint8_t* s, size_t n, const std::vector<Span>& spans,
                           std::vector<uint64_t>& out);

}  // namespace ts::bpe
