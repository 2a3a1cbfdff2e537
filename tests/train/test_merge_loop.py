"""The native merge loop (csrc/train/bpe_trainer.cc) against independent references.

- A naive BPE written here, which recounts every pair after every merge, must give the same
  merges as the incremental loop on random word tables (hypothesis).
- HF tokenizers' own unit test vector (algorithms §2.1: roses/are/red..., min_frequency=2).
- Counts above 2**31 (HF keeps i32 pair counts, issue #437) stay exact.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tokensmith import _core


def counts_of(table: dict[bytes, int]):
    items = sorted(table.items())
    data = b"".join(p for p, _ in items)
    offsets = np.cumsum([0] + [len(p) for p, _ in items]).astype(np.uint64)
    return _core.Counts.from_arrays(data, offsets, np.array([c for _, c in items], dtype=np.uint64))


def run_trainer(table, vocab, *, vocab_size, chars=False, min_frequency=0, max_token_length=0, hf=False):
    spec = {"vocab": vocab, "symbol": [1] * len(vocab), "chars": chars, "vocab_size": vocab_size,
            "min_frequency": min_frequency, "max_token_length": max_token_length, "hf_compat": hf,
            "per_language": False}
    t = _core.Trainer(spec, [counts_of(table)], [], {"kind": "frequency"})
    while t.step(1000):
        pass
    return t


def naive_bpe(table: dict[bytes, int], vocab: list[bytes], vocab_size: int) -> list[tuple[int, int]]:
    """Textbook BPE: recount all adjacent pairs, merge the most frequent (ties: smaller id pair),
    leftmost non-overlapping occurrences first."""
    ids = {t: i for i, t in enumerate(vocab)}
    words = [([ids[bytes([b])] for b in w], c) for w, c in table.items()]
    vocab = list(vocab)
    merges = []
    while len(vocab) < vocab_size:
        pairs: Counter = Counter()
        for syms, c in words:
            for a, b in zip(syms, syms[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merged = vocab[best[0]] + vocab[best[1]]
        if merged in ids:
            new = ids[merged]
        else:
            new = len(vocab)
            vocab.append(merged)
            ids[merged] = new
        merges.append(best)
        out = []
        for syms, c in words:
            res, i = [], 0
            while i < len(syms):
                if i + 1 < len(syms) and (syms[i], syms[i + 1]) == best:
                    res.append(new)
                    i += 2
                else:
                    res.append(syms[i])
                    i += 1
            out.append((res, c))
        words = out
    return merges


BYTES = [bytes([b]) for b in range(256)]
words = st.dictionaries(st.text(alphabet="abcab ", min_size=1, max_size=9).map(str.encode),
                        st.integers(1, 40), min_size=1, max_size=25)


@settings(max_examples=150, deadline=None)
@given(table=words, extra=st.integers(1, 40))
def test_incremental_merges_equal_naive_recounting(table, extra):
    t = run_trainer(table, BYTES, vocab_size=256 + extra)
    got = [(m[0], m[1]) for m in t.merges()]
    assert got == naive_bpe(table, BYTES, 256 + extra)


def test_overlapping_pairs_count_like_windows():
    # "aaaa" holds (a,a) three times as windows; after merging, "aa aa" holds (aa,aa) once.
    t = run_trainer({b"aaaa": 1}, BYTES, vocab_size=258)
    assert [(m[0], m[1], m[3]) for m in t.merges()] == [(97, 97, 3), (256, 256, 1)]


def test_hf_unit_vector_roses_are_red():
    # tokenizers/src/models/bpe/trainer.rs `test_train`: 22 chars in code-point order, then
    # merges r+e, a+re, i+s (a+re wins the tie at count 2 by the smaller id pair).
    words_ = {"roses": 1, "are": 2, "red": 1, "voilets": 1, "blue": 1, "BERT": 1, "is": 2, "big": 1,
              "and": 1, "so": 1, "GPT-2": 1}
    alphabet = sorted(set("".join(words_)))
    assert "".join(alphabet) == "-2BEGPRTabdegilnorstuv"
    vocab = [c.encode() for c in alphabet]
    table = {w.encode(): c for w, c in words_.items()}
    t = run_trainer(table, vocab, vocab_size=30, chars=True, min_frequency=2, hf=True)
    names = [v.decode() for v in t.vocab()]
    assert [(names[a], names[b]) for a, b, *_ in t.merges()] == [("r", "e"), ("a", "re"), ("i", "s")]
    assert names[22:] == ["re", "are", "is"]
    assert t.stop_reason == "no pair occurs min_frequency times"


def test_hf_max_token_length_unit_vector():
    # trainer.rs `bpe_test_max_token_length_direct_assert`: max_token_length=2 (HF's strict
    # rule on new neighbour pairs) leaves exactly these multi-char tokens.
    words_ = ["sin", "Sin", "Lon", "Ano", "짧은한", "긴한글", "短字符", "长字符", "短い文", "長い文", "so", "GP"]
    alphabet = sorted(set("".join(words_)))
    vocab = [c.encode() for c in alphabet]
    table = {w.encode(): 2 for w in words_}
    t = run_trainer(table, vocab, vocab_size=100, chars=True, max_token_length=2, hf=True)
    multi = {v.decode() for v in t.vocab() if len(v.decode()) > 1}
    assert multi == {"字符", "い文", "in", "은한", "so", "GP", "An", "Lo", "긴한"}


def test_counts_above_two_to_the_31_stay_exact():
    big = 3_000_000_000  # > 2**31; HF's i32 pair counts overflow here
    t = run_trainer({b"ab": big, b"abab": big}, BYTES, vocab_size=258)
    merges = t.merges()
    assert (merges[0][0], merges[0][1]) == (97, 98)
    assert merges[0][3] == 3 * big  # one (a,b) in "ab", two in "abab"
    assert (merges[1][0], merges[1][1], merges[1][3]) == (256, 256, big)


def test_max_token_length_bounds_every_token_in_exact_mode():
    t = run_trainer({b"abcdefgh": 10, b"abc": 20}, BYTES, vocab_size=300, max_token_length=3)
    assert max(len(v) for v in t.vocab()) == 3
    assert b"abc" in t.vocab() and t.stop_reason == "no pair left to merge"
