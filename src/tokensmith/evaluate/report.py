"""The result of an evaluation: raw counts in, tables, JSON, CSV and an offline HTML page out.

A :class:`Report` holds only what :mod:`~tokensmith.evaluate.measure` recorded (per-segment token,
byte, character and word counts; token-type frequencies; failures) plus the alignment of parallel
corpora. Every number it shows is computed from those counts by the pure functions of
:mod:`~tokensmith.evaluate.metrics`, so a saved report (:meth:`Report.to_json`) can be reloaded
(:meth:`Report.from_json`) and re-summarised with other options (another reference language,
another baseline) without tokenizing again.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional, Union

import numpy as np

from tokensmith.evaluate import metrics as M
from tokensmith.evaluate.issues import Issue
from tokensmith.evaluate.languages import describe
from tokensmith.evaluate.measure import Measurement, TokenizerInfo

FORMAT_VERSION = 1


@dataclass
class CorpusInfo:
    """A corpus as the report sees it: its languages, and for parallel corpora, per language,
    the index of the aligned reference segment for each segment (-1: none)."""

    name: str
    parallel: bool
    source: str
    languages: list[str]
    reference: Optional[str] = None
    alignment: dict[str, list[int]] = field(default_factory=dict)
    misaligned: list[str] = field(default_factory=list)


@dataclass
class Report:
    """Raw measurements plus their summaries. Build one with :func:`tokensmith.evaluate`."""

    tokenizers: list[TokenizerInfo]
    corpora: list[CorpusInfo]
    measurements: list[Measurement]
    issues: list[Issue] = field(default_factory=list)
    overlap: dict = field(default_factory=dict)
    samples: list[dict] = field(default_factory=list)
    morphology: list[dict] = field(default_factory=list)
    options: dict = field(default_factory=dict)

    # ------------------------------------------------------------------------------ lookup

    def measurement(self, tokenizer: str, corpus: str, language: str) -> Optional[Measurement]:
        for m in self.measurements:
            if m.tokenizer == tokenizer and m.corpus == corpus and m.language == language:
                return m
        return None

    def corpus(self, name: str) -> CorpusInfo:
        return next(c for c in self.corpora if c.name == name)

    @property
    def labels(self) -> list[str]:
        return [t.label for t in self.tokenizers]

    # ------------------------------------------------------------------------- premiums

    def premium(self, tokenizer: str, corpus: str, language: str) -> Optional[dict]:
        """Premium of ``language`` against the corpus's reference language, with its bootstrap
        interval: ``{"premium", "low", "high", "segments"}``; None when not computable."""
        info = self.corpus(corpus)
        if not info.parallel or info.reference is None or language in info.misaligned:
            return None
        m, r = self.measurement(tokenizer, corpus, language), self.measurement(tokenizer, corpus, info.reference)
        if m is None or r is None:
            return None
        align = np.asarray(info.alignment.get(language, []), dtype=np.int64)
        a, b = np.asarray(m.seg_tokens), np.asarray(r.seg_tokens)
        if align.size != a.size:
            return None
        keep = align >= 0
        keep[keep] &= (a[keep] >= 0) & (b[align[keep]] >= 0)
        x, y = a[keep], b[align[keep]]
        value = M.premium(x, y)
        if value is None:
            return None
        ci = M.premium_ci(x, y, resamples=self.options.get("bootstrap", 1000), seed=self.options.get("seed", 0))
        low, high = ci if ci else (None, None)
        return {"premium": value, "low": low, "high": high, "segments": int(keep.sum())}

    def premiums(self, corpus: str) -> dict[str, dict[str, dict]]:
        """``{tokenizer: {language: premium dict}}`` for a parallel corpus (cached)."""
        cache = self.__dict__.setdefault("_premium_cache", {})
        if corpus not in cache:
            info = self.corpus(corpus)
            cache[corpus] = {t: {lang: p for lang in info.languages
                                 if (p := self.premium(t, corpus, lang)) is not None} for t in self.labels}
        return cache[corpus]

    # --------------------------------------------------------------------------- summaries

    def rows(self) -> list[dict]:
        """One row per tokenizer × corpus × language, every metric (None = n/a)."""
        out = []
        for m in self.measurements:
            info = self._tok(m.tokenizer)
            row = {"tokenizer": m.tokenizer, "corpus": m.corpus, "language": m.language,
                   "language_name": describe(m.language).name if m.language else "", "script": m.script or ""}
            row.update(_summary([m], info, self._baseline(m)))
            p = self.premium(m.tokenizer, m.corpus, m.language) if self.corpus(m.corpus).parallel else None
            row["premium"] = p["premium"] if p else None
            row["premium_low"] = p["low"] if p else None
            row["premium_high"] = p["high"] if p else None
            out.append(row)
        return out

    def headline(self) -> list[dict]:
        """One row per tokenizer × corpus, all languages together; parity for parallel corpora."""
        out = []
        for c in self.corpora:
            for t in self.tokenizers:
                ms = [m for m in self.measurements if m.tokenizer == t.label and m.corpus == c.name]
                if not ms:
                    continue
                row = {"tokenizer": t.label, "corpus": c.name, "vocab_size": t.vocab_size, "languages": len(ms)}
                row.update(_summary(ms, t, [self._baseline(m) for m in ms]))
                if c.parallel:
                    prem = self.premiums(c.name).get(t.label, {})
                    values = [p["premium"] for lang, p in prem.items() if lang != c.reference]
                    row["premium_mean"] = float(np.mean(values)) if values else None
                    row["premium_max"] = max(values) if values else None
                    costs = [M.ratio(sum(x for x in m.seg_tokens if x >= 0), sum(m.seg_bytes))
                             for m in ms if m.language not in c.misaligned]
                    row["gini"] = M.gini(costs)
                    row["gini_premium"] = M.gini([p["premium"] for p in prem.values()])
                out.append(row)
        return out

    def _tok(self, label: str) -> TokenizerInfo:
        return next(t for t in self.tokenizers if t.label == label)

    def _baseline(self, m: Measurement) -> Optional[Measurement]:
        base = self.options.get("baseline")
        return self.measurement(base, m.corpus, m.language) if base else None

    # ------------------------------------------------------------------------------ output

    def table(self, console=None, *, per_language: bool = False):
        """Print the headline table (and optionally the per-language one) with rich; returns it."""
        from rich.console import Console
        from rich.table import Table

        console = console or Console()
        # The terminal gets the columns people compare first; the HTML, JSON and CSV have all.
        cols = [("tokenizer", "tokenizer", None), ("corpus", "corpus", None), ("tokens", "tokens", "int"),
                ("bytes/tok", "bytes_per_token", ".2f"), ("fertility", "fertility", ".2f"),
                ("cont.", "continued_words", "%"), ("NSL", "nsl", ".3f"), ("prem. μ", "premium_mean", ".2f"),
                ("prem. max", "premium_max", ".2f"), ("Gini/byte", "gini", ".3f"), ("Gini/seg", "gini_premium", ".3f"),
                ("Rényi", "renyi_efficiency", ".3f"), ("exact", "roundtrip_rate", "%"), ("MB/s", "mb_per_s", ".1f")]
        rows = self.headline()
        cols = [c for c in cols if any(r.get(c[1]) is not None for r in rows)]
        # On a narrow terminal: two tables sharing the first two columns, instead of "…" everywhere.
        groups = [cols] if console.width >= 14 * len(cols) else [cols[:7], cols[:2] + cols[7:]]
        for k, group in enumerate(groups):
            table = Table(title="tokensmith evaluation" if k == 0 else None, header_style="bold")
            for head, _, fmt in group:
                table.add_column(head, justify="left" if fmt is None else "right", no_wrap=fmt is None)
            for r in rows:
                table.add_row(*[fmt_value(r.get(key), fmt) for _, key, fmt in group])
            console.print(table)
        if per_language:
            lang = Table(title="per language", header_style="bold")
            for head in ("tokenizer", "corpus", "language", "tokens", "bytes/tok", "fertility", "premium [95% CI]"):
                lang.add_column(head)
            for r in self.rows():
                ci = (f"{fmt_value(r['premium'], '.2f')} [{fmt_value(r['premium_low'], '.2f')}–{fmt_value(r['premium_high'], '.2f')}]"
                      if r["premium"] is not None else "n/a")
                lang.add_row(r["tokenizer"], r["corpus"], r["language"], fmt_value(r["tokens"], "int"),
                             fmt_value(r["bytes_per_token"], ".2f"), fmt_value(r["fertility"], ".2f"), ci)
            console.print(lang)
        for issue in self.issues:
            console.print(f"[{'red' if issue.level == 'error' else 'yellow'}]{_escape(str(issue))}")
        return table

    def to_dict(self) -> dict:
        return {
            "format": "tokensmith-evaluation", "version": FORMAT_VERSION, "options": self.options,
            "tokenizers": [asdict(t) for t in self.tokenizers],
            "corpora": [asdict(c) for c in self.corpora],
            "headline": self.headline(), "per_language": self.rows(),
            "morphology": self.morphology, "overlap": self.overlap, "samples": self.samples,
            "issues": [i.to_dict() for i in self.issues],
            "raw": [asdict(m) for m in self.measurements],
        }

    def to_json(self, path: Union[str, Path, None] = None) -> str:
        """The whole report as JSON: summaries plus the ``raw`` counts they come from."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"), default=_json_default)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_json(cls, source: Union[str, Path], **options) -> "Report":
        """Reload a report from :meth:`to_json` output (a path or the JSON text); ``options``
        (``reference``..., ``baseline``, ``bootstrap``, ``seed``) override the saved ones."""
        text = Path(source).read_text(encoding="utf-8") if not str(source).lstrip().startswith("{") else str(source)
        d = json.loads(text)
        toks = [TokenizerInfo(**{**t, "vocab_lengths": {int(k): v for k, v in t["vocab_lengths"].items()}}) for t in d["tokenizers"]]
        raw = [Measurement(**{**m, "length_hist": {int(k): v for k, v in m["length_hist"].items()}}) for m in d["raw"]]
        report = cls(toks, [CorpusInfo(**c) for c in d["corpora"]], raw, [Issue(**i) for i in d["issues"]],
                     d.get("overlap", {}), d.get("samples", []), d.get("morphology", []), {**d["options"], **options})
        return report

    def to_csv(self, path: Union[str, Path, None] = None) -> str:
        """Per tokenizer × corpus × language rows, one metric per column."""
        rows = self.rows()
        buf = io.StringIO()
        if rows:
            writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            for r in rows:
                writer.writerow({k: ("" if v is None else v) for k, v in r.items()})
        if path is not None:
            Path(path).write_text(buf.getvalue(), encoding="utf-8")
        return buf.getvalue()

    def to_html(self, path: Union[str, Path, None] = None) -> str:
        """One self-contained offline HTML page (inline SVG figures, no external resources)."""
        from tokensmith.evaluate.html import render

        page = render(self)
        if path is not None:
            Path(path).write_text(page, encoding="utf-8")
        return page


def _summary(ms: list[Measurement], info: TokenizerInfo, baselines) -> dict:
    """Metrics over one or more measurements of one tokenizer (their segments pooled)."""
    tokens = bytes_ = chars = words_tok = words = seconds = 0
    wc_total = wc_cont = unk = fb = rt_fail = n_seg = 0
    counts: dict[int, int] = {}
    lengths: dict[int, int] = {}
    base_tok = own_tok = 0
    baselines = baselines if isinstance(baselines, list) else [baselines] * len(ms)
    for m, b in zip(ms, baselines):
        ok = m.ok()
        t = np.asarray(m.seg_tokens)
        tokens += int(t[ok].sum())
        bytes_ += int(np.asarray(m.seg_bytes)[ok].sum())
        chars += int(np.asarray(m.seg_chars)[ok].sum())
        if m.seg_words is not None:
            words += int(np.asarray(m.seg_words)[ok].sum())
            words_tok += int(t[ok].sum())
        wc_total += m.words_tokenized
        wc_cont += m.words_continued
        unk += m.unk
        fb += m.byte_fallback
        rt_fail += len(m.roundtrip_failed)
        n_seg += int(ok.sum())
        seconds += m.seconds
        for i, c in zip(m.token_ids, m.token_counts):
            counts[i] = counts.get(i, 0) + c
        for k, c in m.length_hist.items():
            lengths[int(k)] = lengths.get(int(k), 0) + c
        if b is not None and len(b.seg_tokens) == len(m.seg_tokens):
            bt = np.asarray(b.seg_tokens)
            both = ok & (bt >= 0)
            base_tok += int(bt[both].sum())
            own_tok += int(t[both].sum())
    return {
        "segments": n_seg, "tokens": tokens, "bytes": bytes_, "chars": chars,
        "bytes_per_token": M.bytes_per_token(bytes_, tokens), "chars_per_token": M.chars_per_token(chars, tokens),
        "fertility": M.fertility(words_tok, words), "continued_words": M.continued_word_rate(wc_cont, wc_total),
        "word_rule": ",".join(sorted({m.word_rule for m in ms})),
        "nsl": M.normalized_sequence_length(own_tok, base_tok) if base_tok else None,
        "renyi_efficiency": M.renyi_efficiency(counts, 2.5), "shannon_efficiency": M.shannon_efficiency(counts),
        "utilisation": M.utilisation(len(counts), info.vocab_size), "type_token_ratio": M.type_token_ratio(counts),
        "unk_rate": M.ratio(unk, tokens), "byte_fallback_rate": M.ratio(fb, tokens),
        "roundtrip_rate": M.ratio(n_seg - rt_fail, n_seg), "mean_token_bytes": M.mean_from_histogram(lengths),
        "mb_per_s": M.ratio(bytes_ / 1e6, seconds), "failed_segments": sum(len(m.failed) for m in ms),
    }


def fmt_value(v, fmt: Optional[str]) -> str:
    """Format a metric for a table; None is "n/a".

    >>> fmt_value(0.1234, "%"), fmt_value(None, ".2f"), fmt_value(12345, "int")
    ('12.3%', 'n/a', '12,345')
    """
    if v is None:
        return "n/a"
    if fmt is None:
        return str(v)
    if fmt == "%":
        return f"{100 * v:.1f}%"
    if fmt == "int":
        return f"{int(v):,}"
    return format(v, fmt)


def _escape(s: str) -> str:
    from rich.markup import escape

    return escape(s)


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, tuple):
        return list(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
