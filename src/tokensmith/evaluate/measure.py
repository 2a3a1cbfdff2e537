"""Run tokenizers over corpora and keep the raw counts every metric is computed from.

This is the only module of :mod:`tokensmith.evaluate` that tokenizes. For each tokenizer × corpus
× language it records, per segment, the tokens, bytes, characters and words, and, per part, the
token-type frequencies, the token-length histogram, UNK and byte-fallback occurrences, round-trip
failures, word-level continuation counts and the encoding time (:class:`Measurement`). The
summaries in :mod:`~tokensmith.evaluate.report` are computed from these numbers alone.

Speed: each part is encoded with one ``encode_batch`` call (native threads, GIL released).
Only when that call raises are the texts encoded one by one, to find and report the failing
segments (file and line) while keeping the others.

Word rule (fertility, continued words): the gold words of the corpus when it has them (UD PUD);
otherwise ``str.split()`` on whitespace; for scripts written without spaces (Chinese, Japanese,
Thai, Lao, Khmer, Myanmar, Tibetan) and no gold words, word metrics are n/a. A word is tokenized
on its own with one leading space (its form inside running text); tokens that decode to
whitespace only are not counted, so a tokenizer that emits the space as a separate token is not
penalised for it.
"""
from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np

from tokensmith.evaluate.corpora import Texts
from tokensmith.evaluate.issues import Issue
from tokensmith.evaluate.languages import UNSPACED_SCRIPTS, describe, detect_script

_BYTE_FALLBACK = re.compile(r"^<0x[0-9A-Fa-f]{2}>$")
_UNK_STRINGS = ("<unk>", "[UNK]", "<UNK>", "<|unk|>")


@dataclass
class TokenizerInfo:
    """What the report needs to know about a tokenizer, beyond its outputs."""

    label: str
    name: str
    family: Optional[str]
    vocab_size: int
    n_special: int
    unk_ids: list[int]
    byte_fallback_ids: list[int]
    #: ``{length in bytes: number of vocabulary entries}`` (special tokens excluded).
    vocab_lengths: dict[int, int]
    source: str = ""


@dataclass
class Measurement:
    """Raw counts for one tokenizer on one part (language) of one corpus.

    ``seg_tokens[i]`` is -1 for a segment the tokenizer failed on; such segments are left out of
    every sum. ``seg_words`` is None when the word rule is n/a.
    """

    tokenizer: str
    corpus: str
    language: str
    script: Optional[str]
    seg_tokens: list[int]
    seg_bytes: list[int]
    seg_chars: list[int]
    seg_words: Optional[list[int]]
    word_rule: str
    token_ids: list[int]
    token_counts: list[int]
    #: ``{token length in bytes: occurrences}``.
    length_hist: dict[int, int]
    unk: int
    byte_fallback: int
    roundtrip_failed: list[int]
    words_tokenized: int
    words_continued: int
    seconds: float
    failed: list[int] = field(default_factory=list)

    def ok(self) -> np.ndarray:
        return np.asarray(self.seg_tokens) >= 0


# --------------------------------------------------------------------------- tokenizer access


def _batch_encoder(tok, threads: Optional[int]) -> Callable[[list[str]], list[list[int]]]:
    """The fastest way this tokenizer encodes many texts, special tokens as plain text."""
    for method in ("encode_ordinary_batch", "encode_batch"):
        fn = getattr(tok, method, None)
        if fn is None:
            continue
        def call(texts, fn=fn):
            try:
                return fn(texts, threads=threads) if threads else fn(texts)
            except TypeError as e:
                if "threads" not in str(e):
                    raise
                return fn(texts)
        return call
    return lambda texts: [_encode_one(tok, t) for t in texts]


def _encode_one(tok, text: str) -> list[int]:
    fn = getattr(tok, "encode_ordinary", None)
    return list(fn(text)) if fn is not None else list(tok.encode(text))


def _decode_bytes(tok, ids: Sequence[int]) -> bytes:
    fn = getattr(tok, "decode_bytes", None)
    if fn is not None:
        return fn(list(ids))
    return tok.decode(list(ids)).encode("utf-8")


class TokenBytes:
    """Per-id decoded bytes, computed on demand and cached (one tokenizer)."""

    def __init__(self, tok):
        self.tok = tok
        self.cache: dict[int, bytes] = {}

    def __call__(self, i: int) -> bytes:
        b = self.cache.get(i)
        if b is None:
            try:
                b = _decode_bytes(self.tok, [i])
            except (KeyError, ValueError, IndexError):
                b = b""
            self.cache[i] = b
        return b


def tokenizer_info(label: str, tok, family: Optional[str]) -> tuple[TokenizerInfo, set[bytes]]:
    """Static facts about a tokenizer and the set of its vocabulary entries' bytes."""
    vocab_size = int(getattr(tok, "vocab_size", 0) or getattr(tok, "n_vocab", 0) or 0)
    specials = getattr(tok, "special_tokens", {}) or {}
    special_ids = set(specials.values()) if isinstance(specials, dict) else set()
    model = getattr(tok, "model", None)
    unk_ids: list[int] = []
    fallback: list[int] = []
    if model is not None and hasattr(model, "unk_id"):
        u = model.unk_id()
        unk_ids = [u] if u >= 0 else []
        if getattr(model, "byte_fallback", False) and getattr(model, "token_strings", None):
            fallback = [i for i, s in enumerate(model.token_strings) if s and _BYTE_FALLBACK.match(s)]
    elif hasattr(tok, "token_to_id"):
        unk_ids = [i for i in (tok.token_to_id(s) for s in _UNK_STRINGS) if i is not None]
    vocab: set[bytes] = set()
    lengths: dict[int, int] = {}
    get = TokenBytes(tok)
    for i in range(vocab_size):
        if i in special_ids:
            continue
        b = get(i)
        if not b and i not in unk_ids:
            continue
        vocab.add(b)
        lengths[len(b)] = lengths.get(len(b), 0) + 1
    info = TokenizerInfo(label, str(getattr(tok, "name", label)), family, vocab_size, len(special_ids),
                         unk_ids, fallback, dict(sorted(lengths.items())))
    return info, vocab


# --------------------------------------------------------------------------- measuring


def encode_part(tok, texts: Texts, *, label: str, corpus: str, threads: Optional[int],
                issues: list[Issue]) -> tuple[list[Optional[list[int]]], float]:
    """Ids of every segment (None where the tokenizer raised) and the seconds spent encoding."""
    encode = _batch_encoder(tok, threads)
    start = time.perf_counter()
    try:
        out: list[Optional[list[int]]] = list(encode(texts.texts))
        return out, time.perf_counter() - start
    except Exception:  # noqa: BLE001 - any failure of a third-party tokenizer is reported, not raised
        pass
    out = []
    start = time.perf_counter()
    for i, text in enumerate(texts.texts):
        try:
            out.append(_encode_one(tok, text))
        except Exception as e:  # noqa: BLE001
            out.append(None)
            issues.append(Issue("error", f"tokenizer raised {type(e).__name__}: {_short(str(e))}; segment left out",
                                texts.origin(i), corpus=corpus, language=texts.language or "", tokenizer=label))
    return out, time.perf_counter() - start


def _short(message: str, n: int = 160) -> str:
    one = " ".join(message.split())
    return one if len(one) <= n else one[: n - 1] + "…"


def word_rule(texts: Texts, script: Optional[str]) -> str:
    """``"gold"``, ``"whitespace"`` or ``"n/a"`` (unspaced script without gold words)."""
    if texts.words is not None:
        return "gold"
    if script in UNSPACED_SCRIPTS:
        return "n/a"
    return "whitespace"


def part_script(code: str, texts: Texts) -> Optional[str]:
    meta = describe(code) if code else None
    if meta is not None and meta.known and meta.script:
        return meta.script
    return detect_script(" ".join(texts.texts[:50]))


def measure(tok, texts: Texts, info: TokenizerInfo, token_bytes: TokenBytes, *, corpus: str, language: str,
            threads: Optional[int], issues: list[Issue], roundtrip: bool = True,
            word_level: bool = True) -> Measurement:
    """Encode one part and keep its raw counts."""
    ids, seconds = encode_part(tok, texts, label=info.label, corpus=corpus, threads=threads, issues=issues)
    seg_tokens = [len(x) if x is not None else -1 for x in ids]
    seg_bytes = [len(t.encode("utf-8", "surrogatepass")) for t in texts.texts]
    seg_chars = [len(t) for t in texts.texts]
    script = part_script(language, texts)
    rule = word_rule(texts, script)
    if rule == "gold":
        seg_words: Optional[list[int]] = [len(w) for w in texts.words]
    elif rule == "whitespace":
        seg_words = [len(t.split()) for t in texts.texts]
    else:
        seg_words = None
    flat = np.fromiter(itertools.chain.from_iterable(x for x in ids if x is not None), dtype=np.int64)
    uniq, counts = np.unique(flat, return_counts=True) if flat.size else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    lengths: dict[int, int] = {}
    for i, c in zip(uniq.tolist(), counts.tolist()):
        n = len(token_bytes(i))
        lengths[n] = lengths.get(n, 0) + c
    count_of = dict(zip(uniq.tolist(), counts.tolist()))
    unk = sum(count_of.get(i, 0) for i in info.unk_ids)
    fallback = sum(count_of.get(i, 0) for i in info.byte_fallback_ids) if info.byte_fallback_ids else 0
    failed_rt: list[int] = []
    if roundtrip:
        for k, (text, x) in enumerate(zip(texts.texts, ids)):
            if x is None:
                continue
            try:
                same = _decode_bytes(tok, x) == text.encode("utf-8", "surrogatepass")
            except Exception:  # noqa: BLE001 - a decoder that raises is a round-trip failure
                same = False
            if not same:
                failed_rt.append(k)
    n_words = n_cont = 0
    if word_level and rule != "n/a":
        n_words, n_cont = _continued_words(tok, texts, rule, threads, token_bytes)
    return Measurement(info.label, corpus, language, script, seg_tokens, seg_bytes, seg_chars, seg_words, rule,
                       uniq.tolist(), counts.tolist(), dict(sorted(lengths.items())), unk, fallback, failed_rt,
                       n_words, n_cont, seconds, [k for k, x in enumerate(ids) if x is None])


def _continued_words(tok, texts: Texts, rule: str, threads: Optional[int], token_bytes: TokenBytes) -> tuple[int, int]:
    """(words, words split into ≥ 2 non-whitespace tokens), each word encoded once as ``" " + w``."""
    freq: dict[str, int] = {}
    source = texts.words if rule == "gold" else (t.split() for t in texts.texts)
    for words in source:
        for w in words:
            freq[w] = freq.get(w, 0) + 1
    if not freq:
        return 0, 0
    forms = list(freq)
    try:
        encoded = _batch_encoder(tok, threads)([" " + w for w in forms])
    except Exception:  # noqa: BLE001 - fall back to one at a time, skipping words that fail
        encoded = []
        for w in forms:
            try:
                encoded.append(_encode_one(tok, " " + w))
            except Exception:  # noqa: BLE001
                encoded.append(None)
    total = cont = 0
    for w, ids in zip(forms, encoded):
        if ids is None:
            continue
        n = sum(1 for i in ids if token_bytes(i).strip())
        total += freq[w]
        if n >= 2:
            cont += freq[w]
    return total, cont
