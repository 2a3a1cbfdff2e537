"""Bounded, deterministic fuzzing of the loaders and of encoding.

Loaders: random bytes, mutated ``.tiktoken`` files and random or mutated JSON structures fed to
``tokensmith.load`` must either load (and then encode and decode a short text) or raise a
:class:`~tokensmith.errors.TokensmithError` -- never another exception type, never a crash.

Encoding: random text, including lone surrogates, NUL and the highest code points, must encode
to exactly tiktoken's ids under r50k, cl100k and o200k (tiktoken replaces lone surrogates with
U+FFFD; both libraries get the same ``str``), and decode back.

Every test runs a fixed number of examples with ``derandomize=True``, so a run is repeatable and
the whole file stays well under a minute. Ids and ranks are drawn from small ranges: the effect
of huge ones is pinned by dedicated tests in ``tests/test_errors.py``.
"""
from __future__ import annotations

import base64
import copy
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import tokensmith as ts
from tokensmith.errors import TokensmithError
from gpt2_bytes import bytes_to_unicode

LOADER = settings(max_examples=200, derandomize=True, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                         HealthCheck.data_too_large, HealthCheck.filter_too_much])
pytestmark = pytest.mark.filterwarnings("ignore:.*truncation/padding settings are not applied")

ENCODE = settings(max_examples=300, derandomize=True, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def load_or_refuse(path: Path, **options) -> None:
    """The contract: load and work, or raise a TokensmithError."""
    try:
        tok = ts.load(path, **options)
    except TokensmithError:
        return
    try:
        ids = tok.encode("hello world 123 <x>", disallowed_special=())
        tok.decode(ids)
    except TokensmithError:
        pass


# --------------------------------------------------------------------------- fixtures as text


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def tiktoken_text() -> bytes:
    lines = [f"{b64(bytes([b]))} {b}" for b in range(256)]
    lines += [f"{b64(t)} {256 + k}" for k, t in enumerate([b"he", b"ll", b"hell", b"hello", b" w", b" wo", b"12"])]
    return ("\n".join(lines) + "\n").encode()


B2U = bytes_to_unicode()


def tokenizer_json() -> dict:
    vocab = {B2U[b]: b for b in range(256)} | {"he": 256, "ll": 257, "hell": 258}
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": 259, "content": "<x>", "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True}],
        "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFC"}]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": r"\s+|\w+"}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<x>", "type_id": 0}},
                                                                    {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [], "special_tokens": {"<x>": {"id": "<x>", "ids": [259], "tokens": ["<x>"]}}},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": ["h e", "l l", "he ll"]},
    }


def tekken_json() -> dict:
    ranks = [bytes([b]) for b in range(256)] + [b"he", b"ll"]
    return {"config": {"pattern": GPT2_PATTERN, "num_vocab_tokens": len(ranks), "default_vocab_size": len(ranks) + 3,
                       "default_num_special_tokens": 3, "version": "v3"},
            "vocab": [{"rank": r, "token_bytes": b64(t), "token_str": None} for r, t in enumerate(ranks)]}


def claude_json() -> dict:
    tokens = [b64(bytes([b])) for b in range(256)] + [b64(b"he")]
    return {"explicit_n_vocab": 259, "pat_str": GPT2_PATTERN, "special_tokens": {"<EOT>": 0, "<META>": 1},
            "bpe_ranks": "! 2 " + " ".join(tokens[:128]) + "\n~ 130 " + " ".join(tokens[128:])}


def test_the_unmutated_fixtures_load(tmp_path):
    (tmp_path / "a.tiktoken").write_bytes(tiktoken_text())
    assert ts.load(tmp_path / "a.tiktoken", pattern=GPT2_PATTERN).encode("hello") == [259]
    for name, obj in (("tokenizer.json", tokenizer_json()), ("tekken.json", tekken_json()), ("claude.json", claude_json())):
        (tmp_path / name).write_text(json.dumps(obj))
        ts.load(tmp_path / name).encode("hello")


# --------------------------------------------------------------------------- random bytes


FILE_NAMES = ["x.tiktoken", "tokenizer.json", "vocab.json", "encoder.json", "tekken.json", "model.bin", "noext"]


@LOADER
@given(data=st.binary(max_size=600), name=st.sampled_from(FILE_NAMES))
def test_random_bytes_load_or_raise_a_tokensmith_error(tmp_path_factory, data, name):
    folder = tmp_path_factory.mktemp("bytes")
    (folder / name).write_bytes(data)
    if name in ("vocab.json", "encoder.json"):
        (folder / ("merges.txt" if name == "vocab.json" else "vocab.bpe")).write_text("#version: 0.2\nh e\n")
    load_or_refuse(folder / name, **({"pattern": GPT2_PATTERN} if name == "x.tiktoken" else {}))


@LOADER
@given(merges=st.binary(max_size=300))
def test_random_merges_file_loads_or_raises_a_tokensmith_error(tmp_path_factory, merges):
    folder = tmp_path_factory.mktemp("merges")
    (folder / "vocab.json").write_text(json.dumps(tokenizer_json()["model"]["vocab"]))
    (folder / "merges.txt").write_bytes(merges)
    load_or_refuse(folder)


# --------------------------------------------------------------------------- mutated .tiktoken files

# Ranks stay below a million: a huge rank is its own test (tests/test_errors.py).
_LONG_NUMBER = re.compile(rb"\d{6,}")


@st.composite
def mutated(draw, base: bytes) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "dup_line", "swap_lines", "truncate", "splice"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 40))]
        elif op == "truncate":
            del data[at:]
        elif op == "splice":
            data[at:at] = draw(st.sampled_from([b" ", b"\n", b"=", b"-1", b"\r\n", b"\x00", b"\xff", b" 7 ", b"YQ==", b"\t"]))
        else:
            lines = bytes(data).split(b"\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            if op == "dup_line":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\n".join(lines))
    out = bytes(data)
    assume(not _LONG_NUMBER.search(out))
    return out


@LOADER
@given(data=mutated(tiktoken_text()))
def test_mutated_tiktoken_file_loads_or_raises_a_tokensmith_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("tt") / "m.tiktoken"
    path.write_bytes(data)
    load_or_refuse(path, pattern=GPT2_PATTERN, special_tokens={"<x>": 300})


@pytest.fixture(scope="module")
def r50k_head(data_root) -> bytes:
    lines = (data_root / "tokenizers" / "openai" / "r50k_base.tiktoken").read_bytes().split(b"\n")
    return b"\n".join(lines[:300]) + b"\n"


@LOADER
@given(data=st.data())
def test_mutated_real_tiktoken_snippet_loads_or_raises_a_tokensmith_error(tmp_path_factory, r50k_head, data):
    path = tmp_path_factory.mktemp("r50k") / "r50k_base.tiktoken"
    path.write_bytes(data.draw(mutated(r50k_head)))
    load_or_refuse(path)


# --------------------------------------------------------------------------- JSON structures

JSON_KEYS = ["model", "type", "vocab", "merges", "added_tokens", "pre_tokenizer", "normalizer", "decoder",
             "post_processor", "pretokenizers", "normalizers", "decoders", "pattern", "Regex", "String", "behavior",
             "invert", "content", "id", "special", "config", "rank", "token_bytes", "bpe_ranks", "pat_str",
             "special_tokens", "default_vocab_size", "default_num_special_tokens", "dropout", "unk_token",
             "byte_fallback", "ignore_merges", "single", "prepend", "add_prefix_space", "use_regex", "lstrip"]
JSON_TYPES = ["BPE", "Unigram", "WordPiece", "Split", "ByteLevel", "Sequence", "NFC", "NFKC", "Lowercase", "Replace",
              "Prepend", "Digits", "Metaspace", "TemplateProcessing", "Strip", "Fuse", "ByteFallback", "Isolated",
              "Removed", "MergedWithNext", "Contiguous"]

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 600), st.floats(allow_nan=False, width=32),
                         st.sampled_from(JSON_TYPES + ["h e", "a", "", "<x>", "\\s+", "YQ==", "!!", "Ġ"]),
                         st.text(max_size=6))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(st.sampled_from(JSON_KEYS), st.text(max_size=4)), inner, max_size=4)),
    max_leaves=12,
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("vocab",) and isinstance(v, dict) and len(v) > 20:
                # Only a few of the 259 vocabulary entries are candidates, to keep the search broad.
                for key in list(v)[250:]:
                    yield prefix + (k, key)
                yield prefix + (k,)
                continue
            if k == "vocab" and isinstance(v, list) and len(v) > 20:
                for i in (0, 97, len(v) - 1):
                    yield from _paths(v[i], prefix + (k, i))
                yield prefix + (k,)
                continue
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _replace(obj, path, value):
    if not path:
        return value
    obj = copy.deepcopy(obj)
    node = obj
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return obj


def _delete(obj, path):
    if not path:
        return obj
    obj = copy.deepcopy(obj)
    node = obj
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return obj


@st.composite
def mutated_json(draw, base):
    obj = base
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(obj))
        path = draw(st.sampled_from(paths))
        if path and draw(st.booleans()):
            obj = _delete(obj, path)
        else:
            obj = _replace(obj, path, draw(json_values))
    return obj


BASES = {"tokenizer.json": tokenizer_json, "tekken.json": tekken_json, "claude.json": claude_json}


@pytest.mark.parametrize("name", sorted(BASES))
@settings(LOADER, report_multiple_bugs=False)
@given(data=st.data())
def test_mutated_json_tokenizer_loads_or_raises_a_tokensmith_error(tmp_path_factory, name, data):
    obj = data.draw(mutated_json(BASES[name]()))
    path = tmp_path_factory.mktemp("json") / name
    path.write_text(json.dumps(obj))
    load_or_refuse(path)


@LOADER
@given(obj=json_values)
def test_random_json_loads_or_raises_a_tokensmith_error(tmp_path_factory, obj):
    path = tmp_path_factory.mktemp("rjson") / "tokenizer.json"
    path.write_text(json.dumps(obj))
    load_or_refuse(path)


# --------------------------------------------------------------------------- encoding vs tiktoken

ENCODINGS = ("r50k_base", "cl100k_base", "o200k_base")
INTERESTING = ["\x00", "\U0010ffff", "\U000e0001", "\ufffd", "\ud800", "\udfff", "\udc00\ud800", "\ud83e\udd99",
               "🦙", "\u200d", "\r\n", "\n\n", "  ", "\t", "'s", "'LL", "123456", "中文", "e\u0301", "<|endoftext|>",
               "<|endofprompt|>", "<|", "|>", " hello", "WORLD", "\x85", "\u2028", "\xa0"]
any_char = st.characters(exclude_categories=())  # surrogates included
fuzz_text = st.lists(st.one_of(st.sampled_from(INTERESTING), any_char, st.text(any_char, max_size=5)),
                     max_size=30).map("".join)


@pytest.fixture(scope="module")
def pairs(tiktoken_ref, ts_tiktoken):
    return {name: (tiktoken_ref(name), ts_tiktoken(name)) for name in ENCODINGS}


@pytest.mark.parametrize("name", ENCODINGS)
@ENCODE
@given(text=fuzz_text)
def test_encode_ordinary_of_random_text_equals_tiktoken(pairs, name, text):
    enc, tok = pairs[name]
    expected = enc.encode_ordinary(text)
    assert tok.encode_ordinary(text) == expected
    assert tok.count(text) == len(expected)


@pytest.mark.parametrize("name", ENCODINGS)
@ENCODE
@given(text=fuzz_text)
def test_encode_with_special_tokens_allowed_equals_tiktoken(pairs, name, text):
    enc, tok = pairs[name]
    assert tok.encode(text, allowed_special="all") == enc.encode(text, allowed_special="all")
    try:
        expected = enc.encode(text)
    except ValueError:
        with pytest.raises(ts.SpecialTokenError):
            tok.encode(text)
    else:
        assert tok.encode(text) == expected


@pytest.mark.parametrize("name", ENCODINGS)
@ENCODE
@given(text=fuzz_text)
def test_decode_of_encode_gives_the_text_back_with_surrogates_replaced(pairs, name, text):
    enc, tok = pairs[name]
    ids = tok.encode_ordinary(text)
    assert tok.decode(ids) == enc.decode(ids)
    fixed = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    assert tok.decode(ids) == fixed


@pytest.mark.parametrize("name", ENCODINGS)
@ENCODE
@given(texts=st.lists(fuzz_text, max_size=6))
def test_batch_encoding_of_random_texts_equals_tiktoken(pairs, name, texts):
    enc, tok = pairs[name]
    assert tok.encode_ordinary_batch(texts, threads=2) == enc.encode_ordinary_batch(texts)
