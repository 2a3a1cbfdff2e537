"""Training tokenizers: ``ts.train(corpus, ...)`` and the pieces it is made of.

``corpus`` -> :mod:`~tokensmith.train.corpus` (streamed documents) ->
:mod:`~tokensmith.train.counting` (pieces counted natively, bounded memory) ->
:mod:`~tokensmith.train.bpe` (the merge loop, steered by an
:mod:`~tokensmith.train.objectives` objective) -> a :class:`~tokensmith.Tokenizer` whose
``training`` attribute records options, corpus statistics and timings;
:mod:`~tokensmith.train.output` writes it all to a folder.

>>> tok = train(["low lower lowest"] * 50, vocab_size=260, pretokenizer="gpt2", progress=False)
>>> [tok.decode([i]) for i in range(256, 260)]
['lo', 'low', ' low', ' lowe']
"""
from __future__ import annotations

import platform
import re
import time
from typing import Mapping, Optional, Sequence, Union

from tokensmith.errors import TrainingError
from tokensmith.train.corpus import Corpus
from tokensmith.train.counting import PieceCounts, Splitter, count
from tokensmith.train.objectives import Frequency, ParityAware

ALGORITHMS = ("bpe",)
LEVELS = ("bytes", "chars")


def parse_size(value: Union[int, str, None]) -> Optional[int]:
    """Bytes from an int or a string such as ``"1GB"``, ``"512MiB"``, ``"2e9"``.

    >>> parse_size("1GB"), parse_size("512MiB"), parse_size(1000)
    (1000000000, 536870912, 1000)
    """
    if value is None or isinstance(value, int):
        return value
    m = re.fullmatch(r"\s*([0-9.eE+]+)\s*([kKmMgGtT]?)(i?)[bB]?\s*", str(value))
    if not m:
        raise ValueError(f"cannot read {value!r} as a size; write e.g. 1GB, 512MiB or a number of bytes")
    base = 1024 if m.group(3) else 1000
    power = " kmgt".index(m.group(2).lower() or " ")
    return int(float(m.group(1)) * base ** power)


def train(corpus, *, algorithm: str = "bpe", vocab_size: int = 32000, level: str = "bytes",
          pretokenizer: Optional[str] = "o200k", digits: Optional[str] = None, normalizer: Optional[str] = None,
          min_frequency: int = 0, special_tokens: Sequence[str] = (), max_token_length: Optional[int] = None,
          objective=None, compat: Optional[str] = None, character_coverage: float = 0.9995,
          byte_fallback: bool = True, whitespace_only_pieces: bool = False, max_piece_bytes: int = 1 << 16,
          document: str = "line", field: str = "text", column: str = "text", errors: str = "replace",
          threads: Optional[int] = None, max_memory: Union[int, str, None] = None, progress: bool = True,
          name: str = "trained"):
    """Train a tokenizer on ``corpus`` and return it (see docs/training.md).

    ``corpus``: a path, glob or folder; a list of :class:`pathlib.Path`; an iterable of ``str``
    documents; :class:`PieceCounts` from an earlier count; or, for parity-aware BPE, a mapping
    language -> any of these. ``level="bytes"`` trains byte-level BPE split by ``pretokenizer``
    (a preset name from ``pretokenizers.PATTERNS``, a regex, or None); ``level="chars"`` trains
    SentencePiece-style BPE with byte fallback. ``compat="hf"`` reproduces HF tokenizers'
    ``BpeTrainer`` merge for merge. ``objective=ParityAware(dev=...)`` trains parity-aware BPE.
    ``max_memory`` bounds counting (default: half the machine's memory).
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm={algorithm!r} is not available; choose one of {ALGORITHMS}")
    if level not in LEVELS:
        raise ValueError(f"level={level!r}: choose one of {LEVELS}")
    objective = objective or Frequency()
    started = time.perf_counter()
    budget = parse_size(max_memory)
    if level == "chars":
        splitter = Splitter.chars(whitespace_only_pieces=whitespace_only_pieces, normalizer=normalizer,
                                  max_piece_bytes=max_piece_bytes)
    else:
        splitter = Splitter.bytes(pretokenizer, digits=digits, normalizer=normalizer, max_piece_bytes=max_piece_bytes)
    given = list(corpus.values()) if isinstance(corpus, Mapping) else [corpus]
    if given and all(isinstance(c, PieceCounts) for c in given) and \
            (level, pretokenizer, digits, normalizer, whitespace_only_pieces) == ("bytes", "o200k", None, None, False):
        splitter = given[0].splitter  # counts carry their splitter; options left at defaults adopt it
    reading = dict(document=document, field=field, column=column, errors=errors)
    counting = dict(splitter=splitter, threads=threads, max_memory=budget, progress=progress)

    def counted(source, label: str) -> PieceCounts:
        if isinstance(source, PieceCounts):
            if source.splitter != splitter:
                raise TrainingError(f"the counts{' of ' + label if label else ''} were made with {source.splitter}, "
                                    f"but this training asks for {splitter}; count again or match the options")
            return source
        return count(source, description=f"counting {label}".strip(), **counting, **reading)

    if isinstance(corpus, Mapping):
        tables = {lang: counted(src, lang) for lang, src in sorted(corpus.items())}
    else:
        tables = counted(corpus, "")
    dev_tables = None
    if isinstance(objective, ParityAware) and objective.dev is not None:
        dev_tables = {lang: counted(src, f"dev {lang}") for lang, src in sorted(objective.dev.items())}
    counted_at = time.perf_counter()

    from tokensmith.train.bpe import train_bpe

    tok = train_bpe(tables, vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=special_tokens,
                    max_token_length=max_token_length, objective=objective, dev_counts=dev_tables, compat=compat,
                    character_coverage=character_coverage, byte_fallback=byte_fallback, name=name, progress=progress)
    finished = time.perf_counter()
    stats = {lang: t.stats for lang, t in tables.items()} if isinstance(tables, Mapping) else tables.stats
    tok.training.update({
        "splitter": splitter.to_dict(),
        "corpus": stats,
        "timings": {"counting_seconds": round(counted_at - started, 3),
                    "training_seconds": round(finished - counted_at, 3),
                    "total_seconds": round(finished - started, 3)},
        "versions": _versions(),
    })
    return tok


def _versions() -> dict:
    import tokensmith

    return {"tokensmith": tokensmith.__version__, "python": platform.python_version()}


__all__ = ["Corpus", "Frequency", "ParityAware", "PieceCounts", "Splitter", "count", "parse_size", "train"]
