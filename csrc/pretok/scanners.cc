// Scanners for the known split patterns; see scanners.h for the patterns themselves.
//
// Every function `*_piece(i)` returns the end of the piece that the regex would match at
// byte offset i. The alternatives are tried in the regex's order; a comment on each block
// says which alternative it is and why its backtracking collapses to a forward scan.
#include "pretok/scanners.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "unicode/tables.h"
#include "unicode/utf8.h"

namespace ts::pretok {
namespace {

using unicode::flags;
namespace F = unicode;

constexpr uint16_t kLetter = F::L;
constexpr uint16_t kNumber = F::N;
constexpr uint16_t kSpace = F::WS;
// o200k's two letter classes: "upper-ish" [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] and
// "lower-ish" [\p{Ll}\p{Lm}\p{Lo}\p{M}]. Lm, Lo and M belong to both.
constexpr uint16_t kUpper = F::Lu | F::Lt | F::Lm | F::Lo | F::M;
constexpr uint16_t kLower = F::Ll | F::Lm | F::Lo | F::M;

struct Cursor {
  const uint8_t* s;
  size_t n;

  // Code point and flags at i (i < n); len receives its byte length.
  inline uint32_t at(size_t i, size_t* len, uint16_t* f) const {
    uint8_t b = s[i];
    if (b < 0x80) {
      *len = 1;
      *f = flags(b);
      return b;
    }
    // Two- and three-byte characters (every script but a few historic ones and emoji) are
    // decoded inline; decode() takes the rest, and anything malformed.
    if ((b & 0xE0) == 0xC0 && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
      const uint32_t cp = (b & 0x1Fu) << 6 | (s[i + 1] & 0x3Fu);
      *len = 2;
      *f = flags(cp);
      return cp;
    }
    if ((b & 0xF0) == 0xE0 && i + 2 < n && ((s[i + 1] & s[i + 2]) & 0xC0) == 0x80 &&
        ((s[i + 1] | s[i + 2]) & 0x40) == 0) {
      const uint32_t cp = (b & 0x0Fu) << 12 | (s[i + 1] & 0x3Fu) << 6 | (s[i + 2] & 0x3Fu);
      *len = 3;
      *f = flags(cp);
      return cp;
    }
    uint32_t cp = utf8::decode(s, n, i, len);
    *f = flags(cp);
    return cp;
  }

  inline uint16_t flags_at(size_t i) const {
    size_t len;
    uint16_t f;
    at(i, &len, &f);
    return f;
  }

  // End of the run of characters, starting at i, whose flags intersect `mask`.
  inline size_t run(size_t i, uint16_t mask) const {
    while (i < n) {
      size_t len;
      uint16_t f;
      at(i, &len, &f);
      if (!(f & mask)) break;
      i += len;
    }
    return i;
  }

  // End of the run of characters whose flags avoid `mask` ([^\s\p{L}\p{N}]+ and the like).
  inline size_t run_not(size_t i, uint16_t mask) const {
    while (i < n) {
      size_t len;
      uint16_t f;
      at(i, &len, &f);
      if (f & mask) break;
      i += len;
    }
    return i;
  }

  // At most k characters of class `mask` from i.
  inline size_t run_max(size_t i, uint16_t mask, int k) const {
    while (i < n && k > 0) {
      size_t len;
      uint16_t f;
      at(i, &len, &f);
      if (!(f & mask)) break;
      i += len;
      --k;
    }
    return i;
  }

  // End of a run of '\r' / '\n' (and '/' when slash is set).
  inline size_t newlines(size_t i, bool slash) const {
    while (i < n && (s[i] == '\r' || s[i] == '\n' || (slash && s[i] == '/'))) ++i;
    return i;
  }

  // Contraction after an apostrophe at i: 's 't 're 've 'm 'll 'd. Case-insensitive matching
  // follows Unicode simple case folding as the regex engines do, so U+017F (long s) counts as
  // 's'. Returns the end offset, or 0 when there is no contraction.
  inline size_t contraction(size_t i, bool ignore_case) const {
    if (i + 1 >= n || s[i] != '\'') return 0;
    uint8_t c = s[i + 1];
    uint8_t lc = ignore_case && c < 0x80 ? (c | 0x20) : c;
    if (lc == 's' || lc == 't' || lc == 'm' || lc == 'd') return i + 2;
    if (ignore_case && c == 0xC5 && i + 2 < n && s[i + 2] == 0xBF) return i + 3;  // U+017F
    if (i + 2 < n) {
      uint8_t c2 = s[i + 2];
      uint8_t lc2 = ignore_case && c2 < 0x80 ? (c2 | 0x20) : c2;
      if ((lc == 'r' && lc2 == 'e') || (lc == 'v' && lc2 == 'e') || (lc == 'l' && lc2 == 'l'))
        return i + 3;
    }
    return 0;
  }

  // The whitespace alternatives shared by all patterns. i is at a whitespace character.
  //   cl100k/o200k first try \s*[\r\n]+: the greedy \s* backs off to the LAST line break of the
  //   whitespace run, so the piece ends just after it.
  //   Then \s+(?!\S): the whole run if it reaches the end of the text, otherwise the run minus
  //   its last character (which then leads the next piece), if that leaves anything.
  //   Otherwise \s+ (or \s): the single whitespace character.
  inline size_t whitespace(size_t i, bool line_breaks) const {
    size_t k = i, last_start = i, last_break = SIZE_MAX;
    while (k < n) {
      size_t len;
      uint16_t f;
      at(k, &len, &f);
      if (!(f & kSpace)) break;
      if (s[k] == '\r' || s[k] == '\n') last_break = k;
      last_start = k;
      k += len;
    }
    if (line_breaks && last_break != SIZE_MAX) return last_break + 1;
    if (k == n) return k;
    if (last_start > i) return last_start;
    return k;
  }
};

size_t gpt2_piece(const Cursor& c, size_t i) {
  if (size_t e = c.contraction(i, false)) return e;
  size_t len;
  uint16_t f;
  c.at(i, &len, &f);
  size_t j = i;
  if (c.s[i] == ' ' && i + 1 < c.n) {
    // " ?X+": the optional space only helps when a non-space follows.
    uint16_t f2 = c.flags_at(i + 1);
    if (!(f2 & kSpace)) {
      j = i + 1;
      f = f2;
      len = 0;
    }
  }
  if (j == i && (f & kSpace)) return c.whitespace(i, false);
  size_t first_end = j + (j == i ? len : utf8::char_len(c.s[j]));
  if (f & kLetter) return c.run(first_end, kLetter);
  if (f & kNumber) return c.run(first_end, kNumber);
  return c.run_not(first_end, kSpace | kLetter | kNumber);
}

size_t cl100k_piece(const Cursor& c, size_t i, int max_digits) {
  if (size_t e = c.contraction(i, true)) return e;
  size_t len;
  uint16_t f;
  uint32_t cp = c.at(i, &len, &f);
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (f & kLetter) return c.run(i + len, kLetter);
  bool prefix_ok = !(f & kNumber) && cp != '\r' && cp != '\n';
  if (prefix_ok && i + len < c.n) {
    size_t len2;
    uint16_t f2;
    c.at(i + len, &len2, &f2);
    if (f2 & kLetter) return c.run(i + len + len2, kLetter);
  }
  // \p{N}{1,3}
  if (f & kNumber) return c.run_max(i, kNumber, max_digits);
  // " ?[^\s\p{L}\p{N}]+[\r\n]*"
  if (!(f & kSpace)) return c.newlines(c.run_not(i + len, kSpace | kLetter | kNumber), false);
  if (cp == ' ' && i + 1 < c.n) {
    size_t len2;
    uint16_t f2;
    c.at(i + 1, &len2, &f2);
    if (!(f2 & (kSpace | kLetter | kNumber)))
      return c.newlines(c.run_not(i + 1 + len2, kSpace | kLetter | kNumber), false);
  }
  return c.whitespace(i, true);
}

// o200k's first letter alternative after the optional prefix, from s:
//   [upper-ish]*[lower-ish]+ . The greedy upper-ish run backs off until a lower-ish character
//   can start the [lower-ish]+ run; since Lm/Lo/M are in both classes this is the last
//   lower-ish character of the run, unless the character right after the run is lower-ish.
size_t o200k_alt1(const Cursor& c, size_t s) {
  size_t k = s, last_lower_end = SIZE_MAX;
  while (k < c.n) {
    size_t len;
    uint16_t f;
    c.at(k, &len, &f);
    if (!(f & kUpper)) {
      if (f & kLower) return c.run(k + len, kLower);
      break;
    }
    if (f & kLower) last_lower_end = k + len;
    k += len;
  }
  return last_lower_end;  // SIZE_MAX: no match
}

// o200k's second letter alternative: [upper-ish]+[lower-ish]*.
size_t o200k_alt2(const Cursor& c, size_t s) {
  size_t a = c.run(s, kUpper);
  if (a == s) return SIZE_MAX;
  return c.run(a, kLower);
}

size_t o200k_piece(const Cursor& c, size_t i, int max_digits, bool contractions) {
  size_t len;
  uint16_t f;
  uint32_t cp = c.at(i, &len, &f);
  // The optional prefix [^\r\n\p{L}\p{N}]? is tried with, then without, inside each
  // alternative before the next alternative is tried.
  bool prefix_ok = !(f & (kLetter | kNumber)) && cp != '\r' && cp != '\n';
  size_t e = SIZE_MAX;
  if (prefix_ok && i + len < c.n) e = o200k_alt1(c, i + len);
  if (e == SIZE_MAX) e = o200k_alt1(c, i);
  if (e == SIZE_MAX && prefix_ok && i + len < c.n) e = o200k_alt2(c, i + len);
  if (e == SIZE_MAX) e = o200k_alt2(c, i);
  if (e != SIZE_MAX) {
    if (contractions) {
      if (size_t ce = c.contraction(e, true)) return ce;
    }
    return e;
  }
  if (f & kNumber) return c.run_max(i, kNumber, max_digits);
  // " ?[^\s\p{L}\p{N}]+[\r\n/]*"
  if (!(f & kSpace)) return c.newlines(c.run_not(i + len, kSpace | kLetter | kNumber), true);
  if (cp == ' ' && i + 1 < c.n) {
    size_t len2;
    uint16_t f2;
    c.at(i + 1, &len2, &f2);
    if (!(f2 & (kSpace | kLetter | kNumber)))
      return c.newlines(c.run_not(i + 1 + len2, kSpace | kLetter | kNumber), true);
  }
  return c.whitespace(i, true);
}

// ------------------------------------------------------------------------- ASCII fast paths
//
// Most pieces of most text start with an ASCII byte, and there the byte alone decides which
// alternative of the pattern matches. The functions below handle those common shapes (a word,
// a space or punctuation mark before a word, a run of punctuation, indentation) and hand every
// other case, and every run that reaches a non-ASCII byte, to the general functions above, so
// they match exactly what those match. The gain is in the runs: letters and spaces are measured
// 16 bytes at a time (SSE2, part of every x86-64; a plain loop elsewhere), which replaces a
// per-character flags look-up and the mispredicted branch at the end of every word with one
// compare and a count of trailing zeros.

enum Ascii : uint8_t { kHigh = 0, kAlpha, kDigit, kBlank, kOtherSpace, kPunct, kApostrophe };

struct AsciiTable {
  uint8_t cls[256];
  AsciiTable() : cls() {
    for (int b = 0; b < 128; ++b) {
      uint16_t f = flags(static_cast<uint32_t>(b));
      cls[b] = b == ' '          ? kBlank
               : b == '\''       ? kApostrophe
               : (f & kLetter)   ? kAlpha
               : (f & kNumber)   ? kDigit
               : (f & kSpace)    ? kOtherSpace
                                 : kPunct;  // [^\s\p{L}\p{N}], control characters included
    }
  }
};
const AsciiTable kAscii;

inline bool is_alpha(uint8_t b) { return static_cast<uint8_t>((b | 0x20) - 'a') < 26; }

// End of the run of bytes in [lo, hi] (both ASCII) starting at i; `fold` ORs 0x20 first, which
// maps A-Z onto a-z and leaves no other byte inside a-z.
template <uint8_t kLo, uint8_t kHi, bool kFold>
inline size_t ascii_run(const uint8_t* s, size_t i, size_t n) {
#ifdef __SSE2__
  const __m128i lo = _mm_set1_epi8(static_cast<char>(kLo - 1));
  const __m128i hi = _mm_set1_epi8(static_cast<char>(kHi + 1));
  const __m128i fold = _mm_set1_epi8(kFold ? 0x20 : 0);
  while (i + 16 <= n) {
    __m128i v = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i)), fold);
    // Signed compares: bytes >= 0x80 are negative and fall outside the range.
    __m128i in = _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi));
    unsigned m = static_cast<unsigned>(_mm_movemask_epi8(in)) ^ 0xFFFFu;
    if (m) return i + static_cast<size_t>(__builtin_ctz(m));
    i += 16;
  }
#endif
  while (i < n) {
    uint8_t b = static_cast<uint8_t>(s[i] | (kFold ? 0x20 : 0));
    if (b < kLo || b > kHi) break;
    ++i;
  }
  return i;
}

inline size_t alpha_run(const uint8_t* s, size_t i, size_t n) { return ascii_run<'a', 'z', true>(s, i, n); }
inline size_t upper_run(const uint8_t* s, size_t i, size_t n) { return ascii_run<'A', 'Z', false>(s, i, n); }
inline size_t lower_run(const uint8_t* s, size_t i, size_t n) { return ascii_run<'a', 'z', false>(s, i, n); }
inline size_t blank_run(const uint8_t* s, size_t i, size_t n) { return ascii_run<' ', ' ', false>(s, i, n); }

// [A-Z]*[a-z]* from j: the end of an ASCII word under o200k's letter alternatives. Words
// shorter than 16 bytes take one load and two masks.
inline size_t cased_run(const uint8_t* s, size_t j, size_t n) {
#ifdef __SSE2__
  if (j + 16 <= n) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + j));
    const unsigned up = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(
        _mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)), _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)))));
    const unsigned lo = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(
        _mm_cmpgt_epi8(v, _mm_set1_epi8('a' - 1)), _mm_cmplt_epi8(v, _mm_set1_epi8('z' + 1)))));
    const unsigned u = static_cast<unsigned>(__builtin_ctz(~up));         // at most 16
    const unsigned l = static_cast<unsigned>(__builtin_ctz(~(lo >> u)));  // at most 16 - u
    if (u + l < 16) return j + u + l;
  }
#endif
  return lower_run(s, upper_run(s, j, n), n);
}

// \p{L}+ from i: ASCII letters fast, then the general run if a non-ASCII byte follows.
inline size_t letters(const Cursor& c, size_t i) {
  i = alpha_run(c.s, i, c.n);
  if (i < c.n && c.s[i] >= 0x80) i = c.run(i, kLetter);
  return i;
}

// [^\s\p{L}\p{N}]+ continued from i.
inline size_t punctuation(const Cursor& c, size_t i) {
  while (i < c.n && kAscii.cls[c.s[i]] >= kPunct) ++i;
  if (i < c.n && c.s[i] >= 0x80) i = c.run_not(i, kSpace | kLetter | kNumber);
  return i;
}

// A run of blanks at i, of at least two, followed by an ASCII non-space: \s+(?!\S) leaves the
// last blank to lead the next piece. Returns 0 for any other whitespace.
inline size_t blanks(const Cursor& c, size_t i) {
  size_t k = blank_run(c.s, i, c.n);
  if (k < c.n && k - i >= 2 && kAscii.cls[c.s[k]] != kHigh && kAscii.cls[c.s[k]] != kOtherSpace &&
      kAscii.cls[c.s[k]] != kBlank)
    return k - 1;
  return 0;
}

// A line break followed by blanks and then an ASCII non-space (or the end): \s*[\r\n]+ ends
// the piece right after the break, the only one in the run.
inline size_t line_break(const Cursor& c, size_t i) {
  size_t k = blank_run(c.s, i + 1, c.n);
  if (k == c.n) return i + 1;
  uint8_t cls = kAscii.cls[c.s[k]];
  if (cls != kHigh && cls != kOtherSpace && cls != kBlank) return i + 1;
  return 0;
}

// \p{N}{1,max_digits} at an ASCII digit; 0 when a non-ASCII byte comes before the limit.
inline size_t digits(const Cursor& c, size_t i, int max_digits) {
  size_t e = i + 1, limit = i + static_cast<size_t>(max_digits);
  while (e < limit && e < c.n && kAscii.cls[c.s[e]] == kDigit) ++e;
  if (e < limit && e < c.n && c.s[e] >= 0x80) return 0;
  return e;
}

// The ASCII shapes both patterns share that do not start a word, at i (with i + 1 < n, byte
// classes k0 and k1): a punctuation run with its tail of line breaks (and, for o200k, '/'), a
// run of blanks, a lone blank before a digit, a line break. 0 where the general scanner decides.
inline size_t ascii_other(const Cursor& c, size_t i, uint8_t k0, uint8_t k1, bool slash) {
  if (k0 == kBlank || k0 == kPunct) {
    if (k0 == kPunct && k1 != kHigh) return c.newlines(punctuation(c, i + 1), slash);
    if (k1 == kPunct || k1 == kApostrophe) return c.newlines(punctuation(c, i + 2), slash);
    if (k1 == kBlank) return blanks(c, i);
    // A lone space before a digit: \s+(?!\S) cannot match, \s+ takes the space.
    if (k1 == kDigit) return i + 1;
  } else if (k0 == kOtherSpace && (c.s[i] == '\n' || c.s[i] == '\r') && c.s[i + 1] != '\n') {
    return line_break(c, i);
  }
  return 0;
}

size_t cl100k_piece_fast(const Cursor& c, size_t i, int max_digits) {
  const uint8_t* s = c.s;
  const uint8_t k0 = kAscii.cls[s[i]];
  if (k0 == kAlpha) return letters(c, i + 1);
  if (k0 == kDigit) {
    if (size_t e = digits(c, i, max_digits)) return e;
  }
  if (i + 1 < c.n) {
    const uint8_t k1 = kAscii.cls[s[i + 1]];
    // [^\r\n\p{L}\p{N}]?\p{L}+ with the prefix, then " ?[^\s\p{L}\p{N}]+[\r\n]*" and whitespace.
    if ((k0 == kBlank || k0 == kPunct) && k1 == kAlpha) return letters(c, i + 2);
    if (size_t e = ascii_other(c, i, k0, k1, false)) return e;
  }
  return cl100k_piece(c, i, max_digits);
}

size_t o200k_piece_fast(const Cursor& c, size_t i, int max_digits, bool contractions) {
  const uint8_t* s = c.s;
  // o200k has contractions only after letters, so a leading apostrophe is punctuation.
  const uint8_t k0 = kAscii.cls[s[i]] == kApostrophe ? static_cast<uint8_t>(kPunct) : kAscii.cls[s[i]];
  size_t j = SIZE_MAX;  // where the letters start
  if (k0 == kAlpha) {
    j = i;
  } else if (k0 == kDigit) {
    if (size_t e = digits(c, i, max_digits)) return e;
  } else if (i + 1 < c.n) {
    const uint8_t k1 = kAscii.cls[s[i + 1]];
    if (k1 == kAlpha && (k0 == kBlank || k0 == kPunct)) {
      j = i + 1;
    } else if (size_t e = ascii_other(c, i, k0, k1, true)) {
      return e;
    }
  }
  if (j != SIZE_MAX) {
    // ASCII letters: [A-Z]*[a-z]+ (the first letter alternative) or else [A-Z]+ (the second);
    // either way the piece ends after the lower-case run that follows the upper-case one.
    size_t e = cased_run(s, j, c.n);
    if (e == c.n || s[e] < 0x80) {
      if (contractions) {
        if (size_t ce = c.contraction(e, true)) return ce;
      }
      return e;
    }
  }
  return o200k_piece(c, i, max_digits, contractions);
}

// ------------------------------------------------------------------------- Bulk ASCII path
//
// On ASCII text the cl100k pattern decides whether a piece starts at a byte from that byte and
// the two before it, and the one after it, except inside whitespace runs, digit runs and after
// an apostrophe. So 64 bytes at a time are classified into bit masks (one bit per byte) and the
// piece starts are computed with a few dozen shifts and logic operations; the ends are then
// read off the mask. This replaces one hard-to-predict branch per piece -- which of the
// pattern's alternatives matches here -- with straight-line code. Wherever the masks cannot
// decide (a non-ASCII byte, a whitespace run with a line break after a space or tab, the
// window's end) the window stops short and the per-piece scanner above takes over; both agree
// wherever the masks decide, which the tests check.
//
// Bit j of a mask stands for byte i + j of the text, where i, the window's first byte, is
// known to start a piece. "x << 1" then asks about the byte before, "x >> 1" about the next.

#ifdef __SSE2__
struct Window {
  uint64_t letter, upper, digit, space, line, tab, punct, high, apos, slash;
};

inline uint64_t mask64(const __m128i v[4], __m128i (*pred)(__m128i)) {
  uint64_t m = 0;
  for (int k = 0; k < 4; ++k)
    m |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(pred(v[k])))) << (16 * k);
  return m;
}

template <char C>
inline __m128i eq(__m128i v) {
  return _mm_cmpeq_epi8(v, _mm_set1_epi8(C));
}
// Signed compares: bytes >= 0x80 are negative and fall outside every ASCII range.
template <char Lo, char Hi>
inline __m128i in_range(__m128i v) {
  return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(static_cast<char>(Lo - 1))),
                       _mm_cmplt_epi8(v, _mm_set1_epi8(static_cast<char>(Hi + 1))));
}
inline __m128i letter(__m128i v) { return in_range<'a', 'z'>(_mm_or_si128(v, _mm_set1_epi8(0x20))); }
inline __m128i line(__m128i v) { return _mm_or_si128(eq<'\r'>(v), eq<'\n'>(v)); }
inline __m128i tab(__m128i v) {  // the other ASCII White_Space characters: \t \v \f
  return _mm_or_si128(eq<'\t'>(v), in_range<'\v', '\f'>(v));
}

inline Window classify(const uint8_t* p) {
  __m128i v[4];
  for (int k = 0; k < 4; ++k) v[k] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
  Window w;
  w.high = mask64(v, [](__m128i x) { return x; });  // movemask reads the top bit
  w.letter = mask64(v, letter);
  w.upper = mask64(v, in_range<'A', 'Z'>);
  w.slash = mask64(v, eq<'/'>);
  w.digit = mask64(v, in_range<'0', '9'>);
  w.space = mask64(v, eq<' '>);
  w.line = mask64(v, line);
  w.tab = mask64(v, tab);
  w.apos = mask64(v, eq<'\''>);
  w.punct = ~(w.letter | w.digit | w.space | w.line | w.tab | w.high);
  return w;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(TS_SSE2_ONLY)
// The same classification 32 bytes at a time, for processors with AVX2 (nearly every x86-64
// made since 2013), and 64 at a time straight into mask registers, for those with AVX-512BW
// (servers since 2017, AMD since Zen 4; split +5-11% over AVX2). Chosen at run time,
// since the extension is built for the baseline ISA.
#define TS_HAVE_WIDE_CLASSIFY 1
#define TS_AVX2 __attribute__((target("avx2")))
#define TS_AVX512 __attribute__((target("avx2,avx512f,avx512bw")))
TS_AVX2 inline uint64_t bits2(__m256i a, __m256i b) {
  return static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(a))) |
         static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(b))) << 32;
}
TS_AVX2 inline uint64_t eq2(__m256i a, __m256i b, char c) {
  const __m256i x = _mm256_set1_epi8(c);
  return bits2(_mm256_cmpeq_epi8(a, x), _mm256_cmpeq_epi8(b, x));
}
// Signed compares: bytes >= 0x80 are negative and fall outside every ASCII range.
TS_AVX2 inline uint64_t range2(__m256i a, __m256i b, char first, char last) {
  const __m256i below = _mm256_set1_epi8(static_cast<char>(first - 1));
  const __m256i above = _mm256_set1_epi8(static_cast<char>(last + 1));
  return bits2(_mm256_and_si256(_mm256_cmpgt_epi8(a, below), _mm256_cmpgt_epi8(above, a)),
               _mm256_and_si256(_mm256_cmpgt_epi8(b, below), _mm256_cmpgt_epi8(above, b)));
}

TS_AVX2 Window classify_avx2(const uint8_t* p) {
  const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  const __m256i fold = _mm256_set1_epi8(0x20);
  const __m256i flo = _mm256_or_si256(lo, fold), fhi = _mm256_or_si256(hi, fold);
  Window w;
  w.high = bits2(lo, hi);
  w.letter = range2(flo, fhi, 'a', 'z');
  w.upper = range2(lo, hi, 'A', 'Z');
  w.slash = eq2(lo, hi, '/');
  w.digit = range2(lo, hi, '0', '9');
  w.space = eq2(lo, hi, ' ');
  w.line = eq2(lo, hi, '\r') | eq2(lo, hi, '\n');
  w.tab = eq2(lo, hi, '\t') | range2(lo, hi, '\v', '\f');
  w.apos = eq2(lo, hi, '\'');
  w.punct = ~(w.letter | w.digit | w.space | w.line | w.tab | w.high);
  return w;
}

TS_AVX512 inline uint64_t eq8(__m512i v, char c) {
  return _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(c));
}
// Unsigned (v - first) <= (last - first): bytes >= 0x80 land above every ASCII range.
TS_AVX512 inline uint64_t range8(__m512i v, char first, char last) {
  return _mm512_cmple_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8(first)),
                                _mm512_set1_epi8(static_cast<char>(last - first)));
}

TS_AVX512 Window classify_avx512(const uint8_t* p) {
  const __m512i v = _mm512_loadu_si512(p);
  Window w;
  w.high = _mm512_movepi8_mask(v);
  w.letter = range8(_mm512_or_si512(v, _mm512_set1_epi8(0x20)), 'a', 'z');
  w.upper = range8(v, 'A', 'Z');
  w.slash = eq8(v, '/');
  w.digit = range8(v, '0', '9');
  w.space = eq8(v, ' ');
  w.line = eq8(v, '\r') | eq8(v, '\n');
  w.tab = eq8(v, '\t') | range8(v, '\v', '\f');
  w.apos = eq8(v, '\'');
  w.punct = ~(w.letter | w.digit | w.space | w.line | w.tab | w.high);
  return w;
}

const bool kHasAvx2 = __builtin_cpu_supports("avx2");
const bool kHasAvx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
#endif

using Classifier = Window (*)(const uint8_t*);

// The widest classification the processor has, up to the level asked for (Options::bulk).
Classifier classifier(int bulk) {
#ifdef TS_HAVE_WIDE_CLASSIFY
  if (bulk >= 3 && kHasAvx512) return classify_avx512;
  if (bulk >= 2 && kHasAvx2) return classify_avx2;
#endif
  (void)bulk;
  return classify;
}

// Bits of `run` reachable from a bit of `seed` through consecutive bits of `run` (seed must
// lie in run): the carry of the addition walks each seeded run to its end. A second seed in the
// same run is absorbed by the first one's carry, so the seeds are added back.
inline uint64_t fill(uint64_t run, uint64_t seed) { return (((run + seed) ^ run) | seed) & run; }

inline int highest(uint64_t x) { return 63 - __builtin_clzll(x); }

// Set bits of x. __builtin_popcountll is a library call on the baseline x86-64 ISA (no popcnt
// instruction); this is a dozen register operations.
inline size_t bit_count(uint64_t x) {
  x -= (x >> 1) & 0x5555555555555555ull;
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
  return static_cast<size_t>((x * 0x0101010101010101ull) >> 56);
}

// The end of one window: the bits of `starts` above 0 and below `limit`, written to `out` as
// positions in the text (i + bit); `*last` gets the last of them (i when there are none).
// Positions are written eight at a time, however many there are, with a test per eight
// rather than per piece: the branch that ends a loop over a varying number of pieces was
// mispredicted once per window (split +11-16% on code and English). Entries written past the
// count are garbage that later windows overwrite; they stay below out + 64, within the
// caller's room (see split_bulk).
inline size_t emit(uint64_t starts, int limit, size_t i, uint32_t* out, size_t* last) {
  starts &= ~uint64_t(1) & ((uint64_t(1) << limit) - 1);
  // Taken from the mask, not read back from `out`, the next window's start does not wait for
  // the stores below.
  *last = starts ? i + static_cast<size_t>(highest(starts)) : i;
  const size_t count = bit_count(starts);
  const uint32_t at = static_cast<uint32_t>(i);
  // limit < 64, so bit 63 is never a start: or-ed in, it keeps ctz defined once the starts
  // run out.
  constexpr uint64_t kStop = uint64_t(1) << 63;
  auto eight = [&](uint32_t* o) {
    for (int k = 0; k < 8; ++k) {
      o[k] = at + static_cast<uint32_t>(__builtin_ctzll(starts | kStop));
      starts &= starts - 1;
    }
  };
  eight(out);
  if (count > 8) {
    eight(out + 8);
    for (size_t k = 16; starts; ++k) {
      out[k] = at + static_cast<uint32_t>(__builtin_ctzll(starts));
      starts &= starts - 1;
    }
  }
  return count;
}

// Piece ends found in the 64 bytes from i (a piece start), appended at `out`; returns how many.
// Zero means the masks could not decide the first piece. `*high` gets the offset of the first
// non-ASCII byte in the window, or 64. kO200k selects o200k's pattern (case-aware words with a
// contraction suffix, '/' in the punctuation's tail) over cl100k's.
template <bool kO200k>
size_t window(const uint8_t* s, size_t i, int max_digits, bool contractions,
              Classifier classify_at, uint32_t* out, int* high, size_t* last) {
  const Window w = classify_at(s + i);
  *high = w.high ? __builtin_ctzll(w.high) : 64;
  const uint64_t ws = w.space | w.line | w.tab;
  const uint64_t blank = w.space | w.tab;

  // Where the masks stop deciding. The first byte they cannot classify (non-ASCII) or the
  // window's end: a piece start there depends on the next byte, so starts are trusted below it.
  uint64_t hard = w.high | (uint64_t(1) << 63);
  // A whitespace run in which a space or tab follows a line break and another line break
  // follows: the run's piece ends after its last line break, which the masks do not find.
  const uint64_t after_break = fill(ws, blank & (w.line << 1));
  const uint64_t run_starts = ws & ~(ws << 1);
  if (uint64_t twisted = after_break & w.line) {
    const int at = __builtin_ctzll(twisted);
    hard |= uint64_t(1) << highest(run_starts & ((uint64_t(2) << at) - 1));
  }

  // The tail of a punctuation run: [\r\n]* (cl100k) or [\r\n/]* (o200k) right after it. Line
  // breaks there end the piece; so does a '/' after them, which then is not punctuation that
  // continues a run.
  const uint64_t tail = kO200k ? fill(w.line | w.slash, w.line & (w.punct << 1))
                               : fill(w.line, w.line & (w.punct << 1));
  const uint64_t run_punct = w.punct & ~tail;
  // A punctuation byte that starts a piece (so it can lead a word): after a letter, digit, tab,
  // line break or a tail, or first in the window. After a space it belongs to
  // " ?[^\s\p{L}\p{N}]+", after punctuation to the same run.
  const uint64_t punct_start =
      run_punct & (((w.letter | w.digit | w.tab | w.line | tail) << 1) | 1);

  // Contractions: 's 't 'm 'd (c2) and 're 've 'll (c3), either case. cl100k matches them as a
  // piece of their own at an apostrophe that starts a piece; o200k as the suffix of a word.
  const uint64_t ap = w.apos & (kO200k ? (w.letter << 1) : punct_start);
  // Apostrophes are few, so the letters after each are read directly rather than classified
  // for the whole window; only bytes inside the window count, as for every other mask.
  uint64_t c2 = 0, c3 = 0;
  if (!kO200k || contractions) {
    for (uint64_t rest = ap; rest; rest &= rest - 1) {
      const int k = __builtin_ctzll(rest);
      if (k > 62) break;
      const uint8_t a = s[i + k + 1] | 0x20;
      if (a == 's' || a == 't' || a == 'm' || a == 'd') {
        c2 |= uint64_t(1) << k;
      } else if (k <= 61) {
        const uint8_t b = s[i + k + 2] | 0x20;
        if (((a == 'r' || a == 'v') && b == 'e') || (a == 'l' && b == 'l')) c3 |= uint64_t(1) << k;
      }
    }
  }
  const uint64_t contraction_end = (c2 << 2) | (c3 << 3);
  // Bytes inside a contraction start nothing; in o200k neither does its apostrophe.
  const uint64_t inside = (c2 << 1) | (c3 << 1) | (c3 << 2) | (kO200k ? c2 | c3 : 0);
  // o200k: an apostrophe right after a suffix would be read as another suffix.
  if (kO200k) hard |= contraction_end & w.apos;

  const int h = __builtin_ctzll(hard);
  // Starts are trusted strictly below `limit`: at most h - 1, and not inside a whitespace run
  // that reaches h (the run's end, unknown, decides where its pieces end).
  int limit = h - 1;
  if (h > 0 && (ws >> (h - 1) & 1)) limit = highest(run_starts & ((uint64_t(2) << (h - 1)) - 1)) + 1;
  if (limit <= 1) return 0;

  uint64_t starts = 0;
  // [^\r\n\p{L}\p{N}]?\p{L}+ : a letter after a non-letter, unless that byte leads the word.
  starts |= w.letter & ~(w.letter << 1) & ~(blank << 1) & ~(punct_start << 1);
  // o200k: [A-Z]*[a-z]+ or [A-Z]+[a-z]*, so an upper-case letter after a lower-case one.
  if (kO200k) starts |= w.upper & ((w.letter & ~w.upper) << 1);
  // \p{N}{1,max_digits}: a digit run is cut into chunks of max_digits from its first digit.
  // The chunk starts are found by stepping max_digits bytes at a time from the runs' first
  // digits, all runs of the window at once, while the bytes stepped over are digits: one step
  // per chunk of the longest run, none for runs that fit one chunk (code is full of numbers
  // such as 0x00A0 and 2020, which before this stopped the window).
  uint64_t steppable = w.digit;  // digits whose max_digits bytes before are digits too
  for (int k = 1; k <= max_digits; ++k) steppable &= w.digit << k;
  uint64_t digit_starts = w.digit & ~(w.digit << 1);
  for (uint64_t x = (digit_starts << max_digits) & steppable; x; x = (x << max_digits) & steppable)
    digit_starts |= x;
  starts |= digit_starts;
  // " ?[^\s\p{L}\p{N}]+": punctuation after anything but a run of it or a space.
  starts |= run_punct & ~(run_punct << 1) & ~(w.space << 1);
  // Line breaks after a letter or digit (after whitespace they extend its run, after
  // punctuation they are its tail).
  starts |= w.line & ((w.letter | w.digit) << 1);
  // Spaces and tabs: after a letter, digit, punctuation or a tail; after a line break of a
  // whitespace run (the run's piece ends at its last line break, and twisted runs are hard);
  // and the last one of a run that ends before a non-space (\s+(?!\S)).
  starts |= blank & ((w.letter | w.digit | w.punct | tail) << 1);
  starts |= blank & (w.line << 1);
  starts |= blank & (ws << 1) & ~(ws >> 1);
  starts = (starts | contraction_end) & ~inside;
  return emit(starts, limit, i, out, last);
}
#endif

#ifdef __SSE2__
// Windows of 64 bytes while they decide pieces, the per-piece scanner where they cannot.
template <bool kO200k>
void split_bulk(const Cursor& c, const Options& opt, Ends& ends) {
  const size_t n = c.n;
  auto one = [&](size_t i) {
    return kO200k ? o200k_piece_fast(c, i, opt.max_digits, opt.contractions)
                  : cl100k_piece_fast(c, i, opt.max_digits);
  };
  // Ends are written through a raw cursor: a text of n bytes has at most n pieces.
  const size_t base = ends.size();
  // emit() writes up to 64 entries from the count, which stays within the room: the count
  // of pieces before a window at i is at most i, and i + 64 <= n.
  ends.resize(base + n);
  uint32_t* out = ends.data() + base;
  size_t count = 0, i = 0;
  const Classifier classify_at = classifier(opt.bulk);
  while (i + 64 <= n) {
    int high;
    size_t last;
    const size_t got = window<kO200k>(c.s, i, opt.max_digits, opt.contractions, classify_at,
                                      out + count, &high, &last);
    // The per-piece scanner takes the text past a non-ASCII byte (and the whole window when
    // the masks decided nothing), so that text in other scripts is not classified again and
    // again.
    const size_t until = got ? i + static_cast<size_t>(high) : i + 64;
    if (got) {
      count += got;
      i = last;
      if (high == 64) continue;
    }
    while (i <= until && i < n) out[count++] = static_cast<uint32_t>(i = one(i));
  }
  while (i < n) out[count++] = static_cast<uint32_t>(i = one(i));
  ends.resize(base + count);
}
#endif

// The mask path of split(), when it applies: asked for, built with SSE2, and digit runs the
// masks can cut (\p{N}{1,k} with k up to 8). Returns false, having done nothing, otherwise.
template <bool kO200k>
bool split_masked(const Cursor& c, const Options& opt, Ends& ends) {
#ifdef __SSE2__
  if (opt.bulk > 0 && opt.max_digits >= 1 && opt.max_digits <= 8) {
    split_bulk<kO200k>(c, opt, ends);
    return true;
  }
#endif
  (void)c, (void)opt, (void)ends;
  return false;
}

}  // namespace

void split(const Options& opt, const uint8_t* s, size_t n, Ends& ends) {
  if (n == 0) return;
  Cursor c{s, n};
  size_t i = 0;
  switch (opt.kind) {
    case Kind::None:
      ends.push_back(static_cast<uint32_t>(n));
      return;
    case Kind::Gpt2:
      while (i < n) ends.push_back(static_cast<uint32_t>(i = gpt2_piece(c, i)));
      return;
    case Kind::Cl100k:
      if (split_masked<false>(c, opt, ends)) return;
      while (i < n)
        ends.push_back(static_cast<uint32_t>(i = cl100k_piece_fast(c, i, opt.max_digits)));
      return;
    case Kind::O200k:
      if (split_masked<true>(c, opt, ends)) return;
      while (i < n)
        ends.push_back(
            static_cast<uint32_t>(i = o200k_piece_fast(c, i, opt.max_digits, opt.contractions)));
      return;
  }
}

}  // namespace ts::pretok
