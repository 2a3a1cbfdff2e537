"""Shape checks for parsed JSON: the readers of ``tokenizer.json``, Tekken and legacy Claude
files call these on every part they use, so that a part of the wrong type or a missing key is a
:class:`~tokensmith.errors.FormatError` at load time naming the file, the part (``where``, as a
path into the JSON such as ``added_tokens[0].id``) and what was expected -- never an
``AttributeError`` or ``KeyError`` from deep inside, nor a surprise at the first encode.

>>> integer(-5, "added_tokens[0].id", path="t.json", lo=0)
Traceback (most recent call last):
...
tokensmith.errors.FormatError: t.json: added_tokens[0].id: expected an integer >= 0, got -5
"""
from __future__ import annotations

from typing import Any, Optional

from tokensmith.errors import FormatError

# Ids index dense tables in the native core (32-bit signed there).
MAX_ID = 2**31 - 1
_MISSING = object()


def describe(value: Any) -> str:
    """``value`` as an error message shows it: its JSON kind, and the value when it is short."""
    if value is _MISSING:
        return "nothing (the key is missing)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return repr(value) if len(repr(value)) <= 40 else f"a number of {len(str(value))} digits"
    if isinstance(value, str):
        return f"the string {value[:40]!r}" + ("..." if len(value) > 40 else "")
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)" if value else "an empty list"
    if isinstance(value, dict):
        return f"an object with keys {sorted(map(str, value))[:5]}"
    return type(value).__name__


def fail(where: str, expected: str, value: Any, path: object) -> FormatError:
    return FormatError(f"{where}: expected {expected}, got {describe(value)}", path=path)


def field(obj: dict, key: str) -> Any:
    """``obj[key]``, or a marker that :func:`describe` reports as a missing key."""
    return obj.get(key, _MISSING)


def is_missing(value: Any) -> bool:
    return value is _MISSING


def obj(value: Any, where: str, path: object, *, what: str = "an object") -> dict:
    if not isinstance(value, dict):
        raise fail(where, what, value, path)
    return value


def array(value: Any, where: str, path: object, *, what: str = "a list") -> list:
    if not isinstance(value, list):
        raise fail(where, what, value, path)
    return value


def string(value: Any, where: str, path: object, *, what: str = "a string") -> str:
    if not isinstance(value, str):
        raise fail(where, what, value, path)
    return value


def optional_string(value: Any, where: str, path: object) -> Optional[str]:
    if value is None or value is _MISSING:
        return None
    return string(value, where, path, what="a string or null")


def integer(value: Any, where: str, path: object, *, lo: Optional[int] = None, hi: Optional[int] = None,
            what: Optional[str] = None) -> int:
    """An integer in ``[lo, hi]`` (JSON booleans are not integers)."""
    if what is None:
        bounds = [b for b in (f">= {lo}" if lo is not None else "", f"<= {hi}" if hi is not None else "") if b]
        what = " ".join(["an integer", " and ".join(bounds)]).strip()
    if not isinstance(value, int) or isinstance(value, bool):
        raise fail(where, what, value, path)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise fail(where, what, value, path)
    return value


def token_id(value: Any, where: str, path: object) -> int:
    return integer(value, where, path, lo=0, hi=MAX_ID, what="an integer id 0 <= id < 2**31")


def flag(value: Any, where: str, path: object, default: bool) -> bool:
    """A boolean option; absent or null means ``default``."""
    if value is None or value is _MISSING:
        return default
    if not isinstance(value, bool):
        raise fail(where, "true or false", value, path)
    return value


def component(value: Any, where: str, path: object) -> Optional[dict]:
    """A pipeline component (``{"type": ...}``) or null; returns None for null."""
    if value is None or value is _MISSING:
        return None
    obj(value, where, path, what="an object with a 'type' (or null)")
    string(field(value, "type"), f"{where}.type", path, what="the component's type name (a string)")
    return value


def pattern(value: Any, where: str, path: object) -> tuple[str, bool]:
    """HF's ``{"String": s}`` / ``{"Regex": r}``: (text, is_literal)."""
    what = "{\"String\": text} or {\"Regex\": pattern}"
    if not isinstance(value, dict) or len(value) != 1 or not ({"String", "Regex"} & value.keys()):
        raise fail(where, what, value, path)
    (kind, text), = value.items()
    string(text, f"{where}.{kind}", path)
    return text, kind == "String"
