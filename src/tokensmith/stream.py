"""Incremental decoding for generation loops: feed ids as they come, get text that never ends
in the middle of a UTF-8 character.

>>> class _Fake:  # a stand-in tokenizer whose ids are bytes
...     _decode_finish = False
...     def decode_bytes(self, ids): return bytes(ids)
>>> d = StreamDecoder(_Fake())
>>> d.feed([0xE2, 0x82]), d.feed(0xAC), d.flush()
('', '€', '')
"""
from __future__ import annotations

from typing import Iterable, Union


def _incomplete_tail(buf: bytes) -> int:
    """Number of bytes at the end of buf that start a UTF-8 character not yet complete."""
    for back in range(1, min(4, len(buf)) + 1):
        b = buf[-back]
        if b & 0xC0 == 0x80:
            continue  # continuation byte: keep looking for the lead byte
        need = 2 if b & 0xE0 == 0xC0 else 3 if b & 0xF0 == 0xE0 else 4 if b & 0xF8 == 0xF0 else 1
        return back if need > back else 0
    return 0


class StreamDecoder:
    """Decode token ids incrementally; see :meth:`tokensmith.Tokenizer.stream_decoder`."""

    def __init__(self, tokenizer, *, errors: str = "replace"):
        self._tok = tokenizer
        self._errors = errors
        self._pending = b""
        self._started = False

    def feed(self, ids: Union[int, Iterable[int]]) -> str:
        """Add ids; return the text that is now complete."""
        if isinstance(ids, int):
            ids = [ids]
        buf = self._pending + self._tok.decode_bytes(list(ids))
        keep = _incomplete_tail(buf)
        ready, self._pending = (buf[:-keep], buf[-keep:]) if keep else (buf, b"")
        return self._finish(ready.decode("utf-8", self._errors))

    def flush(self) -> str:
        """Return whatever is left (an incomplete character becomes U+FFFD)."""
        buf, self._pending = self._pending, b""
        return self._finish(buf.decode("utf-8", self._errors))

    def _finish(self, text: str) -> str:
        # Whole-text decoder steps (e.g. dropping SentencePiece's leading space) apply once,
        # to the start of the stream.
        if self._tok._decode_finish and text and not self._started:
            from tokensmith import decoders

            text = decoders.finish(self._tok.decoder, text)
        if text:
            self._started = True
        return text
