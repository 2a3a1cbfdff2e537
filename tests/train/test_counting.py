"""Piece counting: exact against a Python count, independent of threads and memory budget,
bounded when the budget is small, and reusable from disk."""
from __future__ import annotations

from collections import Counter

import pytest
import regex

import corpora
from tokensmith.pretokenizers import PATTERNS
from tokensmith.train import train
from tokensmith.train.counting import PieceCounts, Splitter, count


@pytest.fixture(scope="module")
def docs():
    return [text for _, text in corpora.stdlib_sources(max_chars=600_000, max_file_chars=4_000)]


def python_count(docs, pattern) -> Counter:
    c: Counter = Counter()
    for d in docs:
        c.update(p.encode() for p in regex.findall(pattern, d))
    return c


@pytest.mark.parametrize("preset", ["gpt2", "cl100k", "o200k"])
def test_counts_equal_a_python_regex_count(docs, preset):
    pc = count(docs, splitter=Splitter.bytes(preset), progress=False)
    assert dict(pc.items()) == python_count(docs, PATTERNS[preset])
    assert pc.total == sum(python_count(docs, PATTERNS[preset]).values())


def test_generic_regex_path_counts_like_the_scanner(docs):
    custom = PATTERNS["gpt2"] + "|(?:x)"  # not a known pattern: split in Python, counted natively
    assert Splitter.bytes(custom).fast_path() is None
    generic = count(docs[:200], splitter=Splitter.bytes(custom), progress=False)
    native = count(docs[:200], splitter=Splitter.bytes("gpt2"), progress=False)
    assert dict(generic.items()) == dict(native.items())


def test_threads_and_spilling_do_not_change_counts(docs, tmp_path):
    one = count(docs, splitter=Splitter.bytes("o200k"), threads=1, progress=False)
    spilled = count(docs, splitter=Splitter.bytes("o200k"), threads=2, max_memory=200_000,
                    spill_dir=str(tmp_path), progress=False)
    assert spilled.stats["spilled_runs"] > 1
    assert spilled.stats["pruned_pieces"] == 0 or spilled.stats["prune_threshold"] > 0
    full = dict(one.items())
    kept = dict(spilled.items())
    if spilled.stats["prune_threshold"]:
        # Pruned: exactly the pieces below the threshold are gone, the rest exact.
        t = spilled.stats["prune_threshold"]
        assert kept == {p: c for p, c in full.items() if c >= t}
        assert spilled.stats["pruned_occurrences"] == sum(c for c in full.values() if c < t)
    else:
        assert kept == full
    assert list(tmp_path.iterdir()) == []  # spill files are removed


def test_budget_that_fits_the_result_keeps_every_piece(docs, tmp_path):
    one = count(docs, splitter=Splitter.bytes("o200k"), threads=1, progress=False)
    mid = count(docs, splitter=Splitter.bytes("o200k"), threads=2, max_memory=3_000_000, spill_dir=str(tmp_path),
                progress=False)
    assert mid.stats["spilled_runs"] >= 1 and mid.stats["prune_threshold"] == 0
    assert dict(mid.items()) == dict(one.items())


def test_a_tiny_budget_prunes_the_rarest_pieces_with_one_threshold(docs, tmp_path):
    one = count(docs, splitter=Splitter.bytes("o200k"), progress=False)
    small = count(docs, splitter=Splitter.bytes("o200k"), max_memory=100_000, spill_dir=str(tmp_path),
                  progress=False)
    t = small.stats["prune_threshold"]
    assert t > 1
    assert dict(small.items()) == {p: c for p, c in one.items() if c >= t}


def test_counts_save_and_load_round_trip(docs, tmp_path):
    pc = count(docs, splitter=Splitter.bytes("cl100k", digits="single"), progress=False)
    path = pc.save(tmp_path / "counts.parquet")
    back = PieceCounts.load(path)
    assert dict(back.items()) == dict(pc.items()) and back.splitter == pc.splitter
    a = train(pc, vocab_size=600, progress=False)
    b = train(back, vocab_size=600, progress=False)
    assert a.model.tokens == b.model.tokens


def test_counts_from_another_splitter_are_refused(docs):
    pc = count(docs[:50], splitter=Splitter.bytes("gpt2"), progress=False)
    with pytest.raises(ValueError, match="were made with"):
        train(pc, vocab_size=300, pretokenizer="cl100k", progress=False)


def test_metaspace_pieces(tmp_path):
    pc = count(["a  b    c", "x"], splitter=Splitter.chars(), progress=False)
    assert dict(pc.items()) == {"▁a".encode(): 1, "▁".encode(): 4, "▁b".encode(): 1, "▁c".encode(): 1,
                                "▁x".encode(): 1}
    pc = count(["a  b    c"], splitter=Splitter.chars(whitespace_only_pieces=True), progress=False)
    assert dict(pc.items()) == {"▁a".encode(): 1, "▁".encode(): 1, "▁▁▁".encode(): 1, "▁b".encode(): 1,
                                "▁c".encode(): 1}


def test_digit_rules(tmp_path):
    single = count(["x 2024"], splitter=Splitter.bytes("o200k", digits="single"), progress=False)
    groups = count(["x 20245"], splitter=Splitter.bytes("o200k", digits="groups"), progress=False)
    assert dict(single.items()) == {b"x": 1, b" ": 1, b"2": 2, b"0": 1, b"4": 1}
    assert dict(groups.items()) == {b"x": 1, b" ": 1, b"202": 1, b"45": 1}
