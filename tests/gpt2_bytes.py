"""GPT-2's byte -> printable character map, written out as openai/gpt-2's encoder.py does.

Not a test module: the tests build byte-level vocabularies with it, independently of
tokensmith's own map (src/tokensmith/bytelevel.py), so a mistake there cannot hide itself.
"""
from __future__ import annotations


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character map (openai/gpt-2 encoder.py)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


B2U = bytes_to_unicode()
