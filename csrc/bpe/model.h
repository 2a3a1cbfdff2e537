// The BPE model: a vocabulary of byte strings plus a merge table, and the piece encoder.
//
// Both BPE semantics in use reduce to one merge loop over a (left, right) -> (rank, id) table:
//   * pair-rank (HF merges.txt): rank = the merge's line; only listed pairs merge.
//   * token-rank (tiktoken): any adjacent pair whose concatenation is a token merges, with
//     that token's rank as priority. The table then lists, for every token, every split of its
//     bytes into two tokens, which is exactly the set of pairs that can ever merge.
// In both, the lowest rank merges first and ties go to the leftmost pair.
//
// The loop is the plain quadratic scan for short pieces (fastest in practice) and a binary
// heap over a linked list for long ones, so a 1 MB piece costs O(n log n), never O(n^2).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "bpe/hash.h"

namespace ts::bpe {

enum class Semantics : int { TokenRank = 0, PairRank = 1 };
// How a piece becomes initial symbols: one per byte (byte-level BPE), or one per UTF-8
// character looked up in the vocabulary, with <0xNN> byte fallback or an unknown token.
enum class Initial : int { Bytes = 0, Chars = 1 };

struct ModelSpec {
  std::vector<std::string> tokens;   // id -> bytes; ids with present[id]==0 are holes
  std::vector<uint8_t> present;
  Semantics semantics = Semantics::TokenRank;
  std::vector<uint32_t> merge_left, merge_right;  // pair-rank: merge i = (left[i], right[i])
  Initial initial = Initial::Bytes;
  bool whole_piece_first = false;  // tiktoken / HF ignore_merges: a piece that is a token wins
  bool byte_fallback = false;
  int64_t unk_id = -1;             // Chars mode: id for characters not in the vocabulary
  bool fuse_unk = false;
};

struct Token {
  uint32_t id;
  uint32_t start;  // byte offset of the token's first byte within the piece
};

// A small per-thread, direct-mapped memo of piece -> ids for short pieces. Words repeat
// (Zipf), so most pieces hit it and skip the vocabulary table, whose random probes into
// megabytes of memory are the dominant cost of encoding. Entries hold the full piece bytes,
// so a hit is exact; a miss simply recomputes.
struct PieceCache {
  static constexpr size_t kSize = 32768;  // 1 MiB: mostly in L2
  static constexpr size_t kMaxLen = 16;
  static constexpr uint32_t kMaxIds = 3;
  struct Entry {
    uint64_t k0, k1;
    uint32_t ids[kMaxIds];
    uint8_t len, count;
  };
  uint64_t model_id = 0;
  Entry entries[kSize];
};

class Model {
 public:
  // Throws std::invalid_argument with a message naming the offending merge or token.
  explicit Model(ModelSpec spec);

  // Appends the ids of one pre-tokenized piece. `cache` (from thread_cache()) may be null.
  void encode_piece(const uint8_t* p, size_t n, std::vector<uint32_t>& out,
                    PieceCache* cache = nullptr) const;
  // Encodes consecutive pieces of `text` ending at `ends[0..count)` (the first starts at
  // `start`).
  void encode_pieces(const uint8_t* text, uint32_t start, const uint32_t* ends, size_t count,
                     std::vector<uint32_t>& out, PieceCache* cache) const;
  // This thread's piece cache, emptied if it last served another model. Fetch it once per
  // call, not per piece: thread-local access is not free in a shared library.
  PieceCache* thread_cache() const;
  // Same, with each token's start offset within the piece.
  void encode_piece_offsets(const uint8_t* p, size_t n, std::vector<Token>& out) const;

  uint32_t lookup(const uint8_t* p, size_t n) const { return table_.find(p, n); }
  size_t vocab_size() const { return present_.size(); }
  bool has(uint32_t id) const { return id < present_.size() && present_[id]; }
  const uint8_t* token_data(uint32_t id) const {
    return reinterpret_cast<const uint8_t*>(arena_.data()) + offsets_[id];
  }
  size_t token_len(uint32_t id) const { return offsets_[id + 1] - offsets_[id]; }
  size_t num_merges() const { return pairs_.size(); }
  Semantics semantics() const { return semantics_; }
  // Ids whose own bytes do not encode to themselves (unreachable under this model's merges).
  std::vector<uint32_t> unreachable_tokens() const;
  // For token-rank models: for each multi-byte token (in id order), the two tokens that
  // encoding its bytes with only lower ranks ends with; tokens that do not end in exactly two
  // are skipped. This is the HF merge list equivalent to the ranks.
  std::vector<std::pair<uint32_t, uint32_t>> derive_merges() const;

 private:
  struct Sym {
    uint32_t id;
    uint32_t start;
  };
  void initial_symbols(const uint8_t* p, size_t n, std::vector<Sym>& syms) const;
  void merge(std::vector<Sym>& syms) const;
  void merge_small(std::vector<Sym>& syms) const;
  void merge_heap(std::vector<Sym>& syms) const;
  template <class Emit>
  void encode_impl(const uint8_t* p, size_t n, Emit&& emit) const;

  uint64_t id_;  // unique per Model, never reused: keys the thread caches
  std::string arena_;
  std::vector<uint64_t> offsets_;
  std::vector<uint8_t> present_;
  BytesTable table_;
  PairTable pairs_;
  Semantics semantics_;
  Initial initial_;
  bool whole_piece_first_;
  bool byte_fallback_;
  int64_t unk_id_;
  bool fuse_unk_;
  uint32_t byte_ids_[256];      // Bytes mode: id of each single byte (kNone if absent)
  uint32_t fallback_ids_[256];  // Chars mode: id of <0xNN> (kNone if absent)
  // A token whose bytes merge back into itself can be emitted straight from the vocabulary
  // look-up, skipping the merge loop; this is where most of the speed comes from.
  std::vector<uint8_t> self_reachable_;
};

constexpr uint32_t kNone = 0xFFFFFFFFu;

}  // namespace ts::bpe
