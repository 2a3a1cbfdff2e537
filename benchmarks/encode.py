"""Encoding throughput of tokensmith against every peer library, in one process run.

For each encoding (cl100k_base, o200k_base) and corpus (English prose, Python code,
multilingual news), every library encodes the same documents:

1. one thread: the process is pinned to a single core and each library encodes
   the documents one call at a time with its fastest exact single-document call;
2. batch: each library's own multi-threaded batch call at 2 threads.

Every library encodes each document once per section: the corpus is cut into
interleaved parts (`--repeats` per section), each part is timed once, and the
speed reported is the best part's MB/s (UTF-8 bytes in / wall time). Encoding a
document twice would time the piece caches some libraries keep, not the encoder.

Every library's ids are compared, document by document, with tiktoken's
`encode_ordinary`; a library that differs is kept in the table and marked "not
exact" with the number of documents that differ. The last tables give the ratio
tokensmith / peer (above 1 means tokensmith is faster); when tokensmith cannot be
imported the ratios are taken against tiktoken instead, so the script still runs.

    python benchmarks/encode.py                 # full run
    python benchmarks/encode.py --quick         # small sample, a smoke run
    python benchmarks/encode.py --encodings o200k_base --corpora code --json out.json
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import sys
from dataclasses import asdict, dataclass
from typing import Optional

import peers as peer_lib

# Thread-pool sizes are read when the peer libraries are imported, so this comes first.
peer_lib.set_thread_env(2)

from common import (  # noqa: E402
    CORPORA,
    Corpus,
    build_corpus,
    console,
    fmt_ratio,
    interleave,
    line_docs,
    load_encoding,
    load_tokensmith,
    pinned_to,
    print_table,
    timed,
    utf8_len,
    warmup_text,
)
from peers import Peer, build_peers  # noqa: E402

ENCODINGS = ("cl100k_base", "o200k_base")


@dataclass
class Result:
    section: str  # "single" or "batch"
    encoding: str
    corpus: str
    name: str
    version: str
    output: str
    docs: int = 0  # documents this library encoded in this section
    nbytes: int = 0
    mismatches: Optional[int] = None  # documents whose ids differ from tiktoken's
    mb_per_s: Optional[float] = None  # best part
    error: str = ""

    @property
    def exact(self) -> bool:
        return self.mismatches == 0


# ---------------------------------------------------------------------------
# tokensmith as a contender (same shape as the peers)
# ---------------------------------------------------------------------------


def tokensmith_contenders(spec) -> list[Peer]:
    """tokensmith's list and numpy calls; the numpy row is the fair match for peers
    that return arrays (no Python int per token). Each row gets its own instance,
    so neither sees text the other has already encoded."""
    tok = load_tokensmith(spec)
    if tok is None:
        return []
    version = peer_lib.version_of("tokensmith")
    batch = lambda texts: tok.encode_ordinary_batch(texts, threads=peer_lib.BATCH_THREADS)  # noqa: E731
    out = [Peer("tokensmith", version, tok.encode_ordinary, batch)]
    if hasattr(tok, "encode_to_numpy"):
        tok_np = load_tokensmith(spec)
        out.append(Peer("tokensmith (numpy)", version, tok_np.encode_to_numpy, None, output="numpy"))
    return out


# ---------------------------------------------------------------------------
# Exactness
# ---------------------------------------------------------------------------


def as_lists(output, kind: str) -> list:
    """A batch result as one id sequence per document."""
    if kind == "flat":
        ids, offsets = output
        return [ids[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]
    return list(output)


def count_mismatches(got: list, reference: list[list[int]]) -> int:
    def same(a, b) -> bool:
        return (a.tolist() if hasattr(a, "tolist") else list(a)) == b

    return sum(not same(a, b) for a, b in zip(got, reference)) + abs(len(got) - len(reference))


# ---------------------------------------------------------------------------
# Timing sections
# ---------------------------------------------------------------------------
#
# Several peers keep a cache of encoded pieces (fastokens, gigatoken, toktok):
# timing the same documents again measures the cache, up to 25x faster than a
# first pass. So no library ever sees a document twice: the corpus is cut into
# interleaved parts (common.interleave), each part is encoded once and timed,
# and a library's speed is that of its best part. Caches still warm up across
# parts, as they would on a real stream of new documents. The one-thread and the
# batch sections get different parts of the same corpus.


def single_call(peer: Peer, docs: list[str]):
    encode = peer.encode
    return lambda: [encode(d) for d in docs]


def batch_call(peer: Peer, docs: list[str]):
    return lambda: peer.batch(docs)


def warm_up(peer: Peer, section: str, text: str) -> None:
    """One untimed call first, so lazy set-up (regex JIT, tables, thread pools) is
    not charged to the first part."""
    if section == "single":
        peer.encode(text)
    else:
        peer.batch(list(line_docs(text, 2048)))


def run_part(peer: Peer, section: str, k: int, part: list[str], refs: dict, result: Result) -> None:
    """Encode part `k` once, timed; check its ids against tiktoken's for that part."""
    call = single_call if section == "single" else batch_call
    seconds, out = timed(call(peer, part))
    ids = out if section == "single" else as_lists(out, peer.batch_output)
    if k not in refs:  # tiktoken runs first: its ids are the reference
        refs[k] = [list(map(int, x)) for x in ids]
    nbytes = utf8_len(part)
    result.mismatches = (result.mismatches or 0) + count_mismatches(ids, refs[k])
    result.docs += len(part)
    result.nbytes += nbytes
    result.mb_per_s = max(result.mb_per_s or 0.0, nbytes / 1e6 / seconds)


def measure(section: str, encoding: str, corpus: Corpus, parts, contenders: list[Peer]) -> list[Result]:
    """Time every contender on every part, checking ids against tiktoken's.

    The loop is part-major (part 1 for every library, then part 2, ...) so that a
    burst of load from elsewhere on the machine hits all libraries alike, and the
    best part of each is still a quiet one.
    """
    if section == "batch":
        contenders = [p for p in contenders if p.batch is not None]
    results = {
        p.name: Result(section, encoding, corpus.name, p.name, p.version, _output(p, section))
        for p in contenders
    }
    warm, refs = warmup_text(), {}
    for peer in contenders:
        _guard(results[peer.name], warm_up, peer, section, warm)
    for k, part in enumerate(parts):
        for peer in contenders:
            r = results[peer.name]
            if not r.error:
                _guard(r, run_part, peer, section, k, part, refs, r)
    for r in results.values():
        console.print(f"  {section:6} {r.name:20} {_speed(r)}", highlight=False)
    return list(results.values())


def _output(peer: Peer, section: str) -> str:
    return peer.output if section == "single" else peer.batch_output


def _guard(result: Result, fn, *args) -> None:
    """Run `fn(*args)`; an exception marks the library's row instead of stopping the run."""
    try:
        fn(*args)
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {exc}"[:160]
        result.mb_per_s = None


def _speed(r: Result) -> str:
    if r.error:
        return f"error: {r.error}"
    exact = "" if r.mismatches in (0, None) else f"  NOT EXACT ({r.mismatches}/{r.docs} docs differ)"
    return f"{r.mb_per_s:8.2f} MB/s{exact}"


def tiktoken_first(contenders: list[Peer]) -> list[Peer]:
    """tiktoken runs first: its ids are the reference for everyone after it."""
    return sorted(contenders, key=lambda p: p.name != "tiktoken")


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------


def baseline_for(results: list[Result], r: Result) -> Optional[Result]:
    """The tokensmith row a peer row is compared with: same section, encoding and
    corpus, same output kind where tokensmith has it (numpy vs numpy). Falls back
    to tiktoken when tokensmith did not run."""
    same = [x for x in results if (x.section, x.encoding, x.corpus) == (r.section, r.encoding, r.corpus)]
    ts = [x for x in same if x.name.startswith("tokensmith") and x.mb_per_s]
    if ts:
        kind = [x for x in ts if x.output == r.output]
        return (kind or ts)[0]
    return next((x for x in same if x.name == "tiktoken" and x.mb_per_s), None)


def ratio(results: list[Result], r: Result) -> Optional[float]:
    base = baseline_for(results, r)
    if base is None or not r.mb_per_s or base is r:
        return None
    return base.mb_per_s / r.mb_per_s


def section_table(results: list[Result], section: str, encoding: str, corpus: Corpus, base_name: str) -> None:
    mine = [x for x in results if (x.section, x.encoding, x.corpus) == (section, encoding, corpus.name)]
    rows = []
    for r in mine:
        exact = "error" if r.error else ("yes" if r.exact else ("?" if r.mismatches is None else "NOT EXACT"))
        rows.append(
            [
                r.name,
                r.version,
                r.output,
                exact,
                "-" if r.mismatches is None else f"{r.mismatches}/{r.docs}",
                "-" if r.mb_per_s is None else f"{r.mb_per_s:.2f}",
                fmt_ratio(ratio(results, r)),
            ]
        )
    if section == "single":
        threads = "1 thread, pinned to one core"
    else:
        threads = f"batch, {peer_lib.BATCH_THREADS} threads"
    size = max(mine, key=lambda x: x.nbytes)
    print_table(
        f"{encoding} / {corpus.name}: {size.docs} docs, {size.nbytes / 1e6:.2f} MB / {threads}",
        ["library", "version", "ids as", "exact", "docs differing", "MB/s", f"{base_name} / peer"],
        rows,
    )


def ratio_table(results: list[Result], base_name: str, section: str) -> None:
    """One row per peer, one column per (encoding, corpus): base MB/s / peer MB/s."""
    cols = sorted({(r.encoding, r.corpus) for r in results if r.section == section}, key=_col_order)
    names = [n for n in dict.fromkeys(r.name for r in results) if not n.startswith(base_name)]
    rows = []
    for name in names:
        row = [name]
        for encoding, corpus in cols:
            key = (name, section, encoding, corpus)
            r = next((x for x in results if (x.name, x.section, x.encoding, x.corpus) == key), None)
            cell = "" if r is None else ("error" if r.error else fmt_ratio(ratio(results, r)))
            row.append(cell + (" (not exact)" if r is not None and r.mismatches else ""))
        if any(row[1:]):
            rows.append(row)
    title = "1 thread" if section == "single" else f"batch {peer_lib.BATCH_THREADS} threads"
    print_table(
        f"{base_name} / peer MB/s, {title} (>1.00x: {base_name} faster)",
        ["peer"] + [f"{e.split('_')[0]} {c}" for e, c in cols],
        rows,
    )


def _col_order(col: tuple[str, str]) -> tuple:
    encoding, corpus = col
    return (ENCODINGS.index(encoding), CORPORA.index(corpus))


def environment() -> dict:
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "batch_threads": peer_lib.BATCH_THREADS,
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor()


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small sample of each corpus, 2 parts")
    p.add_argument("--encodings", nargs="+", default=list(ENCODINGS), choices=ENCODINGS)
    p.add_argument("--corpora", nargs="+", default=list(CORPORA), choices=CORPORA)
    p.add_argument("--repeats", type=int, default=None, help="timed parts per measurement (default 5)")
    p.add_argument("--code-mb", type=float, default=15.0, help="cap on the code corpus, MB")
    p.add_argument("--ml-lines", type=int, default=600, help="NTREX lines per language (0 = all)")
    p.add_argument("--no-batch", action="store_true", help="skip the multi-threaded section")
    p.add_argument("--json", metavar="PATH", help="write every measurement to this JSON file")
    p.add_argument(
        "--combine",
        nargs="+",
        metavar="JSON",
        help="measure nothing: print the ratio tables from the best of earlier --json runs",
    )
    args = p.parse_args(argv)
    args.repeats = args.repeats or (2 if args.quick else 5)
    return args


def run_encoding(name: str, corpora: list[Corpus], args, results: list[Result]) -> dict[str, str]:
    spec = load_encoding(name)
    console.rule(f"[bold]{name}")
    peers, failed = build_peers(spec)
    for label, reason in failed.items():
        console.print(f"[yellow]peer {label} not loaded: {reason}[/yellow]")
    contenders = tiktoken_first(tokensmith_contenders(spec) + peers)
    base_name = "tokensmith" if contenders[1:] and contenders[1].name == "tokensmith" else "tiktoken"
    one_core = [min(os.sched_getaffinity(0))] if hasattr(os, "sched_getaffinity") else []
    sections = ["single"] + ([] if args.no_batch else ["batch"])
    for corpus in corpora:
        console.print(f"[bold]{name} / {corpus.describe()}")
        parts = interleave(corpus.docs, args.repeats * len(sections))
        for i, section in enumerate(sections):
            mine = parts[i :: len(sections)]
            with pinned_to(one_core) if section == "single" else contextlib.nullcontext():
                results += measure(section, name, corpus, mine, contenders)
            section_table(results, section, name, corpus, base_name)
    return failed


def combine(paths: list[str]) -> list[Result]:
    """The best MB/s of each library and cell over several runs, and the worst
    exactness: on a noisy machine each run loses time to someone else, never gains."""
    best: dict[tuple, Result] = {}
    for path in paths:
        with open(path) as f:
            records = json.load(f)["results"]
        for rec in records:
            rec.pop("ratio", None)
            r = Result(**rec)
            key = (r.section, r.encoding, r.corpus, r.name)
            old = best.setdefault(key, r)
            if old is not r:
                old.mb_per_s = max(old.mb_per_s or 0, r.mb_per_s or 0) or None
                old.mismatches = max(old.mismatches or 0, r.mismatches or 0)
    return list(best.values())


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.combine:
        results = combine(args.combine)
        base_name = "tokensmith" if any(r.name == "tokensmith" for r in results) else "tiktoken"
        console.print(f"best of {len(args.combine)} runs: {', '.join(args.combine)}")
        for section in ("single", "batch"):
            ratio_table(results, base_name, section)
        return
    env = environment()
    console.print(f"[bold]tokensmith encode benchmark[/bold]  {env}")
    ml_lines = args.ml_lines or None
    corpora = [build_corpus(c, args.quick, args.code_mb, ml_lines) for c in args.corpora]
    results: list[Result] = []
    failed = {}
    for name in args.encodings:
        failed.update(run_encoding(name, corpora, args, results))
    base_name = "tokensmith" if any(r.name == "tokensmith" for r in results) else "tiktoken"
    console.rule("[bold]summary")
    for section in ("single", "batch"):
        ratio_table(results, base_name, section)
    if args.json:
        write_json(args.json, env, args, results, failed)


def write_json(path: str, env: dict, args, results: list[Result], failed: dict) -> None:
    records = [{**asdict(r), "ratio": ratio(results, r)} for r in results]
    payload = {"environment": env, "args": vars(args), "peers_not_loaded": failed, "results": records}
    with open(path, "w") as f:
        json.dump(payload, f, indent=1)
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
