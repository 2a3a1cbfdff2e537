"""BPE training speed and memory: tokensmith against every peer trainer, in one run.

Every trainer runs in a fresh child process (this script, re-run with `--child`), on
the same documents, at the same vocabulary sizes, with 2 threads where it has a knob.
Each child reports its own peak RSS (VmHWM from /proc/self/status, which starts afresh
at exec; ru_maxrss does not: Linux carries it over from the forking parent, which here
holds the corpus). The parent polls every child's RSS, kills one that runs past
`--timeout` or grows past `--max-rss-gb`, then measures what was trained: UTF-8 bytes
per token on held-out text that no trainer saw.

Trainers (`--peers`; the first five are the default):

  tokensmith       tokensmith.train.train(level="bytes"), reading the files itself
  hf               HF tokenizers BpeTrainer, Split(regex, isolated) + ByteLevel(no regex)
  rustbpe          karpathy's nanochat trainer, Tokenizer.train_from_iterator(pattern=)
  bpeasy           bpeasy.train_bpe(python_regex=, max_token_length=65536)
  sentencepiece    SentencePieceTrainer model_type=bpe: NO split regex (it splits on
                   whitespace itself), identity normalisation, byte_fallback, its own
                   default max_sentencepiece_length=16; reads the files, one line =
                   one sentence, whatever the corpus's document unit
  tokensmith-iter  tokensmith fed the same Python generator as the peers get
  tokensmith-chars tokensmith level="chars" (SentencePiece-style, whitespace_only_pieces=True),
                   the match for sentencepiece

The regex trainers all split with o200k's pattern (`--pattern`, a tokensmith preset
name; rustbpe and bpeasy take it as a string, HF as a Split pre-tokenizer). hf, rustbpe
and bpeasy read the documents from one Python generator (the same for all three);
tokensmith reads the file list itself. Threads: tokensmith threads=2,
sentencepiece num_threads=2, RAYON_NUM_THREADS=2 for the Rust ones (rustbpe and
bpeasy have no other knob). Vocabulary sizes count the 256 byte tokens (and, for
SentencePiece, its <unk> <s> </s> and 256 <0xNN> pieces).

Corpora (`--corpus`):

  stdlib        the running interpreter's standard library *.py files (common.stdlib_files,
                ~32 MB), one document per FILE; the 4 files that are not UTF-8 are left out
                for everyone; every 20th file is held out for the compression measurement.
  multilingual  assembled at run time into $TOKENSMITH_BENCH_CACHE (default
                ~/.cache/tokensmith-bench), never into the repository, from ../shared/data:
                NTREX-128 (128 languages), Poe's Raven (251 languages), UDHR articles,
                UD PUD (20 languages), the monolingual texts and nltk genesis / inaugural /
                state_union; one document per LINE. Every 20th line is held out; the other
                ~80 MB of unique text is REPEATED (hard links to one file) until the corpus
                reaches `--ml-gb` (default 1 GB). Repetition multiplies every count by the
                same factor, so the merges are those of the unique text: this corpus
                measures reading and counting at scale, not a larger merge problem.

Reported per trainer, corpus and size: wall seconds of the training call (reading and
counting included; interpreter start, imports and saving excluded), peak RSS of the child
(interpreter and imports included; "Δ" subtracts the RSS after the imports), bytes per
token on the held-out text (byte-level models encoded by tokensmith from their saved
tokenizer.json / .tiktoken, SentencePiece by its own encoder), and the ratios
tokensmith / peer for time and memory (below 1.00x: tokensmith faster / leaner).

`--bounded` also trains tokensmith on the multilingual corpus with max_memory=`--budget`
and checks that the child's peak RSS stays within it and that its merges (tokenizer.json
merges and the .tiktoken bytes) equal those of an unbounded run.

    python benchmarks/train.py --quick                       # smoke run, a minute or two
    python benchmarks/train.py --corpus stdlib               # 8k, 32k, 64k on the stdlib
    python benchmarks/train.py --corpus multilingual --sizes 32000 --bounded --timeout 900
    python benchmarks/train.py --peers tokensmith hf --sizes 8000 --json out.json
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

THREADS = 2
DEFAULT_PEERS = ("tokensmith", "hf", "rustbpe", "bpeasy", "sentencepiece")
ALL_PEERS = DEFAULT_PEERS + ("tokensmith-iter", "tokensmith-chars")
DISTRIBUTIONS = {"tokensmith": "tokensmith", "tokensmith-iter": "tokensmith", "tokensmith-chars": "tokensmith",
                 "hf": "tokenizers", "rustbpe": "rustbpe", "bpeasy": "bpeasy", "sentencepiece": "sentencepiece"}
HOLDOUT_EVERY = 20
CACHE_VERSION = 1


# ===========================================================================
# Child side: one trainer, one corpus, one size. Imports only that trainer's
# library (no rich, no numpy unless the library brings it), so the RSS is its own.
# ===========================================================================


def child_documents(corpus: dict):
    """The corpus as a generator of str documents, read exactly as tokensmith's reader
    does: a document is a whole file, or a line without its "\\n" (and "\\r"), empty lines
    dropped."""
    for path in corpus["files"]:
        if corpus["document"] == "file":
            with open(path, "rb") as f:
                yield f.read().decode("utf-8")
            continue
        with open(path, "rb") as f:
            for raw in f:
                if raw.endswith(b"\n"):
                    raw = raw[:-1]
                    if raw.endswith(b"\r"):
                        raw = raw[:-1]
                if raw:
                    yield raw.decode("utf-8")


def proc_status_kib(field: str, pid: str = "self") -> int:
    """A /proc/PID/status field in KiB (VmRSS: now; VmHWM: the peak of this process image),
    0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_now_kib() -> int:
    return proc_status_kib("VmRSS")


def write_tiktoken(ranks: dict[bytes, int], pattern: str, path: Path) -> None:
    """A .tiktoken file plus the sidecar tokensmith reads the pattern from."""
    lines = [f"{base64.b64encode(t).decode('ascii')} {r}" for t, r in sorted(ranks.items(), key=lambda kv: kv[1])]
    path.write_text("\n".join(lines) + "\n")
    Path(str(path) + ".json").write_text(json.dumps({"name": path.stem, "pat_str": pattern, "special_tokens": {}}))


def child_tokensmith(job: dict, out: Path) -> dict:
    from tokensmith.train import train

    corpus, trainer = job["corpus"], job["trainer"]
    source = child_documents(corpus) if trainer == "tokensmith-iter" else [Path(p) for p in corpus["files"]]
    level = "chars" if trainer == "tokensmith-chars" else "bytes"
    base = rss_now_kib()
    t0 = time.perf_counter()
    # chars: whitespace-only pieces as sentencepiece is configured (allow_whitespace_only_pieces).
    options = {"whitespace_only_pieces": True} if level == "chars" else {}
    tok = train(source, vocab_size=job["vocab_size"], pretokenizer=job["pattern_name"], level=level,
                document=corpus["document"], threads=THREADS, max_memory=job.get("max_memory"), progress=False,
                **options)
    seconds = time.perf_counter() - t0
    tok.save(out, format="hf")
    if level == "bytes":
        tok.save(out / "model.tiktoken", format="tiktoken")
    info = tok.training
    corpus_stats = info.get("corpus", {})
    extra = {"timings": info.get("timings"), "merges": info.get("merges"), "stop_reason": info.get("stop_reason"),
             "merge_seconds": info.get("merge_seconds"),
             "counting": {k: corpus_stats.get(k) for k in ("documents", "bytes", "distinct_pieces", "spilled_runs",
                                                          "pruned_pieces", "pruned_occurrences", "max_memory",
                                                          "replaced", "skipped")}}
    return {"seconds": seconds, "base_rss_kib": base, "model": "tokenizer.json", "extra": extra}


def child_hf(job: dict, out: Path) -> dict:
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    base = rss_now_kib()
    tk = Tokenizer(models.BPE())
    tk.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(job["pattern"]), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tk.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=job["vocab_size"], min_frequency=0, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=[])
    t0 = time.perf_counter()
    tk.train_from_iterator(child_documents(job["corpus"]), trainer=trainer)
    seconds = time.perf_counter() - t0
    tk.save(str(out / "tokenizer.json"))
    return {"seconds": seconds, "base_rss_kib": base, "model": "tokenizer.json"}


def child_rustbpe(job: dict, out: Path) -> dict:
    import rustbpe

    base = rss_now_kib()
    tk = rustbpe.Tokenizer()
    t0 = time.perf_counter()
    tk.train_from_iterator(child_documents(job["corpus"]), job["vocab_size"], pattern=job["pattern"])
    seconds = time.perf_counter() - t0
    write_tiktoken(dict(tk.get_mergeable_ranks()), job["pattern"], out / "model.tiktoken")
    return {"seconds": seconds, "base_rss_kib": base, "model": "model.tiktoken"}


def child_bpeasy(job: dict, out: Path) -> dict:
    import bpeasy

    base = rss_now_kib()
    t0 = time.perf_counter()
    # max_token_length is required; 65536 = tokensmith's max_piece_bytes, i.e. no real cap.
    ranks = bpeasy.train_bpe(child_documents(job["corpus"]), job["pattern"], 1 << 16, job["vocab_size"])
    seconds = time.perf_counter() - t0
    write_tiktoken(ranks, job["pattern"], out / "model.tiktoken")
    return {"seconds": seconds, "base_rss_kib": base, "model": "model.tiktoken"}


def child_sentencepiece(job: dict, out: Path) -> dict:
    import sentencepiece as spm

    base = rss_now_kib()
    t0 = time.perf_counter()
    spm.SentencePieceTrainer.train(
        input=job["corpus"]["files"], model_prefix=str(out / "sp"), model_type="bpe",
        vocab_size=job["vocab_size"], num_threads=THREADS, character_coverage=0.9995, byte_fallback=True,
        normalization_rule_name="identity", remove_extra_whitespaces=False, allow_whitespace_only_pieces=True,
        split_digits=False, max_sentence_length=1 << 16, input_sentence_size=0, hard_vocab_limit=False,
        minloglevel=2)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "base_rss_kib": base, "model": "sp.model"}


CHILDREN = {"tokensmith": child_tokensmith, "tokensmith-iter": child_tokensmith,
            "tokensmith-chars": child_tokensmith, "hf": child_hf, "rustbpe": child_rustbpe,
            "bpeasy": child_bpeasy, "sentencepiece": child_sentencepiece}


def child_main(job_path: str) -> None:
    job = json.loads(Path(job_path).read_text())
    out = Path(job["out_dir"])
    out.mkdir(parents=True, exist_ok=True)
    result = CHILDREN[job["trainer"]](job, out)
    # VmHWM, not getrusage: Linux carries ru_maxrss across exec, so a child forked from a
    # parent holding a large corpus would report the parent's size; VmHWM starts afresh.
    result["hwm_kib"] = proc_status_kib("VmHWM")
    (out / "result.json").write_text(json.dumps(result))


# ===========================================================================
# Parent side: corpora, launching children, measuring, reporting.
# ===========================================================================


def cache_dir() -> Path:
    env = os.environ.get("TOKENSMITH_BENCH_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "tokensmith-bench"


class BenchCorpus:
    """What the children train on (`files`, `document`) and the held-out documents."""

    def __init__(self, name: str, files: list[Path], document: str, heldout: list[str], note: str):
        self.name, self.files, self.document, self.heldout, self.note = name, files, document, heldout, note
        self.nbytes = sum(p.stat().st_size for p in files)
        self.heldout_bytes = sum(len(d.encode("utf-8")) for d in heldout)

    def spec(self) -> dict:
        return {"files": [str(p) for p in self.files], "document": self.document}

    def describe(self) -> str:
        return (f"{self.name}: {len(self.files)} files, {self.nbytes / 1e6:.1f} MB, document = {self.document}; "
                f"held out {len(self.heldout)} docs, {self.heldout_bytes / 1e6:.2f} MB. {self.note}")


def stdlib_corpus(quick_mb: float | None) -> BenchCorpus:
    """Stdlib .py files, one document per file; every 20th file held out."""
    from common import stdlib_files

    train, heldout = [], []
    for i, path in enumerate(stdlib_files()):
        try:
            text = path.read_bytes().decode("utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # a few test files are deliberately not UTF-8: left out for everyone
        if i % HOLDOUT_EVERY == HOLDOUT_EVERY // 2:
            heldout.append(text)
        else:
            train.append(path)
    note = "Every 20th file held out."
    if quick_mb is not None:  # a spread-out sample: every k-th file up to the byte cap
        train = _spread(train, int(quick_mb * 1e6), lambda p: p.stat().st_size)
        heldout = _spread(heldout, int(quick_mb * 1e6 / 4), lambda d: len(d))
        note += f" Quick sample (~{quick_mb} MB)."
    return BenchCorpus("stdlib", train, "file", heldout, note)


def _spread(items: list, cap: int, size) -> list:
    """Every k-th item, with k chosen so that about `cap` bytes are taken."""
    total = sum(size(x) for x in items) or 1
    step = max(1, int(total / cap))
    out, acc = [], 0
    for x in items[::step]:
        if acc >= cap:
            break
        out.append(x)
        acc += size(x)
    return out


def _multilingual_sources(root: Path):
    """(source name, text) pairs from ../shared/data/corpora, in a fixed order."""
    import csv
    import lzma
    import tarfile
    import zipfile

    corpora = root / "corpora"
    with tarfile.open(corpora / "ntrex128" / "ntrex128_newstest2019_128lang.tar.xz") as tar:
        for m in sorted((m for m in tar.getmembers() if "newstest2019-ref." in m.name), key=lambda m: m.name):
            yield f"ntrex128/{m.name.rsplit('/', 1)[-1]}", tar.extractfile(m).read().decode("utf-8")
    with tarfile.open(corpora / "poe-mt" / "poe17192_txt_251lang.tar.xz") as tar:
        for m in sorted((m for m in tar.getmembers() if m.isfile() and m.name.endswith(".txt")), key=lambda m: m.name):
            yield f"poe-mt/{m.name}", tar.extractfile(m).read().decode("utf-8", "replace")
    with lzma.open(corpora / "udhr" / "udhr_articles.tsv.xz", "rt", encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)
        yield "udhr/articles", "\n".join(r[2] for r in rows if len(r) > 2)
    with lzma.open(corpora / "ud-pud" / "pud_parallel.tsv.xz", "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
        for col, lang in enumerate(rows[0][1:], 1):
            yield f"ud-pud/{lang}", "\n".join(r[col] for r in rows[1:] if len(r) > col)
    for path in sorted((corpora / "monolingual").glob("*.txt")):
        yield f"monolingual/{path.name}", path.read_text(encoding="utf-8-sig")
    for name in ("genesis", "inaugural", "state_union"):
        with zipfile.ZipFile(corpora / "nltk" / f"{name}.zip") as z:
            for member in sorted(n for n in z.namelist() if n.endswith(".txt") and "README" not in n):
                data = z.read(member)
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError:
                    text = data.decode("latin-1")  # some genesis translations are Latin-1
                yield f"nltk/{member}", text


def _unique_multilingual(folder: Path) -> dict:
    """unique.txt (training lines) and heldout.txt, built once; returns the manifest."""
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("version") == CACHE_VERSION:
            return manifest
    from common import require_data

    root = require_data()
    folder.mkdir(parents=True, exist_ok=True)
    sources = []
    with open(folder / "unique.txt.tmp", "w", encoding="utf-8", newline="\n") as train, \
            open(folder / "heldout.txt.tmp", "w", encoding="utf-8", newline="\n") as held:
        for name, text in _multilingual_sources(root):
            n = 0
            for line in text.split("\n"):
                line = line.replace("\r", "").strip("\ufeff")  # no lone CR: every reader agrees on lines
                if not line.strip():
                    continue
                (held if n % HOLDOUT_EVERY == HOLDOUT_EVERY - 1 else train).write(line + "\n")
                n += 1
            sources.append((name, n))
    os.replace(folder / "unique.txt.tmp", folder / "unique.txt")
    os.replace(folder / "heldout.txt.tmp", folder / "heldout.txt")
    manifest = {"version": CACHE_VERSION, "unique_bytes": (folder / "unique.txt").stat().st_size,
                "heldout_bytes": (folder / "heldout.txt").stat().st_size, "sources": len(sources),
                "lines_per_source": sources}
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return manifest


def multilingual_corpus(target_gb: float, quick_mb: float | None) -> BenchCorpus:
    folder = cache_dir() / "multilingual"
    manifest = _unique_multilingual(folder)
    unique = folder / "unique.txt"
    heldout = [line for line in (folder / "heldout.txt").read_text(encoding="utf-8").split("\n") if line]
    if quick_mb is not None:
        part = folder / f"quick-{quick_mb:g}MB.txt"
        if not part.exists():
            lines = unique.read_text(encoding="utf-8").split("\n")
            keep = _spread([x for x in lines if x], int(quick_mb * 1e6), lambda s: len(s.encode("utf-8")))
            part.write_text("\n".join(keep) + "\n", encoding="utf-8")
        heldout = _spread(heldout, int(quick_mb * 1e6 / 4), lambda s: len(s.encode("utf-8")))
        return BenchCorpus("multilingual", [part], "line", heldout,
                           f"Quick sample (~{quick_mb} MB) of {manifest['sources']} sources; no repetition.")
    repeats = max(1, math.ceil(target_gb * 1e9 / manifest["unique_bytes"]))
    parts_dir = folder / f"repeat-{repeats}"
    parts_dir.mkdir(exist_ok=True)
    files = []
    for k in range(repeats):
        part = parts_dir / f"part-{k:03d}.txt"
        if not part.exists():
            try:
                os.link(unique, part)
            except OSError:
                import shutil

                shutil.copyfile(unique, part)
        files.append(part)
    note = (f"{manifest['sources']} sources, {manifest['unique_bytes'] / 1e6:.1f} MB of unique lines REPEATED "
            f"{repeats}x (hard links in {parts_dir}); every 20th line held out.")
    return BenchCorpus("multilingual", files, "line", heldout, note)


# ---------------------------------------------------------------------------
# Launching one child
# ---------------------------------------------------------------------------


def child_env() -> dict:
    env = dict(os.environ)
    env.update(RAYON_NUM_THREADS=str(THREADS), TOKENIZERS_PARALLELISM="true", OMP_NUM_THREADS=str(THREADS))
    return env


def run_child(job: dict, timeout: float, max_rss_kib: int) -> dict:
    """Run one training in a fresh process; return its result with `status`, the kernel's
    peak RSS for that child (`peak_rss_kib`) and the total child wall time."""
    out = Path(job["out_dir"])
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("result.json",):
        (out / stale).unlink(missing_ok=True)
    job_path = out / "job.json"
    job_path.write_text(json.dumps(job))
    log = open(out / "child.log", "wb")
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--child", str(job_path)],
                            stdout=log, stderr=subprocess.STDOUT, env=child_env(), start_new_session=True)
    status, polled_peak, killed = None, 0, None
    while True:
        pid, wstatus, _ = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(wstatus)
            break
        polled_peak = max(polled_peak, proc_status_kib("VmRSS", str(proc.pid)))
        elapsed = time.perf_counter() - started
        if killed is None and elapsed > timeout:
            killed = "timeout"
        elif killed is None and polled_peak > max_rss_kib:
            killed = f"killed at {polled_peak / 1024:.0f} MiB"
        if killed:
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(0.1)
    log.close()
    wall = time.perf_counter() - started
    # The peak is the child's own VmHWM when it finished; a killed child has only the
    # parent's polling (every 0.1 s), a lower bound.
    result = {"peak_rss_kib": polled_peak, "polled_peak_kib": polled_peak, "child_wall": wall}
    if killed:
        result["status"] = killed
    elif proc.returncode != 0 or not (out / "result.json").exists():
        tail = (out / "child.log").read_text(errors="replace").strip().splitlines()[-3:]
        result["status"] = "error"
        result["error"] = " | ".join(tail)[-300:]
    else:
        result.update(json.loads((out / "result.json").read_text()))
        result["peak_rss_kib"] = max(result["hwm_kib"], polled_peak)
        result["status"] = "ok"
    return result


# ---------------------------------------------------------------------------
# Compression on held-out text
# ---------------------------------------------------------------------------


def bytes_per_token(trainer: str, out: Path, model: str, docs: list[str]) -> tuple[float | None, str]:
    """UTF-8 bytes / tokens over the held-out documents, and which encoder was used."""
    nbytes = sum(len(d.encode("utf-8")) for d in docs)
    if trainer == "sentencepiece":
        import sentencepiece as spm

        sp = spm.SentencePieceProcessor(model_file=str(out / model))
        return nbytes / max(1, sum(len(ids) for ids in sp.encode(docs))), "sentencepiece"
    import tokensmith as ts

    tok = ts.load(str(out / model))
    return nbytes / max(1, sum(len(ids) for ids in tok.encode_batch(docs))), "tokensmith"


# ---------------------------------------------------------------------------
# Running the grid
# ---------------------------------------------------------------------------


def version_of(trainer: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTIONS[trainer])
    except metadata.PackageNotFoundError:
        return "?"


def available(trainer: str) -> str | None:
    """None when the trainer's library imports here, else the reason."""
    module = {"hf": "tokenizers", "tokensmith-iter": "tokensmith", "tokensmith-chars": "tokensmith"}.get(trainer, trainer)
    import importlib.util

    return None if importlib.util.find_spec(module) else f"{module} is not installed (benchmarks/requirements.txt)"


def split_of(trainer: str, pattern_name: str) -> str:
    if trainer == "sentencepiece":
        return "own (whitespace)"
    if trainer == "tokensmith-chars":
        return "own (▁, SP-style)"
    return pattern_name


def measure(corpus: BenchCorpus, trainer: str, size: int, args, run_root: Path, label: str | None = None,
            compression: bool = True, **extra_job) -> dict:
    from tokensmith import pretokenizers

    label = label or trainer
    job = {"trainer": trainer, "corpus": corpus.spec(), "vocab_size": size, "pattern_name": args.pattern,
           "pattern": pretokenizers.PATTERNS.get(args.pattern, args.pattern),
           "out_dir": str(run_root / f"{corpus.name}-{size}-{label}"), **extra_job}
    r = run_child(job, args.timeout, int(args.max_rss_gb * 1024 * 1024))
    r.update(corpus=corpus.name, size=size, trainer=label, version=version_of(trainer),
             split=split_of(trainer, args.pattern), out_dir=job["out_dir"])
    if r["status"] == "ok" and compression:
        try:
            r["bpt"], r["encoder"] = bytes_per_token(trainer, Path(job["out_dir"]), r["model"], corpus.heldout)
        except Exception as exc:  # report, keep going
            r["bpt"], r["encoder"] = None, f"{type(exc).__name__}: {exc}"[:200]
    _say(r)
    return r


def _say(r: dict) -> None:
    from common import console

    if r["status"] != "ok":
        console.print(f"  {r['corpus']:12} {r['size']:>6} {r['trainer']:17} {r['status']} "
                      f"{r.get('error', '')}", highlight=False)
        return
    note = ""
    timings = (r.get("extra") or {}).get("timings")
    if timings:
        note = f"  (counting {timings['counting_seconds']:.1f}s + merging {timings['training_seconds']:.1f}s)"
    bpt = "-" if r.get("bpt") is None else f"{r['bpt']:.3f}"
    console.print(f"  {r['corpus']:12} {r['size']:>6} {r['trainer']:17} {r['seconds']:8.1f} s "
                  f"{r['peak_rss_kib'] / 1024:8.0f} MiB  {bpt} B/tok{note}", highlight=False)


def best_run(runs: list[dict], trainer: str) -> dict:
    """Several runs of one trainer as one row: the fastest run's time (noise on a shared
    machine only ever adds time), the largest peak RSS, the first run's compression."""
    ok = [r for r in runs if r["status"] == "ok"]
    if not ok:
        return dict(runs[0], trainer=trainer)
    best = dict(min(ok, key=lambda r: r["seconds"]), trainer=trainer)
    best["peak_rss_kib"] = max(r["peak_rss_kib"] for r in ok)
    best["base_rss_kib"] = max(r["base_rss_kib"] for r in ok)
    best["bpt"], best["encoder"] = runs[0].get("bpt"), runs[0].get("encoder")
    best["all_seconds"] = [round(r["seconds"], 3) if r["status"] == "ok" else r["status"] for r in runs]
    return best


def ratio(results: list[dict], r: dict, key: str) -> float | None:
    """tokensmith / r for `key` (seconds or peak_rss_kib), same corpus and size."""
    base = next((x for x in results if x["trainer"] == "tokensmith" and x["status"] == "ok"
                 and (x["corpus"], x["size"]) == (r["corpus"], r["size"])), None)
    if base is None or r["status"] != "ok" or base is r:
        return None
    return base[key] / r[key]


def corpus_table(results: list[dict], corpus: BenchCorpus) -> None:
    from common import console, fmt_ratio, print_table

    rows = []
    for r in (x for x in results if x["corpus"] == corpus.name):
        ok = r["status"] == "ok"
        rows.append([
            r["trainer"], r["version"], r["split"], r["size"],
            f"{r['seconds']:.1f}" if ok else r["status"],
            f"{r['peak_rss_kib'] / 1024:.0f}" if ok else (f"≥{r['peak_rss_kib'] / 1024:.0f} at kill"
                                                          if r["status"] != "error" else "-"),
            f"{(r['peak_rss_kib'] - r['base_rss_kib']) / 1024:.0f}" if ok else "-",
            "-" if r.get("bpt") is None else f"{r['bpt']:.3f}",
            fmt_ratio(ratio(results, r, "seconds")), fmt_ratio(ratio(results, r, "peak_rss_kib")),
        ])
    console.print(corpus.describe(), highlight=False)
    print_table("", ["trainer", "version", "split", "vocab", "wall s", "peak RSS MiB",
                                         "Δ RSS MiB", "held-out B/tok", "time ts/peer", "RSS ts/peer"], rows)


def ratio_tables(results: list[dict]) -> None:
    """One row per peer, one column per (corpus, size): tokensmith / peer."""
    from common import console, fmt_ratio, print_table

    cols = list(dict.fromkeys((r["corpus"], r["size"]) for r in results))
    peers = [t for t in dict.fromkeys(r["trainer"] for r in results) if t != "tokensmith"]
    for key, what in (("seconds", "wall time"), ("peak_rss_kib", "peak RSS")):
        rows = []
        for peer in peers:
            row = [peer]
            for c in cols:
                r = next((x for x in results if x["trainer"] == peer and (x["corpus"], x["size"]) == c), None)
                row.append("" if r is None else (fmt_ratio(ratio(results, r, key)) if r["status"] == "ok"
                                                 else r["status"]))
            rows.append(row)
        # The title goes on its own line: a table title wraps at the (narrow) table's width.
        console.print(f"tokensmith/peer {what} (below 1.00x: tokensmith {'faster' if key == 'seconds' else 'leaner'})",
                      highlight=False)
        print_table("", ["peer"] + [f"{c} {s // 1000}k" for c, s in cols], rows)


def target_lines(results: list[dict]) -> list[str]:
    """The issue's targets: at most half the wall time of the fastest peer, no more peak
    memory than the leanest (peers that did not finish are not counted)."""
    lines = []
    for c in dict.fromkeys((r["corpus"], r["size"]) for r in results):
        mine = [r for r in results if (r["corpus"], r["size"]) == c and r["status"] == "ok"]
        ts = next((r for r in mine if r["trainer"] == "tokensmith"), None)
        peers = [r for r in mine if not r["trainer"].startswith("tokensmith")]
        if ts is None or not peers:
            continue
        fast = min(peers, key=lambda r: r["seconds"])
        lean = min(peers, key=lambda r: r["peak_rss_kib"])
        t, m = ts["seconds"] / fast["seconds"], ts["peak_rss_kib"] / lean["peak_rss_kib"]
        lines.append(f"{c[0]} {c[1] // 1000}k: time {t:.2f}x of fastest peer ({fast['trainer']}, "
                     f"{fast['seconds']:.1f}s) -> target <=0.50x {'MET' if t <= 0.5 else 'NOT MET'}; "
                     f"peak RSS {m:.2f}x of leanest ({lean['trainer']}, {lean['peak_rss_kib'] / 1024:.0f} MiB) "
                     f"-> target <=1.00x {'MET' if m <= 1.0 else 'NOT MET'}")
    return lines


# ---------------------------------------------------------------------------
# --bounded
# ---------------------------------------------------------------------------


def compare_merges(a: Path, b: Path) -> dict:
    """Whether two tokensmith outputs hold the same model: .tiktoken bytes and the
    tokenizer.json merges (and vocab); where they differ, the first differing merge."""
    same_tiktoken = (a / "model.tiktoken").read_bytes() == (b / "model.tiktoken").read_bytes()
    ma, mb = (json.loads((p / "tokenizer.json").read_text())["model"] for p in (a, b))
    merges_a, merges_b = ma.get("merges") or [], mb.get("merges") or []
    first = next((i for i, (x, y) in enumerate(zip(merges_a, merges_b)) if x != y), None)
    if first is None and len(merges_a) != len(merges_b):
        first = min(len(merges_a), len(merges_b))
    return {"tiktoken_equal": same_tiktoken, "merges_equal": merges_a == merges_b and ma.get("vocab") == mb.get("vocab"),
            "merges": (len(merges_a), len(merges_b)), "first_difference": first}


def bounded(corpus: BenchCorpus, sizes: list[int], args, run_root: Path, results: list[dict]) -> list[str]:
    from common import console
    from tokensmith.train import parse_size

    budget = parse_size(args.budget)
    lines = []
    for size in sizes:
        console.print(f"[bold]bounded: {corpus.name} {size}, max_memory={args.budget} ({budget} bytes)")
        free = next((r for r in results if (r["corpus"], r["size"], r["trainer"]) == (corpus.name, size, "tokensmith")
                     and r["status"] == "ok"), None)
        if free is None:
            free = measure(corpus, "tokensmith", size, args, run_root, label="tokensmith")
            results.append(free)
        capped = measure(corpus, "tokensmith", size, args, run_root, label="tokensmith-bounded", max_memory=budget)
        results.append(capped)
        if free["status"] != "ok" or capped["status"] != "ok":
            lines.append(f"{corpus.name} {size}: a run did not finish (unbounded {free['status']}, "
                         f"bounded {capped['status']})")
            continue
        peak = capped["peak_rss_kib"] * 1024
        cmp = compare_merges(Path(free["out_dir"]), Path(capped["out_dir"]))
        counting = capped["extra"]["counting"]
        fits = not counting.get("pruned_pieces")
        lines.append(
            f"{corpus.name} {size}: bounded peak RSS {peak / 2**20:.0f} MiB = {peak / budget:.2f} of the "
            f"{args.budget} budget -> {'WITHIN' if peak <= budget else 'OVER'}; unbounded peak "
            f"{free['peak_rss_kib'] / 1024:.0f} MiB; wall {capped['seconds']:.1f}s bounded vs {free['seconds']:.1f}s; "
            f"spilled runs {counting.get('spilled_runs')}, pruned pieces {counting.get('pruned_pieces')} "
            f"({'counts fit' if fits else 'counts pruned'}); merges {'EQUAL' if cmp['merges_equal'] else 'DIFFERENT'} "
            f"({cmp['merges'][0]} vs {cmp['merges'][1]}, first difference {cmp['first_difference']}), "
            f".tiktoken {'identical' if cmp['tiktoken_equal'] else 'DIFFERENT'}")
    return lines


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small corpus slices (--quick-mb) at one size: a smoke run")
    p.add_argument("--quick-mb", type=float, default=2.0, help="size of the --quick slices, MB")
    p.add_argument("--corpus", choices=("stdlib", "multilingual", "both"), default="both")
    p.add_argument("--sizes", type=lambda s: [int(x) for x in s.replace(",", " ").split()], default=None,
                   help="vocabulary sizes, e.g. '8000,32000' (default 8000,32000,64000; --quick: 8000)")
    p.add_argument("--peers", nargs="+", choices=ALL_PEERS, default=list(DEFAULT_PEERS),
                   help="trainers to run (tokensmith is always run first when listed)")
    p.add_argument("--pattern", default="o200k", help="split regex for the regex trainers: a tokensmith preset name")
    p.add_argument("--ml-gb", type=float, default=1.0, help="size of the multilingual corpus, GB (by repetition)")
    p.add_argument("--repeats", type=int, default=1,
                   help="runs per trainer and size; the table shows the fastest (and the largest peak RSS)")
    p.add_argument("--timeout", type=float, default=900, help="seconds per training run before it is killed")
    p.add_argument("--max-rss-gb", type=float, default=10.0, help="kill a child whose RSS grows past this, GiB")
    p.add_argument("--bounded", action="store_true",
                   help="also train tokensmith on the multilingual corpus with max_memory=--budget and check it")
    p.add_argument("--budget", default="1GB", help="max_memory for --bounded")
    p.add_argument("--json", metavar="PATH", help="write every measurement to this JSON file")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.sizes = args.sizes or ([8000] if args.quick else [8000, 32000, 64000])
    args.peers = sorted(dict.fromkeys(args.peers), key=ALL_PEERS.index)
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.child:
        child_main(args.child)
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import console

    console.print(f"[bold]tokensmith training benchmark[/bold]  {environment()}")
    quick_mb = args.quick_mb if args.quick else None
    grid_names = ["stdlib", "multilingual"] if args.corpus == "both" else [args.corpus]
    names = grid_names + (["multilingual"] if args.bounded and "multilingual" not in grid_names else [])
    run_root = cache_dir() / "runs" / time.strftime("%Y%m%d-%H%M%S")
    console.print(f"models and child logs: {run_root}")
    peers, skipped = [], {}
    for t in args.peers:
        reason = available(t)
        if reason:
            skipped[t] = reason
            console.print(f"[yellow]{t} skipped: {reason}[/yellow]")
        else:
            peers.append(t)
    results: list[dict] = []
    corpora: dict[str, BenchCorpus] = {}
    bounded_lines: list[str] = []
    for name in names:
        corpus = (stdlib_corpus(quick_mb) if name == "stdlib"
                  else multilingual_corpus(args.ml_gb, quick_mb))
        corpora[name] = corpus
        console.rule(f"[bold]{corpus.describe()}")
        if name in grid_names:
            for size in args.sizes:
                runs: dict[str, list[dict]] = {t: [] for t in peers}
                for rep in range(args.repeats):  # trainer-minor: a burst of load hits everyone alike
                    for trainer in peers:
                        label = trainer if args.repeats == 1 else f"{trainer}#{rep + 1}"
                        runs[trainer].append(measure(corpus, trainer, size, args, run_root, label=label,
                                                     compression=rep == 0))
                results += [best_run(runs[t], t) for t in peers]
            corpus_table(results, corpus)
        if args.bounded and name == "multilingual":
            sizes = args.sizes if args.corpus != "stdlib" else [32000]
            bounded_lines = bounded(corpus, sizes, args, run_root, results)
    console.rule("[bold]summary")
    for corpus in corpora.values():
        if any(r["corpus"] == corpus.name and r["trainer"] != "tokensmith-bounded" for r in results):
            console.print(corpus.describe(), highlight=False)
    grid = [r for r in results if r["trainer"] != "tokensmith-bounded"]
    if grid:
        ratio_tables(grid)
        for line in target_lines(grid):
            console.print(line, highlight=False)
    for line in bounded_lines:
        console.print(f"bounded: {line}", highlight=False)
    if args.json:
        Path(args.json).write_text(json.dumps({"environment": environment(), "args": vars(args),
                                               "skipped": skipped, "results": results}, indent=1, default=str))
        console.print(f"wrote {args.json}")


def environment() -> dict:
    import platform

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "python": platform.python_version(), "cpu": cpu,
            "cores": os.cpu_count(), "threads": THREADS}


if __name__ == "__main__":
    main()
