"""benchmarks/train.py: its --quick path runs end to end, and its children read the corpus
exactly as tokensmith's own reader does (otherwise the peers would train on other text).

Only tokensmith and HF tokenizers (a test dependency) are run, on a ~0.3 MB slice of the
standard library, so the whole file takes well under 30 s. The script's cache (models, child
logs) goes to a temporary folder.
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "train.py"


def load_script():
    spec = importlib.util.spec_from_file_location("bench_train", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_run_prints_the_table_and_the_ratios(tmp_path, ts):
    pytest.importorskip("tokenizers")
    env = dict(os.environ, TOKENSMITH_BENCH_CACHE=str(tmp_path))
    out = tmp_path / "result.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--quick-mb", "0.3", "--corpus", "stdlib", "--sizes", "600",
         "--peers", "tokensmith", "hf", "--timeout", "60", "--json", str(out)],
        capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    text = proc.stdout
    assert "peak RSS MiB" in text and "held-out B/tok" in text
    assert "tokensmith/peer wall time" in text and "tokensmith/peer peak RSS" in text
    import json

    results = {r["trainer"]: r for r in json.loads(out.read_text())["results"]}
    assert results["tokensmith"]["status"] == "ok" and results["hf"]["status"] == "ok"
    assert results["tokensmith"]["peak_rss_kib"] > 0 and results["tokensmith"]["bpt"] > 1.0
    # Same regex, same documents, frequency BPE: both reach the same compression.
    assert results["tokensmith"]["bpt"] == pytest.approx(results["hf"]["bpt"], rel=0.02)


@pytest.mark.parametrize("document", ["line", "file"])
def test_child_reader_gives_tokensmiths_documents(tmp_path, ts, document):
    from tokensmith.train.corpus import Corpus

    path = tmp_path / "c.txt"
    path.write_bytes("first line\r\n\nsecond \u00e9\n  \nlast without newline".encode("utf-8"))
    bench = load_script()
    got = list(bench.child_documents({"files": [str(path)], "document": document}))
    assert got == list(Corpus([path], document=document).documents())
