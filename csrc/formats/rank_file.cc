// tiktoken rank files, the regular case; see rank_file.h.
#include "formats/rank_file.h"

#include <algorithm>


namespace ts::formats {
namespace {

// Python's bytes.split()/strip() whitespace.
inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int8_t sextet(char c) {
  if (c >= 'A' && c <= 'Z') return static_cast<int8_t>(c - 'A');
  if (c >= 'a' && c <= 'z') return static_cast<int8_t>(c - 'a' + 26);
  if (c >= '0' && c <= '9') return static_cast<int8_t>(c - '0' + 52);
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Decodes canonical base64 (whole quartets, padding only at the end, unused bits zero): the
// only form tiktoken writes. Anything else is left to the exact reader.
bool decode_canonical(const char* s, size_t n, std::string& out) {
  out.clear();
  if (n == 0 || n % 4) return false;
  size_t pad = s[n - 1] == '=' ? (s[n - 2] == '=' ? 2 : 1) : 0;
  out.reserve(n / 4 * 3);
  for (size_t i = 0; i < n; i += 4) {
    const bool last = i + 4 == n;
    int8_t v[4];
    for (int k = 0; k < 4; ++k) {
      v[k] = last && k >= 4 - static_cast<int>(pad) ? 0 : sextet(s[i + k]);
      if (v[k] < 0) return false;
    }
    const uint32_t word = static_cast<uint32_t>(v[0]) << 18 | static_cast<uint32_t>(v[1]) << 12 |
                          static_cast<uint32_t>(v[2]) << 6 | static_cast<uint32_t>(v[3]);
    out.push_back(static_cast<char>(word >> 16));
    if (!(last && pad == 2)) out.push_back(static_cast<char>(word >> 8 & 0xFF));
    if (!(last && pad >= 1)) out.push_back(static_cast<char>(word & 0xFF));
    if (last && pad == 2 && (word & 0xFFFF)) return false;  // bits a canonical writer zeroes
    if (last && pad == 1 && (word & 0xFF)) return false;
  }
  return true;
}

}  // namespace

bool read_rank_file(const char* data, size_t n, std::vector<std::string>& tokens,
                    std::vector<uint32_t>& ranks) {
  std::vector<uint8_t> rank_seen;
  std::string token;
  size_t i = 0;
  while (i < n) {
    size_t end = i;
    while (end < n && data[end] != '\n') ++end;
    size_t a = i, b = end;
    i = end + 1;
    while (a < b && is_space(data[a])) ++a;
    while (b > a && is_space(data[b - 1])) --b;
    if (a == b) continue;
    size_t mid = a;
    while (mid < b && !is_space(data[mid])) ++mid;
    size_t r = mid;
    while (r < b && is_space(data[r])) ++r;
    if (r == b) return false;  // one field
    for (size_t k = r; k < b; ++k)
      if (data[k] < '0' || data[k] > '9') return false;  // another field, a sign, a separator
    if (b - r > 10) return false;
    uint64_t rank = 0;
    for (size_t k = r; k < b; ++k) rank = rank * 10 + static_cast<uint64_t>(data[k] - '0');
    if (rank >= (uint64_t(1) << 31)) return false;
    // Whisper's files end with "= 50256": tiktoken reads it as the empty token.
    if (mid - a == 1 && data[a] == '=')
      token.clear();
    else if (!decode_canonical(data + a, mid - a, token))
      return false;
    // Ranks are dense in a regular file; one far beyond the lines read so far is left to the
    // exact reader rather than sized for here (a single line could otherwise cost gigabytes).
    if (rank > 4 * tokens.size() + 4096) return false;
    if (rank >= rank_seen.size()) rank_seen.resize(std::max<size_t>(rank + 1, rank_seen.size() * 2));
    if (rank_seen[rank]) return false;
    rank_seen[rank] = 1;
    tokens.push_back(token);
    ranks.push_back(static_cast<uint32_t>(rank));
  }
  return true;
}

}  // namespace ts::formats
