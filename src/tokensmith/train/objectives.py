"""Training objectives: how the BPE merge loop picks the next merge.

The loop itself (``csrc/train/bpe_trainer.cc``) never changes; an objective only names the
count column to maximise at each step -- the global one (classic BPE) or one language's. These
classes are declarative settings that the trainer hands to the native objective of the same
name, so they serialise into ``training.json``.

>>> Frequency().spec()
{'kind': 'frequency'}
>>> ParityAware(global_merges=100, window=50).spec(["de", "en"])["global_merges"]
100
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence


@dataclass(frozen=True)
class Frequency:
    """Classic BPE: the most frequent pair over the whole corpus (ties: smaller id pair)."""

    def spec(self, languages: Sequence[str] = ()) -> dict:
        return {"kind": "frequency"}

    def describe(self) -> dict:
        return {"objective": "frequency"}


@dataclass(frozen=True)
class ParityAware:
    """Parity-aware BPE (Foroutan et al., 2025): each step merges the most frequent pair *of the
    language that is currently worst off*, so that no language pays much more than the others.

    * ``dev``: a parallel development set per language (language -> corpus; the same sentences
      in each). Worst off = the longest dev set in tokens under the merges so far.
    * ``ratios``: instead of ``dev``, a target compression per language (language -> ratio);
      worst off = the lowest training-set compression relative to its target.
    * ``global_merges``: the hybrid variant -- the first M merges are classic BPE.
    * ``window`` / ``alpha``: the moving-window variant -- a language chosen more than
      ``alpha / L`` of the last ``window`` steps is passed over (L = number of languages).

    The training corpus must be given per language (a mapping language -> corpus). If the
    chosen language has no pair left at ``min_frequency``, the next worst one is taken, and the
    global column when none has.
    """

    dev: Optional[Mapping[str, Any]] = None
    ratios: Optional[Mapping[str, float]] = None
    global_merges: int = 0
    window: int = 0
    alpha: float = 2.0

    def spec(self, languages: Sequence[str] = ()) -> dict:
        ratios: list[float] = []
        if self.ratios is not None:
            missing = [lang for lang in languages if lang not in self.ratios]
            if missing:
                raise ValueError(f"ratios has no target for {missing}; give one per training language")
            ratios = [float(self.ratios[lang]) for lang in languages]
            if any(r <= 0 for r in ratios):
                raise ValueError("ratios must be positive")
        if self.global_merges < 0 or self.window < 0 or self.alpha <= 0:
            raise ValueError("global_merges and window must be >= 0 and alpha > 0")
        return {"kind": "parity", "global_merges": int(self.global_merges), "ratios": ratios,
                "window": int(self.window), "alpha": float(self.alpha)}

    def describe(self) -> dict:
        return {"objective": "parity-aware", "global_merges": self.global_merges, "window": self.window,
                "alpha": self.alpha, "ratios": dict(self.ratios) if self.ratios else None,
                "dev_languages": sorted(self.dev) if self.dev else None}

