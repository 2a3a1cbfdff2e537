"""Decoders: how token ids turn back into text (HF ``decoder`` components).

Most decoder steps act on each token alone (ByteLevel, Replace, ByteFallback, a Strip before
any Fuse), so tokensmith folds them into a per-id byte table the native core concatenates.
What acts on the joined text (a Strip after Fuse, Metaspace's leading-space removal) is kept as
a small final step applied in Python.

>>> d = Sequence([Replace("▁", " "), ByteFallback(), Fuse(), Strip(" ", 1, 0)])
>>> token_bytes(d, "▁hi"), token_bytes(d, "<0x41>")
(b' hi', b'A')
>>> finish(d, " hi there")
'hi there'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Union

from tokensmith.bytelevel import try_decode_token


@dataclass(frozen=True)
class ByteLevel:
    pass


@dataclass(frozen=True)
class Replace:
    pattern: str
    content: str


@dataclass(frozen=True)
class ByteFallback:
    pass


@dataclass(frozen=True)
class Fuse:
    pass


@dataclass(frozen=True)
class Strip:
    content: str = " "
    start: int = 0
    stop: int = 0


@dataclass(frozen=True)
class Metaspace:
    replacement: str = "▁"
    prepend_scheme: str = "always"


@dataclass(frozen=True)
class Sequence:
    steps: list = field(default_factory=list)


Decoder = Union[ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence]
_BYTE = re.compile(r"<0x([0-9A-Fa-f]{2})>")


def _steps(dec: Optional[Decoder]) -> list:
    if dec is None:
        return []
    if isinstance(dec, Sequence):
        return [s for d in dec.steps for s in _steps(d)]
    return [dec]


def _strip(token: str, step: Strip) -> str:
    start = 0
    while start < min(step.start, len(token)) and token[start] == step.content:
        start += 1
    stop = len(token)
    while len(token) - stop < step.stop and stop > start and token[stop - 1] == step.content:
        stop -= 1
    return token[start:stop]


def token_bytes(dec: Optional[Decoder], token: str) -> bytes:
    """Bytes one vocabulary string decodes to, applying the per-token steps."""
    text: object = token
    for step in _steps(dec):
        if isinstance(step, Fuse):
            break
        if isinstance(step, ByteLevel):
            raw = try_decode_token(str(text))
            text = raw if raw is not None else str(text).encode("utf-8")
            break
        if isinstance(step, Replace):
            text = str(text).replace(step.pattern, step.content)
        elif isinstance(step, ByteFallback):
            m = _BYTE.fullmatch(str(text))
            if m:
                return bytes([int(m.group(1), 16)])
        elif isinstance(step, Strip):
            text = _strip(str(text), step)
        elif isinstance(step, Metaspace):
            text = str(text).replace(step.replacement, " ")
    return text if isinstance(text, bytes) else str(text).encode("utf-8")


def finish(dec: Optional[Decoder], text: str) -> str:
    """The steps that act on the joined text: Strip after Fuse, Metaspace's first space."""
    fused = False
    for step in _steps(dec):
        if isinstance(step, Fuse):
            fused = True
        elif isinstance(step, Strip) and fused:
            text = _strip(text, step)
        elif isinstance(step, Metaspace) and step.prepend_scheme in ("always", "first"):
            if text.startswith(" "):
                text = text[1:]
    return text


def has_finish(dec: Optional[Decoder]) -> bool:
    return finish(dec, " x ") != " x "


def to_json(dec: Optional[Decoder]) -> Optional[dict]:
    if dec is None:
        return None
    if isinstance(dec, ByteLevel):
        return {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    if isinstance(dec, Replace):
        return {"type": "Replace", "pattern": {"String": dec.pattern}, "content": dec.content}
    if isinstance(dec, ByteFallback):
        return {"type": "ByteFallback"}
    if isinstance(dec, Fuse):
        return {"type": "Fuse"}
    if isinstance(dec, Strip):
        return {"type": "Strip", "content": dec.content, "start": dec.start, "stop": dec.stop}
    if isinstance(dec, Metaspace):
        return {"type": "Metaspace", "replacement": dec.replacement, "prepend_scheme": dec.prepend_scheme,
                "split": True}
    if isinstance(dec, Sequence):
        return {"type": "Sequence", "decoders": [to_json(d) for d in dec.steps]}
    raise TypeError(f"not a decoder: {dec!r}")


def from_json(obj: Optional[dict], *, path: object = None, where: str = "decoder") -> Optional[Decoder]:
    """Parse HF's JSON form; unsupported components raise UnsupportedComponentError, parts of the
    wrong shape a FormatError naming ``where`` in the file."""
    from tokensmith import _shape
    from tokensmith.errors import FormatError, UnsupportedComponentError

    obj = _shape.component(obj, where, path)
    if obj is None:
        return None
    kind = obj["type"]
    at = f"{where} ({kind})"
    if kind == "ByteLevel":
        return ByteLevel()
    if kind == "Replace":
        pattern, literal = _shape.pattern(_shape.field(obj, "pattern"), f"{at}.pattern", path)
        if not literal:
            raise UnsupportedComponentError("Replace decoder with a regex pattern is not supported", path=path)
        return Replace(pattern, _shape.string(_shape.field(obj, "content"), f"{at}.content", path))
    if kind == "ByteFallback":
        return ByteFallback()
    if kind == "Fuse":
        return Fuse()
    if kind == "Strip":
        content = _shape.string(obj.get("content", " "), f"{at}.content", path, what="one character")
        if len(content) != 1:
            raise _shape.fail(f"{at}.content", "one character", content, path)
        start, stop = (_shape.integer(obj.get(key, 0), f"{at}.{key}", path, lo=0) for key in ("start", "stop"))
        return Strip(content, start, stop)
    if kind == "Metaspace":
        replacement = _shape.string(obj.get("replacement", "▁"), f"{at}.replacement", path)
        legacy = _shape.flag(obj.get("add_prefix_space"), f"{at}.add_prefix_space", path, True)
        scheme = obj.get("prepend_scheme", "always" if legacy else "never")
        if scheme not in ("always", "first", "never"):
            raise FormatError(f"{at}.prepend_scheme: expected 'always', 'first' or 'never', got "
                              f"{_shape.describe(scheme)}", path=path)
        return Metaspace(replacement, scheme)
    if kind == "Sequence":
        steps = _shape.array(_shape.field(obj, "decoders"), f"{at}.decoders", path)
        return Sequence([from_json(_shape.obj(d, f"{where}.decoders[{k}]", path, what="an object with a 'type'"),
                                   path=path, where=f"{where}.decoders[{k}]") for k, d in enumerate(steps)])
    raise UnsupportedComponentError(
        f"decoder {kind!r} is not supported yet (supported: ByteLevel, Replace, ByteFallback, Fuse, "
        "Strip, Metaspace, Sequence)", path=path)
