"""ts.evaluate end to end on small in-memory corpora with hand-checkable tokenizers, and bad input (§6)."""
from __future__ import annotations

import io
import json

import pytest
from eval_helpers import Latin1Chars, SpacedWords
from rich.console import Console

import tokensmith as ts
from tokensmith.errors import InputTypeError, TokensmithError
from tokensmith.evaluate import corpora
from tokensmith.evaluate.report import Report


def quiet():
    return Console(file=io.StringIO(), width=200)


PARALLEL = {"eng": ["the cat", "a dog"], "deu": ["die Katze", "ein Hund"]}


def test_counts_by_hand_for_a_character_tokenizer():
    report = ts.evaluate([("chars", Latin1Chars())], {"tiny": PARALLEL}, console=quiet())
    rows = {r["language"]: r for r in report.rows()}
    # One token per character: eng 7 + 5 = 12 tokens, deu 9 + 8 = 17.
    assert rows["eng"]["tokens"] == 12 and rows["deu"]["tokens"] == 17
    assert rows["deu"]["premium"] == pytest.approx(17 / 12)
    assert rows["eng"]["premium"] == 1.0
    assert rows["eng"]["bytes_per_token"] == 1.0
    assert rows["eng"]["fertility"] == pytest.approx(12 / 4)
    # Each word alone, with its leading space: "the", "cat", "a", "dog" -> all but "a" have ≥ 2 tokens.
    assert rows["eng"]["continued_words"] == pytest.approx(3 / 4)
    assert rows["eng"]["roundtrip_rate"] == 1.0
    (head,) = report.headline()
    assert head["premium_max"] == pytest.approx(17 / 12)


def test_word_tokenizer_has_fertility_one_and_no_continued_words():
    report = ts.evaluate({"words": SpacedWords()}, {"mono": ["a b c", "dd ee"]}, console=quiet())
    (row,) = report.rows()
    assert row["fertility"] == 1.0 and row["continued_words"] == 0.0


def test_nsl_against_a_baseline_and_vocab_overlap():
    report = ts.evaluate([("chars", Latin1Chars()), ("words", SpacedWords())], {"mono": ["ab cd", "efg"]},
                         baseline="chars", console=quiet())
    head = {r["tokenizer"]: r for r in report.headline()}
    assert head["chars"]["nsl"] == 1.0
    assert head["words"]["nsl"] == pytest.approx(3 / 8)
    assert report.overlap["labels"] == ["chars", "words"]


def test_reloaded_json_gives_the_same_summaries_without_tokenizing():
    report = ts.evaluate([("chars", Latin1Chars())], {"tiny": PARALLEL}, console=quiet())
    again = Report.from_json(report.to_json())
    assert again.headline() == report.headline()
    assert again.rows() == report.rows()
    raw = json.loads(report.to_json())["raw"]
    assert raw[0]["seg_tokens"] == [7, 5]


def test_unspaced_script_without_gold_words_has_no_fertility():
    report = ts.evaluate({"words": SpacedWords()}, {"p": {"eng": ["a b"], "tha": ["สวัสดีครับ"]}}, console=quiet())
    rows = {r["language"]: r for r in report.rows()}
    assert rows["tha"]["fertility"] is None and rows["tha"]["word_rule"] == "n/a"
    assert rows["eng"]["word_rule"] == "whitespace"


def test_families_are_inferred_from_size_suffixes():
    report = ts.evaluate([("bpe-1k", Latin1Chars()), ("bpe-2k", SpacedWords())], {"m": ["x y"]}, console=quiet())
    assert [t.family for t in report.tokenizers] == ["bpe", "bpe"]


# ------------------------------------------------------------------------- bad input (§6)


def test_a_tokenizer_failing_on_some_segments_is_reported_with_file_and_line(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_text("plain text\nnaïve café\n漢字 here\nmore text\n", encoding="utf-8")
    out = io.StringIO()
    report = ts.evaluate([("chars", Latin1Chars()), ("words", SpacedWords())], [corpora.read_text(path)],
                         console=Console(file=out, width=300))
    (issue,) = [i for i in report.issues if i.tokenizer == "chars"]
    assert issue.where == f"{path}:3" and "ValueError" in issue.message
    assert f"{path}:3" in out.getvalue()
    rows = {r["tokenizer"]: r for r in report.rows()}
    assert rows["chars"]["failed_segments"] == 1 and rows["chars"]["segments"] == 3
    assert rows["words"]["segments"] == 4
    assert "mixed.txt:3" in report.to_html()


def test_misaligned_parallel_file_is_reported_and_left_out_of_premiums(tmp_path):
    (tmp_path / "src.eng.txt").write_text("one\ntwo\nthree\n")
    (tmp_path / "ref.deu.txt").write_text("eins\nzwei\ndrei\n")
    (tmp_path / "ref.fra.txt").write_text("un\ndeux\n")
    report = ts.evaluate([("chars", Latin1Chars())], [corpora.read_parallel_folder(tmp_path)], console=quiet())
    (issue,) = [i for i in report.issues if i.language == "fra"]
    assert issue.where.endswith("ref.fra.txt:2") and "not aligned" in issue.message
    rows = {r["language"]: r for r in report.rows()}
    assert rows["fra"]["premium"] is None and rows["fra"]["tokens"] == 6
    assert rows["deu"]["premium"] == pytest.approx(12 / 11)  # "eins zwei drei" vs "one two three"


def test_unknown_language_code_is_a_warning_and_still_measured():
    report = ts.evaluate([("chars", Latin1Chars())], {"p": {"eng": ["ab"], "xqz": ["abc"]}}, console=quiet())
    assert any(i.level == "warning" and i.language == "xqz" and "unknown language code" in i.message for i in report.issues)
    assert {r["language"]: r["premium"] for r in report.rows()}["xqz"] == pytest.approx(1.5)


def test_empty_corpus_is_reported_and_the_others_evaluated(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    report = ts.evaluate([("chars", Latin1Chars())], [corpora.read_text(empty), corpora.Corpus.monolingual("ok", ["ab"])],
                         console=quiet())
    assert any("empty" in i.message and i.where == str(empty) for i in report.issues)
    assert [r["corpus"] for r in report.headline()] == ["ok"]


def test_nothing_to_evaluate_raises_a_typed_error():
    with pytest.raises(InputTypeError):
        ts.evaluate([], {"m": ["a"]}, console=quiet())
    with pytest.raises(TokensmithError):
        ts.evaluate([("chars", Latin1Chars())], {"m": []}, console=quiet())
    with pytest.raises(InputTypeError, match="not a tokenizer"):
        ts.evaluate([("x", object())], {"m": ["a"]}, console=quiet())


def test_missing_reference_language_makes_premiums_na_with_a_warning():
    report = ts.evaluate([("chars", Latin1Chars())], {"p": {"deu": ["a"], "fra": ["b"]}}, console=quiet())
    assert all(r["premium"] is None for r in report.rows())
    assert any("reference language" in i.message for i in report.issues)


def test_evaluate_is_a_function_and_its_modules_import():
    from tokensmith.evaluate import metrics

    assert callable(ts.evaluate) and ts.evaluate.__module__ == "tokensmith"
    assert metrics.premium([30, 50], [20, 20]) == 2.0
