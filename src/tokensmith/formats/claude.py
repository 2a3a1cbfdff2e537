"""The legacy Claude tokenizer JSON (js-tiktoken's compressed layout).

``bpe_ranks`` holds lines ``<tag> <offset> <b64> <b64> ...``; the k-th token of a line has rank
``offset + k``. ``pat_str`` and ``special_tokens`` are given; special ids may sit below the
ranks (``<EOT>`` is 0).
"""
from __future__ import annotations

import base64
import binascii
from typing import Optional

from tokensmith.errors import FormatError
from tokensmith.formats.common import read_json
from tokensmith.formats.tiktoken import from_ranks


def is_claude(obj) -> bool:
    return isinstance(obj, dict) and "bpe_ranks" in obj and "pat_str" in obj


def load(path, *, name: Optional[str] = None, obj: Optional[dict] = None):
    obj = obj if obj is not None else read_json(path)
    ranks: dict[bytes, int] = {}
    for lineno, line in enumerate(str(obj["bpe_ranks"]).split("\n"), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) < 2:
            raise FormatError(f"bpe_ranks line {lineno}: expected '<tag> <offset> <b64>...'", path=path)
        try:
            offset = int(parts[1])
        except ValueError:
            raise FormatError(f"bpe_ranks line {lineno}: offset {parts[1]!r} is not an integer", path=path) from None
        for k, b64 in enumerate(parts[2:]):
            try:
                ranks[base64.b64decode(b64, validate=True)] = offset + k
            except (binascii.Error, ValueError):
                raise FormatError(f"bpe_ranks line {lineno}: token {k} {b64[:30]!r} is not valid base64",
                                  path=path) from None
    specials = {str(k): int(v) for k, v in obj.get("special_tokens", {}).items()}
    return from_ranks(ranks, pattern=obj["pat_str"], special_tokens=specials, name=name or "claude",
                      path=path, source_format="claude")
