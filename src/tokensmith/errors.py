"""Typed errors raised by tokensmith.

Every error names what went wrong (the file, line, token or component) and how to fix it.
They all derive from :class:`TokensmithError`, and each also derives from the builtin
exception a caller would naturally catch (``ValueError``, ``FileNotFoundError``, ``TypeError``).
"""
from __future__ import annotations


class TokensmithError(Exception):
    """Base class of every error tokensmith raises on purpose."""


class FormatError(TokensmithError, ValueError):
    """A tokenizer file is malformed. ``path`` and ``line`` say where, when known.

    >>> str(FormatError("bad base64", path="x.tiktoken", line=3))
    'x.tiktoken:3: bad base64'
    """

    def __init__(self, message: str, *, path: object = None, line: int | None = None):
        self.path = None if path is None else str(path)
        self.line = line
        where = ""
        if self.path is not None:
            where = self.path + (f":{line}" if line is not None else "") + ": "
        super().__init__(where + message)


class UnsupportedComponentError(FormatError):
    """A tokenizer file uses a component (normalizer, pre-tokenizer, ...) tokensmith does not run.

    Refused loudly: silently ignoring it would give wrong ids.
    """


class TokenizerNotFoundError(TokensmithError, FileNotFoundError):
    """A tokenizer name or path could not be resolved to a file."""


class SpecialTokenError(TokensmithError, ValueError):
    """Text contains a special token that the special-token policy disallows."""


class InputTypeError(TokensmithError, TypeError):
    """An argument has the wrong type (for example ``bytes`` where ``str`` is expected)."""
