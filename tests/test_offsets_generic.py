"""Offsets through the generic pre-tokenizer path (any Split regex, pieces cut in Python).

The native path's offsets are the reference (tests/test_properties.py checks them against the
text): a pattern that means the same as a preset but is spelled differently takes the generic
path, and must give the same ids and the same offsets, with and without the inserted prefix
space of ``ByteLevel(add_prefix_space=True)``.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corpora
from tokensmith import Tokenizer
from tokensmith.models.bpe import BPE
from tokensmith.pretokenizers import PATTERNS, ByteLevel, Sequence, Split, fast_path

BYTES = [bytes([b]) for b in range(256)]
WORDS = [b"th", b" t", b"he", b" the", b"in", b"ing", b" in", b"\xc3\xa9", b"\xe4\xb8\xad", b"  ", b"\n\n", b"12", b"'s"]
NEVER = "|(?!)"  # an alternative that never matches: same pieces, no preset


def pair(pattern: str, prefix_space: bool) -> tuple[Tokenizer, Tokenizer]:
    model = BPE(tokens=BYTES + WORDS, merges=None)
    if prefix_space:
        native = Sequence([ByteLevel(add_prefix_space=True, use_regex=True)])
        generic = Sequence([ByteLevel(add_prefix_space=True, use_regex=False), Split(pattern + NEVER)])
    else:
        native, generic = Split(pattern), Split(pattern + NEVER)
    assert fast_path(native) is not None and fast_path(generic) is None
    return Tokenizer(model, pretokenizer=native), Tokenizer(model, pretokenizer=generic)


CASES = [(PATTERNS["cl100k"], False), (PATTERNS["o200k"], False), (PATTERNS["gpt2"], True)]


@pytest.mark.parametrize("pattern, prefix_space", CASES, ids=["cl100k", "o200k", "gpt2-prefix-space"])
def test_generic_offsets_equal_native_offsets_on_the_adversarial_set(pattern, prefix_space):
    native, generic = pair(pattern, prefix_space)
    bad = []
    for label, text in corpora.adversarial():
        if len(text) > 3000:
            text = text[:3000]
        if generic.encode_with_offsets(text) != native.encode_with_offsets(text):
            bad.append(label)
    assert not bad, f"{len(bad)} texts differ: {bad[:5]}"


@pytest.mark.parametrize("pattern, prefix_space", CASES, ids=["cl100k", "o200k", "gpt2-prefix-space"])
@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(st.sampled_from(list("ab the in'sé中 \n\t12🦙\u0301")), max_size=60))
def test_generic_offsets_equal_native_offsets_on_generated_text(pattern, prefix_space, text):
    native, generic = pair(pattern, prefix_space)
    assert generic.encode_with_offsets(text) == native.encode_with_offsets(text)


def test_removed_text_gets_no_offsets_and_the_rest_stay_in_place():
    model = BPE(tokens=BYTES + WORDS, merges=None)
    tok = Tokenizer(model, pretokenizer=Split(r"\s+", behavior="removed"))
    ids, offsets = tok.encode_with_offsets("th  he\tin")
    assert [tok.decode([i]) for i in ids] == ["th", "he", "in"]
    assert offsets == [(0, 2), (4, 6), (7, 9)]
