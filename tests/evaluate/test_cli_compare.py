"""`tokensmith compare`: flags are evaluate's kwargs; the report and JSON are written; problems are reported."""
from __future__ import annotations

import json

from tokensmith.cli import main


def test_compare_writes_html_json_and_csv(tmp_path, ts_tiktoken, data_root, capsys):
    (tmp_path / "src.eng.txt").write_text("Hello world.\nHow are you?\n")
    (tmp_path / "ref.deu.txt").write_text("Hallo Welt.\nWie geht es dir?\n")
    (tmp_path / "ref.fra.txt").write_text("Bonjour.\n")
    tok = data_root / "tokenizers" / "openai" / "cl100k_base.tiktoken"
    out = tmp_path / "r.html"
    code = main(["compare", "-t", f"cl100k={tok}", "--corpus", f"ntrex:{tmp_path}", "-o", str(out),
                 "--json", str(tmp_path / "r.json"), "--csv", str(tmp_path / "r.csv"), "--bootstrap", "50"])
    assert code == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["options"]["bootstrap"] == 50 and data["tokenizers"][0]["label"] == "cl100k"
    rows = (tmp_path / "r.csv").read_text().splitlines()
    assert rows[0].startswith("tokenizer,corpus,language") and len(rows) == 4
    assert all(r.startswith(f"cl100k,{tmp_path.name},") for r in rows[1:])
    err = capsys.readouterr().err
    assert "ref.fra.txt:1" in err and "not aligned" in err


def test_compare_help_lists_the_corpus_forms(capsys):
    assert main(["compare", "--help"]) == 0
    text = capsys.readouterr().out
    assert "ntrex:PATH" in text and "--reference-language" in text
