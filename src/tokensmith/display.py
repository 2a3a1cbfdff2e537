"""Terminal rendering helpers shared by the command line (`cli.py`) and the demo (`demo.py`).

Nothing here tokenizes: these functions turn token bytes, counts and rates into text a person
can read. Whitespace is made visible with one glyph set everywhere, so that the output of
``tokensmith encode --output tokens`` and ``tokensmith inspect`` look alike:

====================  =======
character             shown as
====================  =======
space                 ``·``
tab                   ``→``
newline               ``↵`` (``inspect`` then starts a new line)
carriage return       ``␍``
other control chars   ``\\xNN`` / ``\\uNNNN``
====================  =======

A token whose bytes are not valid UTF-8 on their own (one piece of a multi-byte character,
common in byte-level BPE) is shown as its bytes, ``\\xe6\\x97``.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from rich.console import Console
from rich.style import Style
from rich.text import Text

GLYPHS = {" ": "·", "\t": "→", "\n": "↵", "\r": "␍"}

# Background colours cycled over consecutive tokens, with black text: pale tones where the
# terminal has 256 colours or more, the bright basic colours on a 16-colour terminal (where
# rich would turn every pale tone into the same white).
TOKEN_BACKGROUNDS = ("#f6c28b", "#9fd8cb", "#c8b6e2", "#f4a6a6", "#b5d99c", "#9ec5f8")
BASIC_BACKGROUNDS = ("bright_yellow", "bright_cyan", "bright_magenta", "bright_green")
_ID_STYLE = Style(color="bright_black", dim=True)
_BYTES_STYLE = Style(italic=True)


class PipeConsole(Console):
    """A rich console that lets a closed pipe (``| head``) raise ``BrokenPipeError``.

    rich's own reaction is ``SystemExit(1)``; the command line wants to end quietly with the
    status of a process killed by SIGPIPE, as other Unix tools do.
    """

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def token_text(data: bytes) -> str:
    """The text of one token: its UTF-8 string, or its bytes escaped when not valid UTF-8.

    >>> token_text(" caf\\xc3\\xa9".encode("latin-1"))
    ' café'
    >>> token_text(b"\\xe6\\x97")
    '\\\\xe6\\\\x97'
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="backslashreplace")


def is_partial(data: bytes) -> bool:
    """True when ``data`` is not valid UTF-8 by itself (a piece of a multi-byte character).

    >>> is_partial(b"\\xe6\\x97"), is_partial(b"ok")
    (True, False)
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def visible(text: str, *, newline: str = "↵") -> str:
    """Replace whitespace and control characters by visible glyphs or escapes.

    ``newline`` is what a line feed becomes: ``"↵"`` on one line, ``"↵\\n"`` to also break.

    >>> visible("a b\\tc\\r\\n")
    'a·b→c␍↵'
    >>> visible("x\\ny", newline="↵\\n")
    'x↵\\ny'
    >>> visible("nbsp\\u00a0zero\\u200b")
    'nbsp\\\\u00a0zero\\\\u200b'
    """
    out = []
    for char in text:
        if char == "\n":
            out.append(newline)
        elif char in GLYPHS:
            out.append(GLYPHS[char])
        elif _needs_escape(char):
            out.append(_escape(char))
        else:
            out.append(char)
    return "".join(out)


def _needs_escape(char: str) -> bool:
    # Whitespace other than the glyphed ones, C0/C1 controls, zero-width and format characters:
    # all invisible or confusing in a terminal.
    code = ord(char)
    return char.isspace() or code < 0x20 or 0x7F <= code < 0xA0 or code in _INVISIBLE


_INVISIBLE = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD}


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 and not char.isspace() else f"\\u{code:04x}"


def token_label(data: bytes) -> str:
    """One token as a single visible word, for ``encode --output tokens``.

    >>> token_label(b" world\\n")
    '·world↵'
    """
    return visible(token_text(data))


def palette(color_system: str | None) -> tuple[str, ...]:
    """The token backgrounds that stay distinct on a console's ``color_system``.

    >>> palette("truecolor") == TOKEN_BACKGROUNDS, palette("standard") == BASIC_BACKGROUNDS
    (True, True)
    """
    return TOKEN_BACKGROUNDS if color_system in ("truecolor", "256") else BASIC_BACKGROUNDS


def render_tokens(pieces: Sequence[bytes], ids: Sequence[int] | None = None, *,
                  backgrounds: Sequence[str] = TOKEN_BACKGROUNDS) -> Text:
    """A rich ``Text`` with each token on an alternating background (see :func:`palette`).

    ``pieces`` are the bytes of each token. When ``ids`` is given, each token is followed by its
    id, dimmed. A newline inside a token is shown as ``↵`` and also breaks the line.

    >>> render_tokens([b"hi", b" there\\n"]).plain
    'hi·there↵\\n'
    >>> render_tokens([b"hi", b" there"], ids=[6151, 1070]).plain
    'hi 6151 ·there 1070 '
    >>> render_tokens([b":\\n\\n", b"\\tx"], ids=[1, 2]).plain
    ':↵\\n↵ 1 \\n→x 2 '
    """
    text = Text()
    for index, data in enumerate(pieces):
        background = backgrounds[index % len(backgrounds)]
        style = Style(color="black", bgcolor=background)
        if is_partial(data):
            style += _BYTES_STYLE
        suffix = None if ids is None else f" {ids[index]} "
        _append_token(text, token_text(data), style, suffix=suffix)
    return text


def _append_token(text: Text, token: str, style: Style, *, suffix: str | None) -> None:
    # Each newline is drawn as "↵" and then breaks the line; the background stops at the end of
    # the line. The id goes before the token's final line break, to stay beside its token.
    *broken, last = token.split("\n")
    for number, segment in enumerate(broken):
        text.append(visible(segment) + "↵", style=style)
        if suffix is not None and number == len(broken) - 1 and not last:
            text.append(suffix, style=_ID_STYLE)
        text.append("\n")
    if last:
        text.append(visible(last), style=style)
    if suffix is not None and (last or not broken):
        text.append(suffix, style=_ID_STYLE)


def summary(*, tokens: int, n_bytes: int, chars: int | None = None) -> str:
    """The one-line summary under ``inspect``: tokens, bytes and bytes per token.

    >>> summary(tokens=4, n_bytes=10)
    '4 tokens · 10 bytes · 2.50 bytes/token'
    >>> summary(tokens=0, n_bytes=0, chars=0)
    '0 tokens · 0 bytes · 0 chars · – bytes/token'
    """
    parts = [_plural(tokens, "token"), _plural(n_bytes, "byte")]
    if chars is not None:
        parts.append(_plural(chars, "char"))
    parts.append(f"{bytes_per_token(n_bytes, tokens)} bytes/token")
    return " · ".join(parts)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def bytes_per_token(n_bytes: int, tokens: int) -> str:
    """Bytes per token with two decimals, or a dash when there are no tokens.

    >>> bytes_per_token(10, 4), bytes_per_token(0, 0)
    ('2.50', '–')
    """
    return f"{n_bytes / tokens:.2f}" if tokens else "–"


def mb_per_s(n_bytes: int, seconds: float) -> str:
    """A throughput in MB/s (10**6 bytes), with a precision suited to its size.

    >>> mb_per_s(5_000_000, 0.5), mb_per_s(5_000_000, 20.0), mb_per_s(1, 0.0)
    ('10.0', '0.25', '–')
    """
    if seconds <= 0:
        return "–"
    rate = n_bytes / seconds / 1e6
    return f"{rate:.1f}" if rate >= 1 else f"{rate:.2f}"


def human_bytes(n_bytes: int) -> str:
    """A size in decimal units.

    >>> human_bytes(999), human_bytes(5_123_456)
    ('999 B', '5.1 MB')
    """
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes} B"


def join_labels(pieces: Iterable[bytes]) -> str:
    """Token labels separated by spaces: one line of ``encode --output tokens``.

    >>> join_labels([b"Hello", b" world", b"\\n"])
    'Hello ·world ↵'
    """
    return " ".join(token_label(data) for data in pieces)
