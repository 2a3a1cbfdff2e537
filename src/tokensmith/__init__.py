"""tokensmith: train, run, measure, audit and transplant tokenizers.

>>> import tokensmith as ts
>>> ts.pretokenizers.preset("o200k").behavior
'isolated'
"""
from __future__ import annotations

from tokensmith import decoders, errors, normalizers, pretokenizers
from tokensmith.errors import (
    FormatError,
    InputTypeError,
    SpecialTokenError,
    TokenizerNotFoundError,
    TokensmithError,
    UnsupportedComponentError,
)
from tokensmith.models.bpe import BPE
from tokensmith.tokenizer import AddedToken, Tokenizer

# ts.train and ts.evaluate are the functions of the packages of the same name (import their
# modules as `from tokensmith.train.corpus import Corpus`).
from tokensmith.evaluate import Report, evaluate  # noqa: E402
from tokensmith.train import ParityAware, train  # noqa: E402

__version__ = "0.1.0"


def load(source, **options) -> Tokenizer:
    """Load a tokenizer from a file, a folder, or a known encoding name.

    Accepts ``.tiktoken`` files, HF ``tokenizer.json``, GPT-2 ``encoder.json`` + ``vocab.bpe``,
    ``vocab.json`` + ``merges.txt``, Mistral Tekken and legacy Claude JSON, or a folder holding
    one of them. Names (``r50k_base``, ``p50k_base``, ``p50k_edit``, ``cl100k_base``,
    ``o200k_base``) resolve from ``$TOKENSMITH_DATA`` or tiktoken's cache -- never the network.
    """
    from tokensmith.formats.detect import load as _load

    return _load(source, **options)


__all__ = [
    "AddedToken", "BPE", "FormatError", "InputTypeError", "Report", "SpecialTokenError", "Tokenizer",
    "TokenizerNotFoundError", "TokensmithError", "UnsupportedComponentError", "decoders", "errors", "evaluate",
    "ParityAware", "train",
    "load", "normalizers", "pretokenizers", "__version__",
]
