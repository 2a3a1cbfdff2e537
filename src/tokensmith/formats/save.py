"""Dispatch :meth:`tokensmith.Tokenizer.save` to the format writers."""
from __future__ import annotations

from tokensmith.formats import hf_json
from tokensmith.formats import tiktoken as tiktoken_format

WRITERS = {"hf": hf_json.write, "tiktoken": tiktoken_format.write}


def save(tok, path, *, format: str = "hf") -> list[str]:
    try:
        writer = WRITERS[format]
    except KeyError:
        raise ValueError(f"unknown format {format!r}; choose one of {sorted(WRITERS)}") from None
    return writer(tok, path)
