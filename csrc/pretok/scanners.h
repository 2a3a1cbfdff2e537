// Hand-written scanners for the split patterns of the tokenizers people use.
//
// Each scanner behaves exactly like its regex run with leftmost-first alternation (tiktoken's
// fancy-regex, HF's Oniguruma), but in one forward pass with at most one character of
// look-ahead and no backtracking, so scanning is linear in the input. The patterns are
// (see docs/formats.md and the research notes for the verbatim regexes):
//
//   Gpt2    GPT-2, r50k, p50k, whisper, HF ByteLevel(use_regex=true):
//           's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   Cl100k  cl100k, Llama-3 (max_digits 3) and Qwen2 (max_digits 1):
//           (?i:'s|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   O200k   o200k (contractions on, 3 digits) and Mistral Tekken (contractions off, 1 digit):
//           upper/lower-case aware letter runs with optional contraction suffix, then as cl100k
//           but the punctuation run may also swallow '/'.
//
// Python picks the scanner by comparing the tokenizer's regex with the known ones; any other
// regex runs through the generic path in Python (same semantics, slower).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace ts::pretok {

enum class Kind : int { None = 0, Gpt2 = 1, Cl100k = 2, O200k = 3 };

struct Options {
  Kind kind = Kind::None;
  int max_digits = 3;        // \p{N}{1,max_digits}; Gpt2 ignores it (whole runs)
  bool contractions = true;  // O200k only: the optional 's|'t|... suffix
  // Cl100k/O200k: decide pieces of ASCII text 64 bytes at a time with bit masks (the per-piece
  // scanner still takes what the masks cannot decide). 0: off, 1: masks built with SSE2 only,
  // 2: with AVX2 where the processor has it, 3: with AVX-512BW where it has that. Lower levels
  // exist to test one against another.
  int bulk = 3;
};

// An allocator whose resize() leaves new elements uninitialised: scanners size the output for
// the worst case (one piece per byte) and write only what they keep, and zero-filling that
// worst case on every call costs as much as scanning English text.
template <class T>
struct UninitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitAllocator<U>;
  };
  UninitAllocator() = default;
  template <class U>
  UninitAllocator(const UninitAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
using Ends = std::vector<uint32_t, UninitAllocator<uint32_t>>;

// Appends to `ends` the end offset (in bytes, relative to s) of each piece; pieces are
// contiguous and cover [0, n). Kind::None yields the whole input as one piece.
void split(const Options& opt, const uint8_t* s, size_t n, Ends& ends);

}  // namespace ts::pretok
