// BPE model construction and the piece encoder; see model.h for the semantics.
#include "bpe/model.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <queue>
#include <stdexcept>

namespace ts::bpe {

namespace {
std::atomic<uint64_t> next_model_id{1};
}

Model::Model(ModelSpec spec)
    : id_(next_model_id.fetch_add(1)),
      semantics_(spec.semantics),
      initial_(spec.initial),
      whole_piece_first_(spec.whole_piece_first),
      byte_fallback_(spec.byte_fallback),
      unk_id_(spec.unk_id),
      fuse_unk_(spec.fuse_unk) {
  const size_t V = spec.tokens.size();
  if (spec.present.size() != V) throw std::invalid_argument("present[] and tokens[] differ in size");
  present_ = std::move(spec.present);
  offsets_.resize(V + 1);
  size_t total = 0;
  for (size_t i = 0; i < V; ++i) total += present_[i] ? spec.tokens[i].size() : 0;
  arena_.reserve(total);
  for (size_t i = 0; i < V; ++i) {
    offsets_[i] = arena_.size();
    if (present_[i]) arena_ += spec.tokens[i];
  }
  offsets_[V] = arena_.size();
  spec.tokens.clear();
  spec.tokens.shrink_to_fit();
  table_.build(&arena_, &offsets_, present_);

  for (int b = 0; b < 256; ++b) {
    uint8_t byte = static_cast<uint8_t>(b);
    byte_ids_[b] = table_.find(&byte, 1);
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    fallback_ids_[b] = table_.find(reinterpret_cast<const uint8_t*>(name), 6);
  }

  if (semantics_ == Semantics::PairRank) {
    const size_t M = spec.merge_left.size();
    if (spec.merge_right.size() != M) throw std::invalid_argument("merge lists differ in size");
    pairs_.reserve(M);
    std::string buf;
    for (size_t r = 0; r < M; ++r) {
      uint32_t a = spec.merge_left[r], b = spec.merge_right[r];
      if (!has(a) || !has(b))
        throw std::invalid_argument("merge " + std::to_string(r) + ": unknown token id");
      buf.assign(reinterpret_cast<const char*>(token_data(a)), token_len(a));
      buf.append(reinterpret_cast<const char*>(token_data(b)), token_len(b));
      uint32_t id = table_.find(reinterpret_cast<const uint8_t*>(buf.data()), buf.size());
      if (id == kNone)
        throw std::invalid_argument("merge " + std::to_string(r) +
                                    ": the merged token is not in the vocabulary");
      pairs_.insert(a, b, {static_cast<uint32_t>(r), id}, /*overwrite=*/true);
    }
  } else {
    // Every split of every token into two tokens is a pair that may merge, with the token's
    // rank (its id) as priority.
    pairs_.reserve(V * 2);
    for (uint32_t t = 0; t < V; ++t) {
      if (!present_[t]) continue;
      const uint8_t* p = token_data(t);
      size_t n = token_len(t);
      for (size_t k = 1; k < n; ++k) {
        uint32_t a = table_.find(p, k);
        if (a == kNone) continue;
        uint32_t b = table_.find(p + k, n - k);
        if (b == kNone) continue;
        pairs_.insert(a, b, {t, t}, /*overwrite=*/false);
      }
    }
  }

  // Whole-piece look-up is exact for tokens that merge back into themselves. Under
  // whole_piece_first every token qualifies by definition.
  self_reachable_.assign(V, 1);
  if (!whole_piece_first_) {
    std::vector<Sym> syms;
    for (uint32_t t = 0; t < V; ++t) {
      if (!present_[t]) continue;
      initial_symbols(token_data(t), token_len(t), syms);
      merge(syms);
      self_reachable_[t] = syms.size() == 1 && syms[0].id == t;
    }
  }
}

std::vector<uint32_t> Model::unreachable_tokens() const {
  std::vector<uint32_t> result;
  for (uint32_t t = 0; t < present_.size(); ++t) {
    if (!present_[t]) continue;
    std::vector<Sym> syms;
    initial_symbols(token_data(t), token_len(t), syms);
    merge(syms);
    if (!(syms.size() == 1 && syms[0].id == t)) result.push_back(t);
  }
  return result;
}

std::vector<std::pair<uint32_t, uint32_t>> Model::derive_merges() const {
  std::vector<std::pair<uint32_t, uint32_t>> result;
  std::vector<Sym> syms;
  for (uint32_t t = 0; t < present_.size(); ++t) {
    if (!present_[t] || token_len(t) < 2) continue;
    initial_symbols(token_data(t), token_len(t), syms);
    // Plain lowest-rank-first loop, stopping at ranks >= t.
    while (syms.size() > 2) {
      size_t best = 0;
      uint32_t best_rank = PairTable::kNoRank, best_id = 0;
      for (size_t i = 0; i + 1 < syms.size(); ++i) {
        auto m = pairs_.find(syms[i].id, syms[i + 1].id);
        if (m.rank < best_rank) {
          best_rank = m.rank;
          best_id = m.id;
          best = i;
        }
      }
      if (best_rank >= t) break;
      syms[best].id = best_id;
      syms.erase(syms.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    }
    if (syms.size() == 2) result.push_back({syms[0].id, syms[1].id});
  }
  return result;
}

void Model::initial_symbols(const uint8_t* p, size_t n, std::vector<Sym>& syms) const {
  syms.clear();
  if (initial_ == Initial::Bytes) {
    for (size_t i = 0; i < n; ++i) {
      uint32_t id = byte_ids_[p[i]];
      if (id != kNone) syms.push_back({id, static_cast<uint32_t>(i)});
      // A byte-level vocabulary lacking a byte cannot encode it; the loaders reject such
      // vocabularies, so skipping here only guards against a crash.
    }
    return;
  }
  size_t i = 0;
  bool prev_unk = false;
  while (i < n) {
    size_t len = 1;
    uint8_t b = p[i];
    if (b >= 0xC0) {
      len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
      if (i + len > n) len = n - i;
    }
    uint32_t id = table_.find(p + i, len);
    if (id != kNone) {
      syms.push_back({id, static_cast<uint32_t>(i)});
      prev_unk = false;
    } else {
      bool all_bytes = byte_fallback_;
      for (size_t k = 0; all_bytes && k < len; ++k) all_bytes = fallback_ids_[p[i + k]] != kNone;
      if (all_bytes) {
        for (size_t k = 0; k < len; ++k)
          syms.push_back({fallback_ids_[p[i + k]], static_cast<uint32_t>(i + k)});
        prev_unk = false;
      } else if (unk_id_ >= 0) {
        if (!(fuse_unk_ && prev_unk))
          syms.push_back({static_cast<uint32_t>(unk_id_), static_cast<uint32_t>(i)});
        prev_unk = true;
      }
      // With no unknown token the character is dropped, as HF tokenizers does.
    }
    i += len;
  }
}

void Model::merge(std::vector<Sym>& syms) const {
  if (syms.size() < 2) return;
  if (syms.size() <= 64)
    merge_small(syms);
  else
    merge_heap(syms);
}

// Quadratic but allocation-light: most pieces are a handful of symbols.
void Model::merge_small(std::vector<Sym>& syms) const {
  size_t n = syms.size();
  PairTable::Merge m[64];
  for (size_t i = 0; i + 1 < n; ++i) m[i] = pairs_.find(syms[i].id, syms[i + 1].id);
  while (n > 1) {
    size_t best = 0;
    uint32_t best_rank = PairTable::kNoRank;
    for (size_t i = 0; i + 1 < n; ++i) {
      if (m[i].rank < best_rank) {
        best_rank = m[i].rank;
        best = i;
      }
    }
    if (best_rank == PairTable::kNoRank) break;
    syms[best].id = m[best].id;
    for (size_t i = best + 1; i + 1 < n; ++i) syms[i] = syms[i + 1];
    for (size_t i = best + 1; i + 2 < n; ++i) m[i] = m[i + 1];
    --n;
    if (best + 1 < n) m[best] = pairs_.find(syms[best].id, syms[best + 1].id);
    if (best > 0) m[best - 1] = pairs_.find(syms[best - 1].id, syms[best].id);
  }
  syms.resize(n);
}

// Heap of candidate merges keyed by (rank, position of the left symbol) over a doubly linked
// list of symbols. Entries go stale when a neighbour merges; they are recognised on pop
// because the pair at that position no longer has that rank.
void Model::merge_heap(std::vector<Sym>& syms) const {
  const size_t n = syms.size();
  std::vector<int32_t> prev(n), next(n);
  std::vector<uint8_t> alive(n, 1);
  for (size_t i = 0; i < n; ++i) {
    prev[i] = static_cast<int32_t>(i) - 1;
    next[i] = i + 1 < n ? static_cast<int32_t>(i + 1) : -1;
  }
  using Entry = std::pair<uint32_t, uint32_t>;  // (rank, left position)
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
  for (size_t i = 0; i + 1 < n; ++i) {
    auto m = pairs_.find(syms[i].id, syms[i + 1].id);
    if (m.rank != PairTable::kNoRank) heap.push({m.rank, static_cast<uint32_t>(i)});
  }
  while (!heap.empty()) {
    auto [rank, pos] = heap.top();
    heap.pop();
    if (!alive[pos] || next[pos] < 0) continue;
    int32_t r = next[pos];
    auto m = pairs_.find(syms[pos].id, syms[r].id);
    if (m.rank != rank) continue;
    syms[pos].id = m.id;
    alive[r] = 0;
    next[pos] = next[r];
    if (next[r] >= 0) prev[next[r]] = static_cast<int32_t>(pos);
    if (prev[pos] >= 0) {
      auto ml = pairs_.find(syms[prev[pos]].id, syms[pos].id);
      if (ml.rank != PairTable::kNoRank) heap.push({ml.rank, static_cast<uint32_t>(prev[pos])});
    }
    if (next[pos] >= 0) {
      auto mr = pairs_.find(syms[pos].id, syms[next[pos]].id);
      if (mr.rank != PairTable::kNoRank) heap.push({mr.rank, pos});
    }
  }
  size_t w = 0;
  for (int32_t i = 0; i >= 0; i = next[i]) syms[w++] = syms[i];
  syms.resize(w);
}

template <class Emit>
void Model::encode_impl(const uint8_t* p, size_t n, Emit&& emit) const {
  if (n == 0) return;
  uint32_t id = table_.find(p, n);
  if (id != kNone && self_reachable_[id]) {
    emit(id, 0u);
    return;
  }
  thread_local std::vector<Sym> syms;
  initial_symbols(p, n, syms);
  merge(syms);
  for (const Sym& s : syms) emit(s.id, s.start);
}

PieceCache* Model::thread_cache() const {
  // A few caches per thread, one per recently used model, so that alternating between
  // tokenizers does not wipe a megabyte of memo on every call.
  constexpr size_t kSlots = 4;
  thread_local std::unique_ptr<PieceCache> caches[kSlots];
  thread_local size_t next_victim = 0;
  for (auto& c : caches)
    if (c && c->model_id == id_) return c.get();
  auto& c = caches[next_victim];
  next_victim = (next_victim + 1) % kSlots;
  if (!c) c = std::make_unique<PieceCache>();
  for (auto& e : c->entries) e.len = 0xFF;  // no piece has this length
  c->model_id = id_;
  return c.get();
}

namespace {

struct CacheKey {
  uint64_t k0, k1;
  size_t slot;
};

inline CacheKey cache_key(const uint8_t* p, size_t n) {
  uint64_t k[2] = {0, 0};
  std::memcpy(k, p, n);
  return {k[0], k[1], static_cast<size_t>(mix64(k[0] * 31 + k[1] + n) & (PieceCache::kSize - 1))};
}

}  // namespace

void Model::encode_piece(const uint8_t* p, size_t n, std::vector<uint32_t>& out,
                         PieceCache* cache) const {
  if (!cache || n > PieceCache::kMaxLen || n == 0) {
    encode_impl(p, n, [&](uint32_t id, uint32_t) { out.push_back(id); });
    return;
  }
  CacheKey key = cache_key(p, n);
  PieceCache::Entry& e = cache->entries[key.slot];
  if (e.len == n && e.k0 == key.k0 && e.k1 == key.k1) {
    for (uint32_t i = 0; i < e.count; ++i) out.push_back(e.ids[i]);
    return;
  }
  size_t before = out.size();
  encode_impl(p, n, [&](uint32_t id, uint32_t) { out.push_back(id); });
  size_t count = out.size() - before;
  if (count <= PieceCache::kMaxIds) {
    e.k0 = key.k0;
    e.k1 = key.k1;
    e.len = static_cast<uint8_t>(n);
    e.count = static_cast<uint8_t>(count);
    for (size_t i = 0; i < count; ++i) e.ids[i] = out[before + i];
  }
}

void Model::encode_pieces(const uint8_t* text, uint32_t start, const uint32_t* ends, size_t count,
                          std::vector<uint32_t>& out, PieceCache* cache) const {
  for (size_t i = 0; i < count; ++i) {
    encode_piece(text + start, ends[i] - start, out, cache);
    start = ends[i];
  }
}

void Model::encode_piece_offsets(const uint8_t* p, size_t n, std::vector<Token>& out) const {
  encode_impl(p, n, [&](uint32_t id, uint32_t start) { out.push_back({id, start}); });
}

}  // namespace ts::bpe
