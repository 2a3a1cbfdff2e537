// BPE model construction and the piece encoder; see model.h for the semantics.
#include "bpe/model.h"

#include "bpe/worker_pool.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <queue>
#include <stdexcept>
#include <thread>
#include <unordered_set>

namespace ts::bpe {

namespace {
std::atomic<uint64_t> next_model_id{1};

// The models alive now, and how many have died. A thread keeps the memos of the models it
// served (thread_cache); pooled workers live as long as the process, so each thread frees the
// memos of dead models the next time it encodes. The set is leaked so that it outlives every
// model destroyed during exit.
std::mutex live_lock;
std::unordered_set<uint64_t>* live_models = new std::unordered_set<uint64_t>();
std::atomic<uint64_t> model_deaths{0};
}  // namespace

Model::~Model() {
  {
    std::lock_guard<std::mutex> guard(live_lock);
    live_models->erase(id_);
  }
  model_deaths.fetch_add(1);
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
  } else if (!compact_token_rank()) {
    // Every split of every token into two tokens is a pair that may merge, with the token's
    // rank (its id) as priority. (Usually only the canonical pairs below are kept.)
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

  bool growing = true;
  if (semantics_ == Semantics::TokenRank && V < RankPairTable::kIdLimit &&
      V < RankPairTable::kRankLimit) {
    // Only one split of each token can ever merge during encoding: the pair its own bytes,
    // encoded alone, merge last (derive_merges). A symbol in the middle of a merge loop covers
    // bytes whose merges all happened inside it, in the same order as when those bytes are
    // encoded alone (a merge across its edge would have cut it), so the last merge that forms
    // token t is t's own final pair. Any other split of t is never the lowest-ranked pair
    // (it would merge, contradicting the above), so leaving it out changes no result -- and
    // the table the merge loop probes shrinks from every split of every token (~5 per token)
    // to one entry per token, small enough to stay mostly in the core's cache.
    auto canonical = derive_merges();
    rank_pairs_.build(canonical.size());
    while (grid_bits_ < kMaxGridBits && (size_t(1) << grid_bits_) < V) ++grid_bits_;
    assign_huge(low_pairs_, size_t(1) << (2 * grid_bits_), PairTable::kNoRank);
    std::string buf;
    for (auto [a, b] : canonical) {
      buf.assign(reinterpret_cast<const char*>(token_data(a)), token_len(a));
      buf.append(reinterpret_cast<const char*>(token_data(b)), token_len(b));
      // A duplicated token string keeps its lowest id, which is what the table answers.
      uint32_t rank = table_.find(reinterpret_cast<const uint8_t*>(buf.data()), buf.size());
      // Ranks that grow along every canonical pair (a token ranks after both its halves, as
      // in any trained vocabulary) keep the merge loop's ranks non-decreasing, which atoms
      // (build_atoms) rely on.
      growing = growing && a < rank && b < rank;
      if (rank_pairs_.find(a, b) != PairTable::kNoRank) continue;
      rank_pairs_.insert(a, b, rank);
      if (!((a | b) >> grid_bits_)) low_pairs_[a << grid_bits_ | b] = rank;
    }
    num_rank_pairs_ = canonical.size();
  }

  if (initial_ == Initial::Bytes &&
      std::all_of(byte_ids_, byte_ids_ + 256, [](uint32_t id) { return id != kNone; })) {
    byte_pairs_.resize(65536);
    for (int a = 0; a < 256; ++a)
      for (int b = 0; b < 256; ++b) byte_pairs_[a << 8 | b] = pair(byte_ids_[a], byte_ids_[b]);
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
  if (growing && compact_token_rank()) build_atoms();
  build_memo_image();
  std::lock_guard<std::mutex> guard(live_lock);
  live_models->insert(id_);
}

void Model::build_memo_image() {
  size_t count = 0;
  for (uint32_t t = 0; t < present_.size(); ++t) count += present_[t] && self_reachable_[t];
  size_t n = PieceCache::kMinSlots;
  while (n < 2 * count + 2 && n < PieceCache::kMaxSlots) n <<= 1;
  if (2 * count + 2 > n) return;  // a vocabulary this large would leave no room: no image
  auto image = std::make_unique<PieceCache>();
  image->reset(n);
  for (uint32_t t = 0; t < present_.size(); ++t) {
    if (!present_[t] || !self_reachable_[t]) continue;
    const uint8_t* p = token_data(t);
    const size_t len = token_len(t);
    // Duplicated byte strings: the encoder answers with the id the vocabulary table keeps.
    if (len == 0 || len > PieceCache::kMaxLen || table_.find(p, len) != t) continue;
    if (len <= PieceCache::kShortLen) {
      uint64_t k[2] = {0, 0};
      std::memcpy(k, p, len);
      image->insert(k[0], k[1], len, &t, 1);
    } else {
      image->insert_long(hash_bytes(p, len), p, len, &t, 1);
    }
  }
  memo_image_ = std::move(image);
}

// An atom is a short token c that may start the merge loop as one symbol instead of its bytes:
// two bytes that form a token (a 2-byte character, "th", " t"), a 3-byte character, or, at the
// start of a piece, a space and a 2- or 3-byte character. That is exact when the loop would
// form c before it joins any part of c to a neighbour. With ranks that grow along canonical
// pairs, the loop merges in non-decreasing rank order, and while c is incomplete its own next
// merge (rank <= c) is available; so a merge joining part of c to a neighbour comes after c
// is complete whenever every token that would do it ranks above c. Such a token ends with the
// neighbour's last byte and a proper prefix of c, or starts with a proper suffix of c and the
// neighbour's first byte. For the one-byte prefix and suffix the neighbouring byte is known
// in the text and the guards give the lowest rank of a token ending (left) or starting
// (right) with those two bytes; for longer ones the lowest rank over every neighbour is
// folded into the atom tables. The state the loop reaches is then the same, and so is every
// merge after it; atoms found side by side are applied one after the other by the same
// argument (two atoms that overlap would each need the other to rank higher, so they never
// both qualify). At a piece's edge there is no neighbour.
//
// Most merges of a new piece are these first ones: its characters and its most frequent
// pairs of letters. Taking them from three small tables instead of the merge loop leaves the
// loop a half to a third of the symbols, and skips its probes of pairs that involve part of a
// character, which miss the cache (new pieces: o200k multilingual -30%, English -15%).
void Model::build_atoms() {
  std::vector<uint32_t> left(65536, kNoAtom), right(65536, kNoAtom);
  std::vector<uint32_t> prefix2(16 * 64, kNoAtom), suffix2(64 * 64, kNoAtom);
  std::vector<uint32_t> before_more(2048 + 65536, kNoAtom);  // tokens: the sequence + more bytes
  // Candidates: the tokens that are one 3-byte character, or a space and a 2- or 3-byte one.
  // Ids only go up, so the first id seen for a duplicated string is the one the vocabulary
  // table answers.
  std::vector<uint32_t> chars(65536, kNoAtom), spaced(2048 + 65536, kNoAtom);
  auto lower = [](uint32_t& slot, uint32_t rank) { slot = std::min(slot, rank); };
  auto cont = [](uint8_t b) { return (b & 0xC0) == 0x80; };
  auto sequence_of = [](const uint8_t* p, size_t n) -> ptrdiff_t {  // slot, or -1
    return (n == 2 && p[0] >= 0xC0 && p[0] < 0xE0) || (n == 3 && p[0] >= 0xE0 && p[0] < 0xF0)
               ? atom_slot(p, n)
               : -1;
  };
  for (uint32_t t = 0; t < present_.size(); ++t) {
    const size_t n = token_len(t);
    if (!present_[t] || n < 2) continue;
    const uint8_t* p = token_data(t);
    lower(left[p[n - 2] << 8 | p[n - 1]], t);
    lower(right[p[0] << 8 | p[1]], t);
    if (n >= 3 && p[n - 2] >= 0xE0 && p[n - 2] < 0xF0 && cont(p[n - 1]))
      lower(prefix2[(p[n - 2] - 0xE0) << 6 | (p[n - 1] - 0x80)], t);
    if (n >= 3 && cont(p[0]) && cont(p[1])) lower(suffix2[(p[0] - 0x80) << 6 | (p[1] - 0x80)], t);
    const size_t lead_len = p[0] >= 0xE0 ? 3 : 2;  // of the sequence the token may start with
    if (const ptrdiff_t slot = n > lead_len ? sequence_of(p, lead_len) : -1; slot >= 0)
      lower(before_more[slot], t);
    if (const ptrdiff_t slot = n == 3 ? sequence_of(p, 3) : -1; slot >= 0) lower(chars[slot - 2048], t);
    if (const ptrdiff_t slot = p[0] == 0x20 ? sequence_of(p + 1, n - 1) : -1; slot >= 0)
      lower(spaced[slot], t);
  }
  // c's bytes alone must merge into c (its last merge then has c's rank, the highest). Two
  // bytes that form a token always do: their pair is the token's only split.
  std::vector<Sym> syms;
  auto reachable = [&](uint32_t id) {
    const uint8_t* c = token_data(id);
    syms.clear();
    for (uint32_t k = 0; k < token_len(id); ++k) syms.push_back({byte_ids_[c[k]], k});
    merge(syms);
    return syms.size() == 1 && syms[0].id == id;
  };
  for (uint32_t slot = 0; slot < spaced.size(); ++slot) {
    // A 3-byte character's two-byte prefix and suffix, whatever the neighbour.
    uint32_t tail = kNoAtom;
    if (slot >= 2048) {
      const uint32_t lead = 0xE0 + ((slot - 2048) >> 12), c1 = ((slot - 2048) >> 6) & 63, c2 = slot & 63;
      tail = suffix2[c1 << 6 | c2];
      uint32_t& c = chars[slot - 2048];
      if (c != kNoAtom && !(std::min(prefix2[(lead - 0xE0) << 6 | c1], tail) > c && reachable(c)))
        c = kNoAtom;
    }
    if (spaced[slot] != kNoAtom &&
        !(before_more[slot] > spaced[slot] && tail > spaced[slot] && reachable(spaced[slot])))
      spaced[slot] = kNoAtom;
  }
  char3_atoms_ = std::move(chars);
  space_atoms_ = std::move(spaced);
  left_guard_ = std::move(left);
  right_guard_ = std::move(right);
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

bool Model::compact_token_rank() const {
  return semantics_ == Semantics::TokenRank && initial_ == Initial::Bytes &&
         present_.size() < RankPairTable::kIdLimit && present_.size() < RankPairTable::kRankLimit &&
         std::all_of(byte_ids_, byte_ids_ + 256, [](uint32_t id) { return id != kNone; });
}

std::vector<std::pair<uint32_t, uint32_t>> Model::derive_merges() const {
  std::vector<std::pair<uint32_t, uint32_t>> result;
  if (compact_token_rank()) {
    // Without the table of every split: a symbol is a substring of the token, and two
    // neighbours merge with the rank of their joined bytes, looked up in the vocabulary (the
    // lowest id of a duplicated string, as the split table kept). The ranks of neighbouring
    // pairs are kept between rounds, so a token costs a few look-ups per byte.
    struct Part {
      uint32_t start, len, id;
    };
    // Tokens are independent, so chunks of them go to threads (the look-ups miss the cache
    // more than they compute, and a large vocabulary's derivation is most of its load time).
    const uint32_t V = static_cast<uint32_t>(present_.size());
    constexpr uint32_t kChunk = 8192;
    const uint32_t chunks = (V + kChunk - 1) / kChunk;
    std::vector<std::vector<std::pair<uint32_t, uint32_t>>> found(chunks);
    auto derive_range = [&](uint32_t lo, uint32_t hi, std::vector<std::pair<uint32_t, uint32_t>>& result) {
    std::vector<Part> parts;
    std::vector<uint32_t> rank;  // rank[i]: of parts i and i+1 joined
    for (uint32_t t = lo; t < hi; ++t) {
      if (!present_[t] || token_len(t) < 2) continue;
      const uint8_t* p = token_data(t);
      const uint32_t n = static_cast<uint32_t>(token_len(t));
      parts.clear();
      rank.clear();
      for (uint32_t i = 0; i < n; ++i) parts.push_back({i, 1, byte_ids_[p[i]]});
      auto joined = [&](size_t i) {
        return table_.find(p + parts[i].start, parts[i].len + parts[i + 1].len);
      };
      for (size_t i = 0; i + 1 < parts.size(); ++i) rank.push_back(joined(i));
      // The plain lowest-rank-first loop, run to its end: a merge ranked above t may come
      // before t's own when ranks do not grow along merges (kNone is above every rank).
      while (parts.size() > 2) {
        size_t best = 0;
        for (size_t i = 1; i < rank.size(); ++i)
          if (rank[i] < rank[best]) best = i;
        if (rank[best] == kNone) break;
        parts[best].len += parts[best + 1].len;
        parts[best].id = rank[best];
        parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(best) + 1);
        rank.erase(rank.begin() + static_cast<std::ptrdiff_t>(best));
        if (best < rank.size()) rank[best] = joined(best);
        if (best > 0) rank[best - 1] = joined(best - 1);
      }
      if (parts.size() == 2) result.push_back({parts[0].id, parts[1].id});
    }
    };
    std::atomic<uint32_t> next_chunk{0};
    const size_t threads = std::min<size_t>({std::max(1u, std::thread::hardware_concurrency()), 8, chunks});
    run_on_threads(threads ? threads - 1 : 0, [&] {
      for (uint32_t c; (c = next_chunk.fetch_add(1)) < chunks;)
        derive_range(c * kChunk, std::min(V, (c + 1) * kChunk), found[c]);
    });
    for (auto& part : found) result.insert(result.end(), part.begin(), part.end());
    return result;
  }
  std::vector<Sym> syms;
  for (uint32_t t = 0; t < present_.size(); ++t) {
    if (!present_[t] || token_len(t) < 2) continue;
    initial_symbols(token_data(t), token_len(t), syms);
    // The plain lowest-rank-first loop, run to its end (as above).
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
      if (best_rank == PairTable::kNoRank) break;
      syms[best].id = best_id;
      syms.erase(syms.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    }
    if (syms.size() == 2) result.push_back({syms[0].id, syms[1].id});
  }
  return result;
}

void Model::initial_symbols(const uint8_t* p, size_t n, std::vector<Sym>& syms) const {
  syms.clear();
  if (initial_ == Initial::Bytes && !left_guard_.empty()) {
    // Whether the atom `id` at [start, end) qualifies: no token that would join its first or
    // last byte to the neighbouring byte, where there is one, ranks below it.
    auto qualifies = [&](size_t start, size_t end, uint32_t id) {
      return (start == 0 || left_guard_[p[start - 1] << 8 | p[start]] > id) &&
             (end == n || right_guard_[p[end - 1] << 8 | p[end]] > id);
    };
    size_t i = 0;
    if (n >= 3 && p[0] == 0x20 && p[1] >= 0xC0 && p[1] < 0xF0) {
      const size_t len = p[1] < 0xE0 ? 2 : 3;
      const ptrdiff_t slot = 1 + len <= n ? atom_slot(p + 1, len) : -1;
      if (slot >= 0 && space_atoms_[slot] != kNoAtom && qualifies(0, 1 + len, space_atoms_[slot])) {
        syms.push_back({space_atoms_[slot], 0});
        i = 1 + len;
      }
    }
    while (i < n) {
      const uint8_t b = p[i];
      if (b >= 0xE0 && b < 0xF0 && i + 3 <= n) {
        const ptrdiff_t slot = atom_slot(p + i, 3);
        const uint32_t id = slot >= 0 ? char3_atoms_[slot - 2048] : kNoAtom;
        if (id != kNoAtom && qualifies(i, i + 3, id)) {
          syms.push_back({id, static_cast<uint32_t>(i)});
          i += 3;
          continue;
        }
      }
      if (i + 1 < n) {
        const uint32_t id = byte_pairs_[b << 8 | p[i + 1]].rank;
        if (id != PairTable::kNoRank && qualifies(i, i + 2, id)) {
          syms.push_back({id, static_cast<uint32_t>(i)});
          i += 2;
          continue;
        }
      }
      syms.push_back({byte_ids_[b], static_cast<uint32_t>(i)});
      ++i;
    }
    return;
  }
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

void Model::merge(std::vector<Sym>& syms, const uint8_t* bytes) const {
  if (syms.size() < 2) return;
  if (syms.size() <= 64)
    merge_small(syms, byte_pairs_.empty() ? nullptr : bytes);
  else
    merge_heap(syms);
}

// Quadratic but allocation-light: most pieces are a handful of symbols.
void Model::merge_small(std::vector<Sym>& syms, const uint8_t* bytes) const {
  size_t n = syms.size();
  PairTable::Merge m[64];
  if (bytes)
    for (size_t i = 0; i + 1 < n; ++i) m[i] = byte_pairs_[bytes[i] << 8 | bytes[i + 1]];
  else
    for (size_t i = 0; i + 1 < n; ++i) m[i] = pair(syms[i].id, syms[i + 1].id);
  // Each merge probes the pair table for the two pairs it creates, and the next merge depends
  // on the answers, so the probes of a piece would each wait for their own cache miss in turn
  // (new pieces mostly arrive with the table out of cache). Requesting up front, and after
  // each merge, the lines of the pairs that every possible next merge would create overlaps
  // those misses instead; most of the guesses are the probes that follow.
  auto prefetch_around = [&](size_t i) {
    if (m[i].rank == PairTable::kNoRank) return;
    if (i > 0) prefetch_pair(syms[i - 1].id, m[i].id);
    if (i + 2 < n) prefetch_pair(m[i].id, syms[i + 2].id);
  };
  for (size_t i = 0; i + 1 < n; ++i) prefetch_around(i);
  while (n > 1) {
    // (rank, position) packed in one word: the minimum is the lowest rank, leftmost on ties,
    // found without a branch per pair (which branch a pair takes is data, not a pattern).
    uint64_t low = ~0ull;
    for (size_t i = 0; i + 1 < n; ++i) low = std::min(low, (uint64_t(m[i].rank) << 8) | i);
    const size_t best = low & 0xFF;
    const uint32_t best_rank = static_cast<uint32_t>(low >> 8);
    if (best_rank == PairTable::kNoRank) break;
    syms[best].id = m[best].id;
    for (size_t i = best + 1; i + 1 < n; ++i) syms[i] = syms[i + 1];
    for (size_t i = best + 1; i + 2 < n; ++i) m[i] = m[i + 1];
    --n;
    if (best + 1 < n) m[best] = pair(syms[best].id, syms[best + 1].id);
    if (best > 0) m[best - 1] = pair(syms[best - 1].id, syms[best].id);
    if (best + 1 < n) prefetch_around(best);
    if (best > 0) prefetch_around(best - 1);
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
    auto m = pair(syms[i].id, syms[i + 1].id);
    if (m.rank != PairTable::kNoRank) heap.push({m.rank, static_cast<uint32_t>(i)});
  }
  while (!heap.empty()) {
    auto [rank, pos] = heap.top();
    heap.pop();
    if (!alive[pos] || next[pos] < 0) continue;
    int32_t r = next[pos];
    auto m = pair(syms[pos].id, syms[r].id);
    if (m.rank != rank) continue;
    syms[pos].id = m.id;
    alive[r] = 0;
    next[pos] = next[r];
    if (next[r] >= 0) prev[next[r]] = static_cast<int32_t>(pos);
    if (prev[pos] >= 0) {
      auto ml = pair(syms[prev[pos]].id, syms[pos].id);
      if (ml.rank != PairTable::kNoRank) heap.push({ml.rank, static_cast<uint32_t>(prev[pos])});
    }
    if (next[pos] >= 0) {
      auto mr = pair(syms[pos].id, syms[next[pos]].id);
      if (mr.rank != PairTable::kNoRank) heap.push({mr.rank, pos});
    }
  }
  size_t w = 0;
  for (int32_t i = 0; i >= 0; i = next[i]) syms[w++] = syms[i];
  syms.resize(w);
}

template <class Emit>
void Model::encode_impl(const uint8_t* p, size_t n, Emit&& emit, bool whole) const {
  if (n == 0) return;
  if (whole) {
    uint32_t id = table_.find(p, n);
    if (id != kNone && self_reachable_[id]) {
      emit(id, 0u);
      return;
    }
  }
  thread_local std::vector<Sym> syms;
  initial_symbols(p, n, syms);
  merge(syms, initial_ == Initial::Bytes && syms.size() == n ? p : nullptr);
  for (const Sym& s : syms) emit(s.id, s.start);
}

PieceCache* Model::thread_cache() const {
  // A few caches per thread, one per recently used model, so that alternating between
  // tokenizers does not wipe the memo on every call.
  constexpr size_t kSlots = 4;
  thread_local std::unique_ptr<PieceCache> caches[kSlots];
  thread_local size_t next_victim = 0;
  thread_local uint64_t deaths_seen = 0;
  if (const uint64_t deaths = model_deaths.load(); deaths != deaths_seen) {
    std::lock_guard<std::mutex> guard(live_lock);
    for (auto& c : caches)
      if (c && !live_models->count(c->model_id)) c.reset();
    deaths_seen = deaths;
  }
  for (auto& c : caches)
    if (c && c->model_id == id_) return c.get();
  auto& c = caches[next_victim];
  next_victim = (next_victim + 1) % kSlots;
  if (!c) c = std::make_unique<PieceCache>();
  if (memo_image_)
    c->assign(memo_image_.get());
  else
    c->reset(PieceCache::kMinSlots);
  c->model_id = id_;
  return c.get();
}

void PieceCache::assign(const PieceCache* from) {
  reset(from->mask + 1);
  std::memcpy(static_cast<void*>(slots), from->slots, (mask + 1) * sizeof(Entry));
  used = from->used;
  pool = from->pool;
  keys = from->keys;
  image = from;
}

namespace {
constexpr size_t kHugePage = size_t(2) << 20;
}  // namespace

void PieceCache::reset(size_t n) {
  image = nullptr;
  std::free(slots);
  // 64-byte alignment keeps every pair of entries in one cache line; a table of megabytes is
  // aligned to and advised for huge pages (see advise_huge_pages).
  const size_t bytes = n * sizeof(Entry);
  const bool huge = bytes >= kHugePage;
  slots = static_cast<Entry*>(std::aligned_alloc(huge ? kHugePage : 64, bytes));
  if (!slots) throw std::bad_alloc();
  if (huge) advise_huge_pages(slots, bytes);
  std::memset(static_cast<void*>(slots), 0, n * sizeof(Entry));
  mask = n - 1;
  used = 0;
  pool.clear();
  keys.clear();
}

// Where a new entry goes: grows the table (or empties it, at the size limit) first when the
// insert would pass 1/2 load, the point below which linear probing stays short.
PieceCache::Entry& PieceCache::slot_for_insert(uint64_t k0, uint64_t k1, size_t len) {
  if ((used + 1) * 2 > mask + 1) {
    size_t n = mask + 1;
    // With an image the cap leaves room for as many new pieces as a table without one.
    const size_t cap = image ? std::max(kMaxSlots, (image->mask + 1) * 4) : kMaxSlots;
    if (n >= cap || pool.size() > n * 4 || keys.size() > n * 16) {
      if (image)
        assign(image);
      else
        reset(kMinSlots);
    } else {
      Entry* old = slots;
      std::vector<uint32_t> kept_pool;
      std::string kept_keys;
      kept_pool.swap(pool);
      kept_keys.swap(keys);
      slots = nullptr;
      const PieceCache* kept_image = image;
      reset(n * 2);
      image = kept_image;
      pool.swap(kept_pool);
      keys.swap(kept_keys);
      for (size_t i = 0; i < n; ++i)
        if (old[i].len) {
          const Entry& e = old[i];
          size_t j = hash(e.k0, e.len > kShortLen ? 0 : e.k1, e.len) & mask;
          while (slots[j].len) j = (j + 1) & mask;
          slots[j] = e;
          ++used;
        }
      std::free(old);
    }
  }
  size_t j = hash(k0, k1, len) & mask;
  while (slots[j].len) j = (j + 1) & mask;
  ++used;
  return slots[j];
}

void PieceCache::store_ids(Entry& e, const uint32_t* ids, size_t count) {
  e.count = static_cast<uint8_t>(count);
  if (count <= kInlineIds) {
    for (size_t i = 0; i < count; ++i) e.ids[i] = ids[i];
  } else {
    e.ids[0] = static_cast<uint32_t>(pool.size());
    pool.insert(pool.end(), ids, ids + count);
  }
}

void PieceCache::insert_long(uint64_t h, const uint8_t* p, size_t len, const uint32_t* ids,
                             size_t count) {
  if (count > 255) return;
  Entry& e = slot_for_insert(h, 0, len);
  e.k0 = h;
  e.k1 = keys.size();
  keys.append(reinterpret_cast<const char*>(p), len);
  e.len = static_cast<uint8_t>(len);
  store_ids(e, ids, count);
}

void PieceCache::insert(uint64_t k0, uint64_t k1, size_t len, const uint32_t* ids, size_t count) {
  size_t j = &slot_for_insert(k0, k1, len) - slots;
  while (slots[j].len) j = (j + 1) & mask;
  Entry& e = slots[j];
  e.k0 = k0;
  e.k1 = k1;
  e.len = static_cast<uint8_t>(len);
  store_ids(e, ids, count);
}

namespace {

// Masks keeping the first n bytes (n = 0..16) of a 16-byte little-endian load.
struct KeyMasks {
  uint64_t lo[17], hi[17];
  constexpr KeyMasks() : lo(), hi() {
    for (int n = 0; n <= 16; ++n) {
      int a = n < 8 ? n : 8, b = n < 8 ? 0 : n - 8;
      lo[n] = a == 8 ? ~0ull : (1ull << (8 * a)) - 1;
      hi[n] = b == 8 ? ~0ull : (1ull << (8 * b)) - 1;
    }
  }
};
constexpr KeyMasks kKeyMasks;

inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// The piece text[at, at+n) (n <= 16) as a zero-padded 16-byte key, for a text of which the
// first `limit` bytes may be read. Two plain loads and a mask instead of a variable-length
// copy: no call, and no store-to-load forwarding stall on the key.
inline void piece_key(const uint8_t* text, size_t limit, size_t at, size_t n, uint64_t* k0,
                      uint64_t* k1) {
  if (at + 16 <= limit) {
    *k0 = load64(text + at) & kKeyMasks.lo[n];
    *k1 = load64(text + at + 8) & kKeyMasks.hi[n];
  } else {
    uint64_t k[2] = {0, 0};
    std::memcpy(k, text + at, n);
    *k0 = k[0];
    *k1 = k[1];
  }
}

}  // namespace

// Out of line on purpose: inlined into encode_pieces at each of its call sites, the merge loop
// took the registers of the memo-hit loop around it, which then kept its pointers on the stack.
__attribute__((noinline)) size_t Model::encode_into(const uint8_t* p, size_t n, uint32_t* out,
                                                    bool whole) const {
  size_t k = 0;
  encode_impl(p, n, [out, &k](uint32_t id, uint32_t) { out[k++] = id; }, whole);
  return k;
}

void Model::encode_piece(const uint8_t* p, size_t n, std::vector<uint32_t>& out) const {
  encode_impl(p, n, [&](uint32_t id, uint32_t) { out.push_back(id); });
}

void Model::encode_pieces(const uint8_t* text, uint32_t start, const uint32_t* ends, size_t count,
                          std::vector<uint32_t>& out, PieceCache* cache) const {
  if (count == 0) return;
  if (!cache) {
    for (size_t i = 0; i < count; ++i) {
      encode_impl(text + start, ends[i] - start, [&](uint32_t id, uint32_t) { out.push_back(id); });
      start = ends[i];
    }
    return;
  }
  // Ids are written through a raw cursor into `out`, grown ahead of need (a piece never has
  // more ids than bytes), so the loop carries no per-id capacity check. The cursor, the end of
  // the room and the memo's table live in locals: read through `out` and `cache` they would be
  // reloaded after every store of an id. They change only when a new piece is entered.
  uint32_t* w = out.data() + out.size();
  uint32_t* w_end = w;
  const PieceCache::Entry* slots = cache->slots;
  size_t mask = cache->mask;
  const size_t limit = ends[count - 1];  // bytes of text that may be read
  auto reserve = [&](size_t need) {
    if (static_cast<size_t>(w_end - w) < need) {
      const size_t pos = static_cast<size_t>(w - out.data());
      out.resize(std::max(out.size() * 2, pos + need + 256));
      w = out.data() + pos;
      w_end = out.data() + out.size();
    }
  };
  // Distance, in pieces, of the cache prefetch: the memo outgrows L2 on large corpora, and
  // the pieces are all known up front, so the probe's line is requested while earlier pieces
  // are still being encoded. The distance is set for main memory, not L3: when other work
  // has run in between (another tokenizer, the caller's own code), the memo's lines come from
  // DRAM at ~150 ns, and a hit costs ~8 ns, so 8 pieces ahead hid only half a miss (24 ahead:
  // +10-20% on documents seen for the first time). A long piece is hashed here and again when
  // its turn comes: hashing a few dozen bytes costs less than the miss it hides.
  // The hash of each piece is kept in a ring from its prefetch to its turn.
  constexpr size_t kAhead = 24, kRing = 32;
  uint64_t ring[kRing];
  auto hash_at = [&](size_t at, size_t m) -> uint64_t {
    if (m <= PieceCache::kShortLen) {
      uint64_t k0, k1;
      piece_key(text, limit, at, m, &k0, &k1);
      return PieceCache::hash(k0, k1, m);
    }
    return m <= PieceCache::kMaxLen ? PieceCache::hash(hash_bytes(text + at, m), 0, m) : 0;
  };
  for (size_t j = 0; j < std::min(count, kAhead); ++j) {
    const size_t a = j ? ends[j - 1] : start;
    ring[j % kRing] = hash_at(a, ends[j] - a);
  }
  auto emit = [&](const PieceCache::Entry* e) {
    if (e->count <= PieceCache::kInlineIds) {
      // The three id slots and the word after them (the entry's last), in one 16-byte copy:
      // the fourth id written is garbage that the next piece overwrites (room is reserved).
      std::memcpy(w, reinterpret_cast<const unsigned char*>(e) + offsetof(PieceCache::Entry, ids),
                  4 * sizeof(uint32_t));
    } else {
      std::memcpy(w, cache->pool.data() + e->ids[0], e->count * sizeof(uint32_t));
    }
    w += e->count;
  };
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* p = text + start;
    const size_t n = ends[i] - start;
    reserve(n + PieceCache::kInlineIds + 1);  // a cache hit stores four id slots
    if (i + kAhead < count) {
      const size_t a = ends[i + kAhead - 1];
      const uint64_t h = hash_at(a, ends[i + kAhead] - a);
      ring[(i + kAhead) % kRing] = h;
      __builtin_prefetch(slots + (h & mask));
    }
    // A piece the memo misses is merged and entered, by `remember(ids, count)`.
    auto encode_new = [&](auto&& remember) {
      const size_t k = encode_into(p, n, w, !cache->image);
      remember(w, k);
      w += k;
      slots = cache->slots;  // entering may have grown or emptied the table
      mask = cache->mask;
    };
    if (n <= PieceCache::kShortLen) {
      uint64_t k0, k1;
      piece_key(text, limit, start, n, &k0, &k1);
      if (const PieceCache::Entry* e = PieceCache::find_in(slots, mask, ring[i % kRing], k0, k1, n))
        emit(e);
      else
        encode_new([&](const uint32_t* ids, size_t count) { cache->insert(k0, k1, n, ids, count); });
    } else if (n <= PieceCache::kMaxLen) {
      const uint64_t h = hash_bytes(p, n);
      if (const PieceCache::Entry* e = cache->find_long_hashed(ring[i % kRing], h, p, n))
        emit(e);
      else
        encode_new([&](const uint32_t* ids, size_t count) { cache->insert_long(h, p, n, ids, count); });
    } else {
      w += encode_into(p, n, w, true);
    }
    start = ends[i];
  }
  out.resize(static_cast<size_t>(w - out.data()));
}

void Model::encode_piece_offsets(const uint8_t* p, size_t n, std::vector<Token>& out) const {
  encode_impl(p, n, [&](uint32_t id, uint32_t start) { out.push_back({id, start}); });
}

}  // namespace ts::bpe
