"""Pre-tokenizers: how text is cut into pieces before BPE, as declarative, serialisable steps.

The steps mirror HF tokenizers' components (``Split``, ``ByteLevel``, ``Digits``,
``Sequence``) so that ``tokenizer.json`` files map one to one. :func:`preset` returns the split
patterns of known tokenizers. When a pipeline is one of the known patterns, :func:`fast_path`
tells the native core which hand-written scanner reproduces it; any other pipeline runs here in
Python with the ``regex`` module (same semantics, slower).

>>> preset("cl100k").pattern == PATTERNS["cl100k"]
True
>>> fast_path(Sequence([Split(PATTERNS["o200k"]), ByteLevel(use_regex=False)]))
FastPath(kind=3, max_digits=3, contractions=True, add_prefix_space=False)
>>> split_text(Split(r"\\d+|\\D+"), "ab12c")
['ab', '12', 'c']
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Optional, Union

import regex

# The split patterns in their classic (non-possessive) form, as the reference files store them.
_GPT2 = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
_CL100K = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
_QWEN2 = _CL100K.replace(r"\p{N}{1,3}", r"\p{N}")
_O200K = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])
_TEKKEN = (
    _O200K.replace(r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?", "").replace(r"\p{N}{1,3}", r"\p{N}")
)

PATTERNS: dict[str, str] = {
    "gpt2": _GPT2,
    "r50k": _GPT2,
    "p50k": _GPT2,
    "cl100k": _CL100K,
    "llama3": _CL100K,
    "qwen2": _QWEN2,
    "o200k": _O200K,
    "tekken": _TEKKEN,
}

# The same patterns as tiktoken currently writes them (possessive quantifiers, `\s++$`); they
# split identically, so they select the same scanners.
_TIKTOKEN_CURRENT = {
    r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s""": "gpt2",
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""": "cl100k",
}


class FastPath(NamedTuple):
    """Scanner selection for the native core (kinds as in csrc/pretok/scanners.h)."""

    kind: int
    max_digits: int = 3
    contractions: bool = True
    add_prefix_space: bool = False


_SCANNERS: dict[str, FastPath] = {
    _GPT2: FastPath(1),
    _CL100K: FastPath(2, 3),
    _QWEN2: FastPath(2, 1),
    _O200K: FastPath(3, 3, True),
    _TEKKEN: FastPath(3, 1, False),
}
for _pat, _name in _TIKTOKEN_CURRENT.items():
    _SCANNERS[_pat] = _SCANNERS[PATTERNS[_name]]

DIGIT_MODES = ("single", "groups")


def with_digits(pattern: str, digits: Optional[str]) -> str:
    """The pattern with its digit rule replaced: ``"single"`` (one piece per digit, as Llama 2
    and Qwen2), ``"groups"`` (left-to-right groups of up to three, as cl100k and o200k), or
    None (the pattern as it is). Only the known families can be rewritten.

    >>> with_digits(PATTERNS["cl100k"], "single") == PATTERNS["qwen2"]
    True
    >>> fast_path(Split(with_digits(PATTERNS["o200k"], "single")))
    FastPath(kind=3, max_digits=1, contractions=True, add_prefix_space=False)
    """
    if digits is None:
        return pattern
    if digits not in DIGIT_MODES:
        raise ValueError(f"digits={digits!r}: choose one of {DIGIT_MODES} or None")
    rule = r"\p{N}" if digits == "single" else r"\p{N}{1,3}"
    if r"\p{N}{1,3}" in pattern:
        return pattern.replace(r"\p{N}{1,3}", rule)
    if r" ?\p{N}+" in pattern:
        return pattern.replace(r" ?\p{N}+", " ?" + rule)
    if r"|\p{N}|" in pattern:
        return pattern.replace(r"|\p{N}|", "|" + rule + "|")
    raise ValueError("digits= can only rewrite the known split patterns (see pretokenizers.PATTERNS); "
                     "write the digit rule into your own regex instead")


# Digit variants of the scanned families train and run natively too.
_SCANNERS[_O200K.replace(r"\p{N}{1,3}", r"\p{N}")] = FastPath(3, 1, True)
_SCANNERS[_TEKKEN.replace(r"|\p{N}|", r"|\p{N}{1,3}|")] = FastPath(3, 3, False)


@dataclass(frozen=True)
class Split:
    """Split on a regex (HF ``Split``). ``behavior`` is one of isolated, removed,
    merged_with_previous, merged_with_next, contiguous."""

    pattern: str
    behavior: str = "isolated"
    invert: bool = False
    literal: bool = False  # the pattern is a plain string, not a regex
    # The regex dialect the pattern was written for. "onig": HF tokenizers' Oniguruma (Ruby
    # syntax), where ^ and $ match at every line and \Z also before a final newline. "rust":
    # tiktoken's fancy-regex, where ^ and $ match only at the text's ends.
    syntax: str = "onig"


@dataclass(frozen=True)
class ByteLevel:
    """GPT-2's byte-level step: optional prefix space, optional GPT-2 split, bytes as symbols."""

    add_prefix_space: bool = False
    use_regex: bool = True
    trim_offsets: bool = True


@dataclass(frozen=True)
class Digits:
    """Split digits off (each alone with ``individual_digits``, else as runs)."""

    individual_digits: bool = False


@dataclass(frozen=True)
class Sequence:
    steps: list = field(default_factory=list)


PreTokenizer = Union[Split, ByteLevel, Digits, Sequence]
_BEHAVIORS = {"isolated", "removed", "merged_with_previous", "merged_with_next", "contiguous"}


def preset(name: str) -> Split:
    """The split step of a known tokenizer family: gpt2/r50k/p50k, cl100k/llama3, qwen2, o200k, tekken."""
    try:
        return Split(PATTERNS[name])
    except KeyError:
        raise ValueError(f"unknown pre-tokenizer preset {name!r}; choose one of {sorted(PATTERNS)}") from None


def steps_of(pre: Optional[PreTokenizer]) -> list:
    if pre is None:
        return []
    if isinstance(pre, Sequence):
        return [s for step in pre.steps for s in steps_of(step)]
    return [pre]


def fast_path(pre: Optional[PreTokenizer]) -> Optional[FastPath]:
    """The native scanner equivalent to this pre-tokenizer, or None if it needs the generic path."""
    steps = steps_of(pre)
    if not steps:
        return FastPath(0)
    if len(steps) == 1 and isinstance(steps[0], ByteLevel) and steps[0].use_regex:
        return _SCANNERS[_GPT2]._replace(add_prefix_space=steps[0].add_prefix_space)
    split, rest = steps[0], steps[1:]
    if rest and not (len(rest) == 1 and isinstance(rest[0], ByteLevel) and not rest[0].use_regex
                     and not rest[0].add_prefix_space):
        return None
    if isinstance(split, ByteLevel) and not split.use_regex and not rest:
        return FastPath(0, add_prefix_space=split.add_prefix_space)
    if (isinstance(split, Split) and split.behavior == "isolated" and not split.invert
            and not split.literal and split.pattern in _SCANNERS):
        return _SCANNERS[split.pattern]
    return None


_compiled: dict[tuple[str, bool, str], "regex.Pattern"] = {}


def _compile(pattern: str, literal: bool, syntax: str = "onig") -> "regex.Pattern":
    key = (pattern, literal, syntax)
    if key not in _compiled:
        if literal:
            _compiled[key] = regex.compile(regex.escape(pattern))
        else:
            _compiled[key] = regex.compile(translate(pattern, syntax, "python"))
    return _compiled[key]


# A group of inline flags: "(?i)", "(?im-x:", "(?:" (no flags) and the like.
_FLAG_GROUP = regex.compile(r"\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])")

# How each dialect's anchors are written in another one. In a "line" context (Oniguruma always;
# Rust in multi-line mode) ^ matches at the text's start and after every "\n" -- in Oniguruma
# not after a "\n" that ends the text -- and $ before every "\n" and at the end. Otherwise ^
# and $ are the text's start and end. \Z is the end or before a final "\n" in both dialects
# (Python's \Z is the end only).
_ANCHORS = {
    # (source, line context) -> target -> (^, $, \Z)
    ("onig", True): {"python": (r"(?m:(?:\A|(?<=\n)(?!\z)))", r"(?m:$)", r"(?=\n?\z)"),
                     "rust": (r"(?m:(?:\A|(?<=\n)(?!\z)))", r"(?m:$)", r"(?=\n?\z)"),
                     "onig": ("^", "$", r"\Z")},
    ("rust", False): {"python": (r"\A", r"\z", r"(?=\n?\z)"), "onig": (r"\A", r"\z", r"\Z"),
                      "rust": ("^", "$", r"\Z")},
    ("rust", True): {"python": (r"(?m:^)", r"(?m:$)", r"(?=\n?\z)"), "onig": ("^", "$", r"\Z"),
                     "rust": ("^", "$", r"\Z")},
}


def translate(pattern: str, source: str, target: str) -> str:
    r"""``pattern``, written for the regex dialect ``source``, rewritten for ``target``: "onig"
    (HF tokenizers), "rust" (tiktoken's fancy-regex) or "python" (the ``regex`` module, which
    runs the generic path). The dialects share everything a tokenizer pattern uses except the
    anchors ``^ $ \Z`` and the inline flag ``m`` (Oniguruma's "dot matches newline", Python's and
    Rust's "multi-line"), so only those are rewritten, and only where they are operators: not
    escaped, not in a ``[...]`` class.

    >>> translate(r"\s+$|[$^]x", "rust", "python")
    '\\s+\\z|[$^]x'
    >>> translate(r"(?m)^a$", "onig", "python")
    '(?s)(?m:(?:\\A|(?<=\\n)(?!\\z)))a(?m:$)'
    """
    if source == target:
        return pattern
    out, i, in_class = [], 0, False
    lines = [source == "onig"]  # per open group: are ^ and $ line anchors here?
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            esc = pattern[i:i + 2]
            out.append(_ANCHORS[(source, lines[-1])][target][2] if esc == r"\Z" and not in_class else esc)
            i += 2
            continue
        if in_class:
            if pattern.startswith("[:", i):  # a POSIX class such as [:alpha:]
                j = pattern.find(":]", i + 2)
                j = len(pattern) if j < 0 else j + 2
                out.append(pattern[i:j])
                i = j
                continue
            in_class = c != "]"
            out.append(c)
            i += 1
            continue
        if c == "[":
            # A "]" right after "[" or "[^" is a member, not the end of the class.
            j = i + 1 + (pattern[i + 1:i + 2] == "^")
            j += pattern[j:j + 1] == "]"
            out.append(pattern[i:j])
            i, in_class = j, True
            continue
        m = _FLAG_GROUP.match(pattern, i) if c == "(" else None
        if m:
            on, off, end = m.group(1), m.group(2) or "", m.group(3)
            here = lines[-1]
            if source != "onig":  # Rust's m is multi-line mode: the anchors carry it from here
                here = ("m" in on) or (here and "m" not in off)
                on, off = on.replace("m", ""), off.replace("m", "")
            elif target != "onig":  # Oniguruma's m is "dot matches newline", s elsewhere
                on, off = on.replace("m", "s"), off.replace("m", "s")
            if source != "onig" and target == "rust" and here:
                on += "m"
            flags = on + ("-" + off if off else "")
            if end == ")":
                lines[-1] = here
                out.append(f"(?{flags})" if flags else "")
            else:
                lines.append(here)
                out.append(f"(?{flags}:")
            i = m.end()
            continue
        if c == "(":
            lines.append(lines[-1])
        elif c == ")" and len(lines) > 1:
            lines.pop()
        if c in "^$":
            out.append(_ANCHORS[(source, lines[-1])][target]["^$".index(c)])
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _match_spans(pattern: "regex.Pattern", text: str) -> list[tuple[int, int]]:
    """Match spans as HF tokenizers finds them (the onig crate's ``find_iter``).

    It differs from Python's ``finditer`` only around empty matches: onig drops an empty match
    that starts where the previous match ended and then resumes one character later, so a
    non-empty match at that position is never tried. Without empty matches the two agree (the
    first difference would be an empty match both report), so the plain ``finditer`` serves.
    """
    spans = [m.span() for m in pattern.finditer(text)]
    if all(a != b for a, b in spans):
        return spans
    spans, pos, last_end = [], 0, None
    while pos <= len(text):
        m = pattern.search(text, pos)
        if m is None:
            break
        a, b = m.span()
        if a == b and pos == last_end:
            pos += 1  # one character
            continue
        spans.append((a, b))
        pos = last_end = b
    return spans


def _split_one(step: Split, text: str) -> list[str]:
    """HF's ``NormalizedString::split`` with a SplitDelimiterBehavior on one piece of text."""
    return [text[a:b] for a, b in _split_one_spans(step, text)]


def _split_one_spans(step: Split, text: str) -> list[tuple[int, int]]:
    """The pieces of :func:`_split_one` as (start, end) character spans of ``text``.

    As in HF, pieces are (span, is_match) with empty matches kept while the behaviour joins
    neighbours; empty pieces are dropped only at the end.
    """
    spans = _match_spans(_compile(step.pattern, step.literal, step.syntax), text)
    # Pieces as (start, end, is_match); `invert` swaps which parts count as the delimiter.
    parts, pos = [], 0
    for a, b in spans:
        if pos < a:
            parts.append((pos, a, False))
        parts.append((a, b, True))
        pos = b
    if pos < len(text):
        parts.append((pos, len(text), False))
    if step.invert:
        parts = [(a, b, not m) for a, b, m in parts]
    behavior = step.behavior
    if behavior == "isolated":
        out = [[a, b] for a, b, _ in parts]
    elif behavior == "removed":
        out = [[a, b] for a, b, m in parts if not m]
    elif behavior == "contiguous":
        # Neighbours of the same kind join: runs of delimiters, and with `invert` runs of kept text.
        out, prev = [], False
        for a, b, m in parts:
            if m == prev and out:
                out[-1][1] = b
            else:
                out.append([a, b])
            prev = m
    else:
        # A delimiter joins its neighbour (previous, or next: the same walk backwards).
        backwards = behavior == "merged_with_next"
        out, prev = [], False
        for a, b, m in (reversed(parts) if backwards else parts):
            if m and not prev and out:
                if backwards:
                    out[-1][0] = a
                else:
                    out[-1][1] = b
            else:
                out.append([a, b])
            prev = m
        if backwards:
            out.reverse()
    return [(a, b) for a, b in out if b > a]


def validate(pre: Optional[PreTokenizer], *, name: str = "tokenizer") -> None:
    """Compile every regex now, so a bad pattern fails at load, not at the first encode."""
    from tokensmith.errors import FormatError

    for step in steps_of(pre):
        if isinstance(step, Split):
            try:
                _compile(step.pattern, step.literal, step.syntax)
            except (regex.error, TypeError) as e:
                raise FormatError(f"{name}: invalid split regex {step.pattern!r}: {e}") from None


def checked_split(pattern: str, *, where: str, path: object = None, syntax: str = "onig") -> Split:
    """``Split(pattern)`` for a pattern read from a file, compiled now: a regex that does not
    compile is a FormatError naming the file and ``where`` the pattern sits in it."""
    from tokensmith.errors import FormatError

    try:
        _compile(pattern, False, syntax)
    except regex.error as e:
        raise FormatError(f"{where}: expected a regex, got {pattern!r}, which does not compile ({e})",
                          path=path) from None
    return Split(pattern, syntax=syntax)


def _step(step, piece: str) -> tuple[str, Optional[Split]]:
    """What one pre-tokenizer step does to a piece: the piece it then cuts (with the space
    ``ByteLevel(add_prefix_space=True)`` puts in front), and the split it cuts it with (None:
    the piece stays whole)."""
    if isinstance(step, ByteLevel):
        if step.add_prefix_space and not piece.startswith(" "):
            piece = " " + piece
        return piece, Split(_GPT2) if step.use_regex else None
    if isinstance(step, Digits):
        return piece, Split(r"\p{N}" if step.individual_digits else r"\p{N}+")
    if isinstance(step, Split):
        return piece, step
    raise TypeError(f"not a pre-tokenizer step: {step!r}")


def split_spans(pre: Optional[PreTokenizer], text: str) -> list[tuple[int, int, str, int]]:
    """The pieces of :func:`split_text` with where they come from: ``(start, end, piece,
    inserted)``, where ``text[start:end]`` is the piece less the ``inserted`` characters at its
    front (1 for the space a ``ByteLevel(add_prefix_space=True)`` step adds, else 0).

    >>> split_spans(Sequence([Split(r"\\s+", "removed"), ByteLevel(True, False)]), "ab  c")
    [(0, 2, ' ab', 1), (4, 5, ' c', 1)]
    """
    pieces = [(0, len(text), text, 0)] if text else []
    for step in steps_of(pre):
        nxt: list[tuple[int, int, str, int]] = []
        for start, end, piece, inserted in pieces:
            cut, split = _step(step, piece)
            inserted += len(cut) - len(piece)
            if split is None:
                nxt.append((start, end, cut, inserted))
                continue
            for a, b in _split_one_spans(split, cut):
                nxt.append((start + max(a - inserted, 0), start + max(b - inserted, 0), cut[a:b],
                            max(inserted - a, 0)))
        pieces = nxt
    return pieces


def split_text(pre: Optional[PreTokenizer], text: str) -> list[str]:
    """Pieces of ``text`` under the pre-tokenizer (pure Python; the reference for the scanners).
    The same as :func:`split_spans` without keeping where each piece comes from (the generic
    path's encoding and counting call this once per text)."""
    pieces = [text] if text else []
    for step in steps_of(pre):
        nxt: list[str] = []
        for piece in pieces:
            cut, split = _step(step, piece)
            nxt.extend(_split_one(split, cut) if split is not None else [cut])
        pieces = nxt
    return pieces


def to_json(pre: Optional[PreTokenizer]) -> Optional[dict]:
    """HF ``tokenizer.json`` form of a pre-tokenizer."""
    if pre is None:
        return None
    if isinstance(pre, Sequence):
        return {"type": "Sequence", "pretokenizers": [to_json(s) for s in pre.steps]}
    if isinstance(pre, Split):
        behavior = {"merged_with_previous": "MergedWithPrevious", "merged_with_next": "MergedWithNext"}
        # HF reads the regex in Oniguruma's dialect: one written for tiktoken's is rewritten.
        pattern = pre.pattern if pre.literal else translate(pre.pattern, pre.syntax, "onig")
        return {"type": "Split", "pattern": {"String" if pre.literal else "Regex": pattern},
                "behavior": behavior.get(pre.behavior, pre.behavior.capitalize()), "invert": pre.invert}
    if isinstance(pre, ByteLevel):
        return {"type": "ByteLevel", "add_prefix_space": pre.add_prefix_space,
                "trim_offsets": pre.trim_offsets, "use_regex": pre.use_regex}
    if isinstance(pre, Digits):
        return {"type": "Digits", "individual_digits": pre.individual_digits}
    raise TypeError(f"not a pre-tokenizer: {pre!r}")


def from_json(obj: Optional[dict], *, path: object = None, where: str = "pre_tokenizer") -> Optional[PreTokenizer]:
    """Parse HF's JSON form; unsupported components raise UnsupportedComponentError, parts of the
    wrong shape (and regexes that do not compile) a FormatError naming ``where`` in the file."""
    from tokensmith import _shape
    from tokensmith.errors import UnsupportedComponentError

    obj = _shape.component(obj, where, path)
    if obj is None:
        return None
    kind = obj["type"]
    at = f"{where} ({kind})"
    if kind == "Sequence":
        steps = _shape.array(_shape.field(obj, "pretokenizers"), f"{at}.pretokenizers", path)
        return Sequence([from_json(_shape.obj(s, f"{where}.pretokenizers[{k}]", path, what="an object with a 'type'"),
                                   path=path, where=f"{where}.pretokenizers[{k}]") for k, s in enumerate(steps)])
    if kind == "Split":
        text, literal = _shape.pattern(_shape.field(obj, "pattern"), f"{at}.pattern", path)
        raw = obj.get("behavior", "Isolated")
        behavior = _snake(_shape.string(raw, f"{at}.behavior", path))
        if behavior not in _BEHAVIORS:
            raise UnsupportedComponentError(f"Split behavior {raw!r} is not supported", path=path)
        if not literal:
            checked_split(text, where=f"{at}.pattern", path=path)
        return Split(text, behavior, _shape.flag(obj.get("invert"), f"{at}.invert", path, False), literal)
    if kind == "ByteLevel":
        return ByteLevel(*(_shape.flag(obj.get(key), f"{at}.{key}", path, True)
                           for key in ("add_prefix_space", "use_regex", "trim_offsets")))
    if kind == "Digits":
        return Digits(_shape.flag(obj.get("individual_digits"), f"{at}.individual_digits", path, False))
    raise UnsupportedComponentError(
        f"pre-tokenizer {kind!r} is not supported yet (supported: Split, ByteLevel, Digits, "
        "Sequence); tokensmith refuses it rather than encode differently", path=path)


def _snake(name: str) -> str:
    out = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    return out
