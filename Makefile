# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv, installs
# tokensmith with its dev extras (compiling the C++ core), then runs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: install demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The editable install keeps Python sources live; re-running it rebuilds the core incrementally.
install: $(BIN)/python
	$(BIN)/pip install -q "scikit-build-core>=0.10" "nanobind>=2.4"
	$(BIN)/pip install -q --no-build-isolation -Cbuild-dir=build/dev -e ".[dev]"

demo: install
	$(BIN)/tokensmith demo

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python benchmarks/encode.py
	$(BIN)/python benchmarks/pretokenize.py
	$(BIN)/python benchmarks/worst_case.py

clean:
	rm -rf build $(VENV) .pytest_cache
