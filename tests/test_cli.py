"""The ``tokensmith`` command line, checked against tiktoken on the real OpenAI encodings.

The expected ids never come from tokensmith itself: each test builds a ``tiktoken.Encoding``
from the same ``.tiktoken`` file and compares. The files live in the shared test data folder
(``$TOKENSMITH_TEST_DATA``, by default ``../shared/data`` beside the repository); without it the
tests that need them are skipped.
"""
from __future__ import annotations

import base64
import functools
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tokensmith import cli
from tokensmith import reference_table as demo

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("TOKENSMITH_TEST_DATA", REPO.parent / "shared" / "data"))
OPENAI = DATA / "tokenizers" / "openai"

needs_data = pytest.mark.skipif(
    not (OPENAI / "encodings.json").is_file(),
    reason=f"test data not found at {OPENAI} (set TOKENSMITH_TEST_DATA to the shared data folder)",
)

# Lines with what tokenizers get wrong: blank and whitespace-only lines, indentation, a tab,
# CRLF, accents, CJK, an emoji (split across tokens in r50k), and no final newline.
TEXT = (
    "Hello world!\n"
    "\n"
    "    indented line\twith a tab\r\n"
    "naïve café, 日本語 🎉 1234567\n"
    "  \n"
    "last line, no newline"
)


@functools.lru_cache(maxsize=None)
def reference(name: str):
    """The ``tiktoken.Encoding`` built from the shared ``NAME.tiktoken`` and its metadata."""
    tiktoken = pytest.importorskip("tiktoken", reason="tiktoken is the reference for these tests")
    meta = json.loads((OPENAI / "encodings.json").read_text())[name]
    ranks = {}
    for line in (OPENAI / f"{name}.tiktoken").read_bytes().splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return tiktoken.Encoding(
        name, pat_str=meta["pat_str"], mergeable_ranks=ranks, special_tokens=meta["special_tokens"]
    )


def lines_of(text: str) -> list[str]:
    """Split like the command line does: after each line feed, keeping it."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


@pytest.fixture(autouse=True)
def openai_names(monkeypatch):
    """Make the OpenAI encodings loadable by name."""
    monkeypatch.setenv("TOKENSMITH_DATA", str(OPENAI))


@pytest.fixture
def run(capsys, monkeypatch):
    """Call ``cli.main(argv)`` with ``stdin`` (str or bytes); return (exit code, stdout, stderr)."""

    def call(argv: list[str], stdin: str | bytes = "") -> tuple[int, str, str]:
        data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
        code = cli.main(argv)
        out, err = capsys.readouterr()
        return code, out, err

    return call


# ---------------------------------------------------------------------------------------------
# encode


@needs_data
@pytest.mark.parametrize("name", ["r50k_base", "cl100k_base", "o200k_base"])
def test_encode_prints_tiktoken_ids_of_each_line(run, name):
    code, out, err = run(["encode", "-t", name], stdin=TEXT)
    assert (code, err) == (0, "")
    expected = [reference(name).encode(line) for line in lines_of(TEXT)]
    assert [list(map(int, row.split())) for row in out.splitlines()] == expected


def test_lines_of_splits_after_line_feeds_only():
    assert lines_of("a\r\nb\n\nc") == ["a\r\n", "b\n", "\n", "c"]


@needs_data
def test_encode_accepts_a_path_to_a_tiktoken_file(run):
    code, out, _ = run(["encode", "-t", str(OPENAI / "cl100k_base.tiktoken")], stdin="Hello world")
    assert code == 0
    assert out.split() == [str(i) for i in reference("cl100k_base").encode("Hello world")]


@needs_data
def test_encode_reads_files_in_order_and_dash_as_stdin(run, tmp_path):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("first file\nsecond line\n", encoding="utf-8")
    second.write_text("naïve\n", encoding="utf-8")
    code, out, _ = run(["encode", "-t", "cl100k_base", str(first), "-", str(second)], stdin="stdin\n")
    assert code == 0
    enc = reference("cl100k_base")
    expected = [enc.encode(line) for line in ["first file\n", "second line\n", "stdin\n", "naïve\n"]]
    assert [list(map(int, row.split())) for row in out.splitlines()] == expected


@needs_data
def test_encode_with_threads_gives_the_same_ids(run):
    many = TEXT * 50
    _, single, _ = run(["encode", "-t", "o200k_base", "--threads", "1"], stdin=many)
    code, threaded, _ = run(["encode", "-t", "o200k_base", "--threads", "4"], stdin=many)
    assert code == 0
    assert threaded == single


@needs_data
def test_encode_tokens_shows_token_text_with_visible_whitespace(run):
    code, out, _ = run(["encode", "-t", "cl100k_base", "--output", "tokens"],
                       stdin="hello world\n\tx\n")
    assert code == 0
    assert out == "hello ·world ↵\n→x ↵\n"


@needs_data
@pytest.mark.parametrize("name", ["r50k_base", "cl100k_base", "o200k_base"])
def test_encode_count_equals_tiktoken_on_the_whole_text(run, name):
    code, out, _ = run(["encode", "-t", name, "--output", "count"], stdin=TEXT)
    assert code == 0
    assert int(out) == len(reference(name).encode(TEXT))


@needs_data
@pytest.mark.parametrize("name", ["r50k_base", "cl100k_base", "o200k_base"])
def test_encode_count_stays_exact_when_the_input_is_cut_into_chunks(run, monkeypatch, name):
    # Python source: indentation and blank lines, where a careless cut changes the tokens.
    source = Path(textwrap.__file__).read_text(encoding="utf-8")
    monkeypatch.setattr(cli, "_CHUNK_CHARS", 200)
    code, out, _ = run(["encode", "-t", name, "--output", "count", "--threads", "3"], stdin=source)
    assert code == 0
    assert int(out) == len(reference(name).encode(source))


@needs_data
def test_encode_counts_each_file_as_its_own_text(run, tmp_path):
    paths = []
    for number, text in enumerate(["one\n\n", "\n  two"]):
        paths.append(tmp_path / f"{number}.txt")
        paths[-1].write_text(text, encoding="utf-8")
    code, out, _ = run(["encode", "-t", "cl100k_base", "--output", "count", *map(str, paths)])
    enc = reference("cl100k_base")
    assert code == 0
    assert int(out) == len(enc.encode("one\n\n")) + len(enc.encode("\n  two"))


@needs_data
def test_encode_refuses_special_token_text_by_default_and_says_how_to_allow_it(run):
    code, out, err = run(["encode", "-t", "cl100k_base"], stdin="a<|endoftext|>b")
    assert (code, out) == (2, "")
    assert "<|endoftext|>" in err and "--allowed-special" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@needs_data
@pytest.mark.parametrize(
    "flags, policy",
    [
        (["--allowed-special", "all"], {"allowed_special": "all"}),
        (["--allowed-special", "<|endoftext|>"], {"allowed_special": {"<|endoftext|>"}}),
        (["--disallowed-special", "none"], {"disallowed_special": ()}),
    ],
)
def test_encode_special_token_options_follow_tiktoken(run, flags, policy):
    text = "a<|endoftext|>b"
    code, out, _ = run(["encode", "-t", "cl100k_base", *flags], stdin=text)
    assert code == 0
    assert list(map(int, out.split())) == reference("cl100k_base").encode(text, **policy)


@needs_data
def test_encode_reports_input_that_is_not_utf8(run):
    code, _, err = run(["encode", "-t", "cl100k_base"], stdin=b"ok\n\xff\xfe\n")
    assert code == 2
    assert "<stdin>:2" in err and "UTF-8" in err


@needs_data
def test_encode_reports_a_missing_input_file(run, tmp_path):
    code, _, err = run(["encode", "-t", "cl100k_base", str(tmp_path / "absent.txt")])
    assert code == 2
    assert "absent.txt" in err and "Traceback" not in err


# ---------------------------------------------------------------------------------------------
# decode


@needs_data
@pytest.mark.parametrize("name", ["r50k_base", "o200k_base"])
def test_encode_then_decode_gives_back_the_input(run, name):
    _, ids, _ = run(["encode", "-t", name], stdin=TEXT)
    code, out, _ = run(["decode", "-t", name], stdin=ids)
    assert code == 0
    assert out == TEXT


@needs_data
def test_decode_joins_characters_split_across_lines(run):
    enc = reference("r50k_base")
    text = "日本語 🎉"
    ids = enc.encode(text)
    assert any(not _is_utf8(enc.decode_single_token_bytes(i)) for i in ids)  # split characters
    code, out, _ = run(["decode", "-t", "r50k_base"], stdin="\n".join(map(str, ids)) + "\n")
    assert code == 0
    assert out == text


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@needs_data
def test_decode_reads_files_and_accepts_python_list_syntax(run, tmp_path):
    ids = reference("cl100k_base").encode("Hello, world")
    path = tmp_path / "ids.txt"
    path.write_text(str(ids) + "\n", encoding="utf-8")
    code, out, _ = run(["decode", "-t", "cl100k_base", str(path)])
    assert (code, out) == (0, "Hello, world")


@needs_data
def test_decode_rejects_what_is_not_an_id(run):
    code, out, err = run(["decode", "-t", "cl100k_base"], stdin="9906\n9906 hello\n")
    assert code == 2
    assert "<stdin>:2" in err and "hello" in err


# ---------------------------------------------------------------------------------------------
# inspect


@needs_data
def test_inspect_shows_whitespace_glyphs_and_a_summary(run):
    text = "def f(x):\n\treturn x  # ok"
    code, out, _ = run(["inspect", "-t", "cl100k_base", text])
    assert code == 0
    for glyph in ("·", "→", "↵"):
        assert glyph in out
    n_tokens = len(reference("cl100k_base").encode(text))
    assert f"{n_tokens} tokens" in out and f"{len(text.encode())} bytes" in out
    assert "bytes/token" in out


@needs_data
def test_inspect_with_ids_prints_every_id(run):
    text = "naïve café 日本語"
    code, out, _ = run(["inspect", "-t", "o200k_base", "--ids", text])
    assert code == 0
    expected = reference("o200k_base").encode(text)
    printed = [int(word) for word in out.split() if word.isdigit()]
    assert printed[: len(expected)] == expected
    assert len(printed) == len(expected) + 3  # then the summary: tokens, bytes, chars


@needs_data
def test_inspect_reads_stdin_for_dash(run):
    code, out, _ = run(["inspect", "-t", "cl100k_base", "-"], stdin="one\ntwo\n")
    assert code == 0
    assert "one↵" in out and "two↵" in out


# ---------------------------------------------------------------------------------------------
# convert


@needs_data
def test_convert_to_tiktoken_writes_the_same_ranks(run, tmp_path):
    target = tmp_path / "copy.tiktoken"
    code, _, err = run(["convert", "-t", "cl100k_base", "--to", "tiktoken", "-o", str(target)])
    assert code == 0, err
    assert _ranks(target) == _ranks(OPENAI / "cl100k_base.tiktoken")


def _ranks(path: Path) -> dict[bytes, int]:
    pairs = (line.split() for line in path.read_bytes().splitlines() if line)
    return {base64.b64decode(token): int(rank) for token, rank in pairs}


@needs_data
def test_convert_to_hf_writes_a_tokenizer_json_that_tokenizers_runs_exactly(run, tmp_path):
    tokenizers = pytest.importorskip("tokenizers", reason="HF tokenizers checks the saved file")
    target = tmp_path / "tokenizer.json"
    code, _, err = run(["convert", "-t", "cl100k_base", "--to", "hf", "-o", str(target)])
    assert code == 0, err
    saved = tokenizers.Tokenizer.from_file(str(target))
    for line in lines_of(TEXT):
        assert saved.encode(line, add_special_tokens=False).ids == reference("cl100k_base").encode(line)


# ---------------------------------------------------------------------------------------------
# errors, help and process behaviour


@pytest.mark.parametrize("command", [[], ["encode"], ["decode"], ["inspect"], ["convert"], ["demo"]])
def test_help_works_for_every_command(run, command):
    code, out, _ = run([*command, "--help"])
    assert code == 0
    assert out.startswith("usage: tokensmith") and "examples:" in out


def test_no_command_prints_help_and_fails(run):
    code, out, _ = run([])
    assert code == 2 and "usage: tokensmith" in out


def test_a_missing_tokenizer_file_exits_2_and_says_where_to_put_it(run, tmp_path):
    code, out, err = run(["encode", "-t", str(tmp_path / "nowhere.tiktoken")], stdin="x")
    assert (code, out) == (2, "")
    assert "nowhere.tiktoken" in err and "TOKENSMITH_DATA" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_known_name_without_its_file_exits_2_and_says_where_to_put_it(run, monkeypatch, tmp_path):
    monkeypatch.setenv("TOKENSMITH_DATA", str(tmp_path))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "cache"))
    code, _, err = run(["inspect", "-t", "o200k_base", "x"])
    assert code == 2
    assert "o200k_base" in err and "TOKENSMITH_DATA" in err and "Traceback" not in err


def test_ctrl_c_exits_130(run, monkeypatch):
    def interrupted(name):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_load", interrupted)
    assert run(["encode", "-t", "cl100k_base"], stdin="x")[0] == 130


@needs_data
def test_a_closed_pipe_ends_quietly(tmp_path):
    source = tmp_path / "big.txt"
    source.write_text("a line of text to encode\n" * 200_000, encoding="utf-8")
    command = [sys.executable, "-c", "import sys; from tokensmith.cli import main; sys.exit(main())",
               "encode", "-t", "cl100k_base", str(source)]
    env = {**os.environ, "TOKENSMITH_DATA": str(OPENAI)}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as child:
        first = child.stdout.readline()
        child.stdout.close()
        stderr = child.stderr.read()
        code = child.wait(timeout=60)
    assert first.decode().split() == [str(i) for i in reference("cl100k_base").encode("a line of text to encode\n")]
    assert code == 141 and stderr == b""


# ---------------------------------------------------------------------------------------------
# demo


@needs_data
def test_demo_counts_the_tokens_tiktoken_counts(monkeypatch):
    from rich.console import Console

    monkeypatch.setenv("TOKENSMITH_TEST_DATA", str(DATA))
    screen = io.StringIO()
    rows = demo.run(console=Console(file=screen, width=120), sample_bytes=200_000)
    sample = demo.stdlib_sample(200_000)
    by_name = {row["name"]: row for row in rows}
    for name in ("r50k_base", "cl100k_base", "o200k_base"):
        row = by_name[name]
        assert row["available"], row["note"]
        assert row["tokens"] == sum(len(reference(name).encode_ordinary(t)) for t in sample.texts)
        assert row["lossless"] and row["bytes"] == sample.n_bytes
    assert "cl100k_base" in screen.getvalue()


def test_demo_says_where_to_put_missing_tokenizers(monkeypatch, tmp_path):
    from rich.console import Console

    monkeypatch.setenv("TOKENSMITH_DATA", str(tmp_path))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TOKENSMITH_TEST_DATA", str(tmp_path / "no-data"))
    screen = io.StringIO()
    rows = demo.run(console=Console(file=screen, width=200), sample_bytes=10_000)
    assert rows and not any(row["available"] for row in rows)
    assert all(row["note"] for row in rows)
    assert "TOKENSMITH_DATA" in screen.getvalue()


def test_the_demo_sample_is_deterministic_and_sized():
    first, second = demo.stdlib_sample(300_000), demo.stdlib_sample(300_000)
    assert first == second
    assert 300_000 <= first.n_bytes < 300_000 + max(len(t.encode()) for t in first.texts) + 1
