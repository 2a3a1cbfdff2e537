"""Typed errors raised by tokensmith.

Every error names what went wrong (the file, line, token or component) and how to fix it.
They all derive from :class:`TokensmithError`, and each also derives from the builtin
exception a caller would naturally catch (``ValueError``, ``FileNotFoundError``, ``TypeError``).
"""
from __future__ import annotations


class TokensmithError(Exception):
    """Base class of every error tokensmith raises on purpose."""


class _Located(TokensmithError):
    """An error about a place in a file: the message starts with ``path:line:`` when known."""

    def __init__(self, message: str, *, path: object = None, line: int | None = None):
        self.path = None if path is None else str(path)
        self.line = line
        where = ""
        if self.path is not None:
            where = self.path + (f":{line}" if line is not None else "") + ": "
        super().__init__(where + message)


class FormatError(_Located, ValueError):
    """A tokenizer file is malformed. ``path`` and ``line`` say where, when known.

    >>> str(FormatError("bad base64", path="x.tiktoken", line=3))
    'x.tiktoken:3: bad base64'
    """


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


class CorpusError(_Located, ValueError):
    """A training or evaluation corpus cannot be read as asked. ``path`` and ``line`` say where.

    >>> str(CorpusError("no field text", path="a.jsonl", line=7))
    'a.jsonl:7: no field text'
    """


class TrainingError(TokensmithError, ValueError):
    """Training options that cannot work together with this corpus (e.g. a vocabulary smaller
    than the alphabet); the message says which option to change."""
