"""Helpers shared by the format readers and writers: reading text/JSON with located errors,
atomic writes, and building byte-level BPE tokenizers from (bytes -> rank) tables."""
from __future__ import annotations

import json
import lzma
import os
import tempfile
from pathlib import Path
from typing import Callable, IO, Optional, Union

from tokensmith.errors import FormatError

PathLike = Union[str, os.PathLike]


def read_bytes(path: PathLike) -> bytes:
    """File contents; ``.xz`` files are decompressed transparently."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise FormatError(f"cannot read file: {e.strerror}", path=p) from None
    if p.suffix == ".xz":
        try:
            data = lzma.decompress(data)
        except lzma.LZMAError as e:
            raise FormatError(f"not a valid .xz file ({e})", path=p) from None
    return data


def read_text(path: PathLike) -> str:
    data = read_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise FormatError(f"invalid UTF-8 at byte {e.start}; the file must be UTF-8 text", path=path, line=line) from None


def read_json(path: PathLike):
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise FormatError(f"invalid JSON: {e.msg} (column {e.colno}); is the file truncated?", path=path,
                          line=e.lineno) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: PathLike, data: Union[str, bytes]) -> str:
    """Write via a temporary file in the same folder and rename, so readers never see half a file."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return atomic_write_with(path, lambda f: f.write(raw))


def atomic_write_with(path: PathLike, write: Callable[[IO[bytes]], object]) -> str:
    """:func:`atomic_write` for content produced piece by piece: ``write(f)`` writes to the
    temporary binary file (a large JSON document streams instead of becoming one string)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return str(p)


def check_dense(size: int, count: int, *, path: object = None) -> None:
    """Ids are stored densely; refuse a table that is mostly holes rather than exhaust memory."""
    if size > 4 * count + 1_000_000:
        raise FormatError(f"ids run up to {size - 1} for only {count} tokens; expected ids below "
                          f"{4 * count + 1_000_000} (4 per token + 1,000,000): ids this sparse are not "
                          "supported, renumber the tokens", path=path)


def ranks_to_tokens(ranks: dict[bytes, int], *, path: object = None) -> list[Optional[bytes]]:
    """Dense id -> bytes list from a (bytes -> rank) table; ranks must be unique."""
    if not ranks:
        raise FormatError("the vocabulary is empty", path=path)
    size = max(ranks.values()) + 1
    check_dense(size, len(ranks), path=path)
    tokens: list[Optional[bytes]] = [None] * size
    for tok, rank in ranks.items():
        if tokens[rank] is not None:
            raise FormatError(f"rank {rank} is used by two tokens ({tokens[rank]!r} and {tok!r}); "
                              "ranks must be unique", path=path)
        tokens[rank] = tok
    # Bytes that never occur in UTF-8 text (0xC0, 0xC1, 0xF5-0xFF) may be absent.
    missing = [b for b in range(256) if bytes([b]) not in ranks and not (b in (0xC0, 0xC1) or b >= 0xF5)]
    if missing:
        raise FormatError(
            f"the vocabulary lacks {len(missing)} single-byte token(s) (first: {bytes([missing[0]])!r}); "
            "a byte-level BPE vocabulary needs all 256 to encode arbitrary text", path=path)
    return tokens
