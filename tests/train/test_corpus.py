"""Corpus reading: every input format gives the same documents, invalid UTF-8 follows the
policy and is counted, and bad input fails with the file and line."""
from __future__ import annotations

import bz2
import gzip
import json
import lzma
from pathlib import Path

import pytest

from tokensmith.errors import CorpusError, InputTypeError
from tokensmith.train.corpus import Corpus

DOCS = ["first document", "naïve café ☃", "日本語", "last one"]


def write_all_formats(folder: Path) -> dict[str, Path]:
    text = ("\n".join(DOCS) + "\n").encode()
    jsonl = "".join(json.dumps({"text": d, "id": i}) + "\n" for i, d in enumerate(DOCS)).encode()
    paths = {
        "txt": folder / "c.txt", "gz": folder / "c.txt.gz", "bz2": folder / "c.txt.bz2", "xz": folder / "c.txt.xz",
        "zst": folder / "c.txt.zst", "jsonl": folder / "c.jsonl", "jsonl.zst": folder / "c.jsonl.zst",
    }
    import zstandard

    paths["txt"].write_bytes(text)
    paths["gz"].write_bytes(gzip.compress(text))
    paths["bz2"].write_bytes(bz2.compress(text))
    paths["xz"].write_bytes(lzma.compress(text))
    paths["zst"].write_bytes(zstandard.ZstdCompressor().compress(text))
    paths["jsonl"].write_bytes(jsonl)
    paths["jsonl.zst"].write_bytes(zstandard.ZstdCompressor().compress(jsonl))
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths["parquet"] = folder / "c.parquet"
    pq.write_table(pa.table({"text": DOCS, "n": list(range(4))}), paths["parquet"], row_group_size=2)
    return paths


def test_every_format_yields_the_same_documents(tmp_path):
    for kind, path in write_all_formats(tmp_path).items():
        corpus = Corpus(str(path))
        assert list(corpus.documents()) == DOCS, kind
        assert corpus.stats.documents == 4 and corpus.stats.bytes == sum(len(d.encode()) for d in DOCS)


def test_folders_globs_and_path_lists(tmp_path):
    write_all_formats(tmp_path)
    assert len(list(Corpus(str(tmp_path)).documents())) == 4 * 8
    assert len(list(Corpus(str(tmp_path / "*.txt*")).documents())) == 4 * 5
    assert len(list(Corpus([tmp_path / "c.txt", tmp_path / "c.jsonl"]).documents())) == 8


def test_document_modes(tmp_path):
    p = tmp_path / "b.txt"
    p.write_text("a b\nc\n\n\nd\n  \ne f\n")
    assert list(Corpus(str(p), document="line").documents()) == ["a b", "c", "d", "  ", "e f"]
    assert list(Corpus(str(p), document="block").documents()) == ["a b\nc", "d", "e f"]
    assert list(Corpus(str(p), document="file").documents()) == ["a b\nc\n\n\nd\n  \ne f\n"]


def test_invalid_utf8_policies_are_counted(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(b"good\nbad \xff\xfe here\nalso good \xef\xbf\xbd real replacement char\n")
    c = Corpus(str(p), errors="replace")
    assert list(c.documents())[1] == "bad \ufffd\ufffd here"
    assert c.stats.replaced == 2 and c.stats.skipped == 0
    c = Corpus(str(p), errors="skip")
    assert list(c.documents()) == ["good", "also good \ufffd real replacement char"] and c.stats.skipped == 1
    with pytest.raises(CorpusError, match=r"bad.txt:2: invalid UTF-8 at byte 4"):
        list(Corpus(str(p), errors="error").documents())


def test_jsonl_missing_field_names_file_line_and_fix(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text('{"text": "ok"}\n{"content": "no text field"}\n')
    with pytest.raises(CorpusError, match=r"d.jsonl:2: field 'text' is missing \(found \['content'\]\); pass field="):
        list(Corpus(str(p)).documents())
    with pytest.raises(CorpusError, match=r"d.jsonl:1: field 'content' is missing"):
        list(Corpus(str(p), field="content").documents())


def test_parquet_missing_column_lists_columns(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = tmp_path / "t.parquet"
    pq.write_table(pa.table({"body": ["x"]}), p)
    with pytest.raises(CorpusError, match=r"column 'text' is missing \(columns: \['body'\]\)"):
        list(Corpus(str(p)).documents())
    assert list(Corpus(str(p), column="body").documents()) == ["x"]


def test_missing_inputs_and_wrong_types(tmp_path):
    with pytest.raises(CorpusError, match="no such file or folder"):
        Corpus(str(tmp_path / "nope.txt"))
    with pytest.raises(CorpusError, match="matches no file"):
        Corpus(str(tmp_path / "*.nothing"))
    with pytest.raises(InputTypeError, match="corpus item 1 is bytes"):
        list(Corpus(["ok", b"bytes"]).documents())
    with pytest.raises(InputTypeError):
        Corpus(42)


def test_a_huge_line_is_read_in_bounded_chunks(tmp_path):
    p = tmp_path / "long.txt"
    p.write_bytes(("é" * 1000).encode() + b"\nshort\n")
    c = Corpus(str(p), max_line_bytes=301)
    docs = list(c.documents())
    assert "".join(docs[:-1]) == "é" * 1000 and docs[-1] == "short"
    assert max(len(d.encode()) for d in docs) <= 302 and c.stats.chunked_lines == 1 and c.stats.replaced == 0
