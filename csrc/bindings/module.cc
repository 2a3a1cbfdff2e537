// The one Python binding of the core: `tokensmith._core`.
//
// Only this file sees Python. It converts arguments, releases the GIL around every call
// into the core, turns C++ exceptions into Python ones (the core never aborts the
// interpreter), and builds results directly as Python lists or zero-copy numpy arrays.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <atomic>
#include <exception>
#include <memory>
#include <string_view>
#include <thread>

#include "bpe/pipeline.h"
#include "bpe/worker_pool.h"
#include "formats/rank_file.h"
#include "unicode/tables.h"

namespace nb = nanobind;
using namespace ts;

namespace {

// UTF-8 view of a Python str; a lone surrogate raises UnicodeEncodeError, which the Python
// side catches to apply tiktoken's replacement.
std::string_view utf8_view(nb::handle h) {
  if (!PyUnicode_Check(h.ptr())) throw nb::type_error("expected str");
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(h.ptr(), &size);
  if (!data) throw nb::python_error();
  // Offsets inside the core are 32-bit; refuse rather than wrap around.
  if (static_cast<uint64_t>(size) >= (1ull << 32))
    throw nb::value_error("text is 4 GiB or longer; encode it in smaller pieces (e.g. by line)");
  return {data, static_cast<size_t>(size)};
}

std::string bytes_arg(nb::handle h, const char* what) {
  if (!PyBytes_Check(h.ptr())) throw nb::type_error((std::string(what) + " must be bytes").c_str());
  char* data = nullptr;
  Py_ssize_t size = 0;
  if (PyBytes_AsStringAndSize(h.ptr(), &data, &size) != 0) throw nb::python_error();
  return std::string(data, static_cast<size_t>(size));
}

// Python ints for token ids, made on first use and kept for the tokenizer's lifetime.
// Building a result list then costs one reference count per token instead of one int
// allocation (about 14 ns a token, as much as encoding it). Ids are immutable ints, so sharing
// them is invisible to callers. Only touched with the GIL held.
class IntCache {
 public:
  IntCache() = default;
  IntCache(const IntCache&) = delete;
  IntCache& operator=(const IntCache&) = delete;
  ~IntCache() {
    for (PyObject* o : ints_) Py_XDECREF(o);
  }
  void resize(size_t n) { ints_.assign(n, nullptr); }

  nb::list to_list(const std::vector<uint32_t>& ids) {
    PyObject* list = PyList_New(static_cast<Py_ssize_t>(ids.size()));
    if (!list) throw nb::python_error();
    PyObject** cache = ints_.data();
    const size_t n = ints_.size();
    for (size_t i = 0; i < ids.size(); ++i) {
      // The ints a list refers to are scattered and, after other work, out of cache: their
      // reference counts are written here, so their lines are requested ahead, in two steps
      // (the slot holding the pointer, then the object it points to). The distances cover a
      // miss to main memory at ~2 ns a token: 128 and 64 tokens ahead instead of 32 and 16
      // made the list row +5% on code after other libraries had run.
      constexpr size_t kSlotAhead = 128, kObjectAhead = 64;
      if (i + kSlotAhead < ids.size() && ids[i + kSlotAhead] < n)
        __builtin_prefetch(cache + ids[i + kSlotAhead]);
      if (i + kObjectAhead < ids.size() && ids[i + kObjectAhead] < n && cache[ids[i + kObjectAhead]])
        __builtin_prefetch(cache[ids[i + kObjectAhead]], 1);
      uint32_t id = ids[i];
      PyObject* v;
      if (id < n && cache[id]) {
        v = cache[id];
        Py_INCREF(v);
      } else {
        v = PyLong_FromUnsignedLong(id);
        if (!v) {
          Py_DECREF(list);
          throw nb::python_error();
        }
        if (id < n) {
          Py_INCREF(v);
          cache[id] = v;
        }
      }
#ifdef Py_LIMITED_API
      PyList_SetItem(list, static_cast<Py_ssize_t>(i), v);
#else
      PyList_SET_ITEM(list, static_cast<Py_ssize_t>(i), v);
#endif
    }
    return nb::steal<nb::list>(list);
  }

 private:
  std::vector<PyObject*> ints_;
};

// Ids handed to numpy without a copy: numpy.frombuffer wraps this object's buffer, and the
// array keeps the object alive. A call to frombuffer costs ~0.1 us; an array built through
// nanobind's ndarray (DLPack, keyword arguments) cost ~0.3 us, which on short texts is as much
// as encoding them.
struct IdBuffer {
  PyObject_HEAD
  std::vector<uint32_t> ids;  // constructed in place by to_numpy, destroyed by dealloc
};

int id_buffer_get(PyObject* self, Py_buffer* view, int flags) {
  static uint32_t empty = 0;  // an empty result still has a valid address
  auto& ids = reinterpret_cast<IdBuffer*>(self)->ids;
  void* data = ids.empty() ? &empty : ids.data();
  return PyBuffer_FillInfo(view, self, data, static_cast<Py_ssize_t>(ids.size() * sizeof(uint32_t)),
                           /*readonly=*/0, flags);
}

void id_buffer_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  reinterpret_cast<IdBuffer*>(self)->ids.~vector();
  PyObject_Free(self);
  Py_DECREF(type);  // heap types are referenced by their instances
}

// What to_numpy needs, made on first use (numpy is imported only when an array is asked for).
struct NumpyLink {
  PyTypeObject* buffer_type = nullptr;
  PyObject* frombuffer = nullptr;
  PyObject* uint32 = nullptr;
};

NumpyLink& numpy_link() {
  static NumpyLink link;
  if (!link.frombuffer) {
    static PyType_Slot slots[] = {{Py_bf_getbuffer, reinterpret_cast<void*>(id_buffer_get)},
                                  {Py_tp_dealloc, reinterpret_cast<void*>(id_buffer_dealloc)},
                                  {0, nullptr}};
    static PyType_Spec spec = {"tokensmith._core.IdBuffer", sizeof(IdBuffer), 0, Py_TPFLAGS_DEFAULT,
                               slots};
    nb::module_ np = nb::module_::import_("numpy");
    nb::object frombuffer = np.attr("frombuffer");
    nb::object uint32 = np.attr("dtype")("uint32");
    PyObject* type = PyType_FromSpec(&spec);
    if (!type) throw nb::python_error();
    // Kept for the life of the process, like the numpy module itself.
    link.buffer_type = reinterpret_cast<PyTypeObject*>(type);
    link.uint32 = uint32.release().ptr();
    link.frombuffer = frombuffer.release().ptr();
  }
  return link;
}

nb::object to_numpy(std::vector<uint32_t>&& ids) {
  NumpyLink& link = numpy_link();
  IdBuffer* buf = PyObject_New(IdBuffer, link.buffer_type);
  if (!buf) throw nb::python_error();
  new (&buf->ids) std::vector<uint32_t>(std::move(ids));
  PyObject* args[2] = {reinterpret_cast<PyObject*>(buf), link.uint32};
  PyObject* array = PyObject_Vectorcall(link.frombuffer, args, 2, nullptr);
  Py_DECREF(buf);
  if (!array) throw nb::python_error();
  return nb::steal(array);
}

// An added-token mask from Python: None (no added token enabled), or one 0/1 entry per added
// token as bytes (read in place: the tokenizer's masks are bytes) or a list.
struct Mask {
  const uint8_t* data = nullptr;  // nullptr: none enabled
  std::vector<uint8_t> owned;
};

Mask mask_from(nb::handle mask, size_t n) {
  Mask m;
  if (mask.is_none()) return m;
  size_t size;
  if (PyBytes_Check(mask.ptr())) {
    m.data = reinterpret_cast<const uint8_t*>(PyBytes_AS_STRING(mask.ptr()));
    size = static_cast<size_t>(PyBytes_GET_SIZE(mask.ptr()));
  } else {
    m.owned = nb::cast<std::vector<uint8_t>>(mask);
    m.data = m.owned.data();
    size = m.owned.size();
  }
  if (size != n) throw nb::value_error("added-token mask has the wrong length");
  return m;
}

// Raised (as tokensmith._core.DisallowedSpecial, its message the added token's index) when the
// text holds an added token that the call's policy disallows; Python words the error.
struct DisallowedSpecial : std::exception {
  explicit DisallowedSpecial(int32_t index) : message(std::to_string(index)) {}
  const char* what() const noexcept override { return message.c_str(); }
  std::string message;
};

// Runs fn(i) for i in [0, n) on `threads` threads; rethrows the first exception.
template <class Fn>
void parallel_for(size_t n, size_t threads, Fn&& fn) {
  if (threads <= 1 || n <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  threads = std::min(threads, n);
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::atomic<bool> failed{false};
  auto work = [&] {
    try {
      for (size_t i; !failed && (i = next.fetch_add(1)) < n;) fn(i);
    } catch (...) {
      if (!failed.exchange(true)) error = std::current_exception();
    }
  };
  // Pooled workers keep their piece memos between calls (see bpe/worker_pool.h); `work` takes
  // its indices from `next`, so fewer threads than asked for still do all of them.
  bpe::run_on_workers(threads - 1, work);
  if (error) std::rethrow_exception(error);
}

class PyPipeline {
 public:
  PyPipeline(nb::dict spec) {
    bpe::ModelSpec ms;
    nb::list tokens = nb::cast<nb::list>(spec["tokens"]);
    ms.tokens.reserve(tokens.size());
    ms.present.reserve(tokens.size());
    for (nb::handle t : tokens) {
      if (t.is_none()) {
        ms.tokens.emplace_back();
        ms.present.push_back(0);
      } else {
        ms.tokens.push_back(bytes_arg(t, "token"));
        ms.present.push_back(1);
      }
    }
    ms.semantics = static_cast<bpe::Semantics>(nb::cast<int>(spec["semantics"]));
    ms.merge_left = nb::cast<std::vector<uint32_t>>(spec["merge_left"]);
    ms.merge_right = nb::cast<std::vector<uint32_t>>(spec["merge_right"]);
    ms.initial = static_cast<bpe::Initial>(nb::cast<int>(spec["initial"]));
    ms.whole_piece_first = nb::cast<bool>(spec["whole_piece_first"]);
    ms.byte_fallback = nb::cast<bool>(spec["byte_fallback"]);
    ms.unk_id = nb::cast<int64_t>(spec["unk_id"]);
    ms.fuse_unk = nb::cast<bool>(spec["fuse_unk"]);

    bpe::PipelineSpec ps;
    ps.pretok.kind = static_cast<pretok::Kind>(nb::cast<int>(spec["pretok_kind"]));
    ps.pretok.max_digits = nb::cast<int>(spec["max_digits"]);
    ps.pretok.contractions = nb::cast<bool>(spec["contractions"]);
    ps.add_prefix_space = nb::cast<bool>(spec["add_prefix_space"]);
    for (nb::handle a : nb::cast<nb::list>(spec["added"])) {
      auto t = nb::cast<nb::tuple>(a);
      bpe::AddedToken tok;
      tok.content = bytes_arg(t[0], "added token content");
      tok.id = nb::cast<uint32_t>(t[1]);
      tok.lstrip = nb::cast<bool>(t[2]);
      tok.rstrip = nb::cast<bool>(t[3]);
      tok.single_word = nb::cast<bool>(t[4]);
      tok.normalized = nb::cast<bool>(t[5]);
      ps.added.push_back(std::move(tok));
    }
    nb::list dec = nb::cast<nb::list>(spec["decode"]);
    for (nb::handle d : dec) {
      if (d.is_none()) {
        ps.decode_bytes.emplace_back();
        ps.decodable.push_back(0);
      } else {
        ps.decode_bytes.push_back(bytes_arg(d, "decode entry"));
        ps.decodable.push_back(1);
      }
    }
    ints_.resize(ps.decode_bytes.size());
    nb::gil_scoped_release release;
    pipe_ = std::make_unique<bpe::Pipeline>(std::move(ms), std::move(ps));
  }

  // Encodes text with the added tokens of `mask` enabled, after checking that it holds none of
  // those in `disallow` (tiktoken's policy), in one release of the GIL.
  std::vector<uint32_t> run(nb::handle text, nb::handle mask, nb::handle disallow) const {
    const size_t added = pipe_->num_added();
    const Mask m = mask_from(mask, added), d = mask_from(disallow, added);
    const std::string_view v = utf8_view(text);
    const auto* s = reinterpret_cast<const uint8_t*>(v.data());
    std::vector<uint32_t> out;
    int32_t found = -1;
    {
      nb::gil_scoped_release release;
      size_t pos;
      if (d.data) found = pipe_->find_added(s, v.size(), d.data, &pos);
      if (found < 0) {
        out.reserve(v.size() / 3 + 4);
        pipe_->encode(s, v.size(), m.data, out, nullptr);
      }
    }
    if (found >= 0) throw DisallowedSpecial(found);
    return out;
  }

  nb::list encode(nb::handle text, nb::handle mask, nb::handle disallow) const {
    return ints_.to_list(run(text, mask, disallow));
  }

  nb::object encode_numpy(nb::handle text, nb::handle mask, nb::handle disallow) const {
    return to_numpy(run(text, mask, disallow));
  }

  size_t count(nb::handle text, nb::handle mask, nb::handle disallow) const {
    return run(text, mask, disallow).size();
  }

  nb::list encode_batch(nb::list texts, nb::handle mask, size_t threads) const {
    auto m = mask_from(mask, pipe_->num_added());
    std::vector<std::string_view> views;
    views.reserve(texts.size());
    for (nb::handle t : texts) views.push_back(utf8_view(t));
    std::vector<std::vector<uint32_t>> outs(views.size());
    {
      nb::gil_scoped_release release;
      const uint8_t* mp = m.data;
      parallel_for(views.size(), threads, [&](size_t i) {
        outs[i].reserve(views[i].size() / 3 + 4);
        pipe_->encode(reinterpret_cast<const uint8_t*>(views[i].data()), views[i].size(), mp,
                      outs[i], nullptr);
      });
    }
    nb::list result;
    for (auto& o : outs) result.append(ints_.to_list(o));
    return result;
  }

  // (ids, char offsets as a flat [start0, end0, start1, end1, ...] list)
  std::tuple<nb::list, nb::list> encode_offsets(nb::handle text, nb::handle mask,
                                                nb::handle disallow) const {
    const size_t added = pipe_->num_added();
    const Mask m = mask_from(mask, added), d = mask_from(disallow, added);
    std::string_view v = utf8_view(text);
    std::vector<uint32_t> ids;
    std::vector<bpe::Span> spans;
    std::vector<uint64_t> offs;
    int32_t found = -1;
    {
      nb::gil_scoped_release release;
      const auto* s = reinterpret_cast<const uint8_t*>(v.data());
      size_t pos;
      if (d.data) found = pipe_->find_added(s, v.size(), d.data, &pos);
      if (found < 0) {
        pipe_->encode(s, v.size(), m.data, ids, &spans);
        bpe::spans_to_char_offsets(s, v.size(), spans, offs);
      }
    }
    if (found >= 0) throw DisallowedSpecial(found);
    nb::list flat;
    for (uint64_t o : offs) flat.append(o);
    return {ints_.to_list(ids), flat};
  }

  nb::list encode_pieces(nb::list pieces) const {
    std::vector<std::string> owned;
    owned.reserve(pieces.size());
    for (nb::handle p : pieces) owned.push_back(bytes_arg(p, "piece"));
    std::vector<std::string_view> views(owned.begin(), owned.end());
    std::vector<uint32_t> out;
    {
      nb::gil_scoped_release release;
      pipe_->encode_pieces(views, out);
    }
    return ints_.to_list(out);
  }

  // (ids, flat [start0, end0, start1, end1, ...], counts): each token's byte span within its
  // piece, and how many tokens each piece gave.
  std::tuple<nb::list, nb::list, nb::list> encode_pieces_offsets(nb::list pieces) const {
    std::vector<std::string> owned;
    owned.reserve(pieces.size());
    for (nb::handle p : pieces) owned.push_back(bytes_arg(p, "piece"));
    std::vector<uint32_t> ids, spans, counts;
    {
      nb::gil_scoped_release release;
      std::vector<bpe::Token> toks;
      for (const std::string& piece : owned) {
        toks.clear();
        pipe_->model().encode_piece_offsets(reinterpret_cast<const uint8_t*>(piece.data()),
                                            piece.size(), toks);
        counts.push_back(static_cast<uint32_t>(toks.size()));
        for (size_t k = 0; k < toks.size(); ++k) {
          ids.push_back(toks[k].id);
          spans.push_back(toks[k].start);
          spans.push_back(k + 1 < toks.size() ? toks[k + 1].start : static_cast<uint32_t>(piece.size()));
        }
      }
    }
    nb::list flat, per_piece;
    for (uint32_t v : spans) flat.append(v);
    for (uint32_t v : counts) per_piece.append(v);
    return {ints_.to_list(ids), flat, per_piece};
  }

  // (byte offset, added index) of the first enabled added token in text, or None.
  nb::object find_added(nb::handle text, nb::handle mask) const {
    auto m = mask_from(mask, pipe_->num_added());
    std::string_view v = utf8_view(text);
    size_t pos = 0;
    int32_t k;
    {
      nb::gil_scoped_release release;
      k = pipe_->find_added(reinterpret_cast<const uint8_t*>(v.data()), v.size(),
                            m.data, &pos);
    }
    if (k < 0) return nb::none();
    return nb::make_tuple(pos, k);
  }

  // Flat [start, end, added index or -1, ...] byte segments of text.
  std::vector<int64_t> split_added(nb::bytes text, nb::handle mask, bool normalized_phase) const {
    auto m = mask_from(mask, pipe_->num_added());
    std::vector<int64_t> out;
    pipe_->split_added(reinterpret_cast<const uint8_t*>(text.c_str()), text.size(),
                       m.data, normalized_phase, out);
    return out;
  }

  nb::bytes decode(nb::handle ids) const {
    std::vector<uint32_t> v;
    try {
      v = nb::cast<std::vector<uint32_t>>(ids);
    } catch (const nb::cast_error&) {
      throw nb::type_error("token ids must be non-negative integers below 2**32");
    }
    std::string out;
    int64_t bad;
    {
      nb::gil_scoped_release release;
      bad = pipe_->decode(v.data(), v.size(), out);
    }
    if (bad >= 0) throw nb::key_error(std::to_string(v[static_cast<size_t>(bad)]).c_str());
    return nb::bytes(out.data(), out.size());
  }

  std::vector<uint32_t> unreachable_tokens() const {
    nb::gil_scoped_release release;
    return pipe_->model().unreachable_tokens();
  }

  std::vector<std::pair<uint32_t, uint32_t>> derive_merges() const {
    nb::gil_scoped_release release;
    return pipe_->model().derive_merges();
  }

  size_t num_merges() const { return pipe_->model().num_merges(); }

 private:
  std::unique_ptr<bpe::Pipeline> pipe_;
  mutable IntCache ints_;
};

// The piece ends of `text` under a known scanner, into this thread's scratch.
const pretok::Ends& split_with(nb::handle text, int kind, int max_digits, bool contractions, int bulk) {
  std::string_view v = utf8_view(text);
  pretok::Options o;
  o.kind = static_cast<pretok::Kind>(kind);
  o.max_digits = max_digits;
  o.contractions = contractions;
  o.bulk = bulk;
  thread_local pretok::Ends ends;
  ends.clear();
  nb::gil_scoped_release release;
  pretok::split(o, reinterpret_cast<const uint8_t*>(v.data()), v.size(), ends);
  return ends;
}

std::vector<uint32_t> split_pieces(nb::handle text, int kind, int max_digits, bool contractions,
                                   int bulk) {
  const pretok::Ends& ends = split_with(text, kind, max_digits, contractions, bulk);
  return std::vector<uint32_t>(ends.begin(), ends.end());
}

}  // namespace

// (tokens, ranks) of a regular tiktoken rank file, or None: the caller's exact reader then
// reads it and names the problem.
nb::object read_rank_file(nb::bytes data) {
  std::vector<std::string> tokens;
  std::vector<uint32_t> ranks;
  bool ok;
  {
    nb::gil_scoped_release release;
    ok = formats::read_rank_file(data.c_str(), data.size(), tokens, ranks);
  }
  if (!ok) return nb::none();
  nb::list toks, rks;
  for (size_t i = 0; i < tokens.size(); ++i) {
    toks.append(nb::bytes(tokens[i].data(), tokens[i].size()));
    rks.append(ranks[i]);
  }
  return nb::make_tuple(toks, rks);
}

void bind_train(nb::module_& m);  // train.cc

NB_MODULE(_core, m) {
  bind_train(m);
  m.doc() = "tokensmith's native core (BPE encoding, pre-tokenization scanners, Unicode tables)";
  m.attr("UNICODE_VERSION") = unicode::kUnicodeVersion;
  m.def("unicode_flags", [](uint32_t cp) { return unicode::flags(cp); },
        "Property flags of a code point (L=1, N=2, M=4, WS=8, Lu=16, Ll=32, Lt=64, Lm=128, Lo=256).");
  m.def("split_pieces", &split_pieces, nb::arg("text"), nb::arg("kind"), nb::arg("max_digits") = 3,
        nb::arg("contractions") = true, nb::arg("bulk") = 3,
        "Byte end offsets of the pre-tokenized pieces of text under a known scanner. bulk: 0 = "
        "per-piece scanner only, 1 = 64-byte ASCII masks with SSE2, 2 = with AVX2 where present, "
        "3 = with AVX-512BW where present.");
  m.def("count_pieces",
        [](nb::handle text, int kind, int max_digits, bool contractions, int bulk) {
          return split_with(text, kind, max_digits, contractions, bulk).size();
        },
        nb::arg("text"), nb::arg("kind"), nb::arg("max_digits") = 3, nb::arg("contractions") = true,
        nb::arg("bulk") = 3,
        "Number of pieces split_pieces would give: the scanner's cost alone, for benchmarks.");
  m.def("read_rank_file", &read_rank_file, nb::arg("data"),
        "(tokens, ranks) of a regular .tiktoken file, or None where the exact reader must look.");
  nb::exception<DisallowedSpecial>(m, "DisallowedSpecial", PyExc_ValueError);
  nb::class_<PyPipeline>(m, "Pipeline")
      .def(nb::init<nb::dict>(), nb::arg("spec"))
      .def("encode", &PyPipeline::encode, nb::arg("text"), nb::arg("mask").none(),
           nb::arg("disallow").none() = nb::none())
      .def("encode_numpy", &PyPipeline::encode_numpy, nb::arg("text"), nb::arg("mask").none(),
           nb::arg("disallow").none() = nb::none())
      .def("count", &PyPipeline::count, nb::arg("text"), nb::arg("mask").none(),
           nb::arg("disallow").none() = nb::none())
      .def("encode_batch", &PyPipeline::encode_batch, nb::arg("texts"), nb::arg("mask").none(),
           nb::arg("threads"))
      .def("encode_offsets", &PyPipeline::encode_offsets, nb::arg("text"), nb::arg("mask").none(),
           nb::arg("disallow").none() = nb::none())
      .def("encode_pieces", &PyPipeline::encode_pieces, nb::arg("pieces"))
      .def("encode_pieces_offsets", &PyPipeline::encode_pieces_offsets, nb::arg("pieces"))
      .def("find_added", &PyPipeline::find_added, nb::arg("text"), nb::arg("mask").none())
      .def("split_added", &PyPipeline::split_added, nb::arg("text"), nb::arg("mask").none(),
           nb::arg("normalized_phase"))
      .def("decode", &PyPipeline::decode, nb::arg("ids"))
      .def("unreachable_tokens", &PyPipeline::unreachable_tokens)
      .def("derive_merges", &PyPipeline::derive_merges)
      .def("derive_merges_packed", [](const PyPipeline& p) {
        // The same pairs packed as native uint32 (left, right, left, right, ...) in a bytes
        // object: 8 bytes a merge, and no numpy import, for writing large vocabularies.
        std::vector<uint32_t> flat;
        for (const auto& [a, b] : p.derive_merges()) {
          flat.push_back(a);
          flat.push_back(b);
        }
        return nb::bytes(reinterpret_cast<const char*>(flat.data()), flat.size() * sizeof(uint32_t));
      })
      .def_prop_ro("num_merges", &PyPipeline::num_merges);
}
