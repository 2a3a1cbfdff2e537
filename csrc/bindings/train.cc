// Python bindings of the training core: Counter (pieces of a corpus -> Counts) and Trainer
// (Counts -> merges).
//
// Kept apart from module.cc so the runtime and the trainer evolve independently; module.cc
// calls bind_train() once when the module loads. Every long call releases the GIL; the
// Trainer advances in steps so Python can show progress and honour Ctrl-C between them.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/unique_ptr.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "train/bpe_trainer.h"
#include "train/counter.h"
#include "train/objectives.h"
#include "unicode/utf8.h"

#include <unordered_map>

namespace nb = nanobind;
using namespace ts;

namespace {

using U64Array = nb::ndarray<nb::numpy, uint64_t, nb::ndim<1>>;

U64Array u64_array(const std::vector<uint64_t>& v) {
  auto* owned = new std::vector<uint64_t>(v);
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<std::vector<uint64_t>*>(p); });
  return U64Array(owned->data(), {owned->size()}, owner);
}

std::string_view bytes_view(nb::handle h) {
  if (PyBytes_Check(h.ptr())) return {PyBytes_AS_STRING(h.ptr()), static_cast<size_t>(PyBytes_GET_SIZE(h.ptr()))};
  if (PyUnicode_Check(h.ptr())) {
    Py_ssize_t n;
    const char* p = PyUnicode_AsUTF8AndSize(h.ptr(), &n);
    if (!p) throw nb::python_error();
    return {p, static_cast<size_t>(n)};
  }
  throw nb::type_error("expected bytes or str");
}

class PyCounter {
 public:
  PyCounter(int kind, int max_digits, bool contractions, bool metaspace, bool add_prefix_space,
            bool whitespace_only_pieces, size_t max_piece_bytes, size_t threads, size_t max_memory,
            std::string spill_dir) {
    train::SplitOptions o;
    o.scanner.kind = static_cast<pretok::Kind>(kind);
    o.scanner.max_digits = max_digits;
    o.scanner.contractions = contractions;
    o.metaspace = metaspace;
    o.add_prefix_space = add_prefix_space;
    o.whitespace_only_pieces = whitespace_only_pieces;
    o.max_piece_bytes = max_piece_bytes ? max_piece_bytes : (size_t(1) << 16);
    counter_ = std::make_unique<train::Counter>(o, threads, max_memory, std::move(spill_dir));
  }

  void add_documents(nb::list docs) {
    std::vector<std::string_view> views;
    views.reserve(docs.size());
    for (nb::handle d : docs) {
      if (!PyUnicode_Check(d.ptr())) throw nb::type_error("documents must be str");
      views.push_back(bytes_view(d));  // the list keeps the UTF-8 buffers alive
    }
    nb::gil_scoped_release release;
    counter_->add_documents(views);
  }

  void add_pieces(nb::list pieces, nb::object counts) {
    std::vector<std::string_view> views;
    views.reserve(pieces.size());
    for (nb::handle p : pieces) views.push_back(bytes_view(p));
    std::vector<uint64_t> cs;
    if (!counts.is_none()) {
      cs = nb::cast<std::vector<uint64_t>>(counts);
      if (cs.size() != views.size()) throw nb::value_error("pieces and counts differ in length");
    }
    nb::gil_scoped_release release;
    counter_->add_pieces(views, cs);
  }

  std::unique_ptr<train::Counts> finish() {
    nb::gil_scoped_release release;
    return std::make_unique<train::Counts>(counter_->finish());
  }

  size_t memory() const { return counter_->memory(); }
  size_t spilled_runs() const { return counter_->spilled_runs(); }
  uint64_t documents() const { return counter_->documents(); }
  uint64_t bytes() const { return counter_->bytes(); }

 private:
  std::unique_ptr<train::Counter> counter_;
};

std::unique_ptr<train::Counts> counts_from_arrays(nb::bytes data, nb::ndarray<const uint64_t, nb::ndim<1>> offsets,
                                                  nb::ndarray<const uint64_t, nb::ndim<1>> counts) {
  size_t n = counts.shape(0);
  if (offsets.shape(0) != n + 1) throw nb::value_error("offsets must have one more entry than counts");
  auto out = std::make_unique<train::Counts>();
  out->data.assign(data.c_str(), data.size());
  out->offsets.assign(offsets.data(), offsets.data() + n + 1);
  out->counts.assign(counts.data(), counts.data() + n);
  if (out->offsets[0] != 0 || out->offsets[n] != out->data.size())
    throw nb::value_error("offsets do not span the piece data");
  for (size_t i = 0; i < n; ++i) {
    if (out->offsets[i] > out->offsets[i + 1]) throw nb::value_error("offsets must not decrease");
    if (i && out->piece(i - 1) >= out->piece(i))
      throw nb::value_error("pieces must be unique and sorted by bytes (as Counts.to_arrays writes them)");
  }
  return out;
}

std::unique_ptr<train::Objective> make_objective(nb::dict spec) {
  std::string kind = nb::cast<std::string>(spec["kind"]);
  if (kind == "frequency") return std::make_unique<train::Frequency>();
  if (kind == "parity") {
    return std::make_unique<train::ParityAware>(
        nb::cast<size_t>(spec["global_merges"]), nb::cast<std::vector<double>>(spec["ratios"]),
        nb::cast<size_t>(spec["window"]), nb::cast<double>(spec["alpha"]));
  }
  throw nb::value_error("unknown objective kind");
}

class PyTrainer {
 public:
  PyTrainer(nb::dict spec, nb::list train, nb::list dev, nb::dict objective) {
    train::TrainSpec s;
    for (nb::handle t : nb::cast<nb::list>(spec["vocab"])) s.vocab.emplace_back(bytes_view(t));
    s.symbol = nb::cast<std::vector<uint8_t>>(spec["symbol"]);
    s.chars = nb::cast<bool>(spec["chars"]);
    s.vocab_size = nb::cast<size_t>(spec["vocab_size"]);
    s.min_frequency = nb::cast<uint64_t>(spec["min_frequency"]);
    s.max_token_length = nb::cast<size_t>(spec["max_token_length"]);
    s.hf_compat = nb::cast<bool>(spec["hf_compat"]);
    s.per_language = nb::cast<bool>(spec["per_language"]);
    std::vector<const train::Counts*> tr, dv;
    for (nb::handle c : train) tr.push_back(nb::cast<const train::Counts*>(c));
    for (nb::handle c : dev) dv.push_back(nb::cast<const train::Counts*>(c));
    auto obj = make_objective(objective);
    nb::gil_scoped_release release;
    trainer_ = std::make_unique<train::Trainer>(std::move(s), tr, dv, std::move(obj));
  }

  bool step(size_t n) {
    nb::gil_scoped_release release;
    return trainer_->step(n);
  }

  nb::list merges() const {
    nb::list out;
    for (const auto& m : trainer_->merges())
      out.append(nb::make_tuple(m.left, m.right, m.id, m.count, m.column));
    return out;
  }

  nb::list vocab() const {
    nb::list out;
    for (const auto& t : trainer_->vocab()) out.append(nb::bytes(t.data(), t.size()));
    return out;
  }

  nb::dict view() const {
    const auto& v = trainer_->view();
    nb::dict d;
    d["train_len"] = v.train_len;
    d["init_train_len"] = v.init_train_len;
    d["dev_len"] = v.dev_len;
    d["init_dev_len"] = v.init_dev_len;
    return d;
  }

  std::string stop_reason() const { return trainer_->stop_reason(); }
  size_t merge_count() const { return trainer_->merge_count(); }
  std::vector<size_t> sizes() const { return trainer_->sizes(); }
  size_t words() const { return trainer_->words(); }

 private:
  std::unique_ptr<train::Trainer> trainer_;
};

// Occurrences of each code point in counted pieces (piece count x occurrences in the piece),
// for choosing a character-level alphabet: (code points, counts), code points ascending.
nb::tuple char_counts(const train::Counts& c) {
  std::unordered_map<uint32_t, uint64_t> freq;
  {
    nb::gil_scoped_release release;
    for (size_t i = 0; i < c.size(); ++i) {
      std::string_view p = c.piece(i);
      const uint8_t* s = reinterpret_cast<const uint8_t*>(p.data());
      for (size_t k = 0; k < p.size();) {
        size_t len;
        freq[utf8::decode(s, p.size(), k, &len)] += c.counts[i];
        k += len;
      }
    }
  }
  std::vector<std::pair<uint32_t, uint64_t>> items(freq.begin(), freq.end());
  std::sort(items.begin(), items.end());
  std::vector<uint64_t> cps, counts;
  for (const auto& [cp, n] : items) {
    cps.push_back(cp);
    counts.push_back(n);
  }
  return nb::make_tuple(u64_array(cps), u64_array(counts));
}

}  // namespace

void bind_train(nb::module_& m) {
  m.def("char_counts", &char_counts, nb::arg("counts"),
        "(code points, occurrences) over counted pieces, weighted by their counts");
  nb::class_<train::Counts>(m, "Counts")
      .def("__len__", &train::Counts::size)
      .def_prop_ro("total", [](const train::Counts& c) {
        uint64_t t = 0;
        for (uint64_t x : c.counts) t += x;
        return t;
      })
      .def_ro("pruned_pieces", &train::Counts::pruned_pieces)
      .def_ro("pruned_occurrences", &train::Counts::pruned_occurrences)
      .def_ro("prune_threshold", &train::Counts::prune_threshold)
      .def("piece", [](const train::Counts& c, size_t i) {
        if (i >= c.size()) throw nb::index_error();
        auto p = c.piece(i);
        return nb::bytes(p.data(), p.size());
      })
      .def("count", [](const train::Counts& c, size_t i) {
        if (i >= c.size()) throw nb::index_error();
        return c.counts[i];
      })
      .def("to_arrays", [](const train::Counts& c) {
        return nb::make_tuple(nb::bytes(c.data.data(), c.data.size()), u64_array(c.offsets), u64_array(c.counts));
      }, "(piece bytes, offsets, counts): pieces sorted by bytes")
      .def_static("from_arrays", &counts_from_arrays, nb::arg("data"), nb::arg("offsets"), nb::arg("counts"));

  nb::class_<PyCounter>(m, "Counter")
      .def(nb::init<int, int, bool, bool, bool, bool, size_t, size_t, size_t, std::string>(),
           nb::arg("kind"), nb::arg("max_digits"), nb::arg("contractions"), nb::arg("metaspace"),
           nb::arg("add_prefix_space"), nb::arg("whitespace_only_pieces"), nb::arg("max_piece_bytes"),
           nb::arg("threads"), nb::arg("max_memory"), nb::arg("spill_dir"))
      .def("add_documents", &PyCounter::add_documents, nb::arg("docs"))
      .def("add_pieces", &PyCounter::add_pieces, nb::arg("pieces"), nb::arg("counts").none())
      .def("finish", &PyCounter::finish)
      .def_prop_ro("memory", &PyCounter::memory)
      .def_prop_ro("spilled_runs", &PyCounter::spilled_runs)
      .def_prop_ro("documents", &PyCounter::documents)
      .def_prop_ro("bytes", &PyCounter::bytes);

  nb::class_<PyTrainer>(m, "Trainer")
      .def(nb::init<nb::dict, nb::list, nb::list, nb::dict>(), nb::arg("spec"), nb::arg("train"),
           nb::arg("dev"), nb::arg("objective"))
      .def("step", &PyTrainer::step, nb::arg("n"))
      .def("merges", &PyTrainer::merges)
      .def("vocab", &PyTrainer::vocab)
      .def("view", &PyTrainer::view)
      .def_prop_ro("stop_reason", &PyTrainer::stop_reason)
      .def_prop_ro("merge_count", &PyTrainer::merge_count)
      .def_prop_ro("sizes", &PyTrainer::sizes, "(distinct pairs, heap entries, word-list entries, their capacity)")
      .def_prop_ro("words", &PyTrainer::words);
}
