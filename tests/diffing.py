"""Counting and reporting differences between tokensmith and a reference library.

Not a test module. A differential test encodes many texts with both sides, then calls
:func:`assert_no_mismatches`, which fails with a report of the first few differing inputs
(shortest first): where the text comes from, the text, the first differing token position, both
id lists around it, and — when a per-text encoder is given — the shortest single line or word of
the text that still differs, which usually names the bug.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

SHOW = 5  # differing inputs printed in a report
WINDOW = 10  # tokens shown on each side of the first difference


@dataclass
class Mismatch:
    label: str
    text: str
    expected: object
    got: object


def _short(text: str, limit: int = 240) -> str:
    if len(text) <= limit:
        return repr(text)
    return repr(text[: limit // 2]) + f" ... ({len(text)} chars) ... " + repr(text[-limit // 4 :])


def _first_difference(a: Sequence, b: Sequence) -> int:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def _window(ids, at: int, piece: Callable[[int], object] | None) -> str:
    if not isinstance(ids, (list, tuple)):
        return repr(ids)
    lo, hi = max(0, at - WINDOW), min(len(ids), at + WINDOW)
    part = list(ids[lo:hi])
    out = f"[{lo}:{hi}] of {len(ids)}: {part}"
    if piece is not None:
        pieces = []
        for i in part:
            try:
                pieces.append(piece(i))
            except Exception as exc:  # an id the reference does not know is itself the finding
                pieces.append(f"<{type(exc).__name__}>")
        out += f"\n          pieces {pieces}"
    return out


def _differs(cand: str, expected_one, got_one):
    want, have = outcome(expected_one, cand), outcome(got_one, cand)
    return (want, have) if want != have else None


def _reduce(text: str, expected_one, got_one, budget: int = 600) -> tuple[str, object, object] | None:
    """A short piece of ``text`` on which the two encoders still disagree, or None.

    The shortest differing line, then word, then the shortest differing window of characters
    (windows of 1, 2, 3, 4, 6, 8, ... characters, at most ``budget`` encodings in all).
    """
    best = None
    candidates = text.splitlines(keepends=True)[:300]
    words = text.split(" ")
    candidates += [(" " if i else "") + w for i, w in enumerate(words[:300])] if len(words) > 1 else []
    for cand in sorted(set(c for c in candidates if c and c != text), key=len):
        found = _differs(cand, expected_one, got_one)
        budget -= 1
        if found:
            best = (cand, *found)
            break
        if budget <= 0:
            break
    base = best[0] if best else text
    width = 1
    while width < len(base) and budget > 0:
        step = max(1, width // 2, len(base) // 100)
        for start in range(0, len(base) - width + 1, step):
            cand = base[start : start + width]
            found = _differs(cand, expected_one, got_one)
            budget -= 1
            if found:
                return (cand, *found)
            if budget <= 0:
                break
        width = width + 1 if width < 4 else width * 3 // 2
    return best


def report(
    mismatches: Sequence[Mismatch],
    total: int,
    what: str,
    *,
    piece: Callable[[int], object] | None = None,
    expected_one: Callable[[str], object] | None = None,
    got_one: Callable[[str], object] | None = None,
) -> str:
    """A readable report of ``mismatches`` among ``total`` compared items, shortest inputs first."""
    lines = [f"{what}: {len(mismatches)} of {total} inputs differ (expected = reference, got = tokensmith)"]
    for n, m in enumerate(sorted(mismatches, key=lambda m: (len(m.text), m.label))[:SHOW], 1):
        at = _first_difference(m.expected, m.got) if isinstance(m.expected, list) and isinstance(m.got, list) else 0
        lines.append(f"[{n}] {m.label} ({len(m.text)} chars): {_short(m.text)}")
        if isinstance(m.expected, list) and isinstance(m.got, list):
            lines.append(f"    first difference at token {at}")
        lines.append(f"    expected {_window(m.expected, at, piece)}")
        lines.append(f"    got      {_window(m.got, at, piece)}")
        if expected_one is not None and got_one is not None and len(m.text) > 1:
            reduced = _reduce(m.text, expected_one, got_one)
            if reduced is not None:
                cand, want, have = reduced
                lines.append(f"    reduced to {_short(cand, 120)}: expected {want!r:.300} got {have!r:.300}")
    if len(mismatches) > SHOW:
        lines.append(f"... and {len(mismatches) - SHOW} more")
    return "\n".join(lines)


def collect(items: Sequence[tuple[str, str]], expected: Iterable, got: Iterable) -> list[Mismatch]:
    """Pairs up ``expected[i]`` and ``got[i]`` for each ``(label, text)`` item and keeps the differing ones."""
    out = []
    expected, got = list(expected), list(got)
    assert len(expected) == len(items) and len(got) == len(items), (len(items), len(expected), len(got))
    for (label, text), want, have in zip(items, expected, got):
        if want != have:
            out.append(Mismatch(label, text, want, have))
    return out


def outcome(fn: Callable, *args, **kwargs):
    """``fn(*args, **kwargs)``, or the exception class it raised: lets errors be compared like values."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # compared against the reference's own outcome by the caller
        return type(exc)


def assert_no_mismatches(
    items: Sequence[tuple[str, str]],
    expected: Iterable,
    got: Iterable,
    what: str,
    **report_kwargs,
) -> None:
    mismatches = collect(items, expected, got)
    if mismatches:
        raise AssertionError(report(mismatches, len(items), what, **report_kwargs))
