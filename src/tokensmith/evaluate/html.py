"""The report as one self-contained, offline HTML page.

Layout (ecosystem study §5.4): problems first (if any), the headline table, then per parallel
corpus the sorted premium bars and the tokenizer × language heatmap, compression against
vocabulary size (when one family comes in several sizes), token-length histograms, the
vocabulary overlap matrix, morphology, side-by-side coloured samples with whitespace glyphs, and
the per-language table. Figures are inline SVG; styles and the small table-sorting script are
inline; the fonts are the system's. Nothing is loaded from the network.
"""
from __future__ import annotations

from html import escape
from typing import Optional

from tokensmith.display import TOKEN_BACKGROUNDS, visible
from tokensmith.evaluate import figures
from tokensmith.evaluate.languages import describe
from tokensmith.evaluate.report import fmt_value

_CSS = """
:root { --fg:#1d2330; --muted:#5b6475; --line:#e3e6ec; --bg:#fafbfc; --accent:#0072B2; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
       color:var(--fg); background:var(--bg); }
header { background:#15202b; color:#fff; padding:22px 40px 18px; }
header h1 { margin:0 0 4px; font-size:22px; letter-spacing:.2px; }
header p { margin:0; color:#b8c2d0; font-size:13px; }
main { max-width:1320px; margin:0 auto; padding:8px 40px 60px; }
section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px 20px; margin:18px 0; }
h2 { font-size:17px; margin:0 0 4px; }
p.note { color:var(--muted); margin:2px 0 12px; font-size:12.5px; }
table { border-collapse:collapse; width:100%; font-size:12.5px; font-variant-numeric: tabular-nums; }
th, td { padding:5px 8px; border-bottom:1px solid var(--line); text-align:right; white-space:nowrap; }
th { background:#f2f4f7; position:sticky; top:0; cursor:pointer; user-select:none; font-weight:600; white-space:normal; vertical-align:bottom; }
th:first-child, td:first-child, th.l, td.l { text-align:left; }
tr:hover td { background:#f7f9fc; }
.scroll { overflow:auto; max-height:620px; }
.figure svg { max-width:100%; height:auto; display:block; margin:6px auto; }
.issues li { margin:2px 0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size:12px; }
.issues .error { color:#b3261e; } .issues .warning { color:#8a5a00; }
.samples { display:grid; gap:10px; }
.sample h3 { font-size:13px; margin:14px 0 6px; color:var(--muted); font-weight:600; }
.tokrow { display:grid; grid-template-columns: 150px 1fr; gap:10px; align-items:start; margin:4px 0; }
.toklabel { font-weight:600; font-size:12.5px; padding-top:3px; }
.toklabel span { display:block; font-weight:400; color:var(--muted); font-size:11.5px; }
.tokens { line-height:1.9; font-family: ui-monospace, "DejaVu Sans Mono", "Noto Sans Mono", monospace; font-size:13px;
          word-break: break-all; }
.tok { border-radius:3px; padding:1px 1px; margin:0 1px 0 0; unicode-bidi:isolate; }
.tok.partial { outline:1px dashed #666; outline-offset:-1px; }
.tok sub { font-size:9px; color:#444; margin-left:1px; }
.ws { color:#7a8190; }
.legend { color:var(--muted); font-size:12px; }
.grid2 { display:grid; grid-template-columns: 1fr 1fr; gap:18px; }
details summary { cursor:pointer; color:var(--accent); margin:6px 0; }
"""

_JS = """
document.querySelectorAll('table.sortable th').forEach(function(th, col) {
  th.addEventListener('click', function() {
    var table = th.closest('table'), body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows), asc = th.dataset.asc !== '1';
    rows.sort(function(a, b) {
      var x = a.cells[col].dataset.v || a.cells[col].textContent, y = b.cells[col].dataset.v || b.cells[col].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      if (!isNaN(nx) && !isNaN(ny)) return asc ? nx - ny : ny - nx;
      return asc ? x.localeCompare(y) : y.localeCompare(x);
    });
    rows.forEach(function(r) { body.appendChild(r); });
    table.querySelectorAll('th').forEach(function(h) { h.dataset.asc = ''; });
    th.dataset.asc = asc ? '1' : '0';
  });
});
"""

_HEADLINE = [("tokenizer", "tokenizer", None), ("corpus", "corpus", None), ("vocab", "vocab_size", "int"),
             ("tokens", "tokens", "int"), ("bytes/token", "bytes_per_token", ".2f"),
             ("chars/token", "chars_per_token", ".2f"), ("fertility", "fertility", ".2f"),
             ("continued words", "continued_words", "%"), ("NSL", "nsl", ".3f"), ("premium mean", "premium_mean", ".2f"),
             ("premium max", "premium_max", ".2f"), ("Gini (tokens/byte)", "gini", ".3f"),
             ("Gini (premium)", "gini_premium", ".3f"), ("Rényi α=2.5", "renyi_efficiency", ".3f"),
             ("vocab used", "utilisation", "%"), ("UNK", "unk_rate", "%"), ("byte fallback", "byte_fallback_rate", "%"),
             ("round-trip", "roundtrip_rate", "%"), ("MB/s", "mb_per_s", ".1f"), ("failed", "failed_segments", "int")]

_PER_LANGUAGE = [("tokenizer", "tokenizer", None), ("corpus", "corpus", None), ("language", "language_name", None),
                 ("code", "language", None), ("script", "script", None), ("tokens", "tokens", "int"),
                 ("bytes/token", "bytes_per_token", ".2f"), ("chars/token", "chars_per_token", ".2f"),
                 ("fertility", "fertility", ".2f"), ("word rule", "word_rule", None),
                 ("continued", "continued_words", "%"), ("premium", "premium", ".2f"),
                 ("95% CI low", "premium_low", ".2f"), ("95% CI high", "premium_high", ".2f"),
                 ("Rényi α=2.5", "renyi_efficiency", ".3f"), ("UNK", "unk_rate", "%"), ("round-trip", "roundtrip_rate", "%")]


def _table(rows: list[dict], cols, *, sortable: bool = True) -> str:
    cols = [c for c in cols if any(r.get(c[1]) is not None for r in rows)]
    head = "".join(f'<th class="{"l" if f is None else ""}">{escape(h)}</th>' for h, _, f in cols)
    body = []
    for r in rows:
        cells = []
        for _, key, fmt in cols:
            v = r.get(key)
            data = f' data-v="{v}"' if isinstance(v, (int, float)) and not isinstance(v, bool) else ""
            cells.append(f'<td class="{"l" if fmt is None else ""}"{data}>{escape(fmt_value(v, fmt))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    cls = "sortable" if sortable else ""
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _figure(svg: Optional[str], title: str, note: str) -> str:
    if not svg:
        return ""
    return f'<section class="figure"><h2>{escape(title)}</h2><p class="note">{note}</p>{svg}</section>'


def _tokens_html(tokens: list) -> str:
    out = []
    n = 0
    for k, (text, count) in enumerate(tokens):
        shown = escape(visible(text)).replace("·", '<span class="ws">·</span>').replace("↵", '<span class="ws">↵</span>')
        colour = TOKEN_BACKGROUNDS[k % len(TOKEN_BACKGROUNDS)]
        if count > 1:
            out.append(f'<span class="tok partial" style="background:{colour}" title="tokens {n + 1}-{n + count}: '
                       f'{count} tokens for these bytes">{shown}<sub>{count}</sub></span>')
        else:
            out.append(f'<span class="tok" style="background:{colour}" title="token {n + 1}">{shown}</span>')
        n += count
    return "".join(out)


def _samples(report) -> str:
    if not report.samples:
        return ""
    parts = []
    for s in report.samples:
        lang = describe(s["language"]).label if s["language"] else ""
        rows = []
        for label, toks in s["tokens"].items():
            total = sum(c for _, c in toks)
            rows.append(f'<div class="tokrow"><div class="toklabel">{escape(label)}<span>{total} tokens</span></div>'
                        f'<div class="tokens">{_tokens_html(toks)}</div></div>')
        parts.append(f'<div class="sample"><h3>{escape(s["corpus"])}{" · " + escape(lang) if lang else ""}'
                     f'{" · " + escape(s["script"]) if s["script"] else ""}</h3>{"".join(rows)}</div>')
    return ('<section><h2>Sample tokenisations</h2><p class="note legend">Each coloured box is one token; '
            '<span class="ws">·</span> is a space, → a tab, <span class="ws">↵</span> a newline. A dashed box is a '
            'character split over several byte-level tokens; the subscript says how many.</p>'
            f'<div class="samples">{"".join(parts)}</div></section>')


def _issues(report) -> str:
    if not report.issues:
        return ""
    items = "".join(f'<li class="{i.level}">{escape(str(i))}</li>' for i in report.issues[:500])
    more = f"<p class='note'>… and {len(report.issues) - 500} more (see the JSON)</p>" if len(report.issues) > 500 else ""
    n_err = sum(i.level == "error" for i in report.issues)
    return (f'<section class="issues"><h2>Problems ({n_err} errors, {len(report.issues) - n_err} warnings)</h2>'
            f'<p class="note">The evaluation went on without the parts named here.</p><ul>{items}</ul>{more}</section>')


def _morphology(report) -> str:
    if not report.morphology:
        return ""
    langs = sorted({r["language"] for r in report.morphology})
    head = "".join(f"<th>{escape(lang)}</th>" for lang in langs)
    body = []
    for t in report.labels:
        cells = []
        for lang in langs:
            r = next((r for r in report.morphology if r["tokenizer"] == t and r["language"] == lang), None)
            cells.append("<td>n/a</td>" if r is None or r["f1"] is None else
                         f'<td data-v="{r["f1"]}" title="P {fmt_value(r["precision"], ".3f")}, R {fmt_value(r["recall"], ".3f")}, '
                         f'{r["words"]} words, {r["skipped"]} skipped">{r["f1"]:.3f}</td>')
        body.append(f'<tr><td class="l">{escape(t)}</td>{"".join(cells)}</tr>')
    table = (f'<table class="sortable"><thead><tr><th class="l">tokenizer</th>{head}</tr></thead>'
             f'<tbody>{"".join(body)}</tbody></table>')
    return (f'<section class="figure"><h2>Morphological boundaries</h2><p class="note">Boundary F1 of token ends inside '
            f'words against SIGMORPHON 2022 morpheme boundaries projected onto the surface word (micro-averaged; hover a '
            f'cell for precision and recall).</p>{figures.morphology_f1(report) or ""}{table}</section>')


def render(report) -> str:
    """The HTML page of a report."""
    opts = report.options
    toks = ", ".join(f"{t.label} ({t.vocab_size:,})" for t in report.tokenizers)
    corp = ", ".join(f"{c.name} ({len(c.languages)} language{'s' if len(c.languages) != 1 else ''})" if c.parallel
                     else c.name for c in report.corpora)
    body = [_issues(report),
            '<section><h2>Headline</h2><p class="note">Per tokenizer and corpus, all languages pooled. Bytes and characters '
            'per token: higher is tighter. Fertility: tokens per word (word rule per language below). NSL: tokens relative to '
            f'the baseline{" " + escape(str(opts.get("baseline"))) if opts.get("baseline") else ""}. Premium: tokens relative '
            'to the reference language on aligned segments. Gini: Tokenizer Fairness Gini across languages of tokens per '
            'byte (§8.3) and of the premium, i.e. tokens per aligned segment (0 = parity). Rényi efficiency at α = 2.5 over observed types. Click a column to sort.</p>'
            f'<div class="scroll">{_table(report.headline(), _HEADLINE)}</div></section>']
    for c in report.corpora:
        if not c.parallel:
            continue
        ref = describe(c.reference).label if c.reference else "n/a"
        body.append(_figure(figures.premium_bars(report, c.name), f"Premium per language — {c.name}",
                            f"Tokens for each language divided by tokens for {escape(ref)} on the same segments; bars show "
                            f"95% bootstrap intervals over segments ({opts.get('bootstrap', 1000)} resamples, seed "
                            f"{opts.get('seed', 0)}). Dashed line: parity."))
        body.append(_figure(figures.premium_heatmap(report, c.name), f"Tokenizer × language — {c.name}",
                            "Premium on a log colour scale; darker is more expensive."))
    body.append(_figure(figures.compression_vs_vocab(report), "Compression vs vocabulary size",
                        "Bytes per token for each family of tokenizers trained at several sizes; other tokenizers as crosses."))
    body.append(_figure(figures.token_lengths(report), "Token lengths",
                        "Share of tokens by length in bytes: occurrences in the corpora and entries of the vocabulary."))
    body.append(_figure(figures.overlap(report), "Vocabulary overlap",
                        "Jaccard index of the vocabularies as sets of byte strings (special tokens excluded)."))
    body.append(_morphology(report))
    body.append(_samples(report))
    body.append('<section><h2>Per language</h2><p class="note">Every tokenizer × corpus × language. Word rule: gold = '
                'UD words, whitespace = str.split(), n/a = script without spaces and no gold words.</p>'
                f'<details open><summary>show / hide</summary><div class="scroll">{_table(report.rows(), _PER_LANGUAGE)}'
                '</div></details></section>')
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>tokensmith evaluation</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head><body>'
            f'<header><h1>Tokenizer evaluation</h1><p>Tokenizers: {escape(toks)}</p><p>Corpora: {escape(corp)}</p></header>'
            f'<main>{"".join(body)}</main><script>{_JS}</script></body></html>')
