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

namespace ts::bpe {

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

// Byte string -> id. Keys live in an external arena (the vocabulary); slots hold ids.
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
    slots_.assign(table_size_for(count), kEmpty);
    mask_ = slots_.size() - 1;
    for (uint32_t id = 0; id < present.size(); ++id) {
      if (!present[id]) continue;
      const uint8_t* p = key(id);
      size_t n = key_len(id);
      size_t h = hash_bytes(p, n) & mask_;
      while (slots_[h] != kEmpty) {
        // The first id inserted for a byte string wins (duplicates are rejected earlier).
        if (key_len(slots_[h]) == n && std::memcmp(key(slots_[h]), p, n) == 0) break;
        h = (h + 1) & mask_;
      }
      if (slots_[h] == kEmpty) slots_[h] = id;
    }
  }

  inline uint32_t find(const uint8_t* p, size_t n) const {
    if (slots_.empty()) return kEmpty;
    size_t h = hash_bytes(p, n) & mask_;
    for (;;) {
      uint32_t id = slots_[h];
      if (id == kEmpty) return kEmpty;
      if (key_len(id) == n && std::memcmp(key(id), p, n) == 0) return id;
      h = (h + 1) & mask_;
    }
  }

 private:
  inline const uint8_t* key(uint32_t id) const {
    return reinterpret_cast<const uint8_t*>(arena_->data()) + (*offsets_)[id];
  }
  inline size_t key_len(uint32_t id) const { return (*offsets_)[id + 1] - (*offsets_)[id]; }

  const std::string* arena_ = nullptr;
  const std::vector<uint64_t>* offsets_ = nullptr;
  std::vector<uint32_t> slots_;
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
    keys_.assign(table_size_for(count), kEmptyKey);
    vals_.assign(keys_.size(), Merge{kNoRank, 0});
    mask_ = keys_.size() - 1;
    size_ = 0;
  }

  // Inserts the pair; when it is already present, `overwrite` decides who wins (HF builds its
  // merge map from the file in order, so a repeated pair keeps its LAST rank).
  void insert(uint32_t a, uint32_t b, Merge m, bool overwrite) {
    if ((size_ + 1) * 2 > keys_.size()) grow();
    uint64_t k = (static_cast<uint64_t>(a) << 32) | b;
    size_t h = mix64(k) & mask_;
    while (keys_[h] != kEmptyKey && keys_[h] != k) h = (h + 1) & mask_;
    if (keys_[h] == k) {
      if (overwrite || m.rank < vals_[h].rank) vals_[h] = m;
      return;
    }
    keys_[h] = k;
    vals_[h] = m;
    ++size_;
  }

  inline Merge find(uint32_t a, uint32_t b) const {
    if (keys_.empty()) return Merge{kNoRank, 0};
    uint64_t k = (static_cast<uint64_t>(a) << 32) | b;
    size_t h = mix64(k) & mask_;
    for (;;) {
      uint64_t kk = keys_[h];
      if (kk == k) return vals_[h];
      if (kk == kEmptyKey) return Merge{kNoRank, 0};
      h = (h + 1) & mask_;
    }
  }

  size_t size() const { return size_; }

 private:
  void grow() {
    std::vector<uint64_t> old_keys;
    std::vector<Merge> old_vals;
    old_keys.swap(keys_);
    old_vals.swap(vals_);
    reserve(old_keys.empty() ? 16 : old_keys.size());
    for (size_t i = 0; i < old_keys.size(); ++i)
      if (old_keys[i] != kEmptyKey)
        insert(static_cast<uint32_t>(old_keys[i] >> 32), static_cast<uint32_t>(old_keys[i]),
               old_vals[i], true);
  }

  std::vector<uint64_t> keys_;
  std::vector<Merge> vals_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace ts::bpe
