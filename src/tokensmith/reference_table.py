"""The reference tokenizers found on this machine, side by side on real code (`tokensmith references`).

:func:`sources` and :func:`load_available` also give :mod:`tokensmith.demo` the reference
tokenizers it compares trained ones with.

The text is a deterministic sample (about 5 MB) of the Python standard library's own source,
read from the running interpreter (``sysconfig.get_paths()["stdlib"]``), so the demo needs no
data of its own. Each tokenizer encodes every sampled file on one thread; the table gives its
vocabulary size, the number of tokens, bytes per token (higher is a tighter encoding of code),
encoding speed, loading time, and whether decoding gives back every file exactly.

Tokenizers come from two places:

- the OpenAI encodings, by name (``r50k_base`` ... ``o200k_base``), from ``TOKENSMITH_DATA`` or
  tiktoken's cache, as ``tokensmith.load(name)`` finds them;
- the reference files of the test data folder (``TOKENSMITH_TEST_DATA``, by default
  ``../shared/data`` beside the repository): GPT-2, Qwen2, Qwen3, GPT-NeoX-20B, Whisper.

A tokenizer that is missing, or that fails to load, gets a line saying why and where its files go;
the others still run.
"""
from __future__ import annotations

import lzma
import os
import shutil
import sys
import sysconfig
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tokensmith import display

SAMPLE_BYTES = 5_000_000
# A tokenizer slower than this on the sample is measured on the part it encoded in time, so
# that the demo always ends well within a minute.
TIME_LIMIT_S = 6.0

OPENAI_ENCODINGS = ("r50k_base", "p50k_base", "cl100k_base", "o200k_base")
_SHOWCASE = "def greet(name):\n\treturn f\"Grüß dich, {name}!\"  # 你好 👋\n"


@dataclass
class Source:
    """One tokenizer to try: a label for the table and how to get the argument of ``load``."""

    label: str
    locate: Callable[[Path], tuple]  # (scratch folder) -> arguments of load to try; or _Missing


class _Missing(Exception):
    """The files of a tokenizer are absent; the message says where to put them."""


# ---------------------------------------------------------------------------------------------
# Where tokenizers are found


def reference_data_dir() -> Path | None:
    """The test data folder: ``$TOKENSMITH_TEST_DATA``, else ``../shared/data`` beside the repo."""
    configured = os.environ.get("TOKENSMITH_TEST_DATA")
    if configured:
        return Path(configured)
    beside_repo = Path(__file__).resolve().parents[3] / "shared" / "data"
    return beside_repo if (beside_repo / "tokenizers").is_dir() else None


def sources(data_dir: Path | None) -> list[Source]:
    """The tokenizers the demo tries, in the order of the table."""
    found = [Source(name, _openai(name, data_dir)) for name in OPENAI_ENCODINGS]
    found += [
        Source("gpt2", _shared(data_dir, "gpt2", _gpt2)),
        Source("qwen2", _shared(data_dir, "qwen2", _qwen2)),
        Source("qwen3", _shared(data_dir, "qwen3", _qwen3)),
        Source("gpt-neox-20b", _shared(data_dir, "gpt-neox-20b", _neox)),
        Source("whisper", _shared(data_dir, "whisper", _whisper)),
    ]
    return found


def _openai(name: str, data_dir: Path | None) -> Callable[[Path], tuple]:
    def locate(scratch: Path) -> tuple:
        # By name first (TOKENSMITH_DATA, tiktoken's cache), then the test data's copy.
        if data_dir is not None:
            candidate = data_dir / "tokenizers" / "openai" / f"{name}.tiktoken"
            if candidate.is_file():
                return (name, candidate)
        return (name,)

    return locate


def _shared(data_dir: Path | None, folder: str, prepare) -> Callable[[Path], tuple]:
    def locate(scratch: Path) -> tuple:
        if data_dir is None:
            raise _Missing(
                f"set TOKENSMITH_TEST_DATA to the data folder that holds tokenizers/{folder}/"
            )
        return (prepare(data_dir / "tokenizers" / folder, scratch),)

    return locate


def _require(path: Path) -> Path:
    if not path.is_file():
        raise _Missing(f"put {path.name} in {path.parent}")
    return path


def _gpt2(folder: Path, scratch: Path) -> Path:
    _require(folder / "encoder.json")
    _require(folder / "vocab.bpe")
    return folder


def _qwen2(folder: Path, scratch: Path) -> Path:
    # qwen2_vocab.json + qwen2_merges.txt; the tokenizer_config.json beside them names Qwen2's
    # split pattern.
    _require(folder / "qwen2_vocab.json")
    _require(folder / "qwen2_merges.txt")
    return folder


def _qwen3(folder: Path, scratch: Path) -> Path:
    packed = _require(folder / "qwen3_tokenizer.json.xz")
    target = scratch / "qwen3"
    target.mkdir(exist_ok=True)
    with lzma.open(packed) as source, open(target / "tokenizer.json", "wb") as sink:
        shutil.copyfileobj(source, sink, 1 << 20)
    return target / "tokenizer.json"


def _neox(folder: Path, scratch: Path) -> Path:
    return _require(folder / "20B_tokenizer.json")


def _whisper(folder: Path, scratch: Path) -> Path:
    return _require(folder / "multilingual.tiktoken")


# ---------------------------------------------------------------------------------------------
# The text sample


@dataclass(frozen=True)
class Sample:
    """The demo text: files of the standard library, each encoded on its own."""

    root: Path
    texts: tuple[str, ...]
    n_bytes: int


def stdlib_sample(target_bytes: int = SAMPLE_BYTES) -> Sample:
    """About ``target_bytes`` of Python source from the standard library, always the same files.

    Files are taken in path order with a stride, so that the sample spans the whole library;
    files that are not UTF-8 (a few test fixtures) are skipped.
    """
    root = Path(sysconfig.get_paths()["stdlib"])
    paths = _stdlib_files(root)
    stride = max(1, round(sum(_size(p) for p in paths) / max(target_bytes, 1)))
    order = sorted(range(len(paths)), key=lambda i: (i % stride, i))
    texts: list[str] = []
    n_bytes = 0
    for index in order:
        if n_bytes >= target_bytes:
            break
        data = paths[index].read_bytes()
        try:
            texts.append(data.decode("utf-8"))
        except UnicodeDecodeError:
            continue
        n_bytes += len(data)
    return Sample(root=root, texts=tuple(texts), n_bytes=n_bytes)


def _stdlib_files(root: Path) -> list[Path]:
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d not in ("site-packages", "dist-packages"))
        found += [Path(folder) / f for f in sorted(files) if f.endswith(".py")]
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


# ---------------------------------------------------------------------------------------------
# Measuring


def measure(tok, sample: Sample, *, advance: Callable[[int], None] = lambda n: None,
            time_limit: float = TIME_LIMIT_S) -> dict:
    """Encode every text of ``sample`` with ``tok`` on this thread; return the figures."""
    tokens = n_bytes = files = changed = 0
    seconds = 0.0
    only_nfc = True
    for text in sample.texts:
        start = time.perf_counter()
        ids = tok.encode_ordinary(text)
        seconds += time.perf_counter() - start
        tokens += len(ids)
        size = len(text.encode("utf-8"))
        n_bytes += size
        files += 1
        decoded = tok.decode(ids)
        if decoded != text:
            changed += 1
            only_nfc = only_nfc and decoded == unicodedata.normalize("NFC", text)
        advance(size)
        if seconds > time_limit:
            break
    return {
        "tokens": tokens,
        "bytes": n_bytes,
        "files": files,
        "seconds": seconds,
        "bytes_per_token": n_bytes / tokens if tokens else None,
        "mb_per_s": n_bytes / seconds / 1e6 if seconds > 0 else None,
        "lossless": changed == 0,
        "changed_files": changed,
        "changed_by_nfc": bool(changed) and only_nfc,
        "complete": files == len(sample.texts),
    }


def _try(source: Source, scratch: Path) -> tuple[object | None, dict]:
    """Load one tokenizer; on failure return ``None`` and a row that says why."""
    from tokensmith.errors import TokenizerNotFoundError, TokensmithError

    row = {"name": source.label, "available": False, "note": None}
    try:
        targets = source.locate(scratch)
        start = time.perf_counter()
        tok = _load_first(targets)
        row["load_seconds"] = time.perf_counter() - start
    except _Missing as missing:
        row["note"] = f"not found: {missing}"
    except TokenizerNotFoundError as error:
        row["note"] = (
            f"not found: {_first_line(error)} (put {source.label}.tiktoken in the folder named by"
            " TOKENSMITH_DATA, or set TOKENSMITH_TEST_DATA to the test data folder)"
        )
    except TokensmithError as error:
        row["note"] = f"cannot load: {_first_line(error)}"
    except Exception as error:  # a bug: show it and carry on with the others
        row["note"] = f"failed to load: {type(error).__name__}: {_first_line(error)}"
    else:
        row.update(available=True, vocab_size=tok.vocab_size)
        return tok, row
    return None, row


def _load_first(targets: tuple):
    """``tokensmith.load`` the first target that is found."""
    import tokensmith
    from tokensmith.errors import TokenizerNotFoundError

    for target in targets[:-1]:
        try:
            return tokensmith.load(target)
        except TokenizerNotFoundError:
            continue
    return tokensmith.load(targets[-1])


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


# ---------------------------------------------------------------------------------------------
# The demo


def run(*, console=None, sample_bytes: int = SAMPLE_BYTES) -> list[dict]:
    """Run the demo, print its table on ``console`` (a ``rich.console.Console``), return the rows.

    Each row is a dict with ``name``, ``available`` and ``note``; available rows add
    ``vocab_size``, ``tokens``, ``bytes``, ``bytes_per_token``, ``mb_per_s``, ``seconds``,
    ``load_seconds``, ``lossless``, ``changed_files`` (files that decoding does not give back),
    ``changed_by_nfc`` (they differ only by the file's NFC normalization) and ``complete``
    (False when the time limit cut the measurement short).
    """
    console = console or display.PipeConsole(highlight=False)
    sample = stdlib_sample(sample_bytes)
    candidates = sources(reference_data_dir())
    _print_header(console, sample, len(candidates))
    with tempfile.TemporaryDirectory(prefix="tokensmith-demo-") as scratch:
        rows, showcase = _measure_all(console, candidates, sample, Path(scratch))
    console.print(_table(rows, sample))
    _print_notes(console, rows)
    if showcase is not None:
        _print_showcase(console, *showcase)
    return rows


def _print_header(console, sample: Sample, n_candidates: int) -> None:
    version = ".".join(map(str, sys.version_info[:2]))
    console.print(
        f"[bold]tokensmith demo[/bold]: up to {n_candidates} tokenizers on"
        f" {display.human_bytes(sample.n_bytes)} of Python {version} standard library source"
        f" ({len(sample.texts)} files from {sample.root}), one thread each"
    )


def _measure_all(console, candidates: list[Source], sample: Sample, scratch: Path):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    rows: list[dict] = []
    showcase = None
    columns = (TextColumn("{task.description:<28}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("starting", total=len(candidates) * sample.n_bytes)
        for number, source in enumerate(candidates):
            progress.update(task, description=f"loading {source.label}",
                            completed=number * sample.n_bytes)
            tok, row = _try(source, scratch)
            if tok is not None:
                progress.update(task, description=f"encoding {source.label}")
                row.update(_measure_safely(tok, sample, lambda n: progress.advance(task, n)))
            if row["available"] and (showcase is None or source.label == "o200k_base"):
                showcase = _showcase(tok, source.label) or showcase
            rows.append(row)
        progress.update(task, completed=len(candidates) * sample.n_bytes)
    return rows, showcase


def _measure_safely(tok, sample: Sample, advance: Callable[[int], None]) -> dict:
    """:func:`measure`, or a row marked unavailable with the error when encoding fails."""
    try:
        return measure(tok, sample, advance=advance)
    except Exception as error:  # a bug: show it and carry on with the others
        return {"available": False,
                "note": f"failed to encode: {type(error).__name__}: {_first_line(error)}"}


def _showcase(tok, label: str):
    """The ids and token bytes of a short mixed snippet, rendered after the table."""
    try:
        ids = tok.encode_ordinary(_SHOWCASE)
        return label, ids, [tok.decode_single_token_bytes(i) for i in ids]
    except Exception:  # the table matters more than the illustration
        return None


def _table(rows: list[dict], sample: Sample):
    from rich import box
    from rich.table import Table

    table = Table(title="Python source, one thread", title_style="bold", box=box.SIMPLE_HEAD,
                  pad_edge=False,
                  caption=f"{display.human_bytes(sample.n_bytes)} in {len(sample.texts)} files."
                  " MB/s: encoding speed, load time excluded. lossless: decode(encode(file)) == file for"
                  " every file.")
    table.add_column("tokenizer", no_wrap=True)
    for heading in ("vocab", "tokens", "bytes/token", "MB/s", "load s"):
        table.add_column(heading, justify="right", no_wrap=True)
    table.add_column("lossless", justify="center", no_wrap=True)
    for row in rows:
        if row["available"]:
            table.add_row(*_cells(row))
        else:
            table.add_row(row["name"], *["–"] * 5, "", style="dim")
    return table


def _cells(row: dict) -> list[str]:
    tokens = f"{row['tokens']:,}" + ("" if row["complete"] else "*")
    return [
        row["name"],
        f"{row['vocab_size']:,}",
        tokens,
        display.bytes_per_token(row["bytes"], row["tokens"]),
        display.mb_per_s(row["bytes"], row["seconds"]),
        f"{row['load_seconds']:.2f}",
        _lossless_cell(row),
    ]


def _lossless_cell(row: dict) -> str:
    if row["lossless"]:
        return "[green]✓[/green]"
    return "[yellow]NFC[/yellow]" if row["changed_by_nfc"] else "[red]✗[/red]"


def _print_notes(console, rows: list[dict]) -> None:
    from rich.markup import escape

    for row in rows:
        if not row["available"]:
            console.print(f"[yellow]{row['name']}[/yellow]: {escape(row['note'])}")
            continue
        if not row["complete"]:
            console.print(
                f"[yellow]{row['name']}*[/yellow]: stopped after {TIME_LIMIT_S:.0f} s; measured"
                f" on the first {display.human_bytes(row['bytes'])} ({row['files']} files)"
            )
        if row["changed_by_nfc"]:
            console.print(
                f"[yellow]{row['name']}[/yellow]: normalizes text to NFC, as its reference library"
                f" does, so decoding gives the NFC form of {_files(row['changed_files'])}"
            )
        elif not row["lossless"]:
            console.print(f"[red]{row['name']}[/red]: decoding does not give back"
                          f" {_files(row['changed_files'])}")


def _files(count: int) -> str:
    return f"{count} file" + ("" if count == 1 else "s")


def _print_showcase(console, label: str, ids: list[int], pieces: list[bytes]) -> None:
    from rich.text import Text

    rendered = display.render_tokens(pieces, backgrounds=display.palette(console.color_system))
    rendered.rstrip()
    console.print()
    console.print(Text(f"How {label} splits a line of code (tokensmith inspect -t {label} ...):",
                       style="bold"))
    console.print(rendered, soft_wrap=True)
    n_bytes = len(_SHOWCASE.encode("utf-8"))
    console.print(display.summary(tokens=len(ids), n_bytes=n_bytes), style="dim", markup=False)


def load_available(scratch: Path, *, names: tuple[str, ...] | None = None) -> tuple[list, list]:
    """Every reference tokenizer that loads here: ``([(label, tokenizer)], [(label, why not)])``.

    ``scratch`` is a folder for unpacked files (it must outlive nothing: tokenizers are in memory).
    ``names`` restricts the labels tried.
    """
    loaded, missing = [], []
    for source in sources(reference_data_dir()):
        if names is not None and source.label not in names:
            continue
        tok, row = _try(source, scratch)
        if tok is None:
            missing.append((source.label, row["note"]))
        else:
            loaded.append((source.label, tok))
    return loaded, missing
