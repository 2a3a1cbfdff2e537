"""The result objects the native core builds for Python.

Lists of ids share one int object per id (kept by the tokenizer) and count their references
in bulk; numpy arrays wrap the core's id buffer without a copy. Both must behave like any
other Python object: exact reference counts, memory that outlives the tokenizer.
"""

from __future__ import annotations

import base64
import gc
import sys

import pytest

import tokensmith as ts

PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
# Ids above 256: CPython keeps the ints -5..256 as shared singletons, whose counts others move.
EXTRA = {b"ab": 300, b"cd": 301, b" cd": 302, b"xy": 303, b"xyz": 304}


@pytest.fixture
def tok(tmp_path):
    lines = [f"{base64.b64encode(bytes([b])).decode()} {b}" for b in range(256)]
    lines += [f"{base64.b64encode(t).decode()} {r}" for t, r in EXTRA.items()]
    path = tmp_path / "small.tiktoken"
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return ts.load(path, pattern=PATTERN)


@pytest.mark.skipif(not hasattr(sys, "getrefcount"), reason="needs reference counts")
def test_result_lists_hold_exactly_one_reference_per_item(tok):
    ab, cd = tok.encode_ordinary("ab cd")  # the tokenizer now keeps these two ints
    assert (ab, cd) == (300, 302)
    base = sys.getrefcount(ab), sys.getrefcount(cd)
    lists = [tok.encode_ordinary("ab cd " * k) for k in (1, 7, 1000)]
    lists += tok.encode_ordinary_batch(["ab", " cd cd", "ab cd " * 50], threads=2)
    lists.append(tok.encode("ab cd ab"))
    uses_ab = sum(ids.count(ab) for ids in lists)
    uses_cd = sum(ids.count(cd) for ids in lists)
    assert uses_ab > 1000 and uses_cd > 1000
    assert (sys.getrefcount(ab), sys.getrefcount(cd)) == (base[0] + uses_ab, base[1] + uses_cd)
    del lists
    gc.collect()
    assert (sys.getrefcount(ab), sys.getrefcount(cd)) == base


def test_result_lists_outlive_their_tokenizer(tok):
    ids = tok.encode_ordinary("ab cd xyz " * 100)
    values = [int(str(i)) for i in ids]  # new int objects, equal in value
    assert {300, 302, 304} <= set(values)
    del tok
    gc.collect()
    assert ids == values


def test_numpy_ids_are_a_writable_uint32_array_that_outlives_its_tokenizer(tok):
    np = pytest.importorskip("numpy")
    texts = ("ab cd", "", "xyz" * 1000)
    arrays = [tok.encode_to_numpy(text) for text in texts]
    expected = [tok.encode(text) for text in texts]
    del tok
    gc.collect()
    assert [a.tolist() for a in arrays] == expected
    assert all(a.dtype == np.uint32 and a.ndim == 1 for a in arrays)
    arrays[0][0] = 7  # writable, and its own memory
    assert arrays[0][0] == 7
