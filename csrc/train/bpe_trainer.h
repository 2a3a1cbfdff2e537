// The BPE merge loop: counted pieces in, an ordered list of merges out.
//
// Words are the counted pieces cut into initial symbols (bytes, or UTF-8 characters for
// SentencePiece-style training). Pair counts are kept incrementally: a merge rewrites only the
// words that contain its pair and reports the local changes (prev,a)->(prev,new) and
// (b,next)->(new,next), so each step costs the occurrences of the merged pair, not the corpus.
// Candidates sit in max-heaps with lazy invalidation: a popped entry whose count is stale is
// pushed back with the fresh count.
//
// Which pair is merged next is decided by an Objective (objectives.h): it names the count
// column to maximise, the global one or one language's, and the loop takes the best pair of
// that column. Ties: higher count, then the smaller (left id, right id) -- HF's rule; ids are
// assigned by the caller, so the rule is stable across runs, threads and hash seeds.
//
// hf_compat reproduces HF tokenizers' BpeTrainer bookkeeping merge for merge: each heap entry
// carries the words where its pair was (re)created and the merge rewrites only those, the
// merged pair's own count is left as is, and max_token_length filters new neighbour pairs
// with HF's strict `<`. Otherwise the loop is exact BPE: a merge rewrites every word holding
// the pair and max_token_length bounds every token (<=).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "train/counter.h"

namespace ts::train {

struct TrainSpec {
  std::vector<std::string> vocab;   // initial ids -> bytes (specials included)
  std::vector<uint8_t> symbol;      // vocab[i] is an initial symbol words are made of
  bool chars = false;               // symbols are UTF-8 characters (else single bytes)
  size_t vocab_size = 0;            // stop once the vocabulary has this many ids
  uint64_t min_frequency = 0;       // stop at the first best pair seen fewer times
  size_t max_token_length = 0;      // in symbols; 0 = unbounded
  bool hf_compat = false;
  bool per_language = false;        // keep per-language pair counts (objectives that need them)
};

struct Merge {
  uint32_t left, right, id;
  uint64_t count;   // the count it was chosen with (in its column)
  int32_t column;   // -1 global, else the language
};

// What an objective may look at when choosing the column of the next merge.
struct LoopView {
  size_t step = 0;
  size_t languages = 1;
  std::vector<int64_t> train_len, init_train_len;  // symbols x count per language (training)
  std::vector<int64_t> dev_len, init_dev_len;      // the same on the dev sets (empty: none)
  std::vector<uint8_t> exhausted;                  // language has no pair >= min_frequency now
};

class Objective {
 public:
  virtual ~Objective() = default;
  // -1 for the global column, else a language index that is not exhausted.
  virtual int column(const LoopView& view) = 0;
  virtual void chosen(int column) {}
};

class Trainer {
 public:
  // train[l] / dev[l]: counted pieces of language l (dev may be empty).
  Trainer(TrainSpec spec, const std::vector<const Counts*>& train, const std::vector<const Counts*>& dev,
          std::unique_ptr<Objective> objective);
  ~Trainer();

  // Performs up to n merges; false once training has stopped.
  bool step(size_t n);
  const std::vector<Merge>& merges() const;
  size_t merge_count() const;
  const std::vector<std::string>& vocab() const;
  const LoopView& view() const;
  std::string stop_reason() const;
  size_t words() const;
  // Bookkeeping sizes, for the training record: distinct pairs seen, heap entries, word-list
  // entries held.
  std::vector<size_t> sizes() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace ts::train
