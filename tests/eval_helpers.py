"""Small tokenizers with hand-checkable outputs for the evaluation tests (not a test module)."""
from __future__ import annotations


class Latin1Chars:
    """One token per character, id = code point, for U+0000..U+00FF; raises on anything else
    (the "tokenizer that fails on some text" of the bad-input tests)."""

    name = "latin1-chars"
    vocab_size = 256
    special_tokens: dict = {}

    def encode(self, text: str) -> list[int]:
        bad = next((c for c in text if ord(c) > 255), None)
        if bad is not None:
            raise ValueError(f"character {bad!r} is not in the vocabulary")
        return [ord(c) for c in text]

    def encode_batch(self, texts, threads=None):
        return [self.encode(t) for t in texts]

    def decode_bytes(self, ids) -> bytes:
        return "".join(chr(i) for i in ids).encode("utf-8")


class SpacedWords(Latin1Chars):
    """Splits on spaces: each word (with its leading space) is one token, ids from a growing table."""

    name = "spaced-words"

    def __init__(self):
        self.table: dict[str, int] = {}
        self.vocab_size = 1000

    def encode(self, text: str) -> list[int]:
        import re

        out = []
        for piece in re.findall(r" ?[^ ]+| +", text):
            out.append(self.table.setdefault(piece, len(self.table)))
        return out

    def decode_bytes(self, ids) -> bytes:
        inverse = {v: k for k, v in self.table.items()}
        return "".join(inverse.get(i, "") for i in ids).encode("utf-8")
