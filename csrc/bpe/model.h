// The BPE model: a vocabulary of byte strings plus a merge table, and the piece encoder.
//
// Both BPE semantics in use reduce to one merge loop over a (left, right) -> (rank, id) table:
//   * pair-rank (HF merges.txt): rank = the merge's line; only listed pairs merge.
//   * token-rank (tiktoken): any adjacent pair whose concatenation is a token merges, with
//     that token's rank as priority. Only one split of each token can ever merge (its canonical
//     pair, see derive_merges), so the table lists one pair per token (a vocabulary too large
//     for that compact table is probed through a table of every split of every token).
// In both, the lowest rank merges first and ties go to the leftmost pair.
//
// The loop is the plain quadratic scan for short pieces (fastest in practice) and a binary
// heap over a linked list for long ones, so a 1 MB piece costs O(n log n), never O(n^2).
// Token-rank byte-level models start it, where that provably changes no merge, from short
// tokens (characters, pairs of bytes) instead of bytes (build_atoms in model.cc).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
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

// A per-thread memo of piece -> ids. Words repeat (Zipf): a few tens of thousands of distinct
// pieces cover almost all of a corpus, so nearly every piece is answered here with one probe
// of one cache line, and the vocabulary and merge tables, whose random probes into megabytes
// are the cost of a miss, are rarely touched.
//   * Open addressing with the key inline (32-byte entries, two per 64-byte line): a hit on a
//     piece of at most 16 bytes compares two words and never chases a pointer. Longer pieces
//     (indentation, rules of '=', words of non-Latin scripts), up to 255 bytes, keep a 64-bit
//     hash in the entry and their bytes in `keys`; a hit compares the bytes.
//   * Up to three ids live in the entry; longer results (common in scripts that BPE splits
//     into many tokens) live in `pool`.
//   * The table starts at 1 MiB (or at its image, below) and doubles up to a cap: kMaxSlots
//     (32 MiB), or 4x the image when that is more (64 MiB for o200k), so that a full image
//     leaves as much room for new pieces. A full table is emptied, so memory per thread and
//     model stays bounded. Entries hold the full piece bytes and length, so a hit is exact; a
//     miss simply recomputes.
//   * A model's caches start as a copy of its `image`: every token that encodes to itself,
//     already entered (as gigatoken does). A piece seen for the first time that is a whole
//     token -- most new pieces of English and code -- is then answered by the same single
//     probe as a repeated one, instead of a probe that misses here and another into the
//     vocabulary table; and a miss proves that the piece is not such a token, so the encoder
//     goes straight to merging. Emptying a full table means copying the image back.
struct PieceCache {
  static constexpr size_t kShortLen = 16;  // inline keys
  static constexpr size_t kMaxLen = 255;
  static constexpr uint32_t kInlineIds = 3;
  static constexpr size_t kMinSlots = size_t(1) << 15;
  static constexpr size_t kMaxSlots = size_t(1) << 20;  // 32 MiB
  struct Entry {
    uint64_t k0, k1;  // short: piece bytes, zero-padded to 16; long: hash, offset in `keys`
    uint32_t ids[kInlineIds];  // count > kInlineIds: ids[0] is the offset of the ids in pool
    uint8_t len;      // 0: empty slot (no piece is empty)
    uint8_t count;
    uint16_t pad;
  };
  static_assert(sizeof(Entry) == 32, "two entries per cache line");
  static_assert(offsetof(Entry, ids) + 16 == sizeof(Entry), "a hit copies ids and the last word");

  PieceCache() { reset(kMinSlots); }
  ~PieceCache() { std::free(slots); }
  PieceCache(const PieceCache&) = delete;
  PieceCache& operator=(const PieceCache&) = delete;

  // Empties the table and gives it `n` slots (a power of two).
  void reset(size_t n);
  // Makes this table a copy of `image` and remembers it for when the table fills up.
  void assign(const PieceCache* image);
  // Inserts a piece known to be absent; grows or empties the table first when it is full.
  void insert(uint64_t k0, uint64_t k1, size_t len, const uint32_t* ids, size_t count);
  // Same for a piece longer than kShortLen, keyed by `h` = hash_bytes(p, len).
  void insert_long(uint64_t h, const uint8_t* p, size_t len, const uint32_t* ids, size_t count);

  static inline uint64_t hash(uint64_t k0, uint64_t k1, size_t len) {
    uint64_t x = (k0 ^ (k1 * 0x9E3779B97F4A7C15ull) ^ len) * 0xBF58476D1CE4E5B9ull;
    return x ^ (x >> 31);
  }
  inline const Entry* find_long(uint64_t h, const uint8_t* p, size_t len) const {
    return find_long_hashed(hash(h, 0, len), h, p, len);
  }
  // The same with `slot_hash` = hash(h, 0, len) computed by the caller.
  inline const Entry* find_long_hashed(uint64_t slot_hash, uint64_t h, const uint8_t* p,
                                       size_t len) const {
    size_t i = slot_hash & mask;
    for (;;) {
      const Entry& e = slots[i];
      if (e.k0 == h && e.len == len && std::memcmp(keys.data() + e.k1, p, len) == 0) return &e;
      if (e.len == 0) return nullptr;
      i = (i + 1) & mask;
    }
  }
  inline const Entry* find(uint64_t k0, uint64_t k1, size_t len) const {
    return find_hashed(hash(k0, k1, len), k0, k1, len);
  }
  // The same with `h` = hash(k0, k1, len) computed by the caller.
  inline const Entry* find_hashed(uint64_t h, uint64_t k0, uint64_t k1, size_t len) const {
    return find_in(slots, mask, h, k0, k1, len);
  }
  // The same in a table given by its slots and mask (which a hot loop keeps in registers).
  static inline const Entry* find_in(const Entry* slots, size_t mask, uint64_t h, uint64_t k0,
                                     uint64_t k1, size_t len) {
    size_t i = h & mask;
    for (;;) {
      const Entry& e = slots[i];
      if (e.k0 == k0 && e.k1 == k1 && e.len == len) return &e;
      if (e.len == 0) return nullptr;
      i = (i + 1) & mask;
    }
  }

  Entry& slot_for_insert(uint64_t k0, uint64_t k1, size_t len);
  void store_ids(Entry& e, const uint32_t* ids, size_t count);

  uint64_t model_id = 0;
  // The table this one restarts from (see above); when set, every self-encoding token of at
  // most kMaxLen bytes is present, so a miss on such a piece proves it is not a token.
  const PieceCache* image = nullptr;
  Entry* slots = nullptr;
  size_t mask = 0;
  size_t used = 0;
  std::vector<uint32_t> pool;
  std::string keys;
};

class Model {
 public:
  // Throws std::invalid_argument with a message naming the offending merge or token.
  explicit Model(ModelSpec spec);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // Appends the ids of one pre-tokenized piece.
  void encode_piece(const uint8_t* p, size_t n, std::vector<uint32_t>& out) const;
  // Encodes consecutive pieces of `text` ending at `ends[0..count)` (the first starts at
  // `start`). This is the hot loop of encoding.
  void encode_pieces(const uint8_t* text, uint32_t start, const uint32_t* ends, size_t count,
                     std::vector<uint32_t>& out, PieceCache* cache) const;
  // This thread's piece cache for this model (a thread keeps one for each of the last few
  // models it served; a model that takes a slot starts from its image). Fetch it once per
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
  // Pairs in the merge table: the merges (pair-rank), the canonical pairs or every split
  // (token-rank; see the top of this file).
  size_t num_merges() const { return pairs_.size() ? pairs_.size() : num_rank_pairs_; }
  Semantics semantics() const { return semantics_; }
  // Ids whose own bytes do not encode to themselves (unreachable under this model's merges).
  std::vector<uint32_t> unreachable_tokens() const;
  // For token-rank models: for each multi-byte token (in id order), the two tokens that its
  // bytes, encoded alone, are made of before their last merge; tokens that do not end in
  // exactly two are skipped. With ranks that grow along merges (any trained vocabulary) only
  // lower ranks take part, and this is the HF merge list equivalent to the ranks.
  std::vector<std::pair<uint32_t, uint32_t>> derive_merges() const;

 private:
  struct Sym {
    uint32_t id;
    uint32_t start;
  };
  void initial_symbols(const uint8_t* p, size_t n, std::vector<Sym>& syms) const;
  // `bytes`, when given, are the piece's bytes and syms are exactly one symbol per byte.
  void merge(std::vector<Sym>& syms, const uint8_t* bytes = nullptr) const;
  void merge_small(std::vector<Sym>& syms, const uint8_t* bytes) const;
  void merge_heap(std::vector<Sym>& syms) const;
  inline PairTable::Merge pair(uint32_t a, uint32_t b) const {
    if (!rank_pairs_.empty()) {
      uint32_t r = (a | b) >> grid_bits_ ? rank_pairs_.find(a, b) : low_pairs_[a << grid_bits_ | b];
      return {r, r};
    }
    return pairs_.find(a, b);
  }
  // Requests the cache line that pair(a, b) will read.
  inline void prefetch_pair(uint32_t a, uint32_t b) const {
    if (rank_pairs_.empty())
      pairs_.prefetch(a, b);
    else if (!((a | b) >> grid_bits_))
      __builtin_prefetch(low_pairs_.data() + (a << grid_bits_ | b));
    else
      rank_pairs_.prefetch(a, b);
  }
  // `whole` = false skips the whole-piece look-up (the piece is known not to be a token).
  template <class Emit>
  void encode_impl(const uint8_t* p, size_t n, Emit&& emit, bool whole = true) const;
  // encode_impl writing ids to `out` (room for n reserved); returns how many.
  size_t encode_into(const uint8_t* p, size_t n, uint32_t* out, bool whole) const;
  void build_memo_image();
  // Token-rank byte-level models with ranks that grow along every canonical pair: finds the
  // short tokens (atoms) that may enter the merge loop as one symbol instead of their bytes.
  void build_atoms();
  // The index of the 2- or 3-byte sequence at p (len 2 or 3) in the atom tables, or -1 when
  // its last bytes are not continuation bytes.
  static inline ptrdiff_t atom_slot(const uint8_t* p, size_t len) {
    if ((p[1] & 0xC0) != 0x80) return -1;
    if (len == 2) return (p[0] - 0xC0) << 6 | (p[1] - 0x80);
    if ((p[2] & 0xC0) != 0x80) return -1;
    return 2048 + ((p[0] - 0xE0) << 12 | (p[1] - 0x80) << 6 | (p[2] - 0x80));
  }
  // Token-rank with every byte a token and ids that fit RankPairTable: the model keeps only
  // each token's canonical pair, found from substrings, never the table of every split.
  bool compact_token_rank() const;

  uint64_t id_;  // unique per Model, never reused: keys the thread caches
  std::string arena_;
  std::vector<uint64_t> offsets_;
  std::vector<uint8_t> present_;
  BytesTable table_;
  PairTable pairs_;
  RankPairTable rank_pairs_;  // token-rank models: the canonical pairs, compact (see hash.h)
  // Token-rank models: the rank of every pair of the 2^grid_bits_ (at most 1024) lowest ids,
  // directly indexed (kNoRank where the pair does not merge). Low ids are bytes and the most
  // frequent merges, the symbols most merge steps of a new piece look up: a direct load there
  // replaces a hash probe that, with the 2-4 MiB pair table out of cache, cost a miss
  // (o200k: a new piece 480 -> 400 ns; documents seen once +4-7%). At most 4 MiB.
  static constexpr uint32_t kMaxGridBits = 10;
  uint32_t grid_bits_ = 0;
  std::vector<uint32_t> low_pairs_;
  size_t num_rank_pairs_ = 0;
  Semantics semantics_;
  Initial initial_;
  bool whole_piece_first_;
  bool byte_fallback_;
  int64_t unk_id_;
  bool fuse_unk_;
  uint32_t byte_ids_[256];      // Bytes mode: id of each single byte (kNone if absent)
  uint32_t fallback_ids_[256];  // Chars mode: id of <0xNN> (kNone if absent)
  // Bytes mode with every byte in the vocabulary: the merge of each byte pair, indexed by
  // (first byte << 8 | second byte). The first round of a piece's merge loop reads this
  // half-megabyte table, which stays cached, instead of probing the large pair table once per
  // byte; long pieces of non-Latin text, which rarely repeat, spend most of their time there.
  std::vector<PairTable::Merge> byte_pairs_;
  // Atoms (build_atoms): tokens that start the merge loop as one symbol. Two bytes that form
  // a token are found in byte_pairs_; `char3_atoms_` gives the token of a 3-byte sequence
  // (index: atom_slot - 2048), `space_atoms_` that of a space and a 2- or 3-byte sequence
  // (index: atom_slot). The guards hold the lowest rank of a token that ends (left_guard_) or
  // starts (right_guard_) with two given bytes, indexed by (first << 8 | second): an atom
  // qualifies when those of its outer bytes and their neighbours rank above it. All empty
  // when not applicable.
  static constexpr uint32_t kNoAtom = 0xFFFFFFFFu;
  std::vector<uint32_t> char3_atoms_;
  std::vector<uint32_t> space_atoms_;
  std::vector<uint32_t> left_guard_;
  std::vector<uint32_t> right_guard_;
  // A token whose bytes merge back into itself can be emitted straight from the vocabulary
  // look-up, skipping the merge loop; this is where most of the speed comes from.
  std::vector<uint8_t> self_reachable_;
  std::unique_ptr<PieceCache> memo_image_;
};

constexpr uint32_t kNone = 0xFFFFFFFFu;

}  // namespace ts::bpe
