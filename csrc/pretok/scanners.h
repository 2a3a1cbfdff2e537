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
#include <vector>

namespace ts::pretok {

enum class Kind : int { None = 0, Gpt2 = 1, Cl100k = 2, O200k = 3 };

struct Options {
  Kind kind = Kind::None;
  int max_digits = 3;        // \p{N}{1,max_digits}; Gpt2 ignores it (whole runs)
  bool contractions = true;  // O200k only: the optional 's|'t|... suffix
};

// Appends to `ends` the end offset (in bytes, relative to s) of each piece; pieces are
// contiguous and cover [0, n). Kind::None yields the whole input as one piece.
void split(const Options& opt, const uint8_t* s, size_t n, std::vector<uint32_t>& ends);

}  // namespace ts::pretok
