// Added-token splitting, pre-tokenization and decoding around the BPE model; see pipeline.h.
#include "bpe/pipeline.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "unicode/tables.h"
#include "unicode/utf8.h"

namespace ts::bpe {

// ---------------------------------------------------------------------------------- Matcher

void Matcher::add(const std::string& s, int32_t value) {
  if (s.empty()) return;
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  uint32_t node = first_[p[0]];
  if (node == 0) {
    node = static_cast<uint32_t>(nodes_.size());
    nodes_.push_back(Node{});
    first_[p[0]] = node;
    ++root_kids_;
  }
  for (size_t k = 1; k < s.size(); ++k) {
    auto& kids = nodes_[node].kids;
    auto it = std::lower_bound(kids.begin(), kids.end(), std::make_pair(p[k], 0u),
                               [](const auto& a, const auto& b) { return a.first < b.first; });
    if (it != kids.end() && it->first == p[k]) {
      node = it->second;
    } else {
      uint32_t child = static_cast<uint32_t>(nodes_.size());
      kids.insert(it, {p[k], child});  // `kids` may dangle after push_back: insert first
      nodes_.push_back(Node{});
      node = child;
    }
  }
  // The first token registered for a string keeps it (ids are unique per content anyway).
  if (nodes_[node].value < 0) nodes_[node].value = value;
}

size_t Matcher::longest_at(const uint8_t* s, size_t n, size_t i, const uint8_t* enabled,
                           int32_t* value) const {
  uint32_t node = first_[s[i]];
  if (node == 0) return 0;
  size_t best = 0;
  size_t k = i + 1;
  for (;;) {
    int32_t v = nodes_[node].value;
    if (v >= 0 && enabled[v]) {
      best = k;
      *value = v;
    }
    if (k == n) break;
    const auto& kids = nodes_[node].kids;
    auto it = std::lower_bound(kids.begin(), kids.end(), std::make_pair(s[k], 0u),
                               [](const auto& a, const auto& b) { return a.first < b.first; });
    if (it == kids.end() || it->first != s[k]) break;
    node = it->second;
    ++k;
  }
  return best > i ? best - i : 0;
}

// --------------------------------------------------------------------------------- Pipeline

namespace {
// A thread's scratch for piece ends is kept between calls, but not at the size of the largest
// text it ever saw (scanners size it at one end per byte): past 16 Mi entries it is freed.
void trim(pretok::Ends& ends) {
  if (ends.capacity() > (size_t(1) << 24)) pretok::Ends().swap(ends);
}
}  // namespace

Pipeline::Pipeline(ModelSpec model, PipelineSpec spec)
    : model_(std::move(model)),
      pretok_(spec.pretok),
      add_prefix_space_(spec.add_prefix_space),
      added_(std::move(spec.added)) {
  for (size_t k = 0; k < added_.size(); ++k)
    (added_[k].normalized ? normalized_ : raw_).add(added_[k].content, static_cast<int32_t>(k));
  int distinct = 0;
  for (const AddedToken& t : added_) {
    if (t.content.empty()) continue;
    uint8_t b = static_cast<uint8_t>(t.content[0]);
    if (!starts_[b]) ++distinct, single_start_ = b;
    starts_[b] = true;
  }
  if (distinct != 1) single_start_ = -1;
  const size_t V = spec.decode_bytes.size();
  if (spec.decodable.size() != V) throw std::invalid_argument("decode tables differ in size");
  decode_offsets_.resize(V + 1);
  for (size_t i = 0; i < V; ++i) {
    decode_offsets_[i] = decode_arena_.size();
    if (spec.decodable[i]) decode_arena_ += spec.decode_bytes[i];
  }
  decode_offsets_[V] = decode_arena_.size();
  decodable_ = std::move(spec.decodable);
}

namespace {

// HF tests single_word with the regex `\w`: Alphabetic, marks, Nd, Pc and Join_Control.
bool is_word_char(uint32_t cp) { return unicode::flags(cp) & unicode::W; }
bool is_space_char(uint32_t cp) { return unicode::flags(cp) & unicode::WS; }

// Code point that ends at byte `end` (end > begin).
uint32_t last_char(const uint8_t* s, size_t begin, size_t end) {
  size_t i = end - 1;
  while (i > begin && utf8::is_continuation(s[i])) --i;
  size_t len;
  return utf8::decode(s, end, i, &len);
}

}  // namespace

// HF's find_matches over s[begin, end): leftmost-longest matches, filtered and stretched.
void Pipeline::split_phase(const uint8_t* s, size_t begin, size_t end, const Matcher& m,
                           const uint8_t* mask, std::vector<Segment>& out) const {
  size_t start_offset = begin;
  size_t i = begin;
  while (i < end) {
    int32_t v = -1;
    size_t len = m.longest_at(s, end, i, mask, &v);
    if (len == 0) {
      ++i;
      continue;
    }
    size_t mstart = i, mstop = i + len;
    i = mstop;  // matching resumes after the raw match, whatever happens to it below
    const AddedToken& tok = added_[v];
    if (tok.single_word) {
      bool start_ok = mstart == begin || !is_word_char(last_char(s, begin, mstart));
      size_t l;
      bool stop_ok = mstop == end || !is_word_char(utf8::decode(s, end, mstop, &l));
      if (!start_ok || !stop_ok) continue;
    }
    if (tok.lstrip) {
      size_t k = mstart;
      while (k > begin) {
        size_t j = k - 1;
        while (j > begin && utf8::is_continuation(s[j])) --j;
        size_t l;
        if (!is_space_char(utf8::decode(s, end, j, &l))) break;
        k = j;
      }
      mstart = std::max(k, start_offset);
    }
    if (tok.rstrip) {
      while (mstop < end) {
        size_t l;
        if (!is_space_char(utf8::decode(s, end, mstop, &l))) break;
        mstop += l;
      }
    }
    // A previous rstrip already took the whole match: HF clamps it to an empty span and drops it
    // (a clamp past the match's end makes HF panic; dropping it there too is the sane reading).
    if (mstart >= mstop) continue;
    if (start_offset < mstart)
      out.push_back({static_cast<uint32_t>(start_offset), static_cast<uint32_t>(mstart), -1});
    out.push_back({static_cast<uint32_t>(mstart), static_cast<uint32_t>(mstop), v});
    start_offset = mstop;
  }
  if (start_offset < end)
    out.push_back({static_cast<uint32_t>(start_offset), static_cast<uint32_t>(end), -1});
}

void Pipeline::encode_text(const uint8_t* s, size_t begin, size_t end, std::vector<uint32_t>& out,
                           std::vector<Span>* spans) const {
  if (begin >= end) return;
  const uint8_t* p = s + begin;
  size_t n = end - begin;
  size_t shift = 0;  // 1 when a prefix space was inserted
  thread_local std::string prefixed;
  if (add_prefix_space_ && p[0] != ' ') {
    prefixed.assign(1, ' ');
    prefixed.append(reinterpret_cast<const char*>(p), n);
    p = reinterpret_cast<const uint8_t*>(prefixed.data());
    n = prefixed.size();
    shift = 1;
  }
  thread_local pretok::Ends ends;
  ends.clear();
  pretok::split(pretok_, p, n, ends);
  uint32_t piece_start = 0;
  if (!spans) {
    model_.encode_pieces(p, 0, ends.data(), ends.size(), out, model_.thread_cache());
    trim(ends);
    return;
  }
  thread_local std::vector<Token> toks;
  for (uint32_t e : ends) {
    toks.clear();
    model_.encode_piece_offsets(p + piece_start, e - piece_start, toks);
    for (size_t k = 0; k < toks.size(); ++k) {
      size_t a = piece_start + toks[k].start;
      size_t b = k + 1 < toks.size() ? piece_start + toks[k + 1].start : e;
      // Map back to the text: the inserted space belongs to the segment's first character.
      a = a >= shift ? a - shift : 0;
      b = b >= shift ? b - shift : 0;
      if (b == 0 && shift) b = std::min<size_t>(n - shift, utf8::char_len(s[begin]));
      out.push_back(toks[k].id);
      spans->push_back({static_cast<uint32_t>(begin + a), static_cast<uint32_t>(begin + b)});
    }
    piece_start = e;
  }
  trim(ends);
}

void Pipeline::encode(const uint8_t* s, size_t n, const uint8_t* mask, std::vector<uint32_t>& out,
                      std::vector<Span>* spans) const {
  if (!mask || (raw_.empty() && normalized_.empty())) {
    encode_text(s, 0, n, out, spans);
    return;
  }
  std::vector<Segment> phase1, phase2;
  split_phase(s, 0, n, raw_, mask, phase1);
  for (const Segment& seg : phase1) {
    if (seg.added >= 0) {
      out.push_back(added_[seg.added].id);
      if (spans) spans->push_back({seg.start, seg.end});
      continue;
    }
    if (normalized_.empty()) {
      encode_text(s, seg.start, seg.end, out, spans);
      continue;
    }
    phase2.clear();
    split_phase(s, seg.start, seg.end, normalized_, mask, phase2);
    for (const Segment& sub : phase2) {
      if (sub.added >= 0) {
        out.push_back(added_[sub.added].id);
        if (spans) spans->push_back({sub.start, sub.end});
      } else {
        encode_text(s, sub.start, sub.end, out, spans);
      }
    }
  }
}

void Pipeline::encode_ordinary(const uint8_t* s, size_t n, std::vector<uint32_t>& out) const {
  thread_local pretok::Ends ends;
  ends.clear();
  pretok::split(pretok_, s, n, ends);
  model_.encode_pieces(s, 0, ends.data(), ends.size(), out, model_.thread_cache());
  trim(ends);
}

void Pipeline::encode_pieces(const std::vector<std::string_view>& pieces,
                             std::vector<uint32_t>& out) const {
  for (auto piece : pieces)
    model_.encode_piece(reinterpret_cast<const uint8_t*>(piece.data()), piece.size(), out);
}

int32_t Pipeline::find_added(const uint8_t* s, size_t n, const uint8_t* mask, size_t* pos) const {
  if (!mask) return -1;
  for (size_t i = 0; i < n; ++i) {
    if (single_start_ >= 0) {
      const void* q = std::memchr(s + i, single_start_, n - i);
      if (!q) return -1;
      i = static_cast<size_t>(static_cast<const uint8_t*>(q) - s);
    } else if (!starts_[s[i]]) {
      continue;
    }
    int32_t v = -1;
    if (raw_.longest_at(s, n, i, mask, &v) || normalized_.longest_at(s, n, i, mask, &v)) {
      *pos = i;
      return v;
    }
  }
  return -1;
}

void Pipeline::split_added(const uint8_t* s, size_t n, const uint8_t* mask, bool normalized_phase,
                           std::vector<int64_t>& out) const {
  std::vector<Segment> segs;
  if (mask)
    split_phase(s, 0, n, normalized_phase ? normalized_ : raw_, mask, segs);
  else if (n)
    segs.push_back({0, static_cast<uint32_t>(n), -1});
  for (const Segment& seg : segs) {
    out.push_back(seg.start);
    out.push_back(seg.end);
    out.push_back(seg.added);
  }
}

int64_t Pipeline::decode(const uint32_t* ids, size_t n, std::string& out) const {
  for (size_t i = 0; i < n; ++i) {
    uint32_t id = ids[i];
    if (!decodable(id)) return static_cast<int64_t>(i);
    out.append(decode_arena_.data() + decode_offsets_[id],
               decode_offsets_[id + 1] - decode_offsets_[id]);
  }
  return -1;
}

void spans_to_char_offsets(const uint8_t* s, size_t n, const std::vector<Span>& spans,
                           std::vector<uint64_t>& out) {
  // count(b) = number of characters that start before byte b. Two monotone cursors keep the
  // whole conversion linear.
  struct Counter {
    const uint8_t* s;
    size_t n;
    size_t pos = 0, count = 0;
    size_t at(size_t b) {
      if (b > n) b = n;
      if (b < pos) pos = count = 0;
      for (; pos < b; ++pos) count += !utf8::is_continuation(s[pos]);
      return count;
    }
  };
  Counter starts{s, n}, ends{s, n};
  out.reserve(out.size() + spans.size() * 2);
  for (const Span& sp : spans) {
    size_t a = sp.start < n ? starts.at(sp.start + 1) - 1 : starts.at(n);
    size_t b = sp.end > sp.start ? ends.at(sp.end) : a;
    out.push_back(a);
    out.push_back(std::max(a, b));
  }
}

}  // namespace ts::bpe
