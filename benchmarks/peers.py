"""Adapters that give every peer tokenizer library one shape, for `encode.py`.

Each adapter builds a `Peer` for one tiktoken encoding from the local files in
shared/data (nothing is downloaded) and exposes:

- `encode(text)`: the library's fastest exact single-document call, on the
  calling thread; its ids as a list or a numpy array (`output` says which);
- `batch(texts)`: its own multi-threaded batch call at `BATCH_THREADS` threads,
  or None when it has none.

Libraries that size a rayon pool from RAYON_NUM_THREADS (tokenizers, riptoken,
gigatoken, ...) only honour it if it is set before they are imported, so the
caller must call `set_thread_env()` before the first `build_peers`.

A library that is missing or fails to load is reported with the reason, never
silently dropped. Exactness is checked by the caller against tiktoken.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable, Optional, Sequence

from common import EncodingSpec, tiktoken_reference

BATCH_THREADS = 2


def set_thread_env(threads: int = BATCH_THREADS) -> None:
    global BATCH_THREADS
    BATCH_THREADS = threads
    os.environ["RAYON_NUM_THREADS"] = str(threads)
    # tokenizers turns its parallelism off after a fork unless told otherwise
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")


@dataclass
class Peer:
    name: str
    version: str
    encode: Callable[[str], Sequence[int]]
    batch: Optional[Callable[[list[str]], object]] = None
    output: str = "list"  # "list" or "numpy": what encode() returns
    batch_output: str = "lists"  # "lists", or "flat" (one id array + offsets)
    note: str = ""


def version_of(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


# ---------------------------------------------------------------------------
# A tokenizer.json equivalent to a .tiktoken encoding (for tokenizers and the
# peers that only read tokenizer.json)
# ---------------------------------------------------------------------------


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character map used by ByteLevel."""
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    mapping, extra = {}, 0
    for b in range(256):
        if b in keep:
            mapping[b] = chr(b)
        else:
            mapping[b] = chr(256 + extra)
            extra += 1
    return mapping


def merges_from_ranks(ranks: dict[bytes, int]) -> list[tuple[bytes, bytes]]:
    """Every split (left, right) of every token into two tokens, ordered by the
    rank of the merged token. tiktoken merges the adjacent pair whose *result* has
    the lowest rank; listing all splits in that order makes an HF BPE model pick
    the same pair (the conversion transformers' TikTokenConverter also uses)."""
    merges = []
    for token, rank in ranks.items():
        for i in range(1, len(token)):
            left, right = token[:i], token[i:]
            if left in ranks and right in ranks:
                merges.append((rank, ranks[left], ranks[right], left, right))
    merges.sort()
    return [(m[3], m[4]) for m in merges]


def tokenizer_json(spec: EncodingSpec) -> str:
    """ByteLevel + Split(pattern) + BPE(ignore_merges) with no special tokens, so it
    behaves as tiktoken's encode_ordinary. `ignore_merges` makes a piece that is
    itself a token map straight to it, as tiktoken does."""
    b2u = bytes_to_unicode()
    text = lambda b: "".join(b2u[x] for x in b)  # noqa: E731
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    model = {
        "type": "BPE",
        "dropout": None,
        "unk_token": None,
        "continuing_subword_prefix": None,
        "end_of_word_suffix": None,
        "fuse_unk": False,
        "byte_fallback": False,
        "ignore_merges": True,
        "vocab": {text(t): r for t, r in spec.mergeable_ranks.items()},
        # "a b" strings, the format every reader accepts; byte-level text has no spaces
        "merges": [f"{text(a)} {text(b)}" for a, b in merges_from_ranks(spec.mergeable_ranks)],
    }
    split = {"type": "Split", "pattern": {"Regex": spec.pat_str}, "behavior": "Isolated", "invert": False}
    return json.dumps(
        {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [],
            "normalizer": None,
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [split, byte_level]},
            "post_processor": None,
            "decoder": byte_level,
            "model": model,
        },
        ensure_ascii=False,
    )


_TMP = tempfile.TemporaryDirectory(prefix="tokensmith-bench-")


_JSON_PATHS: dict[str, str] = {}


def json_path(spec: EncodingSpec) -> str:
    """The converted tokenizer.json for `spec`, written once per run to a temp dir."""
    if spec.name not in _JSON_PATHS:
        path = Path(_TMP.name) / f"{spec.name}.tokenizer.json"
        path.write_text(tokenizer_json(spec), encoding="utf-8")
        _JSON_PATHS[spec.name] = str(path)
    return _JSON_PATHS[spec.name]


# ---------------------------------------------------------------------------
# One builder per library. Each returns a Peer or raises with the reason.
# ---------------------------------------------------------------------------


def tiktoken_peer(spec: EncodingSpec) -> Peer:
    enc = tiktoken_reference(spec)
    return Peer(
        "tiktoken",
        version_of("tiktoken"),
        enc.encode_ordinary,
        lambda texts: enc.encode_ordinary_batch(texts, num_threads=BATCH_THREADS),
    )


def hf_peer(spec: EncodingSpec) -> Peer:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(json_path(spec))
    # encode_batch_fast skips offsets, the fastest batch call when it exists
    fast = getattr(tok, "encode_batch_fast", tok.encode_batch)
    return Peer(
        "HF tokenizers",
        version_of("tokenizers"),
        lambda text: tok.encode(text, add_special_tokens=False).ids,
        lambda texts: [e.ids for e in fast(texts, add_special_tokens=False)],
        note="tokenizer.json converted from the .tiktoken ranks",
    )


def fastokens_peer(spec: EncodingSpec) -> Peer:
    import fastokens

    tok = fastokens.Tokenizer.from_tiktoken(str(spec.path), pattern=spec.pat_str, special_tokens={})
    return Peer(
        "fastokens",
        version_of("fastokens"),
        lambda text: tok.encode_ordinary(text).ids,
        lambda texts: [e.ids for e in tok.encode_batch(texts)],
    )


def kitoken_peer(spec: EncodingSpec) -> Peer:
    from kitoken import Kitoken

    tok = Kitoken.from_tiktoken_file(str(spec.path))
    return Peer(
        "kitoken",
        version_of("kitoken"),
        tok.encode,
        tok.encode_all,
        note="split pattern chosen by kitoken from the file",
    )


def tokie_peer(spec: EncodingSpec) -> Peer:
    import tokie

    tok = tokie.Tokenizer.from_json(json_path(spec))
    return Peer(
        "tokie",
        version_of("tokie"),
        lambda text: tok.encode(text, add_special_tokens=False).ids,
        lambda texts: [e.ids for e in tok.encode_batch(texts, add_special_tokens=False)],
        note="from the converted tokenizer.json",
    )


def rs_bpe_peer(spec: EncodingSpec) -> Peer:
    from rs_bpe.bpe import openai

    tok = {"cl100k_base": openai.cl100k_base, "o200k_base": openai.o200k_base}[spec.name]()
    # (min_batch_size, chunk_size, max_threads); small chunks balance uneven documents.
    # Its worker threads keep the tokenizer of the first encoding they served, so a
    # batch call after another encoding's can come out "not exact": that is rs-bpe.
    options = openai.ParallelOptions(1, 8, BATCH_THREADS)
    return Peer(
        "rs-bpe",
        version_of("rs_bpe"),
        tok.encode,
        lambda texts: tok.encode_batch_parallel(texts, options)[0],
        note="bundled vocabulary",
    )


def bpe_openai_peer(spec: EncodingSpec) -> Peer:
    import bpe_openai

    enc = bpe_openai.get_encoding(spec.name)
    return Peer(
        "bpe-openai",
        version_of("bpe-openai"),
        enc.encode_ordinary,
        lambda texts: enc.encode_ordinary_batch(texts, num_threads=BATCH_THREADS),
        note="bundled vocabulary",
    )


def gigatoken_peer(spec: EncodingSpec) -> Peer:
    import gigatoken

    backend = gigatoken.Tokenizer.from_tiktoken(str(spec.path)).backend
    return Peer(
        "gigatoken",
        version_of("gigatoken"),
        backend.encode,
        lambda texts: backend.encode_batch_list(texts, parallel=True),
        output="numpy",
        note="always matches special tokens",
    )


def riptoken_peer(spec: EncodingSpec) -> Peer:
    import riptoken

    core = riptoken.CoreBPE(dict(spec.mergeable_ranks), {}, spec.pat_str)
    return Peer("riptoken", version_of("riptoken"), core.encode_ordinary, core.encode_ordinary_batch)


def wordchipper_peer(spec: EncodingSpec) -> Peer:
    import wordchipper

    def load(parallel: bool):
        options = wordchipper.TokenizerOptions.default()
        options.set_parallel(parallel)
        return wordchipper.Tokenizer.from_pretrained(spec.name, options)

    with _wordchipper_cache(spec):
        single, batched = load(False), load(True)
    return Peer(
        "wordchipper",
        version_of("wordchipper"),
        single.encode,
        batched.encode_batch,
        note="vocabulary served from the local file",
    )


@contextlib.contextmanager
def _wordchipper_cache(spec: EncodingSpec):
    """wordchipper only loads OpenAI encodings by name, from a download cache under
    $XDG_CACHE_HOME. Point that at a temporary folder holding a link to the local
    file, so nothing is downloaded and the user's cache is untouched."""
    cache = Path(_TMP.name) / "xdg-cache"
    folder = cache / "io.crates.wordchipper" / "openai" / spec.name
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / spec.path.name
    if not link.exists():
        link.symlink_to(spec.path)
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(cache)
    try:
        yield
    finally:
        if before is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = before


def quicktok_peer(spec: EncodingSpec) -> Peer:
    import quicktok

    tok = quicktok.get_encoding(spec.name)
    return Peer(
        "quicktok",
        version_of("quicktok-v1"),
        tok.encode_ordinary,
        lambda texts: tok.encode_batch(texts, BATCH_THREADS),
        batch_output="flat",
        note="bundled vocabulary",
    )


def toktok_peer(spec: EncodingSpec) -> Peer:
    import toktok

    # toktok's public API only counts; its encoder object is reachable this way
    tok = toktok._encoding(spec.name)
    return Peer(
        "toktok",
        version_of("toktok-rs"),
        tok.encode_ordinary,
        lambda texts: tok.encode_batch_to_numpy(texts, BATCH_THREADS),
        batch_output="flat",
        note="bundled vocabulary",
    )


def tuetoken_peer(spec: EncodingSpec) -> Peer:
    import tuetoken

    tok = tuetoken.Tokenizer(json_path(spec))
    return Peer(
        "tuetoken",
        version_of("tuetoken"),
        tok.encode_ordinary,
        lambda texts: tok.encode_ordinary_batch(texts, num_threads=BATCH_THREADS),
        note="from the converted tokenizer.json",
    )


def tokendagger_peer(spec: EncodingSpec) -> Peer:
    import tokendagger

    tok = tokendagger.Tokenizer(
        spec.name, pat_str=spec.pat_str, mergeable_ranks=spec.mergeable_ranks, special_tokens={}
    )
    return Peer(
        "tokendagger",
        version_of("tokendagger"),
        tok.encode_ordinary,
        lambda texts: tok.encode_batch(texts, num_threads=BATCH_THREADS),
    )


BUILDERS: list[Callable[[EncodingSpec], Peer]] = [
    tiktoken_peer,
    hf_peer,
    fastokens_peer,
    kitoken_peer,
    tokie_peer,
    rs_bpe_peer,
    bpe_openai_peer,
    gigatoken_peer,
    riptoken_peer,
    wordchipper_peer,
    quicktok_peer,
    toktok_peer,
    tuetoken_peer,
    tokendagger_peer,
]


def peer_label(builder: Callable) -> str:
    return builder.__name__.removesuffix("_peer")


def build_peers(spec: EncodingSpec) -> tuple[list[Peer], dict[str, str]]:
    """All peers that load for `spec`, and {label: reason} for those that do not."""
    peers, failed = [], {}
    for builder in BUILDERS:
        try:
            peers.append(builder(spec))
        except Exception as exc:  # a missing package or a loader that rejects the file
            failed[peer_label(builder)] = f"{type(exc).__name__}: {exc}"[:200]
    return peers, failed
