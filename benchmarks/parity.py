"""Parity-aware BPE vs classic BPE on NTREX-128: cross-language Gini and compression.

Each language's 1,997 parallel lines are split into training (lines 1-1500), a parallel dev
set (1501-1750, what parity-aware BPE balances) and held-out lines (1751-1997, what is
measured). Both tokenizers are byte-level BPE with the o200k split at the same vocabulary
size, trained on the same per-language corpora. On the held-out lines the script reports, per
tokenizer: the Gini coefficient of per-language token counts (0 = every language costs the
same for the same content), the worst/best language ratio, and overall bytes per token (the
compression cost of fairness).

    python benchmarks/parity.py [--vocab-size 32000] [--languages N] [--data ../shared/data]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import corpora  # noqa: E402  (the tests' reader of the shared data)

from tokensmith.train import ParityAware, train  # noqa: E402


def gini(values: list[float]) -> float:
    """Σ_i Σ_j |x_i - x_j| / (2 n² mean): 0 for perfect parity."""
    n = len(values)
    mean = sum(values) / n
    return sum(abs(a - b) for a in values for b in values) / (2 * n * n * mean)


def measure(tok, heldout: dict[str, list[str]]) -> dict:
    tokens = {lang: sum(len(ids) for ids in tok.encode_batch(lines)) for lang, lines in heldout.items()}
    nbytes = sum(len(line.encode()) for lines in heldout.values() for line in lines)
    counts = list(tokens.values())
    worst = max(tokens, key=tokens.get)
    best = min(tokens, key=tokens.get)
    return {"gini": gini(counts), "bytes_per_token": nbytes / sum(counts), "tokens": tokens,
            "worst": (worst, tokens[worst]), "best": (best, tokens[best])}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vocab-size", type=int, default=32000)
    ap.add_argument("--languages", type=int, default=0, help="use every k-th language to keep N (0: all)")
    ap.add_argument("--global-merges", type=int, default=0, help="hybrid variant: first M merges classic")
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    args = ap.parse_args(argv)
    ntrex = corpora.ntrex128(Path(args.data))
    langs = sorted(ntrex)
    if args.languages:
        step = max(1, len(langs) // args.languages)
        langs = langs[::step][:args.languages]
    train_set = {lang: ntrex[lang][:1500] for lang in langs}
    dev = {lang: ntrex[lang][1500:1750] for lang in langs}
    heldout = {lang: ntrex[lang][1750:] for lang in langs}
    print(f"NTREX-128: {len(langs)} languages, vocab {args.vocab_size}, o200k split")
    rows = []
    for label, objective in [("classic BPE", None),
                             ("parity-aware BPE", ParityAware(dev=dev, global_merges=args.global_merges))]:
        t0 = time.perf_counter()
        tok = train(train_set, vocab_size=args.vocab_size, objective=objective, progress=False)
        seconds = time.perf_counter() - t0
        m = measure(tok, heldout)
        rows.append((label, m, seconds))
        print(f"{label:18s} Gini {m['gini']:.4f}  bytes/token {m['bytes_per_token']:.3f}  "
              f"worst {m['worst'][0]} {m['worst'][1]}  best {m['best'][0]} {m['best'][1]}  "
              f"(max/min {m['worst'][1] / m['best'][1]:.2f})  trained in {seconds:.1f} s")
    (_, a, _), (_, b, _) = rows
    print(f"parity-aware / classic: Gini x{b['gini'] / a['gini']:.3f}, "
          f"bytes/token x{b['bytes_per_token'] / a['bytes_per_token']:.3f} "
          f"(compression cost {100 * (1 - b['bytes_per_token'] / a['bytes_per_token']):.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
