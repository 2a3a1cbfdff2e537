"""The BPE model as declarative data: vocabulary bytes, merges, and how encoding starts.

A :class:`BPE` holds everything needed to rebuild the native encoder (it is what pickling and
saving serialise). The two semantics of real files are explicit:

* ``merges is None`` -- token-rank (tiktoken): any adjacent pair whose concatenation is a token
  may merge, lower token id first;
* ``merges`` given -- pair-rank (HF merges): only listed pairs merge, earlier line first.

:mod:`tokensmith.tokenizer` turns a model plus pipeline components into a running tokenizer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence


@dataclass
class BPE:
    """A BPE vocabulary and merge list.

    ``tokens[i]`` is the byte string of id ``i`` (None for ids that are not model tokens, e.g.
    the gaps where special tokens live). In ``initial="chars"`` mode (SentencePiece-style
    vocabularies such as Llama 2's ``tokenizer.json``) the bytes are the UTF-8 of the vocabulary
    string and encoding starts from characters; in ``"bytes"`` mode from single bytes.

    >>> m = BPE(tokens=[b"a", b"b", b"ab"], merges=None)
    >>> m.semantics, m.size
    ('token-rank', 3)
    """

    tokens: list[Optional[bytes]]
    merges: Optional[list[tuple[int, int]]] = None
    initial: str = "bytes"
    whole_piece_first: bool = False
    byte_fallback: bool = False
    unk_token: Optional[str] = None
    fuse_unk: bool = False
    token_strings: Optional[list[Optional[str]]] = field(default=None, repr=False)

    @property
    def semantics(self) -> str:
        return "token-rank" if self.merges is None else "pair-rank"

    @property
    def size(self) -> int:
        return len(self.tokens)

    def token_to_id_map(self) -> dict[bytes, int]:
        return {t: i for i, t in enumerate(self.tokens) if t is not None}

    def unk_id(self) -> int:
        if self.unk_token is None:
            return -1
        key = self.unk_token.encode("utf-8")
        for i, t in enumerate(self.tokens):
            if t == key:
                return i
        return -1

    def merge_lists(self) -> tuple[Sequence[int], Sequence[int]]:
        if self.merges is None:
            return [], []
        return [a for a, _ in self.merges], [b for _, b in self.merges]
