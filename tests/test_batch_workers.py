"""Batch encoding on the pooled worker threads (csrc/bpe/worker_pool.h).

Workers outlive the call that started them, so that their piece memos carry over between
calls. These tests check what that must not change: every call gives what encoding each text
alone gives, whether calls repeat, run from several Python threads at once (the second one then
gets fresh threads), ask for more workers than before, or come from a forked child, which has
none of its parent's threads.
"""
from __future__ import annotations

import os
import random
import sys
import threading

import pytest

from tokensmith import Tokenizer
from tokensmith.models.bpe import BPE
from tokensmith.pretokenizers import PATTERNS, Split

BYTES = [bytes([b]) for b in range(256)]


def tokenizer() -> Tokenizer:
    merges = [(BYTES[a], BYTES[b]) for a, b in [(116, 104), (32, 116), (101, 114), (105, 110)]]
    tokens = BYTES + [a + b for a, b in merges] + [b" th", b"the", b" the"]
    return Tokenizer(BPE(tokens=tokens, merges=None), pretokenizer=Split(PATTERNS["cl100k"]))


def texts(seed: int, count: int = 40) -> list[str]:
    rng = random.Random(seed)
    words = ["the", " the", "there", "in", "inner", "tin", "é", "中文", "  ", "\n", "42", "x's"]
    return ["".join(rng.choice(words) for _ in range(rng.randrange(1, 400))) for _ in range(count)]


def test_repeated_batch_calls_equal_encoding_each_text():
    tok = tokenizer()
    for seed, threads in [(1, 2), (2, 2), (3, 4), (4, 1), (5, 3)]:
        batch = texts(seed)
        assert tok.encode_ordinary_batch(batch, threads=threads) == [tok.encode_ordinary(t) for t in batch]


def test_batch_calls_from_several_python_threads_at_once():
    tok = tokenizer()
    batches = [texts(seed) for seed in range(6)]
    expected = [[tok.encode_ordinary(t) for t in batch] for batch in batches]
    got = [None] * len(batches)

    def run(k: int) -> None:
        for _ in range(5):
            got[k] = tok.encode_ordinary_batch(batches[k], threads=2)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(batches))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == expected


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="needs os.fork")
def test_forked_child_encodes_batches_with_fresh_workers():
    tok = tokenizer()
    batch = texts(7)
    expected = [tok.encode_ordinary(t) for t in batch]
    assert tok.encode_ordinary_batch(batch, threads=2) == expected  # the parent's workers exist
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        ok = tok.encode_ordinary_batch(batch, threads=2) == expected
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
