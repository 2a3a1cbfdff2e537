"""Counting the pieces of a corpus: normalise -> pre-tokenise -> count, in the native core.

:func:`count` streams a :class:`~tokensmith.train.corpus.Corpus` in batches to
``_core.Counter``, which splits them on all cores with the encoder's own scanners and keeps
64-bit counts within ``max_memory`` (spilling sorted runs to disk and merging them back; see
``csrc/train/counter.h``). Patterns without a native scanner are split here with the ``regex``
module and only counted natively.

The result, :class:`PieceCounts`, remembers how its pieces were made and saves to Parquet, so
one counting pass can train several vocabulary sizes:

>>> pc = count(["low lower lowest", "low"], splitter=Splitter.bytes("gpt2"), progress=False)
>>> pc.most_common(2)
[(b'low', 2), (b' lower', 1)]
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional, Union

from tokensmith import _core, normalizers, pretokenizers
from tokensmith.errors import CorpusError, FormatError
from tokensmith.train.corpus import Corpus

COUNTS_FORMAT = "tokensmith.counts/1"


@dataclass(frozen=True)
class Splitter:
    """How documents become counted pieces.

    ``level="bytes"``: split with ``pattern`` (a regex, as the tokenizer will use it) and count
    the pieces' UTF-8 bytes. ``level="chars"``: SentencePiece style -- spaces become ``▁``, a
    ``▁`` is prepended to each document and starts every piece.
    """

    level: str = "bytes"
    pattern: Optional[str] = None
    normalizer: Optional[str] = None  # "NFC" / "NFKC" / None
    whitespace_only_pieces: bool = False
    max_piece_bytes: int = 1 << 16

    @classmethod
    def bytes(cls, pretokenizer: Optional[str] = "o200k", *, digits: Optional[str] = None,
              normalizer: Optional[str] = None, max_piece_bytes: int = 1 << 16) -> "Splitter":
        """A byte-level splitter from a preset name (see ``pretokenizers.PATTERNS``) or a regex."""
        if pretokenizer is None:
            pattern = None
        else:
            pattern = pretokenizers.PATTERNS.get(pretokenizer, pretokenizer)
            if pattern is pretokenizer:
                pretokenizers.validate(pretokenizers.Split(pattern), name="pretokenizer")
            pattern = pretokenizers.with_digits(pattern, digits)
        return cls("bytes", pattern, normalizer, False, max_piece_bytes)

    @classmethod
    def chars(cls, *, whitespace_only_pieces: bool = False, normalizer: Optional[str] = None,
              max_piece_bytes: int = 1 << 16) -> "Splitter":
        return cls("chars", None, normalizer, whitespace_only_pieces, max_piece_bytes)

    def fast_path(self) -> Optional[pretokenizers.FastPath]:
        if self.level == "chars" or self.pattern is None:
            return pretokenizers.FastPath(0)
        return pretokenizers.fast_path(pretokenizers.Split(self.pattern))

    def normalizer_component(self):
        forms = {"NFC": normalizers.NFC, "NFKC": normalizers.NFKC, "NFD": normalizers.NFD, "NFKD": normalizers.NFKD}
        if self.normalizer is None:
            return None
        if self.normalizer not in forms:
            raise ValueError(f"normalizer={self.normalizer!r}: choose one of {sorted(forms)} or None")
        return forms[self.normalizer]()

    def to_dict(self) -> dict:
        return asdict(self)


class PieceCounts:
    """Counted pieces (bytes -> 64-bit count), sorted by bytes, with their provenance."""

    def __init__(self, table: "_core.Counts", splitter: Splitter, stats: Optional[dict] = None):
        self.table = table
        self.splitter = splitter
        self.stats = dict(stats or {})

    def __len__(self) -> int:
        return len(self.table)

    @property
    def total(self) -> int:
        """Number of piece occurrences counted."""
        return self.table.total

    def items(self):
        """(piece bytes, count) in byte order."""
        for i in range(len(self.table)):
            yield self.table.piece(i), self.table.count(i)

    def most_common(self, n: int = 10) -> list[tuple[bytes, int]]:
        import numpy as np

        data, offsets, counts = self.table.to_arrays()
        order = np.argsort(-counts.astype(np.float64), kind="stable")[:n]
        return [(data[offsets[i]:offsets[i + 1]], int(counts[i])) for i in order]

    def save(self, path: Union[str, os.PathLike]) -> str:
        """Write a Parquet file (columns ``piece`` binary, ``count`` uint64; provenance in the
        schema metadata), atomically."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.parquet as pq

        data, offsets, counts = self.table.to_arrays()
        pieces = pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(counts),
                                                  [None, pa.py_buffer(offsets.astype(np.int64)), pa.py_buffer(data)])
        meta = {"format": COUNTS_FORMAT, "splitter": self.splitter.to_dict(), "stats": self.stats}
        table = pa.table({"piece": pieces, "count": pa.array(counts, pa.uint64())})
        table = table.replace_schema_metadata({"tokensmith": json.dumps(meta)})
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent)
        os.close(fd)
        try:
            pq.write_table(table, tmp)
            os.replace(tmp, p)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return str(p)

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> "PieceCounts":
        import numpy as np
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except Exception as e:
            raise FormatError(f"not a readable counts file: {e}", path=path) from None
        meta_raw = (table.schema.metadata or {}).get(b"tokensmith")
        meta = json.loads(meta_raw) if meta_raw else {}
        if meta.get("format") != COUNTS_FORMAT or "piece" not in table.column_names or "count" not in table.column_names:
            raise FormatError(f"not a tokensmith counts file (expected format {COUNTS_FORMAT!r} with columns "
                              f"piece, count); write one with PieceCounts.save or `tokensmith count`", path=path)
        pieces = table.column("piece").combine_chunks().cast("large_binary")
        _, offsets_buf, data_buf = pieces.buffers()
        n = len(pieces)
        offsets = np.frombuffer(offsets_buf, dtype=np.int64, count=n + 1, offset=pieces.offset * 8)
        base = int(offsets[0])
        data = data_buf.to_pybytes()[base:int(offsets[-1])] if n else b""
        counts = table.column("count").to_numpy().astype(np.uint64)
        try:
            core = _core.Counts.from_arrays(data, (offsets - base).astype(np.uint64), counts)
        except ValueError as e:
            raise FormatError(str(e), path=path) from None
        return cls(core, Splitter(**meta["splitter"]), meta.get("stats"))

    def __repr__(self) -> str:
        return f"PieceCounts({len(self)} pieces, {self.total} occurrences, {self.splitter.level})"


def default_max_memory() -> int:
    """Half the machine's memory (at least 256 MiB)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 8 << 30
    return max(256 << 20, total // 2)


def count(corpus, *, splitter: Splitter, threads: Optional[int] = None, max_memory: Optional[int] = None,
          spill_dir: Optional[str] = None, progress: bool = True, description: str = "counting",
          **corpus_options) -> PieceCounts:
    """Count the pieces of ``corpus`` (anything :class:`Corpus` accepts, or a Corpus)."""
    corp = corpus if isinstance(corpus, Corpus) else Corpus(corpus, **corpus_options)
    threads = threads or os.cpu_count() or 1
    budget = default_max_memory() if max_memory is None else int(max_memory)
    fp = splitter.fast_path()
    norm = splitter.normalizer_component()
    generic = fp is None
    core = _core.Counter(kind=0 if generic else fp.kind, max_digits=fp.max_digits if fp else 3,
                         contractions=fp.contractions if fp else True, metaspace=splitter.level == "chars",
                         add_prefix_space=True, whitespace_only_pieces=splitter.whitespace_only_pieces,
                         max_piece_bytes=splitter.max_piece_bytes, threads=threads, max_memory=budget,
                         spill_dir=spill_dir or tempfile.gettempdir())
    split = pretokenizers.Split(splitter.pattern) if generic else None
    started = time.perf_counter()
    with _progress(progress, description, corp.total_bytes) as advance:
        for batch in prefetch(corp.batches()):
            if norm is not None:
                batch = [normalizers.normalize(norm, d) for d in batch]
            if generic:
                pieces = [p.encode("utf-8", "surrogatepass") for d in batch
                          for p in pretokenizers.split_text(split, d)]
                core.add_pieces(pieces, None)
            else:
                try:
                    core.add_documents(batch)
                except UnicodeEncodeError:
                    raise CorpusError("a document holds a lone surrogate (not valid Unicode text); "
                                      "clean the input or read it from a file with errors='replace'") from None
            advance(corp.position if corp.files else corp.stats.bytes)
        spilled = core.spilled_runs
        table = core.finish()
    stats = corp.stats.to_dict()
    stats.update(seconds=round(time.perf_counter() - started, 3), threads=threads, max_memory=budget,
                 spilled_runs=spilled, distinct_pieces=len(table), pruned_pieces=table.pruned_pieces,
                 pruned_occurrences=table.pruned_occurrences, prune_threshold=table.prune_threshold)
    return PieceCounts(table, splitter, stats)


def prefetch(items, depth: int = 2):
    """Iterate ``items`` produced by a background thread, ``depth`` ahead: reading and decoding
    the next batch (Python, holding the GIL) overlaps with counting this one (native, GIL
    released). Exceptions of the producer are raised here, in order.

    >>> list(prefetch(iter(range(5))))
    [0, 1, 2, 3, 4]
    """
    import queue
    import threading

    box: "queue.Queue" = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce():
        try:
            for item in items:
                if stop.is_set():
                    return
                box.put((item, None))
            box.put((done, None))
        except BaseException as e:  # handed to the consumer
            box.put((done, e))

    worker = threading.Thread(target=produce, name="tokensmith-reader", daemon=True)
    worker.start()
    try:
        while True:
            item, error = box.get()
            if error is not None:
                raise error
            if item is done:
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                box.get_nowait()
            except queue.Empty:
                worker.join(0.01)


class _progress:
    """A rich progress bar in bytes (or nothing), as a context giving an `advance(done)` function."""

    def __init__(self, enabled: bool, description: str, total: int):
        self.enabled, self.description, self.total = enabled, description, total or None

    def __enter__(self):
        if not self.enabled:
            return lambda done: None
        from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn,
                                   TransferSpeedColumn)

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                            TimeRemainingColumn(), transient=False)
        self.bar.__enter__()
        task = self.bar.add_task(self.description, total=self.total)
        return lambda done: self.bar.update(task, completed=done)

    def __exit__(self, *exc):
        if self.enabled:
            self.bar.__exit__(*exc)
        return False
