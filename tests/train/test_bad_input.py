"""Bad training input: a typed error that says what to change, or a documented bounded
behaviour -- never a hang, an out-of-memory kill or a silent garbage vocabulary."""
from __future__ import annotations

import os
import resource

import pytest

from tokensmith.errors import CorpusError, FormatError, TrainingError
from tokensmith.train import train
from tokensmith.train.counting import PieceCounts


def test_empty_corpus(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    with pytest.raises(TrainingError, match="the corpus is empty"):
        train(str(empty), vocab_size=300, progress=False)
    with pytest.raises(TrainingError, match="the corpus is empty"):
        train([], vocab_size=300, progress=False)


def test_vocab_size_below_the_alphabet():
    with pytest.raises(TrainingError, match=r"use vocab_size >= 257"):
        train(["some text"], vocab_size=200, special_tokens=["<|endoftext|>"], progress=False)
    with pytest.raises(TrainingError, match=r"lower character_coverage"):
        train(["some text"], vocab_size=100, level="chars", progress=False)


def test_unreadable_file(tmp_path):
    p = tmp_path / "secret.txt"
    p.write_text("x")
    p.chmod(0)
    if os.access(p, os.R_OK):  # running as root: permissions do not apply
        pytest.skip("root can read any file")
    with pytest.raises(PermissionError):
        train(str(p), vocab_size=300, progress=False)


def test_not_a_counts_file(tmp_path):
    p = tmp_path / "c.parquet"
    p.write_bytes(b"PAR1 not really")
    with pytest.raises(FormatError, match="not a readable counts file"):
        PieceCounts.load(p)


def test_invalid_regex():
    with pytest.raises(ValueError, match=r"(?i)regex|pattern"):
        train(["text"], vocab_size=300, pretokenizer=r"(\p{L}+", progress=False)


def test_unknown_options():
    with pytest.raises(ValueError, match="choose one of"):
        train(["text"], vocab_size=300, algorithm="unigram", progress=False)
    with pytest.raises(ValueError, match="digits"):
        train(["text"], vocab_size=300, digits="roman", progress=False)
    with pytest.raises(ValueError, match="choose None or 'hf'"):
        train(["text"], vocab_size=300, compat="sentencepiece", progress=False)


def test_jsonl_without_the_field(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text('{"body": "x"}\n')
    with pytest.raises(CorpusError, match=r"d.jsonl:1: field 'text' is missing"):
        train(str(p), vocab_size=300, progress=False)


def test_a_100_mb_line_without_spaces_is_bounded(tmp_path):
    # One 100 MB line: read in 16 MiB chunks, pieces cut at 64 KiB (documented), so memory stays
    # near the input size and training finishes with real merges.
    p = tmp_path / "long.txt"
    unit = b"abcdefghijklmnopqrstuvwxyz" * 1000  # letters only: one piece under o200k
    with open(p, "wb") as f:
        for _ in range(100_000_000 // len(unit)):
            f.write(unit)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tok = train(str(p), vocab_size=400, pretokenizer="o200k", progress=False)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert tok.training["corpus"]["chunked_lines"] == 1
    # A periodic line: tokens double in length each round until no pair repeats.
    assert tok.training["merges"] > 40 and tok.training["stop_reason"] in ("vocab_size reached",
                                                                          "no pair left to merge")
    assert grown_mib < 600, f"peak memory grew by {grown_mib:.0f} MiB for a 100 MB line"
