"""Resolve what the user passed to :func:`tokensmith.load` -- a file, a folder or a known
name -- and dispatch to the right reader. Nothing here touches the network: known names are
looked up in ``$TOKENSMITH_DATA`` (and its immediate subfolders), then in tiktoken's cache.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Optional

from tokensmith.errors import FormatError, TokenizerNotFoundError
from tokensmith.formats import claude, gpt2, hf_json, tekken
from tokensmith.formats import tiktoken as tiktoken_format
from tokensmith.formats.common import read_bytes, read_json

_BLOB = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"


def _tiktoken_cache_dir() -> Optional[Path]:
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if os.environ.get(var):
            return Path(os.environ[var])
    return Path(tempfile.gettempdir()) / "data-gym-cache"


def _data_dirs() -> list[Path]:
    root = os.environ.get("TOKENSMITH_DATA")
    if not root:
        return []
    base = Path(root)
    dirs = [base]
    if base.is_dir():
        dirs += sorted(p for p in base.iterdir() if p.is_dir())
    return dirs


def find_named(name: str) -> Optional[Path]:
    """The local file for a known encoding name, or None."""
    stem = tiktoken_format.PRESETS[name][0]
    for d in _data_dirs():
        cand = d / f"{stem}.tiktoken"
        if cand.is_file():
            return cand
    cache = _tiktoken_cache_dir()
    if cache is not None:
        cand = cache / hashlib.sha1(_BLOB.format(stem).encode()).hexdigest()
        if cand.is_file():
            return cand
    return None


def load(source, **options):
    """Load a tokenizer from a path or known name; see :func:`tokensmith.load`."""
    if not isinstance(source, (str, os.PathLike)) or source == "":
        from tokensmith.errors import InputTypeError

        raise InputTypeError(f"load() takes a path or a known name, got {source!r}")
    if isinstance(source, str) and source in tiktoken_format.PRESETS and not Path(source).exists():
        path = find_named(source)
        if path is None:
            stem = tiktoken_format.PRESETS[source][0]
            where = os.environ.get("TOKENSMITH_DATA")
            raise TokenizerNotFoundError(
                f"{stem}.tiktoken not found locally (tokensmith never downloads). Put the file in "
                f"$TOKENSMITH_DATA ({'currently ' + where if where else 'not set'}) or one of its "
                f"subfolders, or let tiktoken cache it in {_tiktoken_cache_dir()}.")
        return tiktoken_format.load(path, name=source, **options)
    path = Path(source)
    if not path.exists():
        known = ", ".join(sorted(tiktoken_format.PRESETS))
        raise TokenizerNotFoundError(f"{source}: no such file or folder (known names: {known})")
    if path.is_dir():
        return _load_dir(path, **options)
    return _load_file(path, **options)


def _load_dir(folder: Path, **options):
    for name in ("tokenizer.json", "tokenizer.json.xz"):
        if (folder / name).is_file():
            return hf_json.load(folder / name, **options)
    found = sorted(folder.glob("*.tiktoken"))
    if len(found) == 1:
        return tiktoken_format.load(found[0], **options)
    for vocab, merges in (("encoder.json", "vocab.bpe"), ("*vocab.json", "*merges.txt")):
        v, m = sorted(folder.glob(vocab)), sorted(folder.glob(merges))
        if v and m:
            return gpt2.load(v[0], m[0], **options)
    raise FormatError("no tokenizer found in this folder (looked for tokenizer.json, a single *.tiktoken, "
                      "encoder.json + vocab.bpe, vocab.json + merges.txt)", path=folder)


def _load_file(path: Path, **options):
    name = path.name
    if name.endswith(".tiktoken") or name.endswith(".tiktoken.xz"):
        return tiktoken_format.load(path, **options)
    if name.endswith(("vocab.bpe", "merges.txt")):
        vocab = next(iter(sorted(path.parent.glob("encoder.json")) + sorted(path.parent.glob("*vocab.json"))), None)
        if vocab is None:
            raise FormatError("merges file without encoder.json / vocab.json beside it", path=path)
        return gpt2.load(vocab, path, **options)
    head = read_bytes(path)[:64].lstrip()
    if not head.startswith(b"{"):
        first = head.split(b"\n")[0]
        if len(first.split()) == 2:
            return tiktoken_format.load(path, **options)
        raise FormatError("unrecognised tokenizer file (expected JSON, .tiktoken, or vocab+merges); "
                          "SentencePiece .model files are not supported by this version", path=path)
    obj = read_json(path)
    if isinstance(obj, dict) and isinstance(obj.get("model"), dict):
        return hf_json.from_file_dict(obj, path=path, **options)
    if tekken.is_tekken(obj):
        return tekken.load(path, obj=obj, **options)
    if claude.is_claude(obj):
        return claude.load(path, obj=obj, **options)
    if isinstance(obj, dict) and obj and all(isinstance(v, int) for v in list(obj.values())[:100]):
        merges = sorted(path.parent.glob("vocab.bpe")) + sorted(path.parent.glob("*merges.txt"))
        if merges:
            return gpt2.load(path, merges[0], **options)
        raise FormatError("a vocabulary JSON needs its merges file (vocab.bpe or merges.txt) beside it", path=path)
    raise FormatError("unrecognised JSON tokenizer (expected tokenizer.json, Tekken or a vocab.json)", path=path)
