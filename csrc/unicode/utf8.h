// UTF-8 helpers shared by the scanners, the added-token matcher and the offset mapper.
//
// Input text always comes from a Python `str` encoded as UTF-8, so it is valid; the decoder
// still never reads past the end and maps a malformed byte to U+FFFD with length 1, so that
// bytes handed in directly (benchmarks, fuzzers) cannot make a scanner loop or overrun.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ts::utf8 {

// Decodes the code point starting at s[i] (i < n); stores its byte length in *len.
inline uint32_t decode(const uint8_t* s, size_t n, size_t i, size_t* len) {
  uint8_t b = s[i];
  if (b < 0x80) { *len = 1; return b; }
  size_t need;
  uint32_t cp;
  if ((b & 0xE0) == 0xC0) { need = 2; cp = b & 0x1F; }
  else if ((b & 0xF0) == 0xE0) { need = 3; cp = b & 0x0F; }
  else if ((b & 0xF8) == 0xF0) { need = 4; cp = b & 0x07; }
  else { *len = 1; return 0xFFFD; }
  if (i + need > n) { *len = 1; return 0xFFFD; }
  for (size_t k = 1; k < need; ++k) {
    uint8_t c = s[i + k];
    if ((c & 0xC0) != 0x80) { *len = 1; return 0xFFFD; }
    cp = (cp << 6) | (c & 0x3F);
  }
  *len = need;
  return cp;
}

// Length in bytes of the character whose first byte is b (1 for a stray continuation byte).
inline size_t char_len(uint8_t b) {
  if (b < 0x80) return 1;
  if ((b & 0xE0) == 0xC0) return 2;
  if ((b & 0xF0) == 0xE0) return 3;
  if ((b & 0xF8) == 0xF0) return 4;
  return 1;
}

inline bool is_continuation(uint8_t b) { return (b & 0xC0) == 0x80; }

}  // namespace ts::utf8
