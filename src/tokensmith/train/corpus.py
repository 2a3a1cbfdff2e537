"""Training corpora, streamed: files, globs, folders and Python iterables as documents of text.

A :class:`Corpus` never holds more than one batch of documents in memory. It reads

* ``.txt`` (and any unknown suffix) as text, one document per line (``document="line"``), per
  file (``"file"``) or per blank-line-separated block (``"block"``);
* ``.jsonl`` / ``.ndjson``, one JSON object per line, the document in ``field``;
* ``.parquet``, the documents in ``column`` (through pyarrow, one row group at a time);
* any of these compressed as ``.gz``, ``.bz2``, ``.xz`` or ``.zst``;
* a Python iterable of ``str`` (each item one document). A single ``str`` is a path, glob or
  folder; for several files pass a list of :class:`pathlib.Path`.

Invalid UTF-8 follows ``errors``: ``"replace"`` (U+FFFD, counted), ``"skip"`` (drop the
document, counted) or ``"error"`` (:class:`~tokensmith.errors.CorpusError` naming file and line).
A line longer than ``max_line_bytes`` is read in chunks of that size (cut at a character
boundary), so one enormous line cannot exhaust memory. :mod:`tokensmith.train.counting` feeds the
batches to the native counter.

>>> c = Corpus(["one line", "another"])
>>> [len(b) for b in c.batches()], c.stats.documents
([2], 2)
"""
from __future__ import annotations

import bz2
import glob
import gzip
import io
import json
import lzma
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Iterable, Iterator, Optional, Union

from tokensmith.errors import CorpusError, InputTypeError

PathLike = Union[str, os.PathLike]
DOCUMENT_MODES = ("line", "file", "block")
ERROR_POLICIES = ("replace", "skip", "error")
_COMPRESSED = {".gz", ".bz2", ".xz", ".zst"}


@dataclass
class CorpusStats:
    """What reading the corpus met, for ``training.json``."""

    files: int = 0
    documents: int = 0
    bytes: int = 0          # UTF-8 bytes of the documents handed on
    replaced: int = 0       # invalid UTF-8 sequences replaced by U+FFFD
    skipped: int = 0        # documents dropped for invalid UTF-8
    chunked_lines: int = 0  # lines longer than max_line_bytes, read in chunks
    sources: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _suffixes(path: Path) -> tuple[str, str]:
    """(format suffix, compression suffix) of a file name."""
    sfx = [s.lower() for s in path.suffixes]
    comp = sfx[-1] if sfx and sfx[-1] in _COMPRESSED else ""
    rest = sfx[:-1] if comp else sfx
    return (rest[-1] if rest else ""), comp


def _open_binary(path: Path) -> tuple[IO[bytes], IO[bytes]]:
    """(decompressed stream, the file on disk): the second tells how far reading has got."""
    _, comp = _suffixes(path)
    disk = open(path, "rb")
    if comp == ".gz":
        return gzip.GzipFile(fileobj=disk, mode="rb"), disk
    if comp == ".bz2":
        return bz2.BZ2File(disk, "rb"), disk
    if comp == ".xz":
        return lzma.LZMAFile(disk, "rb"), disk
    if comp == ".zst":
        import zstandard

        # The zstd reader has no readline(): buffer it.
        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(disk)), disk
    return disk, disk


def expand(source: Union[PathLike, Iterable[PathLike]]) -> list[Path]:
    """Files named by paths, globs and folders (folders: every file below, sorted)."""
    items = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    files: list[Path] = []
    for item in items:
        text = os.fspath(item)
        p = Path(text)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
            if not found:
                raise CorpusError("the folder holds no files", path=p)
            files.extend(found)
        elif p.is_file():
            files.append(p)
        elif any(ch in text for ch in "*?["):
            found = sorted(Path(f) for f in glob.glob(text, recursive=True) if Path(f).is_file())
            if not found:
                raise CorpusError("the pattern matches no file", path=text)
            files.extend(found)
        else:
            raise CorpusError("no such file or folder", path=text)
    return files


class Corpus:
    """A streamed corpus of documents (see the module docstring for formats and options)."""

    def __init__(self, source, *, document: str = "line", field: str = "text", column: str = "text",
                 errors: str = "replace", max_line_bytes: int = 16 << 20, name: Optional[str] = None):
        if document not in DOCUMENT_MODES:
            raise ValueError(f"document={document!r}: choose one of {DOCUMENT_MODES}")
        if errors not in ERROR_POLICIES:
            raise ValueError(f"errors={errors!r}: choose one of {ERROR_POLICIES}")
        self.document, self.field, self.column, self.errors = document, field, column, errors
        self.max_line_bytes = max_line_bytes
        self.stats = CorpusStats()
        self._iterable: Optional[Iterable[str]] = None
        self.files: list[Path] = []
        if isinstance(source, Corpus):
            raise InputTypeError("pass the Corpus itself to train(), not wrapped in another Corpus")
        if isinstance(source, (str, os.PathLike)) or (
                isinstance(source, (list, tuple)) and source and all(isinstance(s, os.PathLike) for s in source)):
            self.files = expand(source)
        elif isinstance(source, Iterable):
            self._iterable = source
        else:
            raise InputTypeError(f"a corpus is a path, glob or folder (str or Path), a list of Paths, or an "
                                 f"iterable of str documents; got {type(source).__name__}")
        self.name = name or (self.files[0].name if len(self.files) == 1 else
                             f"{len(self.files)} files" if self.files else "iterable")
        self.total_bytes = sum(f.stat().st_size for f in self.files)  # on disk, for progress
        self.position = 0  # bytes of the files consumed so far (on disk)

    # ------------------------------------------------------------------------------ reading

    def documents(self) -> Iterator[str]:
        """Every document, in order."""
        for group, _ in self._groups():
            yield from group

    def batches(self, *, batch_bytes: int = 4 << 20) -> Iterator[list[str]]:
        """Lists of documents of about ``batch_bytes`` characters each."""
        batch: list[str] = []
        size = 0
        for group, nbytes in self._groups():
            batch.extend(group)
            size += nbytes
            if size >= batch_bytes:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch

    def _groups(self) -> Iterator[tuple[list[str], int]]:
        """Documents in groups (one per read block where the format allows), with their size."""
        if self._iterable is not None:
            for i, doc in enumerate(self._iterable):
                if not isinstance(doc, str):
                    raise InputTypeError(f"corpus item {i} is {type(doc).__name__}, not str")
                self._count(doc)
                yield [doc], len(doc)
            return
        done = 0
        for path in self.files:
            self.stats.files += 1
            self.stats.sources.append(str(path))
            kind, _ = _suffixes(path)
            size = path.stat().st_size
            if kind == ".parquet":
                for doc in self._parquet(path, done, size):
                    yield [doc], len(doc)
            else:
                raw, disk = _open_binary(path)
                with disk, raw:
                    if kind in (".jsonl", ".ndjson") or self.document != "line":
                        docs = self._jsonl(path, raw) if kind in (".jsonl", ".ndjson") else self._text(path, raw)
                        for doc in docs:
                            self.position = done + min(size, disk.tell())
                            yield [doc], len(doc)
                    else:
                        for group, nbytes in self._line_blocks(path, raw):
                            self.position = done + min(size, disk.tell())
                            yield group, nbytes
            done += size
            self.position = done

    def _line_blocks(self, path: Path, raw: IO[bytes], block: int = 8 << 20) -> Iterator[tuple[list[str], int]]:
        """One document per line, read and decoded a block of whole lines at a time (the common
        case costs one decode and one split per block); a block with invalid UTF-8 or a line
        longer than max_line_bytes goes through the line-by-line path."""
        carry = b""
        number = 0  # lines before this block
        long_line = False
        while True:
            data = raw.read(block)
            if not data:
                break
            data = carry + data
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                if len(data) < self.max_line_bytes:
                    carry = data
                    continue
                # An over-long line: hand on a chunk, cut before a partial character.
                cut = self.max_line_bytes
                while 0 < cut < len(data) and (data[cut] & 0xC0) == 0x80:
                    cut -= 1
                cut = cut or self.max_line_bytes
                if not long_line:
                    self.stats.chunked_lines += 1
                    long_line = True
                yield from self._decode_block(path, data[:cut], number)
                carry = data[cut:]
                continue
            long_line = False
            body, carry = data[:cut], data[cut:]
            yield from self._decode_block(path, body, number)
            number += body.count(b"\n")
        if carry:
            yield from self._decode_block(path, carry, number)

    def _decode_block(self, path: Path, body: bytes, number: int) -> Iterator[tuple[list[str], int]]:
        longest = max(map(len, body.split(b"\n"))) if len(body) > self.max_line_bytes else 0
        try:
            if longest > self.max_line_bytes:
                raise ValueError("over-long line")
            text = body.decode("utf-8")
        except (UnicodeDecodeError, ValueError):
            docs = []
            for doc in self._text(path, io.BytesIO(body), first_line=number + 1):
                docs.append(doc)
            yield docs, sum(map(len, docs))
            return
        lines = text.split("\n")
        stripped = 0
        if "\r" in text:
            stripped = sum(1 for line in lines if line.endswith("\r"))
            lines = [line[:-1] if line.endswith("\r") else line for line in lines]
        docs = [line for line in lines if line]
        self.stats.documents += len(docs)
        self.stats.bytes += len(body) - body.count(b"\n") - stripped
        yield docs, len(body)

    # ------------------------------------------------------------------------------ formats

    def _count(self, doc: str) -> None:
        self.stats.documents += 1
        self.stats.bytes += len(doc.encode("utf-8", "surrogatepass")) if not doc.isascii() else len(doc)

    def _decode(self, data: bytes, path: Path, line: int) -> Optional[str]:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as e:
            if self.errors == "error":
                raise CorpusError(f"invalid UTF-8 at byte {e.start} of this document ({data[e.start:e.start + 4]!r}); "
                                  f"pass errors='replace' or errors='skip' to go on", path=path, line=line) from None
            if self.errors == "skip":
                self.stats.skipped += 1
                return None
            text = data.decode("utf-8", "replace")
            self.stats.replaced += text.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
            return text

    def _lines(self, raw: IO[bytes], first_line: int = 1) -> Iterator[tuple[int, bytes]]:
        """(line number, bytes without the newline); over-long lines come in chunks."""
        number = first_line - 1
        carry = b""
        long_line = False
        while True:
            chunk = raw.readline(self.max_line_bytes)
            if not chunk:
                if carry:
                    yield number + 1, carry
                return
            if not chunk.endswith(b"\n") and len(chunk) >= self.max_line_bytes:
                # Cut before a partial UTF-8 character and keep its bytes for the next chunk.
                data = carry + chunk
                cut = len(data)
                while cut > 0 and (data[cut - 1] & 0xC0) == 0x80:
                    cut -= 1
                if cut > 0 and data[cut - 1] >= 0xC0:
                    cut -= 1
                if cut == 0:
                    cut = len(data)
                if not long_line:
                    self.stats.chunked_lines += 1
                    long_line = True
                yield number + 1, data[:cut]
                carry = data[cut:]
                continue
            number += 1
            data = carry + chunk
            carry = b""
            long_line = False
            if data.endswith(b"\n"):
                data = data[:-1]
                if data.endswith(b"\r"):
                    data = data[:-1]
            yield number, data

    def _text(self, path: Path, raw: IO[bytes], first_line: int = 1) -> Iterator[str]:
        if self.document == "file":
            data = raw.read()
            text = self._decode(data, path, 1)
            if text:
                self._count(text)
                yield text
            return
        block: list[str] = []
        for number, data in self._lines(raw, first_line):
            text = self._decode(data, path, number)
            if text is None:
                continue
            if self.document == "line":
                if text:
                    self._count(text)
                    yield text
                continue
            if text.strip():
                block.append(text)
            elif block:
                doc = "\n".join(block)
                self._count(doc)
                yield doc
                block = []
        if block:
            doc = "\n".join(block)
            self._count(doc)
            yield doc

    def _jsonl(self, path: Path, raw: IO[bytes]) -> Iterator[str]:
        for number, data in self._lines(raw):
            if not data.strip():
                continue
            text = self._decode(data, path, number)
            if text is None:
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as e:
                raise CorpusError(f"invalid JSON ({e.msg}, column {e.colno})", path=path, line=number) from None
            if not isinstance(obj, dict) or self.field not in obj:
                keys = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
                raise CorpusError(f"field {self.field!r} is missing (found {keys}); pass field=... "
                                  f"(--field on the command line)", path=path, line=number)
            doc = obj[self.field]
            if not isinstance(doc, str):
                raise CorpusError(f"field {self.field!r} holds {type(doc).__name__}, not a string",
                                  path=path, line=number)
            if doc:
                self._count(doc)
                yield doc

    def _parquet(self, path: Path, done: int, size: int) -> Iterator[str]:
        import pyarrow.parquet as pq

        try:
            f = pq.ParquetFile(path)
        except Exception as e:  # pyarrow raises several types for a bad file
            raise CorpusError(f"not a readable Parquet file: {e}", path=path) from None
        names = f.schema_arrow.names
        if self.column not in names:
            raise CorpusError(f"column {self.column!r} is missing (columns: {names}); pass column=... "
                              f"(--column on the command line)", path=path)
        groups = max(1, f.num_row_groups)
        row = 0
        for g in range(f.num_row_groups):
            table = f.read_row_group(g, columns=[self.column])
            for value in table.column(0).to_pylist():
                row += 1
                if value is None:
                    continue
                if isinstance(value, bytes):
                    value = self._decode(value, path, row)
                    if value is None:
                        continue
                if not isinstance(value, str):
                    raise CorpusError(f"column {self.column!r} holds {type(value).__name__}, not strings",
                                      path=path, line=row)
                if value:
                    self._count(value)
                    yield value
            self.position = done + size * (g + 1) // groups
