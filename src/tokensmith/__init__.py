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

# ts.train and ts.evaluate are functions; their packages (tokensmith.train, tokensmith.evaluate)
# hold the modules: import those as `from tokensmith.evaluate.report import Report`. The
# packages are imported first so that the functions bound below are what the names mean.
import tokensmith.evaluate  # noqa: E402,F401  (light: the package imports nothing)
from tokensmith.train import ParityAware, train  # noqa: E402

__version__ = "0.1.0"


def evaluate(tokenizers, corpora, **options):
    """Measure tokenizers on corpora and return a :class:`tokensmith.evaluate.report.Report`
    (``.table()``, ``.to_html(path)``, ``.to_json(path)``, ``.to_csv(path)``). See
    :func:`tokensmith.evaluate.run.evaluate` for the options and docs/metrics.md for the metrics.
    """
    from tokensmith.evaluate.run import evaluate as run

    return run(tokenizers, corpora, **options)


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
    "AddedToken", "BPE", "FormatError", "InputTypeError", "SpecialTokenError", "Tokenizer",
    "TokenizerNotFoundError", "TokensmithError", "UnsupportedComponentError", "decoders", "errors", "evaluate",
    "ParityAware", "train",
    "load", "normalizers", "pretokenizers", "__version__",
]
