"""Corpus readers: gettext catalogues, text and JSONL files, NTREX-style folders, UD PUD, UDHR."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tokensmith.errors import InputTypeError
from tokensmith.evaluate import corpora
from tokensmith.evaluate.languages import describe, detect_script

DATA = Path(os.environ.get("TOKENSMITH_TEST_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
needs_data = pytest.mark.skipif(not (DATA / "corpora").is_dir(), reason=f"shared data not found at {DATA}; set TOKENSMITH_TEST_DATA")

PO_DE = r'''# German
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"

msgid "Hello"
msgstr "Hallo"

#, fuzzy
msgid "Stale"
msgstr "Veraltet"

msgctxt "month"
msgid "May"
msgstr "Mai"

msgid "one file"
msgid_plural "%d files"
msgstr[0] "eine Datei"
msgstr[1] "%d Dateien"

msgid "multi"
"line"
msgstr "mehr"
"zeilig\n"

#~ msgid "obsolete"
#~ msgstr "veraltet"
'''


def write_catalogue(root: Path, lang: str, text: str) -> Path:
    path = root / lang / "LC_MESSAGES" / "django.po"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_po_entries_keep_context_plurals_continuations_and_flag_fuzzy():
    entries = {(e.msgctxt, e.msgid): e for e in corpora.parse_po(PO_DE)}
    assert entries[("month", "May")].msgstr == ["Mai"]
    assert entries[(None, "one file")].msgstr == ["eine Datei", "%d Dateien"]
    assert entries[(None, "multiline")].msgstr == ["mehrzeilig\n"]
    assert entries[(None, "Stale")].fuzzy
    assert (None, "obsolete") not in entries


def test_po_catalogues_align_by_msgid_and_skip_fuzzy_entries(tmp_path):
    write_catalogue(tmp_path, "de", PO_DE)
    write_catalogue(tmp_path, "fr", 'msgid "Hello"\nmsgstr "Bonjour"\n\nmsgid "Stale"\nmsgstr "Vieux"\n')
    c = corpora.read_po(tmp_path)
    assert sorted(c.parts) == ["de", "en", "fr"]
    de = dict(zip([k[2] for k in c.parts["de"].keys], c.parts["de"].texts))
    assert de["Hello"] == "Hallo" and "Stale" not in de
    en = dict(zip(c.parts["en"].keys, c.parts["en"].texts))
    fr_key = c.parts["fr"].keys[0]
    assert en[fr_key] == "Hello"
    plural = [t for k, t in en.items() if k[2] == "one file"]
    assert sorted(plural) == ["%d files", "one file"]


def test_a_malformed_po_line_is_an_issue_with_file_and_line(tmp_path):
    path = write_catalogue(tmp_path, "de", 'msgid "Hello"\nmsgstr "Hallo"\n\nmsgid Hello\nmsgstr "x"\n')
    c = corpora.read_po(tmp_path)
    assert any(i.where == f"{path}:4" for i in c.issues)


def test_text_file_reports_a_non_utf8_line_and_keeps_the_rest(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"first line\n\xff\xfe broken\nthird\r\n")
    c = corpora.read_text(path)
    assert c.parts[""].texts == ["first line", "third"]
    assert c.parts[""].origin(1) == f"{path}:3"
    assert [i.where for i in c.issues] == [f"{path}:2"]


def test_jsonl_reads_a_field_and_reports_bad_records(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"text": "a"}) + "\n{oops\n" + json.dumps({"other": 1}) + "\n" + json.dumps({"text": "b"}) + "\n")
    c = corpora.read_jsonl(path)
    assert c.parts[""].texts == ["a", "b"]
    assert [i.where for i in c.issues] == [f"{path}:2", f"{path}:3"]


def test_parallel_folder_reads_language_codes_from_ntrex_file_names(tmp_path):
    (tmp_path / "newstest2019-src.eng.txt").write_text("one\ntwo\n")
    (tmp_path / "newstest2019-ref.zho-CN.txt").write_text("一\n二\n")
    (tmp_path / "newstest2019-ref-2.spa.txt").write_text("uno\ndos\n")
    c = corpora.read_parallel_folder(tmp_path)
    assert sorted(c.parts) == ["eng", "zho-CN"] and c.parallel
    assert c.parts["zho-CN"].texts == ["一", "二"]


def test_unknown_spec_is_a_typed_error_with_the_forms():
    with pytest.raises(InputTypeError, match="ntrex:PATH"):
        corpora.from_spec("/nonexistent/corpus.txt")


def test_select_keeps_positional_alignment():
    c = corpora.Corpus.aligned("p", {"eng": [f"e{i}" for i in range(10)], "deu": [f"d{i}" for i in range(10)]})
    s = c.select(max_segments=3)
    assert [t[1:] for t in s.parts["eng"].texts] == [t[1:] for t in s.parts["deu"].texts]


def test_language_codes_in_every_corpus_convention():
    assert describe("zho-TW").script == "Hant" and describe("zh_Hans").script == "Hans"
    assert describe("ja").iso639_3 == "jpn" and describe("srp-Latn").script == "Latn"
    assert describe("pt_BR").name == "Portuguese (BR)"
    assert not describe("qqq").known
    assert detect_script("Привет, мир") == "Cyrl" and detect_script("สวัสดีครับ") == "Thai"


@needs_data
def test_pud_has_gold_words_for_unspaced_scripts():
    c = corpora.read_pud(DATA / "corpora" / "ud-pud" / "pud_parallel.tsv.xz").select(["ja", "th", "en"], 20)
    assert len(c.parts["ja"]) == 20 and c.parts["ja"].words is not None
    # Gold words of a Japanese sentence are substrings of it (no spaces to split on).
    for text, words in zip(c.parts["ja"].texts, c.parts["ja"].words):
        assert all(w in text for w in words) and len(words) > 3


@needs_data
def test_udhr_aligns_by_article():
    c = corpora.read_udhr(DATA / "corpora" / "udhr" / "udhr_articles.tsv.xz")
    assert len(c.parts) > 500 and c.keyed
    assert sorted(set(c.parts["en"].keys)) == list(range(31))
