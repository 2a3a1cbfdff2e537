"""Property tests (hypothesis) for the tiktoken encodings cl100k_base, o200k_base and r50k_base.

Generated text mixes arbitrary code points with the characters the split patterns care about:
spaces of every kind (Zs), combining marks (Mn), decimal digits (Nd), letters of every case,
emoji with ZWJ and variation selectors, contractions, newlines. Properties:

- ``encode_ordinary`` equals tiktoken's ids, on that text and on words of one script (runs of
  multi-byte characters side by side, where the encoder may start from whole characters);
- ``decode(encode(x)) == x`` and ``decode_bytes(encode(x)) == x.encode()``;
- offsets are ordered and cover the text, each token's bytes inside its span;
- a stream decoder fed any split of the ids yields ``decode(ids)``, never half a character;
- ``encode_batch`` equals ``[encode(x) for x in batch]``;
- a pickled copy encodes like the original.

Runs are deterministic (``derandomize``); ``TOKENSMITH_HYPOTHESIS_EXAMPLES`` raises the number of
examples for a longer search.
"""
from __future__ import annotations

import os
import pickle
from functools import lru_cache

import pytest

hypothesis = pytest.importorskip("hypothesis")
pytest.importorskip("tiktoken")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

NAMES = ("cl100k_base", "o200k_base", "r50k_base")
EXAMPLES = int(os.environ.get("TOKENSMITH_HYPOTHESIS_EXAMPLES", "200"))

PROPERTY = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, print_blob=True)

_SPECIAL_PIECES = (
    " ", "  ", "\t", "\n", "\r\n", "\r", "\xa0", "\u3000", "\u2028", "\x85", "\u200d", "\ufe0f",
    "'s", "'T", "'Re", "'lL", "’s", "'", "1", "123", "1234", "٣", "中文", "日本", "🦙", "👍🏽",
    "👨\u200d👩\u200d👧", "🇫🇷", "1️⃣", "e\u0301", "ǅ", "ß", "ﬁ", "Ⅻ", "²", "<|", "|>", "_",
)

_chars = st.one_of(
    st.characters(exclude_categories=("Cs",)),
    st.characters(categories=("Zs", "Mn", "Nd", "Lu", "Ll", "Lt", "Lm", "Lo", "Mc", "Me", "Nl", "No", "Po", "Sm", "So")),
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),
    st.characters(max_codepoint=0x7F),
)
_piece = st.one_of(_chars, st.sampled_from(_SPECIAL_PIECES))
texts = st.one_of(st.lists(_piece, max_size=8), st.lists(_piece, min_size=8, max_size=120)).map("".join)


# Blocks of one script each (Latin with diacritics, Greek, Cyrillic, Armenian, Hebrew, Arabic,
# Devanagari, Bengali, Thai, Tibetan, Georgian, kana, CJK, Hangul): words drawn from one block
# put multi-byte characters next to each other and after spaces and punctuation.
_SCRIPT_BLOCKS = (
    (0x00C0, 0x024F), (0x0370, 0x03FF), (0x0400, 0x04FF), (0x0530, 0x058F), (0x0590, 0x05FF),
    (0x0600, 0x06FF), (0x0900, 0x097F), (0x0980, 0x09FF), (0x0E00, 0x0E7F), (0x0F00, 0x0FFF),
    (0x10A0, 0x10FF), (0x1E00, 0x1EFF), (0x3040, 0x30FF), (0x4E00, 0x4FFF), (0xAC00, 0xACFF),
)
_script_word = st.sampled_from(_SCRIPT_BLOCKS).flatmap(
    lambda block: st.text(st.characters(min_codepoint=block[0], max_codepoint=block[1], exclude_categories=("Cs",)), min_size=1, max_size=12)
)
_before_word = st.sampled_from(("", " ", "  ", "\n", ",", ". ", "(", "«", "1", "a"))
script_texts = st.lists(st.tuples(_before_word, _script_word), min_size=1, max_size=10).map(lambda parts: "".join(a + b for a, b in parts))


@lru_cache(maxsize=None)
def _pickled(tok):
    return pickle.loads(pickle.dumps(tok))


@pytest.fixture(params=NAMES, scope="module")
def pair(request, tiktoken_ref, ts_tiktoken):
    return tiktoken_ref(request.param), ts_tiktoken(request.param)


@PROPERTY
@given(text=texts)
def test_encode_ordinary_equals_tiktoken_on_arbitrary_text(pair, text):
    enc, tok = pair
    assert tok.encode_ordinary(text) == enc.encode_ordinary(text)


@PROPERTY
@given(text=script_texts)
def test_encode_ordinary_equals_tiktoken_on_words_of_one_script(pair, text):
    enc, tok = pair
    assert tok.encode_ordinary(text) == enc.encode_ordinary(text)


@PROPERTY
@given(text=texts)
def test_decode_of_encode_is_identity(pair, text):
    _, tok = pair
    assert tok.decode(tok.encode_ordinary(text)) == text


@PROPERTY
@given(text=texts)
def test_decode_bytes_of_encode_is_the_utf8_of_the_text(pair, text):
    _, tok = pair
    ids = tok.encode_ordinary(text)
    assert tok.decode_bytes(ids) == text.encode("utf-8")
    assert b"".join(tok.decode_single_token_bytes(i) for i in ids) == text.encode("utf-8")


@PROPERTY
@given(text=texts)
def test_offsets_cover_the_text_in_order(pair, text):
    _, tok = pair
    ids, offsets = tok.encode_with_offsets(text)
    assert list(ids) == tok.encode_ordinary(text)
    assert len(offsets) == len(ids)
    pos = 0  # byte position reached so far
    char_end_bytes = []
    for ch in text:
        char_end_bytes.append((char_end_bytes[-1] if char_end_bytes else 0) + len(ch.encode("utf-8")))
    prev = (0, 0)
    for k, (i, (s, e)) in enumerate(zip(ids, offsets)):
        assert 0 <= s < e <= len(text), (k, s, e)
        assert s >= prev[0] and e >= prev[1], (k, prev, (s, e))
        assert s in (prev[1], prev[1] - 1) if k else s == 0, (k, prev, (s, e))
        piece = tok.decode_single_token_bytes(i)
        assert piece in text[s:e].encode("utf-8"), (k, piece, text[s:e])
        pos += len(piece)
        # the span ends with the character holding the token's last byte
        assert char_end_bytes[e - 1] >= pos > (char_end_bytes[e - 2] if e >= 2 else 0), (k, pos, (s, e))
        prev = (s, e)
    assert (prev[1] if ids else 0) == len(text)
    # A token sharing no character with its neighbours spans exactly its own bytes.
    spans = [tuple(o) for o in offsets]
    for k, (s, e) in enumerate(spans):
        alone = (k == 0 or spans[k - 1][1] <= s) and (k + 1 == len(spans) or spans[k + 1][0] >= e)
        if alone:
            assert text[s:e].encode("utf-8") == tok.decode_single_token_bytes(ids[k]), (k, (s, e))


@PROPERTY
@given(text=texts, data=st.data())
def test_stream_decoder_yields_decode_for_any_split_of_the_ids(pair, text, data):
    _, tok = pair
    ids = tok.encode_ordinary(text)
    cuts = sorted(data.draw(st.sets(st.integers(0, len(ids)), max_size=len(ids) + 1)))
    dec = tok.stream_decoder()
    out = []
    for a, b in zip([0] + cuts, cuts + [len(ids)]):
        chunk = ids[a:b]
        out.append(dec.feed(chunk[0] if len(chunk) == 1 and data.draw(st.booleans()) else chunk))
        assert "\ufffd" not in out[-1] or "\ufffd" in text, "a partial character was emitted"
    out.append(dec.flush())
    assert "".join(out) == tok.decode(ids) == text


@PROPERTY
@given(ids=st.lists(st.integers(0, 50_000), max_size=40), data=st.data())
def test_stream_decoder_equals_replacing_decode_for_arbitrary_ids(pair, ids, data):
    # Arbitrary ids cut UTF-8 sequences anywhere; the stream holds incomplete characters back and
    # must end with exactly what a one-shot decode(errors="replace") gives.
    enc, tok = pair
    ranks = _rank_ids(enc)
    ids = [i for i in ids if i in ranks]
    cuts = sorted(data.draw(st.sets(st.integers(0, len(ids)), max_size=len(ids) + 1)))
    dec = tok.stream_decoder()
    out = [dec.feed(ids[a:b]) for a, b in zip([0] + cuts, cuts + [len(ids)])]
    out.append(dec.flush())
    assert "".join(out) == tok.decode(ids, errors="replace") == enc.decode(ids, errors="replace")


@lru_cache(maxsize=None)
def _rank_ids(enc) -> frozenset[int]:
    return frozenset(enc._mergeable_ranks.values())


@PROPERTY
@given(batch=st.lists(texts, max_size=8))
def test_encode_batch_equals_encode_of_each_text(pair, batch):
    _, tok = pair
    expected = [tok.encode_ordinary(t) for t in batch]
    assert tok.encode_ordinary_batch(batch) == expected
    assert tok.encode_batch(batch, allowed_special="all") == [tok.encode(t, allowed_special="all") for t in batch]


@PROPERTY
@given(text=texts)
def test_pickled_tokenizer_encodes_and_decodes_like_the_original(pair, text):
    enc, tok = pair
    clone = _pickled(tok)
    ids = clone.encode_ordinary(text)
    assert ids == tok.encode_ordinary(text) == enc.encode_ordinary(text)
    assert clone.decode(ids) == text
