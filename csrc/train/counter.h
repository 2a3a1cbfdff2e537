// Counting pre-tokenized pieces of a corpus: the first stage of every trainer.
//
// Text arrives in batches of documents; each batch is split among threads, each thread
// pre-tokenizes with the same scanners the encoder uses (pretok/scanners.h) and counts pieces
// in its own table, so counting needs no locks. Counts are 64-bit.
//
// Memory is bounded: when the tables outgrow the budget they are sorted and spilled to run
// files, which finish() merges back (a k-way merge of sorted runs). If even the merged table
// does not fit, the rarest pieces are dropped with one threshold: the smallest count t such
// that all pieces seen at least t times fit; the threshold and what was dropped are reported.
// The final table is sorted by piece bytes, so everything downstream is independent of hash
// order and thread count.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pretok/scanners.h"

namespace ts::train {

// Sorted (piece bytes, count) table: pieces[i] = data[offsets[i] .. offsets[i+1]).
struct Counts {
  std::string data;
  std::vector<uint64_t> offsets{0};
  std::vector<uint64_t> counts;
  uint64_t pruned_pieces = 0;       // distinct pieces dropped to fit the budget
  uint64_t pruned_occurrences = 0;  // their total count
  uint64_t prune_threshold = 0;     // pieces with a count below this were dropped (0: none)

  size_t size() const { return counts.size(); }
  std::string_view piece(size_t i) const {
    return std::string_view(data).substr(offsets[i], offsets[i + 1] - offsets[i]);
  }
  void push(std::string_view p, uint64_t c) {
    data.append(p);
    offsets.push_back(data.size());
    counts.push_back(c);
  }
  size_t memory() const { return data.capacity() + offsets.capacity() * 8 + counts.capacity() * 8; }
};

// How text becomes pieces.
struct SplitOptions {
  pretok::Options scanner;     // byte-level families (Kind::None: the whole text is one piece)
  bool metaspace = false;      // SentencePiece-style: ' ' -> U+2581, a U+2581 starts each piece
  bool add_prefix_space = true;        // metaspace: prepend U+2581 to each document
  bool whitespace_only_pieces = false;  // metaspace: keep runs of spaces together
  size_t max_piece_bytes = 1 << 16;     // longer pieces are cut into chunks of this size
};

// Calls emit(piece) for each piece of one document.
template <class Emit>
void split_document(const SplitOptions& opt, std::string_view text, pretok::Ends& ends,
                    std::string& scratch, Emit&& emit);

class PieceTable;

class Counter {
 public:
  Counter(SplitOptions split, size_t threads, size_t max_memory, std::string spill_dir);
  ~Counter();

  // Counts the pieces of each document (threads share the batch; no allocation per piece).
  void add_documents(const std::vector<std::string_view>& docs);
  // Adds pieces that were split elsewhere (generic regex path, reloaded tables).
  void add_pieces(const std::vector<std::string_view>& pieces, const std::vector<uint64_t>& counts);
  // Merges threads and spilled runs; the Counter is empty afterwards.
  Counts finish();

  size_t memory() const;
  size_t projected_peak() const;
  size_t spilled_runs() const { return runs_.size(); }
  uint64_t documents() const { return documents_; }
  uint64_t bytes() const { return bytes_; }

 private:
  void maybe_spill();
  void spill();

  SplitOptions split_;
  size_t threads_;
  size_t max_memory_;
  std::string spill_dir_;
  std::vector<std::unique_ptr<PieceTable>> tables_;
  std::vector<std::string> runs_;
  uint64_t documents_ = 0;
  uint64_t bytes_ = 0;
};

// ---------------------------------------------------------------------------------------------

inline constexpr char kMetaspace[] = "\xE2\x96\x81";  // U+2581 LOWER ONE EIGHTH BLOCK

template <class Emit>
void split_document(const SplitOptions& opt, std::string_view text, pretok::Ends& ends,
                    std::string& scratch, Emit&& emit) {
  auto emit_capped = [&](std::string_view p) {
    while (p.size() > opt.max_piece_bytes) {
      // Cut at a character boundary so chunks stay valid UTF-8.
      size_t cut = opt.max_piece_bytes;
      while (cut > 0 && (static_cast<uint8_t>(p[cut]) & 0xC0) == 0x80) --cut;
      if (cut == 0) cut = opt.max_piece_bytes;
      emit(p.substr(0, cut));
      p.remove_prefix(cut);
    }
    if (!p.empty()) emit(p);
  };
  if (!opt.metaspace) {
    ends.clear();
    pretok::split(opt.scanner, reinterpret_cast<const uint8_t*>(text.data()), text.size(), ends);
    size_t start = 0;
    for (uint32_t e : ends) {
      emit_capped(text.substr(start, e - start));
      start = e;
    }
    return;
  }
  // Metaspace: the document becomes "▁w1▁w2..." and every ▁ opens a piece; with
  // whitespace_only_pieces a run of k spaces before a word gives "▁"*(k-1) and "▁word". A
  // newline is a piece of its own: lines never glue into one long word (SentencePiece gets the
  // same effect by normalising newlines to spaces, which would lose them).
  scratch.clear();
  if (opt.add_prefix_space) scratch += kMetaspace;
  for (char c : text) {
    if (c == ' ') scratch += kMetaspace;
    else scratch += c;
  }
  std::string_view s = scratch;
  const size_t m = 3;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    if (s[i] == '\n') {
      emit_capped(s.substr(i, 1));
      ++i;
      continue;
    }
    if (s.compare(i, m, kMetaspace) == 0) {
      size_t run = i;
      while (run < s.size() && s.compare(run, m, kMetaspace) == 0) run += m;
      if (opt.whitespace_only_pieces && run - i > m) {
        // The run minus its last ▁ is one piece; the last ▁ starts the next word.
        size_t last = (run < s.size() && s[run] != '\n') ? run - m : run;
        if (last > i) {
          emit_capped(s.substr(i, last - i));
          i = last;
          continue;
        }
      }
      j = i + m;
    }
    while (j < s.size() && s[j] != '\n' && s.compare(j, m, kMetaspace) != 0) ++j;
    emit_capped(s.substr(i, j - i));
    i = j;
  }
}

}  // namespace ts::train
