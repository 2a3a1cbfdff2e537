// Python bindings of the training core (counting pieces, BPE merge loops).
//
// Kept apart from module.cc so the runtime and the trainer evolve independently; module.cc
// calls bind_train() once when the module loads.
#include <nanobind/nanobind.h>

namespace nb = nanobind;

void bind_train(nb::module_& m) {}
