"""Shared helpers for the benchmark scripts in this folder.

`encode.py` (throughput against peer libraries) and `worst_case.py` (adversarial
inputs) both need the same things, kept here so the two time the same documents
the same way:

- where the third-party data lives (`../shared/data` beside the checkout, or the
  folder named by the TOKENSMITH_TEST_DATA environment variable);
- the reference encodings (`.tiktoken` ranks plus pattern and special tokens);
- three corpora, each a list of documents (strings): English prose, Python code
  (the running interpreter's standard library) and multilingual news (NTREX-128);
- a best-of-N timer, CPU pinning for single-core runs, and a `rich` table printer.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import json
import os
import re
import sys
import sysconfig
import tarfile
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterator, Sequence

from rich.console import Console
from rich.table import Table

REPO_ROOT = Path(__file__).resolve().parent.parent
# Wide enough for the ratio tables when the output is a file or a pipe.
console = Console(width=None if sys.stdout.isatty() else 180)

# ---------------------------------------------------------------------------
# Data location
# ---------------------------------------------------------------------------


def data_dir() -> Path:
    """The shared data folder: $TOKENSMITH_TEST_DATA, else <repo>/../shared/data."""
    env = os.environ.get("TOKENSMITH_TEST_DATA")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


def require_data() -> Path:
    """Return the data folder, or exit with the way out when it is missing."""
    root = data_dir()
    if not (root / "tokenizers" / "openai").is_dir():
        raise SystemExit(
            f"benchmark data not found at {root}: set TOKENSMITH_TEST_DATA to the folder "
            "holding tokenizers/openai and corpora/"
        )
    return root


# ---------------------------------------------------------------------------
# Encodings
# ---------------------------------------------------------------------------


@dataclass
class EncodingSpec:
    """One tiktoken encoding as shipped in shared/data: the rank file plus what the
    file does not carry (split pattern and special tokens, from encodings.json)."""

    name: str
    path: Path
    pat_str: str
    special_tokens: dict[str, int] = field(default_factory=dict)

    @cached_property
    def mergeable_ranks(self) -> dict[bytes, int]:
        ranks = {}
        for line in self.path.read_bytes().splitlines():
            if line:
                token, rank = line.split()
                ranks[base64.b64decode(token)] = int(rank)
        return ranks


def load_encoding(name: str) -> EncodingSpec:
    folder = require_data() / "tokenizers" / "openai"
    meta = json.loads((folder / "encodings.json").read_text())[name]
    return EncodingSpec(name, folder / f"{name}.tiktoken", meta["pat_str"], meta["special_tokens"])


def tiktoken_reference(spec: EncodingSpec):
    """The reference implementation, built from the local files (no download)."""
    import tiktoken

    return tiktoken.Encoding(
        spec.name,
        pat_str=spec.pat_str,
        mergeable_ranks=spec.mergeable_ranks,
        special_tokens=spec.special_tokens,
    )


def load_tokensmith(spec: EncodingSpec):
    """tokensmith's tokenizer for `spec`, or None (with a notice) when the package
    cannot be imported yet, so the scripts still time the peers."""
    try:
        import tokensmith as ts

        return ts.load(str(spec.path))
    except Exception as exc:  # ImportError, or a core that fails to load the file
        console.print(f"[yellow]tokensmith not importable ({type(exc).__name__}: {exc})[/yellow]")
        return None


# ---------------------------------------------------------------------------
# Corpora
# ---------------------------------------------------------------------------


@dataclass
class Corpus:
    name: str
    docs: list[str]

    @cached_property
    def nbytes(self) -> int:
        return utf8_len(self.docs)

    def describe(self) -> str:
        return f"{self.name}: {len(self.docs)} docs, {self.nbytes / 1e6:.2f} MB"


def _cap(docs: Iterator[str], max_bytes: int | None) -> list[str]:
    """Take whole documents, in order, until `max_bytes` of UTF-8 is reached."""
    out, total = [], 0
    for doc in docs:
        if max_bytes is not None and total >= max_bytes:
            break
        out.append(doc)
        total += len(doc.encode("utf-8"))
    return out


def line_docs(text: str, target_bytes: int = 8192) -> Iterator[str]:
    """Cut prose into documents of about `target_bytes`, at line ends only: the
    sources differ (one paragraph a line, verse, one sentence a line) but a line
    end is a natural boundary in all of them."""
    buf, size = [], 0
    for line in text.splitlines(keepends=True):
        buf.append(line)
        size += len(line)
        if size >= target_bytes:
            yield "".join(buf)
            buf, size = [], 0
    if buf:
        yield "".join(buf)


ENGLISH_FILES = ("wiki2_valid.tokens.txt", "botchan.txt", "tinyshakespeare.txt")


def english_corpus(max_bytes: int | None = None) -> Corpus:
    """WikiText-2 valid + Botchan + Tiny Shakespeare, as ~8 KB documents."""
    folder = require_data() / "corpora" / "monolingual"

    def docs() -> Iterator[str]:
        for name in ENGLISH_FILES:
            # Drop botchan.txt's BOM but keep its CRLF line ends: they are real input.
            with open(folder / name, encoding="utf-8-sig", newline="") as f:
                yield from line_docs(f.read())

    return Corpus("english", _cap(docs(), max_bytes))


def stdlib_files() -> list[Path]:
    """The interpreter's standard-library .py files in a fixed order (sorted relative
    paths); third-party packages installed beside it are not the stdlib."""
    root = Path(sysconfig.get_paths()["stdlib"])
    skip = {"site-packages", "dist-packages", "__pycache__"}
    files = [p for p in root.rglob("*.py") if not skip.intersection(p.relative_to(root).parts)]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def code_corpus(max_bytes: int | None = 15_000_000) -> Corpus:
    """Python stdlib source, one document per file, capped at `max_bytes`."""

    def docs() -> Iterator[str]:
        for path in stdlib_files():
            try:
                with open(path, encoding="utf-8", newline="") as f:
                    yield f.read()
            except (UnicodeDecodeError, OSError):
                continue  # a few test files are deliberately not UTF-8

    return Corpus("code", _cap(docs(), max_bytes))


def _ntrex_doc_bounds(folder: Path) -> list[int]:
    """Line indices where a new news article starts (DOCUMENT_IDS.tsv is line-aligned)."""
    ids = (folder / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()
    return [i for i, doc in enumerate(ids) if i == 0 or doc != ids[i - 1]] + [len(ids)]


def multilingual_corpus(lines_per_language: int | None = 600) -> Corpus:
    """Every NTREX-128 reference translation, one document per news article, keeping
    the first `lines_per_language` lines (whole articles) of each language so that
    all 128 languages are present at any size."""
    folder = require_data() / "corpora" / "ntrex128"
    bounds = _ntrex_doc_bounds(folder)
    docs = []
    with tarfile.open(folder / "ntrex128_newstest2019_128lang.tar.xz") as tar:
        members = sorted(
            (m for m in tar.getmembers() if re.match(r"NTREX-128/newstest2019-ref\.", m.name)),
            key=lambda m: m.name,
        )
        for member in members:
            lines = tar.extractfile(member).read().decode("utf-8").splitlines(keepends=True)
            for start, end in zip(bounds, bounds[1:]):
                if lines_per_language is not None and start >= lines_per_language:
                    break
                docs.append("".join(lines[start:end]))
    return Corpus("multilingual", docs)


CORPORA = ("english", "code", "multilingual")


def build_corpus(name: str, quick: bool, code_mb: float, ml_lines: int | None) -> Corpus:
    """Corpus by name; `quick` takes a small sample for a smoke run."""
    if name == "english":
        return english_corpus(300_000 if quick else None)
    if name == "code":
        return code_corpus(1_000_000 if quick else int(code_mb * 1e6))
    if name == "multilingual":
        return multilingual_corpus(20 if quick else ml_lines)
    raise ValueError(f"unknown corpus {name!r}; choose from {', '.join(CORPORA)}")


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """Wall time of one call of `fn`, and its result.

    The garbage collector is paused while timing because the results hold millions
    of objects and a collection would be charged to whoever happened to trigger it.
    """
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        out = fn()
        return time.perf_counter() - t0, out
    finally:
        gc.enable()


def best_of(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Run `fn` `repeats` times; return the fastest wall time and the first result.

    The best, not the mean: on a shared 2-core machine noise only ever adds time.
    """
    best, first = float("inf"), None
    for i in range(repeats):
        elapsed, out = timed(fn)
        best = min(best, elapsed)
        if i == 0:
            first = out
        del out
    return best, first


def interleave(docs: Sequence[str], n: int) -> list[list[str]]:
    """`n` parts of the corpus, part k = docs k, k+n, k+2n, ...: parts of the same
    make-up (every language, every kind of file) that share no document."""
    return [list(docs[k::n]) for k in range(n)]


def utf8_len(docs: Sequence[str]) -> int:
    return sum(len(d.encode("utf-8")) for d in docs)


def warmup_text() -> str:
    """A text that is in none of the corpora (minbpe's Taylor Swift article), to run
    each library once before timing so one-time set-up is not charged to a corpus."""
    path = require_data() / "corpora" / "monolingual" / "taylorswift_wikipedia.txt"
    return path.read_text(encoding="utf-8")


def all_thread_ids() -> list[int]:
    return [int(t) for t in os.listdir("/proc/self/task")]


@contextlib.contextmanager
def pinned_to(cores: Sequence[int]) -> Iterator[None]:
    """Restrict every thread of this process to `cores`, then restore.

    Pinning the whole process to one core makes a "one thread" measurement honest
    even for libraries that quietly split one document across a thread pool.
    Every thread is set, not only the caller, because a thread pool created while
    pinned would otherwise stay on one core for the rest of the run.
    """
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    _set_affinity(set(cores))
    try:
        yield
    finally:
        _set_affinity(before)


def _set_affinity(cores: set[int]) -> None:
    for tid in all_thread_ids():
        with contextlib.suppress(OSError):  # a thread may exit meanwhile
            os.sched_setaffinity(tid, cores)


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Rows as a rich table; the first column left-aligned, the others right."""
    table = Table(title=title, title_justify="left")
    for i, name in enumerate(header):
        table.add_column(name, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*(str(c) for c in row))
    console.print(table)


def fmt_ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}x"
