// Flat open-addressing hash tables for the two hot look-ups of BPE encoding:
// token bytes -> id, and (left id, right id) -> merge. std::unordered_map allocates a node per
// entry and chases a pointer per probe; these tables are one array each, probed linearly,
// sized to a power of two at half load, and never mutated after construction, so encoder
// threads share them without locks.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#if __has_include(<sys/mman.h>)
#include <sys/mman.h>
#endif

namespace ts::bpe {

// Asks the kernel to back [p, p+bytes) with 2 MiB pages (Linux transparent huge pages, which
// are commonly opt-in). The tables below are megabytes probed at random, so with 4 KiB pages
// nearly every probe that misses the cache also misses the TLB and walks the page table.
// Only whole 2 MiB pages inside the range are advised; call it before the memory is touched,
// so that the first touch already gets a huge page. A no-op where unsupported.
inline void advise_huge_pages(void* p, size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr uintptr_t kHuge = uintptr_t(2) << 20;
  uintptr_t a = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  uintptr_t b = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (b > a) madvise(reinterpret_cast<void*>(a), b - a, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

// `v.assign(n, fill)`, with the storage advised for huge pages before it is first written.
template <class T>
void assign_huge(std::vector<T>& v, size_t n, const T& fill) {
  v.clear();
  v.shrink_to_fit();
  v.reserve(n);
  advise_huge_pages(v.data(), n * sizeof(T));
  v.assign(n, fill);
}

// A fast, well-mixed 64-bit hash of a short byte string (wyhash-style multiply-fold).
inline uint64_t hash_bytes(const uint8_t* p, size_t n) {
  const uint64_t k0 = 0x9E3779B97F4A7C15ull, k1 = 0xBF58476D1CE4E5B9ull;
  uint64_t h = k0 ^ (n * k1);
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    __uint128_t m = static_cast<__uint128_t>(h ^ v) * (k1 ^ 0x94D049BB133111EBull);
    h = static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64);
    p += 8;
    n -= 8;
  }
  if (n) {
    uint64_t v = 0;
    std::memcpy(&v, p, n);
    __uint128_t m = static_cast<__uint128_t>(h ^ v ^ (static_cast<uint64_t>(n) << 59)) * k0;
    h = static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64);
  }
  return h ^ (h >> 29);
}

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDull;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53ull;
  x ^= x >> 33;
  return x;
}

inline size_t table_size_for(size_t count) {
  size_t cap = 16;
  while (cap < count * 2 + 1) cap <<= 1;
  return cap;
}

// Byte string -> id. Keys live in an external arena (the vocabulary). Each slot also keeps
// the key's length and first 8 bytes, so that the common case -- a token of at most 8 bytes --
// is decided by the slot alone: one cache miss per look-up instead of three.
class BytesTable {
 public:
  static constexpr uint32_t kEmpty = 0xFFFFFFFFu;

  // `offsets[id]`..`offsets[id+1]` delimit token id's bytes in `arena`; absent ids have
  // `present[id] == 0`.
  void build(const std::string* arena, const std::vector<uint64_t>* offsets,
             const std::vector<uint8_t>& present) {
    arena_ = arena;
    offsets_ = offsets;
    size_t count = 0;
    for (uint8_t p : present) count += p;
    assign_huge(slots_, table_size_for(count), Slot{0, kEmpty, 0});
    mask_ = slots_.size() - 1;
    for (uint32_t id = 0; id < present.size(); ++id) {
      if (!present[id]) continue;
      const uint8_t* p = key(id);
      size_t n = key_len(id);
      uint64_t head = head_of(p, n);
      size_t h = hash_bytes(p, n) & mask_;
      bool dup = false;
      while (slots_[h].id != kEmpty) {
        // The first id inserted for a byte string wins (duplicates are rejected earlier).
        if (matches(slots_[h], p, n, head)) { dup = true; break; }
        h = (h + 1) & mask_;
      }
      if (!dup) slots_[h] = Slot{head, id, static_cast<uint32_t>(n)};
    }
  }

  inline uint32_t find(const uint8_t* p, size_t n) const {
    if (slots_.empty()) return kEmpty;
    uint64_t head = head_of(p, n);
    size_t h = hash_bytes(p, n) & mask_;
    for (;;) {
      const Slot& s = slots_[h];
      if (s.id == kEmpty) return kEmpty;
      if (matches(s, p, n, head)) return s.id;
      h = (h + 1) & mask_;
    }
  }

 private:
  struct Slot {
    uint64_t head;  // first min(len, 8) bytes, zero-padded
    uint32_t id;
    uint32_t len;
  };

  static inline uint64_t head_of(const uint8_t* p, size_t n) {
    uint64_t v = 0;
    std::memcpy(&v, p, n < 8 ? n : 8);
    return v;
  }
  inline bool matches(const Slot& s, const uint8_t* p, size_t n, uint64_t head) const {
    if (s.len != n || s.head != head) return false;
    return n <= 8 || std::memcmp(key(s.id) + 8, p + 8, n - 8) == 0;
  }
  inline const uint8_t* key(uint32_t id) const {
    return reinterpret_cast<const uint8_t*>(arena_->data()) + (*offsets_)[id];
  }
  inline size_t key_len(uint32_t id) const { return (*offsets_)[id + 1] - (*offsets_)[id]; }

  const std::string* arena_ = nullptr;
  const std::vector<uint64_t>* offsets_ = nullptr;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

// (left id, right id) -> (rank, merged id).
class PairTable {
 public:
  struct Merge {
    uint32_t rank;
    uint32_t id;
  };
  static constexpr uint64_t kEmptyKey = ~0ull;
  static constexpr uint32_t kNoRank = 0xFFFFFFFFu;

  void reserve(size_t count) {
    assign_huge(slots_, table_size_for(count), Slot{kEmptyKey, {kNoRank, 0}});
    mask_ = slots_.size() - 1;
    size_ = 0;
  }

  // Inserts the pair; when it is already present, `overwrite` decides who wins (HF builds its
  // merge map from the file in order, so a repeated pair keeps its LAST rank).
  void insert(uint32_t a, uint32_t b, Merge m, bool overwrite) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    uint64_t k = (static_cast<uint64_t>(a) << 32) | b;
    size_t h = mix64(k) & mask_;
    while (slots_[h].key != kEmptyKey && slots_[h].key != k) h = (h + 1) & mask_;
    if (slots_[h].key == k) {
      if (overwrite || m.rank < slots_[h].merge.rank) slots_[h].merge = m;
      return;
    }
    slots_[h] = Slot{k, m};
    ++size_;
  }

  inline Merge find(uint32_t a, uint32_t b) const {
    if (slots_.empty()) return Merge{kNoRank, 0};
    uint64_t k = (static_cast<uint64_t>(a) << 32) | b;
    size_t h = mix64(k) & mask_;
    for (;;) {
      const Slot& s = slots_[h];
      if (s.key == k) return s.merge;
      if (s.key == kEmptyKey) return Merge{kNoRank, 0};
      h = (h + 1) & mask_;
    }
  }

  inline void prefetch(uint32_t a, uint32_t b) const {
    uint64_t k = (static_cast<uint64_t>(a) << 32) | b;
    __builtin_prefetch(slots_.data() + (mix64(k) & mask_));
  }

  size_t size() const { return size_; }
  // Calls fn(left, right, merge) for every pair, in table order.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const Slot& s : slots_)
      if (s.key != kEmptyKey) fn(static_cast<uint32_t>(s.key >> 32), static_cast<uint32_t>(s.key), s.merge);
  }

 private:
  struct Slot {
    uint64_t key;
    Merge merge;
  };

  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    reserve(old.empty() ? 16 : old.size());
    for (const Slot& s : old)
      if (s.key != kEmptyKey)
        insert(static_cast<uint32_t>(s.key >> 32), static_cast<uint32_t>(s.key), s.merge, true);
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

// (left id, right id) -> rank, for token-rank models, where the merged token's id is its rank:
// the PairTable's content in 8-byte slots (ids in 21 bits each, rank in 22). Merging long pieces
// of rarely repeated text probes this table twice per merge at random places; at half the size
// more of it stays in the core's own cache.
//
// A third of the probes ask about a pair that does not merge. A one-bit-per-hash filter (256
// KiB, 2^21 bits, a few percent of them set by mistake), small enough to stay in the core's
// cache while the table itself has been evicted, answers most of those without reading the
// table (documents seen once: English +5%, multilingual +7%).
class RankPairTable {
 public:
  static constexpr uint32_t kIdLimit = (1u << 21) - 1;  // ids must be below (all ones = empty)
  static constexpr uint32_t kRankLimit = (1u << 22) - 1;
  static constexpr uint64_t kEmpty = ~0ull;

  bool empty() const { return slots_.empty(); }
  void build(size_t count) {
    assign_huge(slots_, table_size_for(count), kEmpty);
    mask_ = slots_.size() - 1;
    filter_.assign(size_t(1) << (kFilterBits - 6), 0);
  }
  // a, b < kIdLimit, rank < kRankLimit; the pair must be new.
  void insert(uint32_t a, uint32_t b, uint32_t rank) {
    uint64_t key = (static_cast<uint64_t>(a) << 21) | b;
    const uint64_t m = mix64(key);
    filter_[filter_word(m)] |= filter_bit(m);
    size_t h = m & mask_;
    while (slots_[h] != kEmpty) h = (h + 1) & mask_;
    slots_[h] = (key << 22) | rank;
  }
  inline void prefetch(uint32_t a, uint32_t b) const {
    uint64_t key = (static_cast<uint64_t>(a) << 21) | b;
    __builtin_prefetch(slots_.data() + (mix64(key) & mask_));
  }
  // The rank, or PairTable::kNoRank.
  inline uint32_t find(uint32_t a, uint32_t b) const {
    uint64_t key = (static_cast<uint64_t>(a) << 21) | b;
    const uint64_t m = mix64(key);
    if (!(filter_[filter_word(m)] & filter_bit(m))) return PairTable::kNoRank;
    size_t h = m & mask_;
    for (;;) {
      uint64_t s = slots_[h];
      if ((s >> 22) == key) return static_cast<uint32_t>(s & kRankLimit);
      if (s == kEmpty) return PairTable::kNoRank;
      h = (h + 1) & mask_;
    }
  }

 private:
  // The filter's bit for a pair is taken from the top of its hash; the table's slot from the
  // bottom, so the two are independent.
  static constexpr unsigned kFilterBits = 21;
  static size_t filter_word(uint64_t m) { return m >> (64 - kFilterBits + 6); }
  static uint64_t filter_bit(uint64_t m) { return uint64_t(1) << ((m >> (64 - kFilterBits)) & 63); }

  std::vector<uint64_t> slots_;
  std::vector<uint64_t> filter_;
  size_t mask_ = 0;
};

}  // namespace ts::bpe
