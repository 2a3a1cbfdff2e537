"""The main job (`tokensmith demo`) runs end to end on a small setting and writes its outputs."""
from __future__ import annotations

import json

import pytest
from rich.console import Console

from tokensmith import demo, load

pytest.importorskip("django", reason="the demo's parallel corpus is Django's .po catalogues")


def test_demo_trains_compares_and_writes_the_report(tmp_path):
    out = tmp_path / "demo"
    screen = Console(file=open(tmp_path / "screen.txt", "w"), width=200)
    report = demo.run(out_dir=str(out), sizes=(1000, 2000, 3000), parity_size=2000, quick=True, console=screen)
    screen.file.close()
    printed = (tmp_path / "screen.txt").read_text()

    labels = set(report.labels)
    assert {"bpe-1k", "bpe-2k", "bpe-3k", "ui-bpe-2k", "parity-2k"} <= labels
    results = json.loads((out / "results.json").read_text())
    assert set(results["training"]) == {"bpe-1k", "bpe-2k", "bpe-3k", "ui-bpe-2k", "parity-2k"}
    assert results["training"]["parity-2k"]["objective"] == "parity-aware"
    assert len(results["demo"]["parity_languages"]) >= 10
    html = (out / "report.html").read_text()
    assert "<svg" in html and "django-ui" in html and "http://" not in html.replace("http://www.w3.org", "")
    # The trained tokenizers are saved and load back with the same ids.
    for label in ("bpe-2k", "parity-2k"):
        again = load(out / "tokenizers" / label / f"{label}.tiktoken")
        text = "def f(x):\n    return 'Grüße, мир'  # 42"
        assert again.encode(text) == load(out / "tokenizers" / label / "tokenizer.json").encode(text)
    # Trained sizes are ordered: more merges, fewer tokens on the held-out code.
    rows = {(r["tokenizer"], r["corpus"]): r for r in report.rows()}
    code = [rows[(f"bpe-{k}k", "python-stdlib")]["tokens"] for k in (1, 2, 3)]
    assert code[0] > code[1] > code[2]
    assert "bpe-3k" in printed and "python-stdlib" in printed
