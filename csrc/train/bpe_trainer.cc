// The BPE merge loop (see bpe_trainer.h for the contract and the two bookkeeping modes).
#include "train/bpe_trainer.h"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include "bpe/hash.h"
#include "unicode/utf8.h"

namespace ts::train {
namespace {

inline uint64_t key_of(uint32_t a, uint32_t b) { return (static_cast<uint64_t>(a) << 32) | b; }
inline uint32_t left_of(uint64_t k) { return static_cast<uint32_t>(k >> 32); }
inline uint32_t right_of(uint64_t k) { return static_cast<uint32_t>(k); }

// Pair key -> dense pair index. Open addressing; the all-ones key never names a real pair.
class PairIndex {
 public:
  static constexpr uint64_t kEmpty = ~0ull;
  PairIndex() { slots_.assign(1 << 16, Slot{kEmpty, 0}); }

  // Index of key, or -1.
  int64_t find(uint64_t key) const {
    size_t mask = slots_.size() - 1;
    for (size_t i = bpe::mix64(key) & mask;; i = (i + 1) & mask) {
      if (slots_[i].key == key) return slots_[i].index;
      if (slots_[i].key == kEmpty) return -1;
    }
  }
  // Index of key, adding it as `next` if absent; *added tells which.
  uint32_t insert(uint64_t key, uint32_t next, bool* added) {
    // Up to 3/4 full: linear probing on mixed 64-bit keys stays short, and the table is the
    // largest per-pair cost of a long training.
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    size_t mask = slots_.size() - 1;
    for (size_t i = bpe::mix64(key) & mask;; i = (i + 1) & mask) {
      if (slots_[i].key == key) { *added = false; return slots_[i].index; }
      if (slots_[i].key == kEmpty) {
        slots_[i] = Slot{key, next};
        ++size_;
        *added = true;
        return next;
      }
    }
  }

 private:
  struct Slot {
    uint64_t key;
    uint32_t index;
  };
  void grow() {
    std::vector<Slot> old(slots_.size() * 2, Slot{kEmpty, 0});
    old.swap(slots_);
    size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.key == kEmpty) continue;
      size_t i = bpe::mix64(s.key) & mask;
      while (slots_[i].key != kEmpty) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

struct HeapItem {
  uint64_t count;
  uint64_t key;
  uint32_t slot;  // hf_compat: the word list this entry carries
  // Max-heap order: higher count first, then the smaller (left, right) pair.
  bool operator<(const HeapItem& o) const { return count != o.count ? count < o.count : key > o.key; }
};

using Heap = std::vector<HeapItem>;
inline void heap_push(Heap& h, HeapItem it) { h.push_back(it); std::push_heap(h.begin(), h.end()); }
inline void heap_pop(Heap& h) { std::pop_heap(h.begin(), h.end()); h.pop_back(); }

struct WordSet {
  std::vector<uint32_t> syms;
  std::vector<uint64_t> start;
  std::vector<uint32_t> len;
  std::vector<uint64_t> count;
  std::vector<uint16_t> lang;
  size_t size() const { return len.size(); }
};

// Per pair: its count and, in exact mode, the training words that (may) hold it. Dev-word
// lists and per-language counts live in side tables that exist only when used, so a plain
// training pays 32 bytes per pair.
struct PairData {
  int64_t count = 0;
  std::vector<uint32_t> where;
};
using LangCounts = std::vector<std::pair<uint32_t, int64_t>>;

struct Change {
  uint64_t key;
  uint32_t word;
  int32_t sign;
  bool operator<(const Change& o) const { return key != o.key ? key < o.key : word < o.word; }
};

}  // namespace

struct Trainer::State {
  TrainSpec spec;
  std::unique_ptr<Objective> objective;
  WordSet words, dev;
  PairIndex index;
  std::vector<uint64_t> keys;
  std::vector<PairData> pairs;
  std::vector<std::vector<uint32_t>> dev_where;  // by pair; empty without dev sets
  std::vector<LangCounts> lang_counts;           // by pair; empty without per_language
  Heap global;
  std::vector<Heap> lang_heaps;
  std::vector<std::vector<uint32_t>> slots;  // hf_compat word lists, by heap entry
  std::vector<uint32_t> free_slots;
  std::vector<std::string> vocab;
  std::vector<uint32_t> tok_len;
  std::unordered_map<std::string, uint32_t> ids;
  std::vector<Merge> merges;
  LoopView view;
  std::string stop;
  std::vector<uint32_t> visited, dev_visited;
  uint32_t stamp = 0;
  std::vector<Change> changes;             // hf_compat: one step's pair changes
  std::vector<uint32_t> pair_stamp;        // by pair: the step that last pushed it (exact mode)
  std::vector<uint32_t> grown_pairs;
  std::vector<std::pair<uint32_t, uint32_t>> grown_langs;
  bool track_dev = false;

  uint32_t pair_index(uint64_t key) {
    bool added;
    uint32_t i = index.insert(key, static_cast<uint32_t>(pairs.size()), &added);
    if (added) {
      pairs.emplace_back();
      keys.push_back(key);
      pair_stamp.push_back(0);
      if (track_dev) dev_where.emplace_back();
      if (spec.per_language) lang_counts.emplace_back();
    }
    return i;
  }

  int64_t lang_count(uint32_t pidx, uint32_t lang) const {
    for (const auto& [l, c] : lang_counts[pidx])
      if (l == lang) return c;
    return 0;
  }
  void add_lang(uint32_t pidx, uint32_t lang, int64_t delta) {
    for (auto& [l, c] : lang_counts[pidx])
      if (l == lang) { c += delta; return; }
    lang_counts[pidx].emplace_back(lang, delta);
  }
  void add_dev_word(uint32_t pidx, uint32_t w) {
    auto& list = dev_where[pidx];
    if (list.empty() || list.back() != w) list.push_back(w);
  }

  uint32_t new_slot(std::vector<uint32_t>&& ws) {
    if (!free_slots.empty()) {
      uint32_t s = free_slots.back();
      free_slots.pop_back();
      slots[s] = std::move(ws);
      return s;
    }
    slots.push_back(std::move(ws));
    return static_cast<uint32_t>(slots.size() - 1);
  }

  // Cuts each counted piece into symbols; an unknown symbol separates words (it never merges).
  void build_words(const std::vector<const Counts*>& src, WordSet& out, std::vector<int64_t>& lens) {
    int64_t byte_id[256];
    std::fill(std::begin(byte_id), std::end(byte_id), -1);
    std::unordered_map<uint32_t, uint32_t> char_id;  // code point -> id
    for (size_t i = 0; i < spec.vocab.size(); ++i) {
      if (!spec.symbol[i]) continue;
      const std::string& v = spec.vocab[i];
      if (spec.chars) {
        size_t len;
        uint32_t cp = utf8::decode(reinterpret_cast<const uint8_t*>(v.data()), v.size(), 0, &len);
        if (len == v.size()) char_id.emplace(cp, static_cast<uint32_t>(i));
      } else if (v.size() == 1) {
        byte_id[static_cast<uint8_t>(v[0])] = i;
      }
    }
    lens.assign(src.size(), 0);
    std::vector<uint32_t> cur;
    for (size_t l = 0; l < src.size(); ++l) {
      const Counts& c = *src[l];
      for (size_t i = 0; i < c.size(); ++i) {
        std::string_view p = c.piece(i);
        uint64_t n = c.counts[i];
        auto flush = [&] {
          lens[l] += static_cast<int64_t>(cur.size() * n);
          if (cur.size() >= 2) {
            out.start.push_back(out.syms.size());
            out.syms.insert(out.syms.end(), cur.begin(), cur.end());
            out.len.push_back(static_cast<uint32_t>(cur.size()));
            out.count.push_back(n);
            out.lang.push_back(static_cast<uint16_t>(l));
          }
          cur.clear();
        };
        size_t k = 0;
        while (k < p.size()) {
          int64_t id = -1;
          size_t step = 1;
          if (spec.chars) {
            uint32_t cp = utf8::decode(reinterpret_cast<const uint8_t*>(p.data()), p.size(), k, &step);
            auto it = char_id.find(cp);
            if (it != char_id.end()) id = it->second;
          } else {
            id = byte_id[static_cast<uint8_t>(p[k])];
          }
          if (id < 0) {
            // The unknown symbol itself still costs one token (a byte-fallback or UNK id).
            lens[l] += static_cast<int64_t>(n);
            flush();
          } else {
            cur.push_back(static_cast<uint32_t>(id));
          }
          k += step;
        }
        flush();
      }
    }
  }

  // Rewrites (a,b) -> c in one word, HF's way: leftmost first, non-overlapping; the left
  // neighbour is the already-rewritten symbol, the right one the original. Returns the number
  // of occurrences.
  template <class OnChange>
  uint32_t merge_word(WordSet& ws, uint32_t w, uint32_t a, uint32_t b, uint32_t c, OnChange&& change) {
    uint32_t* s = ws.syms.data() + ws.start[w];
    uint32_t n = ws.len[w], o = 0, hits = 0;
    for (uint32_t i = 0; i < n;) {
      if (i + 1 < n && s[i] == a && s[i + 1] == b) {
        if (o > 0) {
          change(s[o - 1], a, -1);
          change(s[o - 1], c, +1);
        }
        if (i + 2 < n) {
          change(b, s[i + 2], -1);
          change(c, s[i + 2], +1);
        }
        s[o++] = c;
        i += 2;
        ++hits;
      } else {
        s[o++] = s[i++];
      }
    }
    ws.len[w] = o;
    return hits;
  }

  // HF's max_token_length rule for a new neighbour pair: strictly shorter than the limit.
  bool hf_len_ok(uint32_t x, uint32_t y) const {
    return spec.max_token_length == 0 || tok_len[x] + tok_len[y] < spec.max_token_length;
  }

  void init(const std::vector<const Counts*>& train, const std::vector<const Counts*>& devs) {
    vocab = spec.vocab;
    for (const auto& t : vocab) tok_len.push_back(spec.chars ? 1 : static_cast<uint32_t>(t.size()));
    for (size_t i = 0; i < vocab.size(); ++i) {
      ids.emplace(vocab[i], static_cast<uint32_t>(i));
      if (spec.chars && spec.symbol[i]) tok_len[i] = 1;
    }
    view.languages = train.size();
    build_words(train, words, view.train_len);
    view.init_train_len = view.train_len;
    if (!devs.empty()) {
      if (devs.size() != train.size()) throw std::invalid_argument("one dev set per language is needed");
      build_words(devs, dev, view.dev_len);
      view.init_dev_len = view.dev_len;
      track_dev = true;
    }
    view.exhausted.assign(train.size(), 0);
    visited.assign(words.size(), 0);
    dev_visited.assign(dev.size(), 0);
    if (spec.per_language) lang_heaps.resize(train.size());

    for (uint32_t w = 0; w < words.size(); ++w) {
      const uint32_t* s = words.syms.data() + words.start[w];
      for (uint32_t i = 0; i + 1 < words.len[w]; ++i) {
        uint32_t pidx = pair_index(key_of(s[i], s[i + 1]));
        PairData& p = pairs[pidx];
        p.count += static_cast<int64_t>(words.count[w]);
        if (p.where.empty() || p.where.back() != w) p.where.push_back(w);
        if (spec.per_language) add_lang(pidx, words.lang[w], static_cast<int64_t>(words.count[w]));
      }
    }
    for (uint32_t w = 0; w < dev.size(); ++w) {
      const uint32_t* s = dev.syms.data() + dev.start[w];
      for (uint32_t i = 0; i + 1 < dev.len[w]; ++i) add_dev_word(pair_index(key_of(s[i], s[i + 1])), w);
    }
    global.reserve(pairs.size());
    for (uint32_t i = 0; i < pairs.size(); ++i) {
      PairData& p = pairs[i];
      if (p.count <= 0) continue;
      uint32_t slot = 0;
      if (spec.hf_compat) slot = new_slot(std::move(p.where));
      global.push_back(HeapItem{static_cast<uint64_t>(p.count), keys[i], slot});
      if (spec.hf_compat) p.where = {};
      if (spec.per_language)
        for (const auto& [l, c] : lang_counts[i])
          if (c > 0) lang_heaps[l].push_back(HeapItem{static_cast<uint64_t>(c), keys[i], 0});
    }
    std::make_heap(global.begin(), global.end());
    for (auto& h : lang_heaps) std::make_heap(h.begin(), h.end());
  }

  int64_t current(uint64_t key, int col) const {
    int64_t i = index.find(key);
    if (i < 0) return 0;
    return col < 0 ? pairs[i].count : lang_count(static_cast<uint32_t>(i), static_cast<uint32_t>(col));
  }

  // The valid best entry of a column, removed from its heap; false if none reaches
  // min_frequency (the entry stays).
  bool pop_best(int col, HeapItem* best) {
    Heap& h = col < 0 ? global : lang_heaps[col];
    while (!h.empty()) {
      HeapItem top = h.front();
      int64_t cur = current(top.key, col);
      if (static_cast<int64_t>(top.count) != cur) {
        heap_pop(h);
        if (cur > 0) heap_push(h, HeapItem{static_cast<uint64_t>(cur), top.key, top.slot});
        else if (spec.hf_compat) free_slots.push_back(top.slot);
        continue;
      }
      if (!spec.hf_compat && spec.max_token_length &&
          tok_len[left_of(top.key)] + tok_len[right_of(top.key)] > spec.max_token_length) {
        heap_pop(h);  // can never become a token
        continue;
      }
      if (top.count < 1 || top.count < spec.min_frequency) return false;
      heap_pop(h);
      *best = top;
      return true;
    }
    return false;
  }

  void merge(const HeapItem& best, int col) {
    uint32_t a = left_of(best.key), b = right_of(best.key);
    std::string tok = vocab[a] + vocab[b];
    uint32_t id;
    auto it = ids.find(tok);
    if (it != ids.end()) {
      id = it->second;  // the same bytes reached by another pair: HF reuses the id
    } else {
      id = static_cast<uint32_t>(vocab.size());
      ids.emplace(tok, id);
      vocab.push_back(std::move(tok));
      tok_len.push_back(tok_len[a] + tok_len[b]);
    }
    merges.push_back(Merge{a, b, id, best.count, col});
    uint32_t pidx = static_cast<uint32_t>(index.find(best.key));

    std::vector<uint32_t> list;
    if (spec.hf_compat) {
      list = std::move(slots[best.slot]);
      slots[best.slot] = {};
      free_slots.push_back(best.slot);
    } else {
      list = std::move(pairs[pidx].where);
      pairs[pidx].where = {};
    }
    ++stamp;
    if (spec.hf_compat) {
      changes.clear();
      for (uint32_t w : list) {
        if (visited[w] == stamp) continue;
        visited[w] = stamp;
        uint32_t hits = merge_word(words, w, a, b, id, [&](uint32_t x, uint32_t y, int sign) {
          if (sign > 0 && !hf_len_ok(x, y)) return;
          changes.push_back(Change{key_of(x, y), w, sign});
        });
        view.train_len[words.lang[w]] -= static_cast<int64_t>(hits * words.count[w]);
      }
      apply_changes();
    } else {
      apply_in_place(list, a, b, id);
    }
    if (!spec.hf_compat) {
      // Exact mode: every occurrence is gone (HF leaves the merged pair's count as it was).
      // Zeroed after the changes, which may include overlaps such as (a,a) in "a a a".
      pairs[pidx].count = 0;
      if (spec.per_language)
        for (auto& lc : lang_counts[pidx]) lc.second = 0;
    }
    merge_dev(pidx, a, b, id);
  }

  // Exact mode: counts change as each word is rewritten (the updates commute), every pair
  // that gained occurrences is pushed once with its final count -- no sorting of changes.
  void apply_in_place(const std::vector<uint32_t>& list, uint32_t a, uint32_t b, uint32_t id) {
    grown_pairs.clear();
    grown_langs.clear();
    for (uint32_t w : list) {
      if (visited[w] == stamp) continue;
      visited[w] = stamp;
      int64_t n = static_cast<int64_t>(words.count[w]);
      uint32_t lang = words.lang[w];
      uint32_t hits = merge_word(words, w, a, b, id, [&](uint32_t x, uint32_t y, int sign) {
        uint32_t q = pair_index(key_of(x, y));
        pairs[q].count += sign * n;
        if (spec.per_language) add_lang(q, lang, sign * n);
        if (sign < 0) {
          // A pair with no occurrence left needs no word list (it may start a new one later).
          if (pairs[q].count <= 0) std::vector<uint32_t>().swap(pairs[q].where);
          return;
        }
        std::vector<uint32_t>& where = pairs[q].where;
        if (where.empty() || where.back() != w) where.push_back(w);
        if (pair_stamp[q] != stamp) {
          pair_stamp[q] = stamp;
          grown_pairs.push_back(q);
        }
        if (spec.per_language) grown_langs.emplace_back(q, lang);
      });
      view.train_len[lang] -= static_cast<int64_t>(hits) * n;
    }
    for (uint32_t q : grown_pairs)
      if (pairs[q].count > 0) heap_push(global, HeapItem{static_cast<uint64_t>(pairs[q].count), keys[q], 0});
    std::sort(grown_langs.begin(), grown_langs.end());
    grown_langs.erase(std::unique(grown_langs.begin(), grown_langs.end()), grown_langs.end());
    for (const auto& [q, l] : grown_langs) {
      int64_t c = lang_count(q, l);
      if (c > 0) heap_push(lang_heaps[l], HeapItem{static_cast<uint64_t>(c), keys[q], 0});
    }
  }

  // hf_compat: aggregate one step's changes per pair, HF's way -- every pair that gained
  // occurrences gets a new heap entry carrying exactly the words where it gained them.
  // (hf_compat keeps global counts only, so there is no per-language bookkeeping here.)
  void apply_changes() {
    std::sort(changes.begin(), changes.end());
    std::vector<uint32_t> grown;
    for (size_t i = 0; i < changes.size();) {
      uint64_t key = changes[i].key;
      int64_t delta = 0;
      grown.clear();
      size_t j = i;
      for (; j < changes.size() && changes[j].key == key; ++j) {
        const Change& ch = changes[j];
        delta += ch.sign * static_cast<int64_t>(words.count[ch.word]);
        if (ch.sign > 0 && (grown.empty() || grown.back() != ch.word)) grown.push_back(ch.word);
      }
      i = j;
      PairData& p = pairs[pair_index(key)];
      p.count += delta;
      if (!grown.empty() && p.count > 0)
        heap_push(global, HeapItem{static_cast<uint64_t>(p.count), key, new_slot(std::vector<uint32_t>(grown))});
    }
  }

  void merge_dev(uint32_t pidx, uint32_t a, uint32_t b, uint32_t id) {
    if (dev.size() == 0) return;
    std::vector<uint32_t> list = std::move(dev_where[pidx]);
    dev_where[pidx] = {};
    ++stamp;
    for (uint32_t w : list) {
      if (dev_visited[w] == stamp) continue;
      dev_visited[w] = stamp;
      uint32_t hits = merge_word(dev, w, a, b, id, [&](uint32_t x, uint32_t y, int sign) {
        if (sign > 0) add_dev_word(pair_index(key_of(x, y)), w);
      });
      view.dev_len[dev.lang[w]] -= static_cast<int64_t>(hits * dev.count[w]);
    }
  }
};

Trainer::Trainer(TrainSpec spec, const std::vector<const Counts*>& train, const std::vector<const Counts*>& dev,
                 std::unique_ptr<Objective> objective)
    : s_(std::make_unique<State>()) {
  if (spec.symbol.size() != spec.vocab.size()) throw std::invalid_argument("symbol flags must match the vocabulary");
  if (train.empty()) throw std::invalid_argument("no training data");
  if (train.size() > 65535) throw std::invalid_argument("at most 65535 languages");
  if (spec.hf_compat && spec.per_language)
    throw std::invalid_argument("HF-compatible bookkeeping keeps global counts only");
  s_->spec = std::move(spec);
  s_->objective = std::move(objective);
  s_->init(train, dev);
}

Trainer::~Trainer() = default;

bool Trainer::step(size_t n) {
  State& s = *s_;
  if (!s.stop.empty()) return false;
  for (size_t k = 0; k < n; ++k) {
    if (s.vocab.size() >= s.spec.vocab_size) {
      s.stop = "vocab_size reached";
      return false;
    }
    std::fill(s.view.exhausted.begin(), s.view.exhausted.end(), 0);
    s.view.step = s.merges.size();
    HeapItem best{};
    int col;
    for (;;) {
      col = s.objective->column(s.view);
      if (col >= 0 && (static_cast<size_t>(col) >= s.view.languages || !s.spec.per_language))
        throw std::logic_error("objective chose a column the trainer does not keep");
      if (col >= 0 && s.view.exhausted[col]) col = -1;
      if (s.pop_best(col, &best)) break;
      if (col < 0) {
        s.stop = s.global.empty() ? "no pair left to merge" : "no pair occurs min_frequency times";
        return false;
      }
      s.view.exhausted[col] = 1;
    }
    s.merge(best, col);
    s.objective->chosen(col);
  }
  return true;
}

const std::vector<Merge>& Trainer::merges() const { return s_->merges; }
size_t Trainer::merge_count() const { return s_->merges.size(); }
const std::vector<std::string>& Trainer::vocab() const { return s_->vocab; }
const LoopView& Trainer::view() const { return s_->view; }
std::string Trainer::stop_reason() const { return s_->stop; }
size_t Trainer::words() const { return s_->words.size(); }
std::vector<size_t> Trainer::sizes() const {
  size_t listed = 0, capacity = 0;
  for (const auto& p : s_->pairs) {
    listed += p.where.size();
    capacity += p.where.capacity();
  }
  return {s_->pairs.size(), s_->global.size(), listed, capacity};
}

}  // namespace ts::train
