"""Normalizers: text rewrites applied before pre-tokenization (HF ``normalizer`` components).

tokensmith is lossless by default: no normalizer unless a loaded file asks for one. Unicode
normalization uses ``unicodedata2`` (Unicode 16) when it is installed, else the interpreter's
``unicodedata``. NFC reproduces HF tokenizers exactly: HF's normalization tables predate
about a hundred combining marks and composites, which it therefore leaves alone; tokensmith
splits the text at those characters (:mod:`tokensmith._hf_nfc`) before normalizing.

>>> normalize(NFC(), "e\\u0301")
'é'
>>> normalize(Sequence([Prepend("▁"), Replace(" ", "▁")]), "a b")
'▁a▁b'
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

import regex

try:  # pragma: no cover - depends on the environment
    import unicodedata2 as unicodedata
except ImportError:  # pragma: no cover
    import unicodedata  # type: ignore[no-redef]


@dataclass(frozen=True)
class NFC:
    form = "NFC"


@dataclass(frozen=True)
class NFD:
    form = "NFD"


@dataclass(frozen=True)
class NFKC:
    form = "NFKC"


@dataclass(frozen=True)
class NFKD:
    form = "NFKD"


@dataclass(frozen=True)
class Lowercase:
    pass


@dataclass(frozen=True)
class Prepend:
    prepend: str


@dataclass(frozen=True)
class Replace:
    pattern: str
    content: str
    regex: bool = False


@dataclass(frozen=True)
class Sequence:
    steps: list = field(default_factory=list)


Normalizer = Union[NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Sequence]
_UNICODE_FORMS = (NFC, NFD, NFKC, NFKD)


def _inert_pattern() -> "regex.Pattern":
    from tokensmith._hf_nfc import HF_NFC_INERT

    return regex.compile("([" + "".join(regex.escape(chr(cp)) for cp in HF_NFC_INERT) + "])")


_HF_INERT = _inert_pattern()


def _nfc_as_hf(text: str) -> str:
    """NFC, except that characters HF's tables lack stay put and block composition/reordering
    across them -- exactly what an unassigned code point does in NFC.

    >>> _nfc_as_hf("a\u0898\u0899") == "a\u0898\u0899"   # HF does not reorder these
    True
    """
    if not _HF_INERT.search(text):
        return unicodedata.normalize("NFC", text)
    parts = _HF_INERT.split(text)  # separators are kept at odd indices
    return "".join(p if i % 2 else unicodedata.normalize("NFC", p) for i, p in enumerate(parts))


def normalize(norm: Optional[Normalizer], text: str) -> str:
    """Apply a normalizer to text."""
    if norm is None:
        return text
    if isinstance(norm, NFC):
        return _nfc_as_hf(text)
    if isinstance(norm, _UNICODE_FORMS):
        return unicodedata.normalize(norm.form, text)
    if isinstance(norm, Lowercase):
        return text.lower()
    if isinstance(norm, Prepend):
        return norm.prepend + text if text else text
    if isinstance(norm, Replace):
        if norm.regex:
            return regex.sub(norm.pattern, lambda _m: norm.content, text)
        return text.replace(norm.pattern, norm.content)
    if isinstance(norm, Sequence):
        for step in norm.steps:
            text = normalize(step, text)
        return text
    raise TypeError(f"not a normalizer: {norm!r}")


def is_identity_on(norm: Optional[Normalizer], text: str) -> bool:
    """True when the normalizer provably leaves ``text`` unchanged (cheap check)."""
    if norm is None:
        return True
    if isinstance(norm, NFC):
        return _nfc_as_hf(text) == text
    if isinstance(norm, _UNICODE_FORMS):
        return unicodedata.normalize(norm.form, text) == text  # quick-checked, no copy when normalized
    if isinstance(norm, Sequence):
        return all(is_identity_on(s, text) for s in norm.steps)
    return False


def to_json(norm: Optional[Normalizer]) -> Optional[dict]:
    if norm is None:
        return None
    if isinstance(norm, _UNICODE_FORMS):
        return {"type": norm.form}
    if isinstance(norm, Lowercase):
        return {"type": "Lowercase"}
    if isinstance(norm, Prepend):
        return {"type": "Prepend", "prepend": norm.prepend}
    if isinstance(norm, Replace):
        return {"type": "Replace", "pattern": {"Regex" if norm.regex else "String": norm.pattern},
                "content": norm.content}
    if isinstance(norm, Sequence):
        return {"type": "Sequence", "normalizers": [to_json(s) for s in norm.steps]}
    raise TypeError(f"not a normalizer: {norm!r}")


def from_json(obj: Optional[dict], *, path: object = None, where: str = "normalizer") -> Optional[Normalizer]:
    """Parse HF's JSON form; unsupported components raise UnsupportedComponentError, parts of the
    wrong shape (and regexes that do not compile) a FormatError naming ``where`` in the file."""
    from tokensmith import _shape
    from tokensmith.errors import FormatError, UnsupportedComponentError

    obj = _shape.component(obj, where, path)
    if obj is None:
        return None
    kind = obj["type"]
    at = f"{where} ({kind})"
    simple = {"NFC": NFC, "NFD": NFD, "NFKC": NFKC, "NFKD": NFKD, "Lowercase": Lowercase}
    if kind in simple:
        return simple[kind]()
    if kind == "Prepend":
        return Prepend(_shape.string(_shape.field(obj, "prepend"), f"{at}.prepend", path))
    if kind == "Replace":
        pattern, literal = _shape.pattern(_shape.field(obj, "pattern"), f"{at}.pattern", path)
        content = _shape.string(_shape.field(obj, "content"), f"{at}.content", path)
        if not literal:
            try:
                regex.compile(pattern)
            except regex.error as e:
                raise FormatError(f"{at}.pattern: expected a regex, got {pattern!r}, which does not compile "
                                  f"({e})", path=path) from None
        return Replace(pattern, content, not literal)
    if kind == "Sequence":
        steps = _shape.array(_shape.field(obj, "normalizers"), f"{at}.normalizers", path)
        return Sequence([from_json(_shape.obj(s, f"{where}.normalizers[{k}]", path, what="an object with a 'type'"),
                                   path=path, where=f"{where}.normalizers[{k}]") for k, s in enumerate(steps)])
    raise UnsupportedComponentError(
        f"normalizer {kind!r} is not supported yet (supported: NFC, NFD, NFKC, NFKD, Lowercase, "
        "Prepend, Replace, Sequence); tokensmith refuses it rather than encode differently", path=path)
