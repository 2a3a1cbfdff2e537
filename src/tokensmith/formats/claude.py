"""The legacy Claude tokenizer JSON (js-tiktoken's compressed layout).

``bpe_ranks`` holds lines ``<tag> <offset> <b64> <b64> ...``; the k-th token of a line has rank
``offset + k``. ``pat_str`` and ``special_tokens`` are given; special ids may sit below the
ranks (``<EOT>`` is 0).
"""
from __future__ import annotations

import base64
import binascii
from typing import Optional

from tokensmith import _shape
from tokensmith.errors import FormatError
from tokensmith.formats.common import check_dense, read_json
from tokensmith.formats.tiktoken import from_ranks


def is_claude(obj) -> bool:
    return isinstance(obj, dict) and "bpe_ranks" in obj and "pat_str" in obj


def load(path, *, name: Optional[str] = None, obj: Optional[dict] = None):
    obj = obj if obj is not None else read_json(path)
    _shape.obj(obj, "the file", path, what="an object with 'bpe_ranks', 'pat_str' and 'special_tokens'")
    pattern = _shape.string(_shape.field(obj, "pat_str"), "pat_str", path, what="the split regex (a string)")
    ranks = _parse_ranks(_shape.string(_shape.field(obj, "bpe_ranks"), "bpe_ranks", path,
                                       what="the ranks as '<tag> <offset> <b64>...' lines (a string)"), path)
    specials = _shape.obj(obj.get("special_tokens", {}), "special_tokens", path,
                          what="an object mapping special token -> id")
    special_ids = {k: _shape.token_id(v, f"special_tokens[{k!r}]", path) for k, v in specials.items()}
    # Every id indexes a dense table: bound the largest by the number of tokens before allocating.
    check_dense(max([*ranks.values(), *special_ids.values()], default=-1) + 1, len(ranks) + len(special_ids),
                path=path)
    return from_ranks(ranks, pattern=pattern, special_tokens=special_ids, name=name or "claude",
                      path=path, source_format="claude", pattern_where="pat_str")


def _parse_ranks(text: str, path) -> dict[bytes, int]:
    """``bpe_ranks``: the k-th token of a line has rank offset + k; every problem names its line."""
    ranks: dict[bytes, int] = {}
    for lineno, line in enumerate(text.split("\n"), 1):
        parts = line.split()
        if not parts:
            continue
        where = f"bpe_ranks line {lineno}"
        if len(parts) < 2:
            raise FormatError(f"{where}: expected '<tag> <offset> <b64>...', got {line[:40]!r}", path=path)
        try:
            offset = int(parts[1])
        except ValueError:
            raise FormatError(f"{where}: offset {parts[1][:20]!r} is not an integer", path=path) from None
        last = offset + len(parts) - 3
        if offset < 0 or last > _shape.MAX_ID:
            raise FormatError(f"{where}: expected ranks 0 <= rank < 2**31, got offset {offset} for "
                              f"{len(parts) - 2} token(s)", path=path)
        for k, b64 in enumerate(parts[2:]):
            try:
                token = base64.b64decode(b64, validate=True)
            except (binascii.Error, ValueError):
                raise FormatError(f"{where}: token {k} {b64[:30]!r} is not valid base64",
                                  path=path) from None
            if token in ranks:
                raise FormatError(f"{where}: token {k} {token!r} appears twice (ranks {ranks[token]} and "
                                  f"{offset + k})", path=path)
            ranks[token] = offset + k
    return ranks
