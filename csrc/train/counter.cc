// Piece counting with bounded memory (see counter.h for the contract).
//
// PieceTable is an open-addressing table whose keys live in an arena of 1 MiB blocks: growing
// the table moves 32-byte slots, never the key bytes, and a piece costs one hash and usually
// one probe. Spilled runs are plain binary files of (u32 length, bytes, u64 count) records in
// byte order.
#include "train/counter.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <exception>
#include <queue>
#include <stdexcept>
#include <thread>
#include <unistd.h>

#include "bpe/hash.h"

namespace ts::train {

class PieceTable {
 public:
  PieceTable() { slots_.assign(1 << 12, Slot{}); }

  void add(std::string_view p, uint64_t c) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    uint64_t h = bpe::hash_bytes(reinterpret_cast<const uint8_t*>(p.data()), p.size());
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.key == nullptr) {
        s = Slot{h, store(p), static_cast<uint32_t>(p.size()), c};
        ++size_;
        return;
      }
      if (s.hash == h && s.len == p.size() && std::memcmp(s.key, p.data(), p.size()) == 0) {
        s.count += c;
        return;
      }
    }
  }

  size_t size() const { return size_; }
  size_t memory() const { return slots_.size() * sizeof(Slot) + arena_bytes_; }
  size_t slot_bytes() const { return slots_.size() * sizeof(Slot); }
  size_t key_bytes() const { return key_bytes_; }

  // Entries sorted by bytes; the table is emptied.
  std::vector<std::pair<std::string_view, uint64_t>> sorted() const {
    std::vector<std::pair<std::string_view, uint64_t>> out;
    out.reserve(size_);
    for (const Slot& s : slots_)
      if (s.key) out.emplace_back(std::string_view(s.key, s.len), s.count);
    std::sort(out.begin(), out.end());
    return out;
  }

  void clear() {
    slots_.assign(1 << 12, Slot{});
    blocks_.clear();
    used_ = 0;
    size_ = 0;
    arena_bytes_ = 0;
    key_bytes_ = 0;
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    const char* key = nullptr;
    uint32_t len = 0;
    uint64_t count = 0;
  };

  const char* store(std::string_view p) {
    static constexpr size_t kBlock = 1 << 20;
    if (blocks_.empty() || used_ + p.size() > blocks_.back().size()) {
      blocks_.emplace_back(std::max(kBlock, p.size()), '\0');
      arena_bytes_ += blocks_.back().size();
      used_ = 0;
    }
    char* dst = blocks_.back().data() + used_;
    std::memcpy(dst, p.data(), p.size());
    used_ += p.size();
    key_bytes_ += p.size();
    return dst;
  }

  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (!s.key) continue;
      size_t i = s.hash & mask;
      while (slots_[i].key) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_;
  std::vector<std::string> blocks_;
  size_t used_ = 0;
  size_t size_ = 0;
  size_t arena_bytes_ = 0;
  size_t key_bytes_ = 0;
};

namespace {

// Runs fn(t) for t in [0, threads) and rethrows the first exception.
template <class Fn>
void run_threads(size_t threads, Fn&& fn) {
  if (threads <= 1) {
    fn(0);
    return;
  }
  std::exception_ptr error;
  std::atomic<bool> failed{false};
  std::vector<std::thread> pool;
  auto body = [&](size_t t) {
    try {
      fn(t);
    } catch (...) {
      if (!failed.exchange(true)) error = std::current_exception();
    }
  };
  for (size_t t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(body, t);
    } catch (...) {
      break;  // the system refuses more threads: their shares run here (below), not lost
    }
  }
  body(0);
  for (size_t t = pool.size() + 1; t < threads; ++t) body(t);
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

class RunWriter {
 public:
  explicit RunWriter(const std::string& path) : f_(std::fopen(path.c_str(), "wb")) {
    if (!f_) throw std::runtime_error("cannot create spill file " + path + ": check max_memory / spill_dir");
  }
  ~RunWriter() { if (f_) std::fclose(f_); }
  void put(std::string_view p, uint64_t c) {
    uint32_t n = static_cast<uint32_t>(p.size());
    bool ok = std::fwrite(&n, 4, 1, f_) == 1 && (n == 0 || std::fwrite(p.data(), 1, n, f_) == n) &&
              std::fwrite(&c, 8, 1, f_) == 1;
    if (!ok) throw std::runtime_error("writing a spill file failed (disk full?)");
  }
  void close() {
    if (f_ && std::fclose(f_) != 0) { f_ = nullptr; throw std::runtime_error("closing a spill file failed"); }
    f_ = nullptr;
  }

 private:
  std::FILE* f_;
};

class RunReader {
 public:
  explicit RunReader(const std::string& path) : f_(std::fopen(path.c_str(), "rb")) {
    if (!f_) throw std::runtime_error("cannot reopen spill file " + path);
    next();
  }
  ~RunReader() { if (f_) std::fclose(f_); }
  bool done() const { return done_; }
  const std::string& piece() const { return piece_; }
  uint64_t count() const { return count_; }
  void next() {
    uint32_t n;
    if (std::fread(&n, 4, 1, f_) != 1) { done_ = true; return; }
    piece_.resize(n);
    if ((n && std::fread(piece_.data(), 1, n, f_) != n) || std::fread(&count_, 8, 1, f_) != 1)
      throw std::runtime_error("a spill file is truncated");
  }

 private:
  std::FILE* f_;
  std::string piece_;
  uint64_t count_ = 0;
  bool done_ = false;
};

// Streams the union of sorted runs, summing counts of equal pieces: fn(piece, count).
template <class Fn>
void merge_runs(const std::vector<std::string>& paths, Fn&& fn) {
  std::vector<std::unique_ptr<RunReader>> readers;
  for (const auto& p : paths) readers.push_back(std::make_unique<RunReader>(p));
  auto greater = [&](size_t a, size_t b) { return readers[a]->piece() > readers[b]->piece(); };
  std::priority_queue<size_t, std::vector<size_t>, decltype(greater)> heap(greater);
  for (size_t i = 0; i < readers.size(); ++i)
    if (!readers[i]->done()) heap.push(i);
  std::string cur;
  uint64_t total = 0;
  bool have = false;
  while (!heap.empty()) {
    size_t i = heap.top();
    heap.pop();
    if (have && readers[i]->piece() != cur) {
      fn(std::string_view(cur), total);
      have = false;
    }
    if (!have) { cur = readers[i]->piece(); total = 0; have = true; }
    total += readers[i]->count();
    readers[i]->next();
    if (!readers[i]->done()) heap.push(i);
  }
  if (have) fn(std::string_view(cur), total);
}

constexpr size_t kEntryCost = 16;  // Counts: one offset and one count per piece

}  // namespace

Counter::Counter(SplitOptions split, size_t threads, size_t max_memory, std::string spill_dir)
    : split_(split), threads_(std::max<size_t>(1, threads)), max_memory_(max_memory),
      spill_dir_(std::move(spill_dir)) {
  for (size_t t = 0; t < threads_; ++t) tables_.push_back(std::make_unique<PieceTable>());
}

Counter::~Counter() {
  for (const auto& r : runs_) std::remove(r.c_str());
}

size_t Counter::memory() const {
  size_t m = 0;
  for (const auto& t : tables_) m += t->memory();
  return m;
}

void Counter::add_documents(const std::vector<std::string_view>& docs) {
  size_t total = 0;
  for (auto d : docs) total += d.size();
  // Contiguous ranges of roughly equal bytes per thread.
  std::vector<size_t> bounds{0};
  size_t acc = 0, t = 1;
  for (size_t i = 0; i < docs.size(); ++i) {
    acc += docs[i].size();
    if (t < threads_ && acc * threads_ >= total * t) { bounds.push_back(i + 1); ++t; }
  }
  while (bounds.size() <= threads_) bounds.push_back(docs.size());
  run_threads(threads_, [&](size_t th) {
    PieceTable& table = *tables_[th];
    pretok::Ends ends;
    std::string scratch;
    for (size_t i = bounds[th]; i < bounds[th + 1]; ++i)
      split_document(split_, docs[i], ends, scratch, [&](std::string_view p) { table.add(p, 1); });
  });
  documents_ += docs.size();
  bytes_ += total;
  maybe_spill();
}

void Counter::add_pieces(const std::vector<std::string_view>& pieces, const std::vector<uint64_t>& counts) {
  PieceTable& table = *tables_[0];
  for (size_t i = 0; i < pieces.size(); ++i) table.add(pieces[i], counts.empty() ? 1 : counts[i]);
  maybe_spill();
}

void Counter::maybe_spill() {
  if (max_memory_ && projected_peak() > max_memory_) spill();
}

// What finishing in memory would need on top of the tables: a sorted list per table (24 bytes
// an entry) and the result (16 bytes an entry plus the piece bytes); and a table doubles when
// it grows. Spilling before this exceeds the budget keeps counting within it.
size_t Counter::projected_peak() const {
  size_t entries = 0, keys = 0, slots = 0;
  for (const auto& t : tables_) {
    entries += t->size();
    keys += t->key_bytes();
    slots = std::max(slots, t->slot_bytes());
  }
  return memory() + slots + entries * 40 + keys;
}

void Counter::spill() {
  for (auto& table : tables_) {
    if (table->size() == 0) continue;
    std::string path = spill_dir_ + "/tokensmith-counts-" + std::to_string(::getpid()) + "-" +
                       std::to_string(reinterpret_cast<uintptr_t>(this)) + "-" +
                       std::to_string(runs_.size()) + ".run";
    {
      RunWriter w(path);
      runs_.push_back(path);
      for (const auto& [p, c] : table->sorted()) w.put(p, c);
      w.close();
    }
    table->clear();
  }
}

Counts Counter::finish() {
  Counts out;
  if (runs_.empty()) {
    // Everything fits: sort each thread's table (in parallel), then merge the sorted lists.
    using Entries = std::vector<std::pair<std::string_view, uint64_t>>;
    std::vector<Entries> lists(tables_.size());
    run_threads(tables_.size(), [&](size_t t) { lists[t] = tables_[t]->sorted(); });
    size_t total = 0, bytes = 0;
    for (const auto& l : lists) {
      total += l.size();
      for (const auto& e : l) bytes += e.first.size();
    }
    out.counts.reserve(total);
    out.offsets.reserve(total + 1);
    out.data.reserve(bytes);
    std::vector<size_t> at(lists.size(), 0);
    for (;;) {
      const std::string_view* least = nullptr;
      for (size_t t = 0; t < lists.size(); ++t)
        if (at[t] < lists[t].size() && (!least || lists[t][at[t]].first < *least)) least = &lists[t][at[t]].first;
      if (!least) break;
      std::string_view piece = *least;
      uint64_t count = 0;
      for (size_t t = 0; t < lists.size(); ++t)
        if (at[t] < lists[t].size() && lists[t][at[t]].first == piece) count += lists[t][at[t]++].second;
      out.push(piece, count);
    }
    lists.clear();
    for (auto& table : tables_) table->clear();
  } else {
    spill();
    // First pass: how much would each count threshold keep? (Counts up to 2^16 resolved,
    // larger ones share the last bucket, so the threshold is exact wherever pruning is
    // plausible.)
    constexpr size_t kBuckets = 1 << 16;
    std::vector<uint64_t> bytes_at(kBuckets + 1, 0);
    uint64_t total_bytes = 0;
    merge_runs(runs_, [&](std::string_view p, uint64_t c) {
      uint64_t cost = p.size() + kEntryCost;
      bytes_at[std::min<uint64_t>(c, kBuckets)] += cost;
      total_bytes += cost;
    });
    uint64_t threshold = 0;
    if (max_memory_ && total_bytes > max_memory_) {
      // Smallest t with sum_{c >= t} cost <= budget.
      uint64_t kept = 0;
      threshold = kBuckets + 1;
      for (size_t c = kBuckets; c >= 1; --c) {
        if (kept + bytes_at[c] > max_memory_) break;
        kept += bytes_at[c];
        threshold = c;
      }
      out.prune_threshold = threshold;
    }
    merge_runs(runs_, [&](std::string_view p, uint64_t c) {
      if (threshold && c < threshold) {
        ++out.pruned_pieces;
        out.pruned_occurrences += c;
        return;
      }
      out.push(p, c);
    });
    for (const auto& r : runs_) std::remove(r.c_str());
    runs_.clear();
  }
  out.data.shrink_to_fit();
  return out;
}

}  // namespace ts::train
