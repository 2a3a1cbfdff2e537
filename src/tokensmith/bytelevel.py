"""The GPT-2 byte <-> unicode map used by byte-level BPE files.

Byte-level vocabularies (GPT-2 ``encoder.json``, ``vocab.json``, HF ``tokenizer.json`` with a
ByteLevel pre-tokenizer) spell every byte as a printable character: the 188 printable bytes
stand for themselves and the other 68 are shifted to U+0100 and up, in byte order. tokensmith
works on raw bytes internally; this module converts at the file boundary.

>>> BYTE_TO_CHAR[ord(" ")], BYTE_TO_CHAR[ord("\\n")], BYTE_TO_CHAR[ord("a")]
('Ġ', 'Ċ', 'a')
>>> decode_token("Ġhello")
b' hello'
>>> encode_token(b" hello")
'Ġhello'
"""
from __future__ import annotations


def _build() -> list[str]:
    printable = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    table = [""] * 256
    for b in printable:
        table[b] = chr(b)
    shifted = 0
    for b in range(256):
        if not table[b]:
            table[b] = chr(256 + shifted)
            shifted += 1
    return table


BYTE_TO_CHAR: list[str] = _build()
CHAR_TO_BYTE: dict[str, int] = {c: b for b, c in enumerate(BYTE_TO_CHAR)}
# GPT-2 ranks its 256 single-byte tokens in map order (printable bytes first), not byte order.
GPT2_BYTE_ORDER: list[int] = sorted(range(256), key=lambda b: ord(BYTE_TO_CHAR[b]))


def encode_token(data: bytes) -> str:
    """Spell raw token bytes in the byte-level alphabet."""
    return "".join(BYTE_TO_CHAR[b] for b in data)


def decode_token(token: str) -> bytes:
    """Raw bytes of a byte-level token string; raises KeyError on a character outside the map."""
    return bytes(CHAR_TO_BYTE[c] for c in token)


def try_decode_token(token: str) -> bytes | None:
    """Like :func:`decode_token` but returns None for strings that are not byte-level."""
    try:
        return decode_token(token)
    except KeyError:
        return None
