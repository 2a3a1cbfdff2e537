"""§4: NTREX-128 token counts under Petrov et al.'s protocol equal tiktoken's, for every language.

Protocol (algorithms §13.1): each file read whole, ``split('\\n')`` (the trailing empty string
kept), joined with one space, and encoded as one string without special tokens.
"""
from __future__ import annotations

import pytest

import corpora

from tokensmith.evaluate import metrics

NAMES = ("r50k_base", "cl100k_base", "o200k_base")


@pytest.fixture(scope="module")
def ntrex_strings(data_root):
    """Each NTREX-128 file (the second Spanish reference left out) as one protocol string."""
    files = corpora.ntrex128(data_root)
    strings = {stem.split(".")[-1]: " ".join(lines) for stem, lines in files.items() if "ref-2" not in stem}
    return dict(sorted(strings.items()))


@pytest.mark.parametrize("name", NAMES)
def test_counts_equal_tiktoken_for_every_ntrex_language(name, ntrex_strings, tiktoken_ref, ts_tiktoken):
    assert len(ntrex_strings) == 128  # the English source and 127 references (ref-2.spa left out)
    langs = list(ntrex_strings)
    texts = [ntrex_strings[k] for k in langs]
    ours = [len(x) for x in ts_tiktoken(name).encode_ordinary_batch(texts, threads=2)]
    theirs = [len(x) for x in tiktoken_ref(name).encode_ordinary_batch(texts, num_threads=2)]
    assert dict(zip(langs, ours)) == dict(zip(langs, theirs))
    # Sanity of the premium itself: English is 1, and every language costs at least ~0.5 of it.
    eng = ours[langs.index("eng")]
    assert metrics.premium([eng], [eng]) == 1.0
    assert min(o / eng for o in ours) > 0.5
