"""Worst-case inputs: how encode time grows with the length of one adversarial text.

BPE encoders that merge a piece by rescanning it are quadratic in the piece length,
and the split patterns of cl100k_base / o200k_base let some inputs form a single
huge piece ("a" * n, runs of spaces or newlines). tiktoken was quadratic on such
inputs (openai/tiktoken issue #195) and its regex engine can fail on very long
whitespace runs; tokensmith promises linear (or n log n) time on every input.

For each encoding, input kind and length (10k, 100k, 1M characters), tokensmith and
tiktoken run `encode_ordinary` on the same text, and the table shows the best time
of a few runs, the growth time(1M) / time(100k) (about 10 means linear, about 100
quadratic) and whether both gave the same ids.

Every library runs in its own worker process with a per-call timeout, so a
quadratic encoder cannot stall the script: a call that exceeds it is reported as
">T s" and longer inputs of that kind are then skipped for that library.

    python benchmarks/worst_case.py
    python benchmarks/worst_case.py --quick            # 10k and 100k only
    python benchmarks/worst_case.py --timeout 30 --encodings o200k_base
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import json
import queue
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Optional

LENGTHS = (10_000, 100_000, 1_000_000)
ENCODINGS = ("cl100k_base", "o200k_base")
PROTOCOL = "@@"  # prefix of the worker's reply lines; anything else it prints is ignored

# ---------------------------------------------------------------------------
# Inputs (deterministic: the same (kind, n) gives the same text in every process)
# ---------------------------------------------------------------------------


def _rng(kind: str, n: int) -> random.Random:
    return random.Random(f"{kind}:{n}")  # str seeds are stable across runs


def _cjk(rng: random.Random, n: int) -> str:
    return "".join(chr(rng.randrange(0x4E00, 0xA000)) for _ in range(n))


def _base64(rng: random.Random, n: int) -> str:
    return base64.b64encode(rng.randbytes(n * 3 // 4 + 3)).decode("ascii")[:n]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choices("0123456789", k=n))


SIMPLE = {
    "a": lambda rng, n: "a" * n,
    "_": lambda rng, n: "_" * n,
    "digits": _digits,
    "cjk": _cjk,
    "base64": _base64,
    "spaces": lambda rng, n: " " * n,
    "newlines": lambda rng, n: "\n" * n,
}


def _mix(rng: random.Random, n: int) -> str:
    """Runs of every other kind, each 100..5000 characters long, in random order."""
    out, size = [], 0
    kinds = sorted(SIMPLE)
    while size < n:
        k = rng.randrange(100, 5001)
        out.append(SIMPLE[rng.choice(kinds)](rng, k))
        size += k
    return "".join(out)[:n]


KINDS = {**SIMPLE, "mix": _mix}


def make_input(kind: str, n: int) -> str:
    return KINDS[kind](_rng(kind, n), n)


# ---------------------------------------------------------------------------
# Worker process: loads one library once, then answers timing requests
# ---------------------------------------------------------------------------


def load_encoder(library: str, encoding: str):
    """The library's encode_ordinary for `encoding`, built from the local files."""
    from common import load_encoding, tiktoken_reference

    spec = load_encoding(encoding)
    if library == "tiktoken":
        return tiktoken_reference(spec).encode_ordinary
    import tokensmith as ts

    return ts.load(str(spec.path)).encode_ordinary


def worker(library: str, encoding: str, repeats: int) -> None:
    """Answer each request line {"kind", "n", "budget"}: build the input, say so (the
    parent's timeout starts then), and reply with the best time and an ids digest.
    Repeats stop early once they would use half of the time budget."""
    from common import timed

    try:
        encode = load_encoder(library, encoding)
    except Exception as exc:
        _reply({"error": _describe(exc)})
        return
    _reply({"ready": True})
    for line in sys.stdin:
        req = json.loads(line)
        text = make_input(req["kind"], req["n"])
        _reply({"generated": True})
        try:
            first, ids = timed(functools.partial(encode, text))
        except BaseException as exc:  # noqa: B036 - a Rust panic is a BaseException
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            _reply({"error": _describe(exc)})
            continue
        best, spent = first, first
        for _ in range(repeats - 1):
            if spent + first > req["budget"] / 2:
                break
            elapsed, _ids = timed(functools.partial(encode, text))
            best, spent = min(best, elapsed), spent + elapsed
        digest = hashlib.sha1(json.dumps(list(map(int, ids))).encode()).hexdigest()
        _reply({"seconds": best, "tokens": len(ids), "digest": digest})


def _describe(exc: BaseException) -> str:
    """Exception type and the gist of its message (Rust panics have long ones)."""
    message = str(exc).replace("called `Result::unwrap()` on an `Err` value: ", "")
    return f"{type(exc).__name__}: {message}"[:120]


def _reply(obj: dict) -> None:
    print(PROTOCOL + json.dumps(obj), flush=True)


class Worker:
    """A worker process seen from the parent, with a timeout on every request."""

    def __init__(self, library: str, encoding: str, repeats: int):
        self.args = [sys.executable, __file__, "--worker", library, encoding, "--repeats", str(repeats)]
        self.proc: Optional[subprocess.Popen] = None
        self.lines: queue.Queue = queue.Queue()
        self.error = ""

    def start(self, timeout: float) -> bool:
        # stderr is dropped: a failing call is reported through the reply instead,
        # and a Rust panic's backtrace would bury the tables
        self.proc = subprocess.Popen(
            self.args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        self.lines = queue.Queue()
        threading.Thread(target=self._read, args=(self.proc, self.lines), daemon=True).start()
        reply = self._wait(timeout)
        self.error = "" if reply and reply.get("ready") else (reply or {}).get("error", "did not start")
        if self.error:
            self.stop()
        return not self.error

    @staticmethod
    def _read(proc: subprocess.Popen, lines: queue.Queue) -> None:
        for line in proc.stdout:
            if line.startswith(PROTOCOL):
                lines.put(json.loads(line[len(PROTOCOL) :]))
        lines.put({"crashed": True})  # the process ended without answering

    def _wait(self, timeout: float) -> Optional[dict]:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def request(self, kind: str, n: int, timeout: float) -> Optional[dict]:
        """The worker's reply, or None when it ran past `timeout` (then it is killed,
        and restarted on the next request)."""
        if self.proc is None and not self.start(timeout=60):
            return {"error": self.error}
        self.proc.stdin.write(json.dumps({"kind": kind, "n": n, "budget": timeout}) + "\n")
        self.proc.stdin.flush()
        reply = self._wait(60)  # building the input is not timed
        if reply is not None and reply.get("generated"):
            reply = self._wait(timeout)
        if reply is None or reply.get("crashed"):
            self.stop()
        return reply

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


# ---------------------------------------------------------------------------
# Parent: run the grid, print the tables
# ---------------------------------------------------------------------------


@dataclass
class Cell:
    seconds: Optional[float] = None  # None: timed out or skipped
    note: str = ""  # ">10 s", "skipped", "error: ..."
    digest: str = ""
    tokens: int = 0


def run_grid(encoding: str, libraries: list[str], kinds: list[str], lengths: list[int], args) -> dict:
    """{(library, kind, n): Cell}, printing progress as it goes."""
    from common import console

    cells = {}
    for library in libraries:
        w = Worker(library, encoding, args.repeats)
        for kind in kinds:
            timed_out = False
            for n in lengths:
                if timed_out:
                    cells[library, kind, n] = Cell(note="skipped")
                    continue
                cell = _cell(w.request(kind, n, args.timeout), args.timeout)
                timed_out = cell.seconds is None
                cells[library, kind, n] = cell
                shown = cell.note or f"{cell.seconds * 1e3:.1f} ms"
                console.print(f"  {encoding} {library:10} {kind:8} n={n:>9,}  {shown}", highlight=False)
        w.stop()
    return cells


def _cell(reply: Optional[dict], timeout: float) -> Cell:
    if reply is None:
        return Cell(note=f">{timeout:g} s")
    if "error" in reply:
        return Cell(note=f"error: {reply['error']}")
    if reply.get("crashed"):
        return Cell(note="crashed")
    return Cell(reply["seconds"], "", reply["digest"], reply["tokens"])


def fmt_time(cell: Cell) -> str:
    if cell.seconds is None:
        return "error (below)" if cell.note.startswith("error") else cell.note
    s = cell.seconds
    return f"{s * 1e3:.2f} ms" if s < 1 else f"{s:.2f} s"


def growth(cells: dict, library: str, kind: str, lengths: list[int]) -> str:
    """time(longest) / time(previous length), e.g. time(1M) / time(100k)."""
    if len(lengths) < 2:
        return "-"
    a, b = cells[library, kind, lengths[-2]], cells[library, kind, lengths[-1]]
    if a.seconds is None:
        return "-"
    if b.seconds is None:
        return f">{float(b.note.strip('>s ')) / a.seconds:.0f}" if b.note.startswith(">") else "-"
    return f"{b.seconds / a.seconds:.1f}"


def same_ids(cells: dict, libraries: list[str], kind: str, lengths: list[int]) -> str:
    """Whether every library that finished gave the same ids, at every length."""
    verdicts = []
    for n in lengths:
        digests = {cells[lib, kind, n].digest for lib in libraries if cells[lib, kind, n].digest}
        if len(digests) > 1:
            verdicts.append(f"DIFFER at {n:,}")
    return ", ".join(verdicts) or ("yes" if len(libraries) > 1 else "-")


def print_grid(encoding: str, cells: dict, libraries: list[str], kinds: list[str], lengths: list[int]):
    from common import console, print_table

    grow = f"growth {_short(lengths[-1])}/{_short(lengths[-2])}" if len(lengths) > 1 else "growth"
    header = ["input", "library"] + [f"n={_short(n)}" for n in lengths] + [grow, "same ids"]
    rows = []
    for kind in kinds:
        verdict = same_ids(cells, libraries, kind, lengths)
        for i, lib in enumerate(libraries):
            times = [fmt_time(cells[lib, kind, n]) for n in lengths]
            first = i == 0  # the input's name and verdict go on its first row only
            grown = growth(cells, lib, kind, lengths)
            rows.append([kind if first else "", lib, *times, grown, verdict if first else ""])
    print_table(f"{encoding}: encode_ordinary time by input length (best of runs)", header, rows)
    for (lib, kind, n), cell in cells.items():
        if cell.note.startswith("error"):
            console.print(f"  {lib} on {kind} n={n:,}: {cell.note}", highlight=False)


def print_speedups(encoding: str, cells: dict, kinds: list[str], lengths: list[int]) -> None:
    """tiktoken time / tokensmith time at each length (a lower bound on timeouts)."""
    from common import print_table

    rows = []
    for kind in kinds:
        row = [kind]
        for n in lengths:
            ts, tk = cells["tokensmith", kind, n], cells["tiktoken", kind, n]
            if ts.seconds is None:
                row.append("-")
            elif tk.seconds is None and tk.note.startswith(">"):
                row.append(f">{float(tk.note.strip('>s ')) / ts.seconds:.0f}x")
            else:
                row.append("-" if tk.seconds is None else f"{tk.seconds / ts.seconds:.1f}x")
        rows.append(row)
    print_table(
        f"{encoding}: tiktoken / tokensmith time (above 1x tokensmith is faster)",
        ["input"] + [f"n={_short(n)}" for n in lengths],
        rows,
    )


def _short(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="10k and 100k only, 2 runs each")
    p.add_argument("--encodings", nargs="+", default=list(ENCODINGS), choices=ENCODINGS)
    p.add_argument("--kinds", nargs="+", default=list(KINDS), choices=list(KINDS))
    p.add_argument("--timeout", type=float, default=10.0, help="seconds allowed per input (all runs of it)")
    p.add_argument("--repeats", type=int, default=None, help="runs per input, best kept (default 3)")
    p.add_argument("--json", metavar="PATH", help="write every measurement to this JSON file")
    p.add_argument("--worker", nargs=2, metavar=("LIBRARY", "ENCODING"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.repeats = args.repeats or (2 if args.quick else 3)
    return args


def available_libraries(encoding: str) -> list[str]:
    """tiktoken always; tokensmith when it imports (else a notice, and it is left out)."""
    from common import load_encoding, load_tokensmith

    has_tokensmith = load_tokensmith(load_encoding(encoding)) is not None
    return ["tokensmith", "tiktoken"] if has_tokensmith else ["tiktoken"]


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker(*args.worker, args.repeats)
        return
    from common import console

    lengths = list(LENGTHS[:2] if args.quick else LENGTHS)
    started, report = time.time(), {}
    for encoding in args.encodings:
        console.rule(f"[bold]{encoding}")
        libraries = available_libraries(encoding)
        cells = run_grid(encoding, libraries, args.kinds, lengths, args)
        print_grid(encoding, cells, libraries, args.kinds, lengths)
        if "tokensmith" in libraries:
            print_speedups(encoding, cells, args.kinds, lengths)
        report[encoding] = {f"{lib}|{kind}|{n}": vars(c) for (lib, kind, n), c in cells.items()}
    console.print(f"done in {time.time() - started:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"timeout_s": args.timeout, "lengths": lengths, "results": report}, f, indent=1)


if __name__ == "__main__":
    main()
