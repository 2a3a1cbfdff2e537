"""Token-rank encoding on random vocabularies, against the definition run in plain Python.

The native encoder starts a piece's merge loop from short tokens (byte pairs, characters, a
space and a character) wherever the vocabulary's ranks prove that the loop would form them
first; the proof needs every token to rank after the two halves it is merged from. These
vocabularies are built to stress exactly that: tokens cut out of text at arbitrary byte
boundaries (halves of characters, a space and half a character, continuation bytes and what
follows them), ranked either shortest first (the proof applies) or in random order (it does
not, and the encoder must notice). The reference is the definition itself: repeatedly merge
the adjacent pair whose concatenation is the lowest-ranked token, leftmost on ties; and, for
the whole pipeline (split pattern, a piece that is a token taken whole, the piece memo),
tiktoken on the same vocabulary written as a ``.tiktoken`` file, which saved as
``tokenizer.json`` must also encode the same in HF tokenizers.
"""
from __future__ import annotations

import base64
import tempfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import references  # noqa: E402
import tokensmith as ts  # noqa: E402
from tokensmith import Tokenizer  # noqa: E402
from tokensmith.models.bpe import BPE  # noqa: E402

# Characters of one, two and three bytes, a space, a line break and an apostrophe.
ALPHABET = "ab '\né\u00e8д\u0436中\u6587"

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None)

_text = st.text(st.sampled_from(ALPHABET), min_size=1, max_size=24)


@st.composite
def vocabularies(draw):
    """(tokens in rank order, whether ranks grow from the halves): all 256 bytes plus
    2-6 byte slices of random text."""
    pieces = set()
    for source in draw(st.lists(_text, min_size=4, max_size=20)):
        data = source.encode()
        for _ in range(draw(st.integers(1, 6))):
            start = draw(st.integers(0, max(0, len(data) - 2)))
            length = draw(st.integers(2, 6))
            piece = data[start : start + length]
            if len(piece) >= 2:
                pieces.add(piece)
    pieces = sorted(pieces)
    shortest_first = draw(st.booleans())
    if shortest_first:
        order = draw(st.permutations(pieces))
        tokens = [bytes([b]) for b in range(256)] + sorted(order, key=len)
    else:
        tokens = draw(st.permutations([bytes([b]) for b in range(256)] + pieces))
    return tokens


def reference(ranks: dict[bytes, int], data: bytes) -> list[int]:
    parts = [data[i : i + 1] for i in range(len(data))]
    while len(parts) > 1:
        best = None
        for i in range(len(parts) - 1):
            rank = ranks.get(parts[i] + parts[i + 1])
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, i)
        if best is None:
            break
        i = best[1]
        parts[i : i + 2] = [parts[i] + parts[i + 1]]
    return [ranks[p] for p in parts]


@SETTINGS
@given(tokens=vocabularies(), texts=st.lists(_text, min_size=1, max_size=12))
def test_token_rank_encoding_equals_the_definition_on_random_vocabularies(tokens, texts):
    ranks = {t: i for i, t in enumerate(tokens)}
    tok = Tokenizer(BPE(tokens=tokens, merges=None))
    for text in texts:
        assert tok.encode(text) == reference(ranks, text.encode()), text


def tiktoken_and_file(tokens: list[bytes], folder: str):
    """tiktoken's encoding of the vocabulary (r50k's pattern, no special tokens), and the
    vocabulary written as a ``.tiktoken`` file in `folder`."""
    tiktoken = pytest.importorskip("tiktoken")
    ranks = {t: i for i, t in enumerate(tokens)}
    enc = tiktoken.Encoding("random", pat_str=references.R50K_PATTERN, mergeable_ranks=ranks, special_tokens={})
    path = Path(folder) / "random.tiktoken"
    path.write_text("".join(f"{base64.b64encode(t).decode()} {i}\n" for i, t in enumerate(tokens)))
    return enc, path


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(tokens=vocabularies(), texts=st.lists(_text, min_size=1, max_size=12))
def test_tiktoken_file_of_a_random_vocabulary_encodes_like_tiktoken(tokens, texts):
    with tempfile.TemporaryDirectory() as folder:
        enc, path = tiktoken_and_file(tokens, folder)
        tok = ts.load(path, pattern=references.R50K_PATTERN)
        for text in texts:
            assert tok.encode_ordinary(text) == enc.encode_ordinary(text), text


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(tokens=vocabularies(), texts=st.lists(_text, min_size=1, max_size=12))
def test_random_vocabulary_saved_as_tokenizer_json_encodes_like_tiktoken_in_hf_tokenizers(tokens, texts):
    # One merge per token, the last merge of its own bytes, listed in rank order: pair-rank
    # encoding then picks the same pair as token-rank at every step, whatever the rank order.
    hf_tokenizers = pytest.importorskip("tokenizers")
    with tempfile.TemporaryDirectory() as folder:
        enc, path = tiktoken_and_file(tokens, folder)
        ts.load(path, pattern=references.R50K_PATTERN).save(Path(folder) / "tokenizer.json", format="hf")
        hf = hf_tokenizers.Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
        for text in texts:
            assert hf.encode(text, add_special_tokens=False).ids == enc.encode_ordinary(text), text
