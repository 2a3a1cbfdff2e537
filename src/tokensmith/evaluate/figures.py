"""The report's figures: matplotlib drawings returned as inline SVG strings.

Each function takes a :class:`~tokensmith.evaluate.report.Report` (and a corpus name where it
matters) and returns ``<svg ...>`` text, or None when the figure has nothing to show (one
tokenizer, no parallel corpus, one vocabulary size). Text stays text in the SVG
(``svg.fonttype = none``) and uses the page's system font stack: nothing is fetched, so the HTML
page stays one offline file. Output is deterministic (fixed hash salt, no dates in metadata).
"""
from __future__ import annotations

import io
import math
import re
from typing import Optional

import numpy as np

# Colour-blind-safe (Okabe–Ito), then tab10 for more tokenizers.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
           "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "svg.fonttype": "none", "font.family": "sans-serif", "font.size": 9,
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
        "axes.titlesize": 10, "axes.titleweight": "bold", "legend.frameon": False,
    })
    return plt


def _svg(fig, salt: str) -> str:
    import matplotlib

    plt = _plt()
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": "tokensmith"})
    plt.close(fig)
    text = buf.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text[text.find("<svg"):], flags=re.S)
    return text


def colour(k: int) -> str:
    return PALETTE[k % len(PALETTE)]


def _lang_label(code: str) -> str:
    from tokensmith.evaluate.languages import describe

    d = describe(code)
    return d.label if d.known else code


def _sorted_languages(prem: dict[str, dict[str, dict]], labels: list[str]) -> list[str]:
    langs = sorted({lang for t in labels for lang in prem.get(t, {})})
    mean = {lang: np.mean([prem[t][lang]["premium"] for t in labels if lang in prem.get(t, {})]) for lang in langs}
    return sorted(langs, key=lambda lang: (mean[lang], lang))


def _premium_table(report, corpus: str):
    """(premiums, tokenizer labels, languages sorted by mean premium), or None when there is
    nothing to draw (fewer than two languages or no tokenizer with premiums)."""
    prem = report.premiums(corpus)
    labels = [t for t in report.labels if prem.get(t)]
    langs = _sorted_languages(prem, labels)
    if len(langs) < 2 or not labels:
        return None
    return prem, labels, langs


def premium_bars(report, corpus: str) -> Optional[str]:
    """Premium of every language (vs the reference) per tokenizer, sorted, with 95% CIs."""
    table = _premium_table(report, corpus)
    if table is None:
        return None
    prem, labels, langs = table
    plt = _plt()
    h = max(2.5, 0.17 * len(langs) * max(1, min(len(labels), 3)) ** 0.5 + 1)
    fig, ax = plt.subplots(figsize=(9, h))
    y = np.arange(len(langs))
    width = 0.8 / len(labels)
    for k, t in enumerate(labels):
        vals = np.array([prem[t].get(lang, {}).get("premium", np.nan) for lang in langs])
        lo = np.array([prem[t].get(lang, {}).get("low") or np.nan for lang in langs])
        hi = np.array([prem[t].get(lang, {}).get("high") or np.nan for lang in langs])
        pos = y - 0.4 + width * (k + 0.5)
        ax.barh(pos, vals, height=width, color=colour(k), label=t, alpha=0.9)
        err = np.vstack([np.clip(vals - lo, 0, None), np.clip(hi - vals, 0, None)])
        ax.errorbar(vals, pos, xerr=err, fmt="none", ecolor="#333", elinewidth=0.6, capsize=0)
    ax.axvline(1.0, color="#444", lw=0.8, ls="--")
    ax.set_yticks(y, [_lang_label(lang) for lang in langs], fontsize=7 if len(langs) > 40 else 8)
    ax.set_ylim(-0.6, len(langs) - 0.4)
    ref = report.corpus(corpus).reference
    ax.set_xlabel(f"premium: tokens relative to {_lang_label(ref)} on the same segments (×)")
    ax.set_title(f"Tokenization premium per language — {corpus}")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", fontsize=8)
    return _svg(fig, f"premium-{corpus}")


def premium_heatmap(report, corpus: str) -> Optional[str]:
    """Tokenizer × language premium, languages sorted by mean premium, log colour scale."""
    from matplotlib.colors import LogNorm

    table = _premium_table(report, corpus)
    if table is None:
        return None
    prem, labels, langs = table
    plt = _plt()
    data = np.array([[prem[t].get(lang, {}).get("premium", np.nan) for lang in langs] for t in labels])
    fig, ax = plt.subplots(figsize=(max(6, 0.16 * len(langs) + 2), 0.45 * len(labels) + 1.8))
    vmax = max(2.0, float(np.nanmax(data)))
    vmin = min(0.5, float(np.nanmin(data)))
    im = ax.imshow(data, aspect="auto", cmap="magma_r", norm=LogNorm(vmin=vmin, vmax=vmax), interpolation="nearest")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xticks(range(len(langs)), langs, rotation=90, fontsize=6.5 if len(langs) > 40 else 8)
    ax.grid(False)
    if len(langs) <= 30:
        for i in range(len(labels)):
            for j in range(len(langs)):
                if np.isfinite(data[i, j]):
                    ax.text(j, i, f"{data[i, j]:.1f}", ha="center", va="center", fontsize=6.5,
                            color="white" if data[i, j] > math.sqrt(vmax * 1.0) else "black")
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    bar = fig.colorbar(im, ax=ax, fraction=0.025, pad=0.01)
    ticks = [v for v in (0.5, 1, 2, 3, 5, 10, 20, 50) if vmin <= v <= vmax]
    bar.ax.yaxis.set_major_locator(FixedLocator(ticks))
    bar.ax.yaxis.set_minor_locator(NullLocator())
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}×"))
    bar.set_label("premium (log scale)")
    ax.set_title(f"Premium heatmap — {corpus} (languages sorted by mean premium)")
    return _svg(fig, f"heatmap-{corpus}")


def compression_vs_vocab(report) -> Optional[str]:
    """Bytes per token against vocabulary size, one line per family × corpus, when a family
    has at least two sizes."""
    families: dict[str, list] = {}
    for t in report.tokenizers:
        if t.family:
            families.setdefault(t.family, []).append(t)
    families = {f: ts for f, ts in families.items() if len({t.vocab_size for t in ts}) >= 2}
    if not families:
        return None
    head = report.headline()
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    k = 0
    others = [t for t in report.tokenizers if not t.family or t.family not in families]
    for fam, toks in sorted(families.items()):
        for corpus in [c.name for c in report.corpora]:
            pts = sorted((t.vocab_size, r["bytes_per_token"]) for t in toks for r in head
                         if r["tokenizer"] == t.label and r["corpus"] == corpus and r["bytes_per_token"])
            if len(pts) < 2:
                continue
            xs, ys = zip(*pts)
            ax.plot(xs, ys, marker="o", color=colour(k), label=f"{fam} · {corpus}")
            k += 1
    for t in others:
        for r in head:
            if r["tokenizer"] == t.label and r["bytes_per_token"]:
                ax.scatter([t.vocab_size], [r["bytes_per_token"]], marker="x", color="#777", s=18)
                ax.annotate(t.label, (t.vocab_size, r["bytes_per_token"]), fontsize=6.5, color="#555",
                            xytext=(3, 2), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("vocabulary size (log)")
    ax.set_ylabel("bytes per token (higher = tighter)")
    ax.set_title("Compression vs vocabulary size")
    ax.legend(fontsize=7)
    return _svg(fig, "compression-vocab")


def token_lengths(report) -> Optional[str]:
    """Token length in bytes: occurrences in the corpora (left) and vocabulary entries (right)."""
    if not report.tokenizers:
        return None
    plt = _plt()
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.2))
    for k, t in enumerate(report.tokenizers):
        hist: dict[int, int] = {}
        for m in report.measurements:
            if m.tokenizer == t.label:
                for n, c in m.length_hist.items():
                    hist[int(n)] = hist.get(int(n), 0) + c
        total = sum(hist.values())
        if total:
            xs = sorted(x for x in hist if x <= 24)
            a.plot(xs, [hist[x] / total for x in xs], marker=".", color=colour(k), label=t.label)
        vt = sum(t.vocab_lengths.values())
        if vt:
            xs = sorted(int(x) for x in t.vocab_lengths if int(x) <= 24)
            b.plot(xs, [t.vocab_lengths[x] / vt for x in xs], marker=".", color=colour(k), label=t.label)
    a.set_title("Tokens in the corpora")
    b.set_title("Vocabulary entries")
    for ax in (a, b):
        ax.set_xlabel("token length (bytes)")
        ax.set_ylabel("share")
    a.legend(fontsize=7)
    return _svg(fig, "lengths")


def overlap(report) -> Optional[str]:
    """Jaccard overlap of the tokenizers' vocabularies (as byte strings)."""
    labels, matrix = report.overlap.get("labels", []), np.array(report.overlap.get("jaccard", []))
    if len(labels) < 2:
        return None
    plt = _plt()
    n = len(labels)
    fig, ax = plt.subplots(figsize=(1.0 + 0.65 * n, 0.8 + 0.55 * n))
    im = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(n), labels, rotation=40, ha="right")
    ax.set_yticks(range(n), labels)
    ax.grid(False)
    for i in range(n):
        for j in range(n):
            ax.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if matrix[i, j] > 0.6 else "black")
    fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02).set_label("Jaccard")
    ax.set_title("Vocabulary overlap")
    return _svg(fig, "overlap")


def morphology_f1(report) -> Optional[str]:
    """Boundary F1 per tokenizer and SIGMORPHON language."""
    rows = [r for r in report.morphology if r.get("f1") is not None]
    if not rows:
        return None
    plt = _plt()
    langs = sorted({r["language"] for r in rows})
    labels = [t for t in report.labels if any(r["tokenizer"] == t for r in rows)]
    fig, ax = plt.subplots(figsize=(max(5, 0.9 * len(langs) + 2), 3))
    width = 0.8 / len(labels)
    for k, t in enumerate(labels):
        f1 = [next((r["f1"] for r in rows if r["tokenizer"] == t and r["language"] == lang), np.nan) for lang in langs]
        ax.bar(np.arange(len(langs)) - 0.4 + width * (k + 0.5), f1, width, color=colour(k), label=t)
    ax.set_xticks(range(len(langs)), langs)
    ax.set_ylabel("boundary F1")
    ax.set_ylim(0, 1)
    ax.set_title("Morphological boundary F1 (SIGMORPHON 2022)")
    ax.legend(fontsize=7, ncol=min(4, len(labels)))
    return _svg(fig, "morphology")
