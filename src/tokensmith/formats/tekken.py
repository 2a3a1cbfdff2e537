"""Mistral's Tekken tokenizer JSON: tiktoken-style ranks (base64 bytes) plus a block of special
tokens placed before them, so that id = rank + number of special tokens.

The file's ``config`` gives the pattern, the vocabulary size in use and the number of special
tokens; ranks beyond ``default_vocab_size - num_special`` are not part of the vocabulary.
"""
from __future__ import annotations

import base64
import binascii
from typing import Optional

from tokensmith import _shape, pretokenizers
from tokensmith.errors import FormatError
from tokensmith.formats.common import ranks_to_tokens, read_json
from tokensmith.models.bpe import BPE

_DEFAULT_SPECIALS = {0: "<unk>", 1: "<s>", 2: "</s>"}


def is_tekken(obj) -> bool:
    return isinstance(obj, dict) and "config" in obj and isinstance(obj.get("vocab"), list)


def load(path, *, name: Optional[str] = None, obj: Optional[dict] = None):
    from tokensmith.tokenizer import AddedToken, Tokenizer

    obj = obj if obj is not None else read_json(path)
    _shape.obj(obj, "the file", path, what="a Tekken object with 'config' and 'vocab'")
    cfg = _shape.obj(obj.get("config", {}), "config", path)
    entries = _shape.array(_shape.field(obj, "vocab"), "vocab", path, what="a list of {'rank', 'token_bytes'} objects")
    pattern = _shape.string(_shape.field(cfg, "pattern"), "config.pattern", path, what="the split regex (a string)")
    n_special = _shape.integer(cfg.get("default_num_special_tokens", 0), "config.default_num_special_tokens",
                               path, lo=0)
    vocab_size = _shape.integer(cfg.get("default_vocab_size", n_special + len(entries)), "config.default_vocab_size",
                                path, lo=0)
    if not n_special <= vocab_size <= 4 * len(entries) + 1_000_000:
        raise FormatError(f"Tekken sizes are inconsistent (num_special={n_special}, vocab_size={vocab_size}, "
                          f"{len(entries)} ranks)", path=path)
    n_inner = vocab_size - n_special
    ranks: dict[bytes, int] = {}
    for k, entry in enumerate(entries):
        at = f"vocab[{k}]"
        _shape.obj(entry, at, path, what="an object with 'rank' and 'token_bytes'")
        rank = _shape.integer(entry.get("rank", k), f"{at}.rank", path, lo=0, hi=_shape.MAX_ID)
        if rank >= n_inner:
            continue
        b64 = _shape.string(_shape.field(entry, "token_bytes"), f"{at}.token_bytes", path,
                            what="the token's bytes in base64 (a string)")
        try:
            token = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise FormatError(f"{at}.token_bytes: expected base64, got {b64[:40]!r}", path=path) from None
        ranks[token] = rank
    inner = ranks_to_tokens(ranks, path=path)
    tokens = [None] * n_special + inner
    specials = _special_names(obj.get("special_tokens", []), path)
    added = [AddedToken(specials.get(i, _DEFAULT_SPECIALS.get(i, f"<SPECIAL_{i}>")), i, special=True)
             for i in range(n_special)]
    # Ids are shifted ranks, so id order is rank order and token-rank semantics carry over.
    model = BPE(tokens=tokens, merges=None, whole_piece_first=True)
    # Mistral encodes with tiktoken: its regex dialect, where ^ and $ match at the text's ends only.
    split = pretokenizers.checked_split(pattern, where="config.pattern", path=path, syntax="rust")
    return Tokenizer(model, pretokenizer=split, added_tokens=added, name=name or "tekken", source_format="tekken")


def _special_names(items, path) -> dict[int, str]:
    """``special_tokens``: rank -> text of the special tokens the file names."""
    out = {}
    for k, s in enumerate(_shape.array(items, "special_tokens", path, what="a list of {'rank', 'token_str'} objects")):
        at = f"special_tokens[{k}]"
        _shape.obj(s, at, path, what="an object with 'rank' and 'token_str'")
        rank = _shape.integer(_shape.field(s, "rank"), f"{at}.rank", path, lo=0)
        out[rank] = _shape.string(_shape.field(s, "token_str"), f"{at}.token_str", path)
    return out
