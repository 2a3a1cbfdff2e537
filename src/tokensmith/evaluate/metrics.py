"""Tokenizer metrics as pure functions over raw counts.

Nothing here tokenizes. Every function takes numbers that an evaluation stores (token counts
per segment, bytes, words, token-type frequencies), so any metric can be recomputed from a saved
report without running a tokenizer again. The definitions, with their references, are in
``docs/metrics.md`` (and ``../shared/research/algorithms.md`` §8):

- compression: :func:`bytes_per_token`, :func:`chars_per_token`,
  :func:`normalized_sequence_length` (Dagan et al., 2024);
- words: :func:`fertility`, :func:`continued_word_rate` (Rust et al., 2021);
- parity: :func:`premium` and :func:`premium_ci` (Petrov et al., 2023), :func:`gini`
  (Tokenizer Fairness Gini);
- distribution: :func:`renyi_entropy`, :func:`renyi_efficiency`, :func:`shannon_entropy`,
  :func:`shannon_efficiency`, :func:`percentile_frequency`, :func:`bits` (Zouhar et al., 2023,
  the ``tokenization-scorer`` package), :func:`utilisation`, :func:`type_token_ratio`.

A ratio whose denominator is zero is ``None`` (shown as "n/a"), never an exception.
"""
from __future__ import annotations

import math
from typing import Iterable, Mapping, Optional, Sequence, Union

import numpy as np

Counts = Union[Mapping[object, int], Sequence[int], np.ndarray]


def ratio(numerator: float, denominator: float) -> Optional[float]:
    """``numerator / denominator``, or None when the denominator is zero.

    >>> ratio(3, 2), ratio(1, 0)
    (1.5, None)
    """
    return None if not denominator else numerator / denominator


def bytes_per_token(n_bytes: int, n_tokens: int) -> Optional[float]:
    """UTF-8 bytes per token, ``Σ|x|_b / Σ|T(x)|`` (higher = tighter compression).

    >>> bytes_per_token(12, 4)
    3.0
    """
    return ratio(n_bytes, n_tokens)


def chars_per_token(n_chars: int, n_tokens: int) -> Optional[float]:
    """Unicode code points per token, ``Σ|x|_c / Σ|T(x)|``."""
    return ratio(n_chars, n_tokens)


def fertility(n_tokens: int, n_words: int) -> Optional[float]:
    """Tokens per word over a whole text (document-level fertility, Rust et al., 2021).

    >>> fertility(15, 10)
    1.5
    """
    return ratio(n_tokens, n_words)


def continued_word_rate(n_continued: int, n_words: int) -> Optional[float]:
    """Share of words split into two or more tokens ("proportion of continued words")."""
    return ratio(n_continued, n_words)


def normalized_sequence_length(n_tokens: int, n_tokens_baseline: int) -> Optional[float]:
    """NSL: tokens of this tokenizer / tokens of a baseline tokenizer on the same text.

    >>> normalized_sequence_length(90, 100)
    0.9
    """
    return ratio(n_tokens, n_tokens_baseline)


def premium(tokens: Sequence[int], tokens_reference: Sequence[int]) -> Optional[float]:
    """Tokenization premium of a language: its tokens over the reference language's tokens on
    the same (aligned) segments, ``Σ|T(x_L)| / Σ|T(x_ref)|`` (Petrov et al., 2023).

    >>> premium([3, 5], [2, 2])
    2.0
    """
    return ratio(float(np.sum(tokens)), float(np.sum(tokens_reference)))


def premium_ci(tokens: Sequence[int], tokens_reference: Sequence[int], *, resamples: int = 1000,
               confidence: float = 0.95, seed: int = 0) -> Optional[tuple[float, float]]:
    """Percentile bootstrap interval of :func:`premium` over aligned segments.

    Segments are resampled with replacement (the same indices for both languages) ``resamples``
    times with ``numpy.random.default_rng(seed)``: the same inputs give the same interval.

    >>> premium_ci([2, 4, 6], [2, 4, 6])
    (1.0, 1.0)
    """
    a = np.asarray(tokens, dtype=np.float64)
    b = np.asarray(tokens_reference, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"premium_ci needs aligned segments: {a.size} vs {b.size} counts")
    n = a.size
    if n == 0 or b.sum() == 0:
        return None
    rng = np.random.default_rng(seed)
    stats = np.empty(resamples, dtype=np.float64)
    chunk = max(1, 4_000_000 // n)  # bound the index matrix to ~32 MB
    for start in range(0, resamples, chunk):
        k = min(chunk, resamples - start)
        idx = rng.integers(0, n, size=(k, n))
        with np.errstate(divide="ignore", invalid="ignore"):
            stats[start:start + k] = a[idx].sum(axis=1) / b[idx].sum(axis=1)
    stats = stats[np.isfinite(stats)]
    if stats.size == 0:
        return None
    tail = (1.0 - confidence) / 2 * 100
    low, high = np.percentile(stats, [tail, 100 - tail])
    return float(low), float(high)


def gini(costs: Iterable[float]) -> Optional[float]:
    """Tokenizer Fairness Gini over per-language costs ``c_l`` (e.g. tokens per byte):
    ``Σ_i Σ_j |c_i − c_j| / (2 n² μ)``. 0 is perfect parity; always below 1.

    >>> gini([1.0, 1.0, 1.0]), gini([0.0, 1.0])
    (0.0, 0.5)
    """
    c = np.asarray([x for x in costs if x is not None], dtype=np.float64)
    if c.size == 0 or c.mean() == 0:
        return None
    return float(np.abs(c[:, None] - c[None, :]).sum() / (2 * c.size ** 2 * c.mean()))


# --------------------------------------------------------------------------- distributions


def _frequencies(counts: Counts) -> np.ndarray:
    """Type frequencies, most frequent first (``Counter.most_common`` order), zeros dropped."""
    values = counts.values() if isinstance(counts, Mapping) else counts
    f = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=np.float64)
    f = f[f > 0]
    return -np.sort(-f)


def _probabilities(counts: Counts) -> np.ndarray:
    f = _frequencies(counts)
    return f / f.sum() if f.size else f


def renyi_entropy(counts: Counts, alpha: float = 2.5) -> Optional[float]:
    """Rényi entropy in bits of the unigram token distribution,
    ``H_α = log2(Σ p^α) / (1 − α)``; Shannon entropy at α = 1."""
    p = _probabilities(counts)
    if p.size == 0:
        return None
    if alpha == 1.0:
        return shannon_entropy(counts)
    return float(1.0 / (1.0 - alpha) * np.log2(np.sum(p ** alpha)))


def renyi_efficiency(counts: Counts, alpha: float = 2.5, vocab_size: Optional[int] = None) -> Optional[float]:
    """Rényi efficiency ``H_α / log2 V`` (Zouhar et al., 2023). ``V`` is the number of observed
    types unless ``vocab_size`` is given, as in ``tokenization-scorer``'s ``vocab=`` option.

    >>> round(renyi_efficiency({"a": 2, "b": 1, "c": 1}, 2.5), 6)
    0.867843
    """
    h = renyi_entropy(counts, alpha)
    v = vocab_size if vocab_size is not None else _frequencies(counts).size
    if h is None or v is None or v < 2:
        return None
    return h / math.log2(v)


def shannon_entropy(counts: Counts) -> Optional[float]:
    """``−Σ p log2 p`` in bits."""
    p = _probabilities(counts)
    return None if p.size == 0 else float(-np.sum(p * np.log2(p)))


def shannon_efficiency(counts: Counts, vocab_size: Optional[int] = None) -> Optional[float]:
    """Shannon entropy over ``log2 V`` (observed types unless ``vocab_size`` is given)."""
    h = shannon_entropy(counts)
    v = vocab_size if vocab_size is not None else _frequencies(counts).size
    if h is None or v < 2:
        return None
    return h / math.log2(v)


def percentile_frequency(counts: Counts, start: float = 0.03, end: float = 0.83) -> Optional[float]:
    """Probability mass of the types ranked in ``[int(V·start), int(V·end))`` by frequency
    (Gowda & May, 2020, as ``tokenization-scorer`` computes it, empty ranges widened by one)."""
    p = _probabilities(counts)
    if p.size == 0:
        return None
    i = min(int(p.size * start), p.size - 1)
    j = min(int(p.size * end), p.size - 1)
    if i == j:
        i = max(0, i - 1)
    if i == j:
        j = min(p.size - 1, j + 1)
    return float(np.sum(p[i:j]))


def bits(counts: Counts) -> Optional[float]:
    """``−N · log2 V``: the negated length of the text in bits at a uniform code over the
    observed types (higher is better, as in ``tokenization-scorer``)."""
    f = _frequencies(counts)
    return None if f.size == 0 else float(-f.sum() * np.log2(f.size))


def utilisation(n_types_used: int, vocab_size: int) -> Optional[float]:
    """Share of the vocabulary that occurs at least once, ``|{t ∈ V : t in D}| / |V|``."""
    return ratio(n_types_used, vocab_size)


def type_token_ratio(counts: Counts) -> Optional[float]:
    """Distinct tokens over tokens."""
    f = _frequencies(counts)
    return ratio(f.size, float(f.sum()))


def mean_from_histogram(histogram: Mapping[int, int]) -> Optional[float]:
    """Mean of a ``{value: occurrences}`` histogram (e.g. token length in bytes).

    >>> mean_from_histogram({1: 2, 4: 2})
    2.5
    """
    total = sum(histogram.values())
    return ratio(sum(int(k) * v for k, v in histogram.items()), total)
