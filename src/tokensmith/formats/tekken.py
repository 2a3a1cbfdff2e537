"""Mistral's Tekken tokenizer JSON: tiktoken-style ranks (base64 bytes) plus a block of special
tokens placed before them, so that id = rank + number of special tokens.

The file's ``config`` gives the pattern, the vocabulary size in use and the number of special
tokens; ranks beyond ``default_vocab_size - num_special`` are not part of the vocabulary.
"""
from __future__ import annotations

import base64
import binascii
from typing import Optional

from tokensmith import pretokenizers
from tokensmith.errors import FormatError
from tokensmith.formats.common import ranks_to_tokens, read_json
from tokensmith.models.bpe import BPE

_DEFAULT_SPECIALS = {0: "<unk>", 1: "<s>", 2: "</s>"}


def is_tekken(obj) -> bool:
    return isinstance(obj, dict) and "config" in obj and isinstance(obj.get("vocab"), list)


def load(path, *, name: Optional[str] = None, obj: Optional[dict] = None):
    from tokensmith.tokenizer import AddedToken, Tokenizer

    obj = obj if obj is not None else read_json(path)
    cfg = obj.get("config", {})
    try:
        pattern = cfg["pattern"]
        n_special = int(cfg.get("default_num_special_tokens", 0))
        vocab_size = int(cfg.get("default_vocab_size", n_special + len(obj["vocab"])))
    except (KeyError, TypeError, ValueError):
        raise FormatError("Tekken config needs 'pattern' and integer sizes", path=path) from None
    if not 0 <= n_special <= vocab_size <= 4 * len(obj["vocab"]) + 1_000_000:
        raise FormatError(f"Tekken sizes are inconsistent (num_special={n_special}, vocab_size={vocab_size}, "
                          f"{len(obj['vocab'])} ranks)", path=path)
    n_inner = vocab_size - n_special
    ranks: dict[bytes, int] = {}
    for k, entry in enumerate(obj["vocab"]):
        rank = int(entry.get("rank", k))
        if rank >= n_inner:
            continue
        try:
            ranks[base64.b64decode(entry["token_bytes"], validate=True)] = rank
        except (KeyError, binascii.Error, ValueError):
            raise FormatError(f"vocab[{k}] has no valid base64 'token_bytes'", path=path) from None
    inner = ranks_to_tokens(ranks, path=path)
    tokens = [None] * n_special + inner
    specials = {int(s["rank"]): s["token_str"] for s in obj.get("special_tokens", [])}
    added = [AddedToken(specials.get(i, _DEFAULT_SPECIALS.get(i, f"<SPECIAL_{i}>")), i, special=True)
             for i in range(n_special)]
    # Ids are shifted ranks, so id order is rank order and token-rank semantics carry over.
    model = BPE(tokens=tokens, merges=None, whole_piece_first=True)
    return Tokenizer(model, pretokenizer=pretokenizers.Split(pattern), added_tokens=added,
                     name=name or "tekken", source_format="tekken")
