"""The ``.tiktoken`` reader and writer (``tokensmith.formats.tiktoken``).

A ``.tiktoken`` file holds ``<base64 token> <rank>`` lines only; the split pattern and special
tokens come from a caller's arguments, a ``<file>.json`` sidecar, or the preset whose name the
file carries. These tests pin down where each comes from, how known names resolve without the
network (``$TOKENSMITH_DATA``, tiktoken's cache), and that what :meth:`Tokenizer.save` writes is
read back identically by tokensmith and by tiktoken.

Expected ids on the tiny fixtures are worked out by hand from token-rank BPE (repeatedly merge
the adjacent pair whose concatenation has the lowest rank) and checked against tiktoken on the
same ranks; the last tests use the real cl100k file from the shared data folder.
"""
from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

import tokensmith as ts
from tokensmith.errors import FormatError

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
CL100K_PATTERN = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
CL100K_SPECIALS = {"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
                   "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276}

# 256 single bytes (rank = byte value), then merged tokens. Token-rank BPE on these ranks:
#   "1234": pairs 12(256) 23(-) 34(257) -> [12,3,4]; 123(259) vs 34(257) -> [12,34]; -> 1234(258)
#   "123" : [12,3] -> 123(259)
#   " the": " t"(260) th(-) he(261) -> [" t",h,e]; -> [" t",he] -> " the"(262)
MERGED = {b"12": 256, b"34": 257, b"1234": 258, b"123": 259, b" t": 260, b"he": 261, b" the": 262}
RANKS = {bytes([b]): b for b in range(256)} | MERGED


def tiktoken_text(ranks: dict[bytes, int]) -> str:
    return "".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in sorted(ranks.items(), key=lambda kv: kv[1]))


def write_ranks(path: Path, ranks: dict[bytes, int] = RANKS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tiktoken_text(ranks))
    return path


def reference(pattern: str, specials: dict[str, int], ranks: dict[bytes, int] = RANKS):
    tiktoken = pytest.importorskip("tiktoken", reason="tiktoken is the reference encoder")
    return tiktoken.Encoding("fixture", pat_str=pattern, mergeable_ranks=ranks, special_tokens=specials)


# --------------------------------------------------------------------------- where the pattern comes from


def test_explicit_pattern_and_special_tokens_are_used(tmp_path):
    tok = ts.load(write_ranks(tmp_path / "mine.tiktoken"), pattern=GPT2_PATTERN, special_tokens={"<|x|>": 300})
    assert tok.encode("1234 the") == [258, 262]
    assert tok.encode(" the<|x|>", allowed_special="all") == [262, 300]
    assert tok.special_tokens == {"<|x|>": 300}
    assert tok.vocab_size == 301


def test_hand_worked_ids_equal_tiktoken_on_the_same_ranks(tmp_path):
    tok = ts.load(write_ranks(tmp_path / "mine.tiktoken"), pattern=GPT2_PATTERN, special_tokens={})
    enc = reference(GPT2_PATTERN, {})
    for text in ["1234", "123", " the", "the", "12 34 1234 the the", "", "x1234y", "  the\n\n the"]:
        assert tok.encode(text) == enc.encode(text), text


def test_file_named_after_a_preset_gets_that_presets_pattern_and_special_tokens(tmp_path):
    # cl100k splits digits in threes: "1234" -> "123" + "4" -> [259, ord("4")].
    tok = ts.load(write_ranks(tmp_path / "cl100k_base.tiktoken"))
    assert tok.special_tokens == CL100K_SPECIALS
    assert tok.encode("1234") == [259, 52]
    assert tok.encode("1234") == reference(CL100K_PATTERN, {}).encode("1234")
    assert tok.encode("<|endofprompt|>", allowed_special="all") == [100276]


def test_file_named_after_r50k_splits_digit_runs_whole(tmp_path):
    tok = ts.load(write_ranks(tmp_path / "r50k_base.tiktoken"))
    assert tok.special_tokens == {"<|endoftext|>": 50256}
    assert tok.encode("1234") == [258]


def test_sidecar_json_supplies_pattern_special_tokens_and_name(tmp_path):
    path = write_ranks(tmp_path / "custom.tiktoken")
    sidecar = {"name": "my-encoding", "pat_str": CL100K_PATTERN, "special_tokens": {"<|sep|>": 263}}
    (tmp_path / "custom.tiktoken.json").write_text(json.dumps(sidecar))
    tok = ts.load(path)
    assert tok.name == "my-encoding"
    assert tok.special_tokens == {"<|sep|>": 263}
    assert tok.encode("1234<|sep|>", allowed_special="all") == [259, 52, 263]


def test_sidecar_wins_over_the_preset_of_the_file_name(tmp_path):
    path = write_ranks(tmp_path / "cl100k_base.tiktoken")
    (tmp_path / "cl100k_base.tiktoken.json").write_text(json.dumps({"pat_str": GPT2_PATTERN, "special_tokens": {}}))
    tok = ts.load(path)
    assert tok.special_tokens == {}
    assert tok.encode("1234") == [258]


def test_explicit_arguments_win_over_the_sidecar(tmp_path):
    path = write_ranks(tmp_path / "custom.tiktoken")
    (tmp_path / "custom.tiktoken.json").write_text(json.dumps({"pat_str": GPT2_PATTERN, "special_tokens": {"<|a|>": 300}}))
    tok = ts.load(path, pattern=CL100K_PATTERN, special_tokens={"<|b|>": 301})
    assert tok.special_tokens == {"<|b|>": 301}
    assert tok.encode("1234") == [259, 52]


def test_unknown_file_without_pattern_says_how_to_give_one(tmp_path):
    path = write_ranks(tmp_path / "custom.tiktoken")
    with pytest.raises(FormatError) as info:
        ts.load(path)
    message = str(info.value)
    assert str(path) in message
    assert "pattern=" in message and "custom.tiktoken.json" in message and "cl100k_base" in message


def test_special_token_id_colliding_with_a_rank_is_refused(tmp_path):
    path = write_ranks(tmp_path / "custom.tiktoken")
    with pytest.raises(FormatError, match="<\\|x\\|>"):
        ts.load(path, pattern=GPT2_PATTERN, special_tokens={"<|x|>": 258})


def test_whisper_style_lone_equals_line_is_read_as_the_empty_token(tmp_path):
    # Whisper's multilingual.tiktoken ends with "= 50256"; tiktoken reads it as b"" and so must we.
    path = tmp_path / "w.tiktoken"
    path.write_text(tiktoken_text(RANKS) + "= 263\n")
    tok = ts.load(path, pattern=GPT2_PATTERN, special_tokens={})
    assert tok.encode("1234 the") == [258, 262]
    assert tok.decode_bytes([263]) == b""


def test_blank_lines_and_crlf_line_ends_are_tolerated(tmp_path):
    path = tmp_path / "crlf.tiktoken"
    path.write_bytes(tiktoken_text(RANKS).replace("\n", "\r\n").encode() + b"\r\n\r\n")
    tok = ts.load(path, pattern=GPT2_PATTERN)
    assert tok.encode("1234") == [258]


def test_xz_compressed_file_loads_like_the_plain_one(tmp_path):
    import lzma

    path = tmp_path / "r50k_base.tiktoken.xz"
    path.write_bytes(lzma.compress(tiktoken_text(RANKS).encode()))
    tok = ts.load(path)
    assert tok.encode("1234 the") == [258, 262]


# --------------------------------------------------------------------------- known names, no network


def test_known_name_resolves_from_tokensmith_data(tmp_path, monkeypatch):
    write_ranks(tmp_path / "data" / "cl100k_base.tiktoken")
    monkeypatch.setenv("TOKENSMITH_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "empty-cache"))
    tok = ts.load("cl100k_base")
    assert tok.encode("1234") == [259, 52]
    assert tok.special_tokens == CL100K_SPECIALS


def test_known_name_resolves_from_a_subfolder_of_tokensmith_data(tmp_path, monkeypatch):
    write_ranks(tmp_path / "data" / "openai" / "r50k_base.tiktoken")
    monkeypatch.setenv("TOKENSMITH_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "empty-cache"))
    assert ts.load("r50k_base").encode("1234") == [258]


def test_gpt2_and_p50k_edit_names_share_the_r50k_and_p50k_files(tmp_path, monkeypatch):
    write_ranks(tmp_path / "data" / "r50k_base.tiktoken")
    write_ranks(tmp_path / "data" / "p50k_base.tiktoken")
    monkeypatch.setenv("TOKENSMITH_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "empty-cache"))
    assert ts.load("gpt2").special_tokens == {"<|endoftext|>": 50256}
    assert ts.load("p50k_edit").special_tokens == {"<|endoftext|>": 50256, "<|fim_prefix|>": 50281,
                                                   "<|fim_middle|>": 50282, "<|fim_suffix|>": 50283}


def test_known_name_resolves_from_tiktokens_own_cache_file(tmp_path, monkeypatch):
    # tiktoken caches a download under sha1(url) in TIKTOKEN_CACHE_DIR (tiktoken/load.py).
    url = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
    cache = tmp_path / "cache"
    write_ranks(cache / hashlib.sha1(url.encode()).hexdigest())
    monkeypatch.delenv("TOKENSMITH_DATA", raising=False)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    tok = ts.load("o200k_base")
    assert tok.special_tokens == {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}
    assert tok.encode("1234") == [259, 52]  # o200k also splits digits in threes


def test_an_existing_path_wins_over_a_known_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_ranks(tmp_path / "cl100k_base")  # a file literally named like the preset
    monkeypatch.setenv("TOKENSMITH_DATA", str(tmp_path / "nowhere"))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "nowhere"))
    assert ts.load("cl100k_base").encode("1234") == [259, 52]


# --------------------------------------------------------------------------- writing


def _load_with_tiktoken(path: Path, monkeypatch):
    tiktoken = pytest.importorskip("tiktoken", reason="tiktoken reads the written file")
    from tiktoken.load import load_tiktoken_bpe

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")  # read the local file, write no cache copy
    meta = json.loads(Path(str(path) + ".json").read_text())
    ranks = load_tiktoken_bpe(str(path))
    return tiktoken.Encoding(meta.get("name", "saved"), pat_str=meta["pat_str"], mergeable_ranks=ranks,
                             special_tokens=meta["special_tokens"]), ranks


def test_save_writes_rank_lines_in_rank_order_and_a_sidecar(tmp_path):
    tok = ts.load(write_ranks(tmp_path / "in" / "mine.tiktoken"), pattern=CL100K_PATTERN, special_tokens={"<|x|>": 300})
    written = tok.save(tmp_path / "out" / "saved.tiktoken", format="tiktoken")
    assert sorted(Path(p).name for p in written) == ["saved.tiktoken", "saved.tiktoken.json"]
    assert (tmp_path / "out" / "saved.tiktoken").read_text() == tiktoken_text(RANKS)
    meta = json.loads((tmp_path / "out" / "saved.tiktoken.json").read_text())
    assert meta["pat_str"] == CL100K_PATTERN
    assert meta["special_tokens"] == {"<|x|>": 300}


def test_saved_file_reloads_with_its_sidecar_and_encodes_the_same(tmp_path):
    tok = ts.load(write_ranks(tmp_path / "mine.tiktoken"), pattern=CL100K_PATTERN, special_tokens={"<|x|>": 300})
    tok.save(tmp_path / "saved.tiktoken", format="tiktoken")
    again = ts.load(tmp_path / "saved.tiktoken")
    for text in ["1234 the<|x|>", "12 34", " the the\n"]:
        assert again.encode(text, allowed_special="all") == tok.encode(text, allowed_special="all")


def test_saved_file_is_read_by_tiktoken_with_the_same_ranks_and_ids(tmp_path, monkeypatch):
    tok = ts.load(write_ranks(tmp_path / "mine.tiktoken"), pattern=CL100K_PATTERN, special_tokens={"<|x|>": 300})
    tok.save(tmp_path / "saved.tiktoken", format="tiktoken")
    enc, ranks = _load_with_tiktoken(tmp_path / "saved.tiktoken", monkeypatch)
    assert ranks == RANKS
    assert enc.encode("1234 the<|x|>", allowed_special="all") == [259, 52, 262, 300]


def test_saving_twice_gives_byte_identical_files(tmp_path):
    tok = ts.load(write_ranks(tmp_path / "mine.tiktoken"), pattern=GPT2_PATTERN, special_tokens={"<|x|>": 300})
    tok.save(tmp_path / "a" / "t.tiktoken", format="tiktoken")
    tok.save(tmp_path / "b" / "t.tiktoken", format="tiktoken")
    for name in ("t.tiktoken", "t.tiktoken.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_unknown_save_format_is_refused_naming_the_choices(tmp_path):
    tok = ts.load(write_ranks(tmp_path / "mine.tiktoken"), pattern=GPT2_PATTERN)
    with pytest.raises(ValueError) as info:
        tok.save(tmp_path / "x", format="sentencepiece-v9")
    assert "sentencepiece-v9" in str(info.value) and "tiktoken" in str(info.value) and "hf" in str(info.value)


# --------------------------------------------------------------------------- the real cl100k file


def test_cl100k_saved_as_tiktoken_has_the_original_ranks(data_root, tmp_path, monkeypatch):
    source = data_root / "tokenizers" / "openai" / "cl100k_base.tiktoken"
    tok = ts.load(source)
    tok.save(tmp_path / "cl100k_copy.tiktoken", format="tiktoken")
    original = {line.split()[0]: int(line.split()[1]) for line in source.read_text().splitlines() if line}
    written = {line.split()[0]: int(line.split()[1])
               for line in (tmp_path / "cl100k_copy.tiktoken").read_text().splitlines() if line}
    assert written == original
    enc, _ = _load_with_tiktoken(tmp_path / "cl100k_copy.tiktoken", monkeypatch)
    spec = json.loads((data_root / "tokenizers" / "openai" / "encodings.json").read_text())["cl100k_base"]
    assert enc._special_tokens == spec["special_tokens"]
    assert enc._pat_str == spec["pat_str"]


# --------------------------------------------------------------------------- the native reader
#
# Regular rank files are read natively; anything irregular is handed back (None) to the Python
# loop, which alone words the errors. Both must agree wherever the native reader answers.

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tokensmith import _core  # noqa: E402
from tokensmith.formats import tiktoken as tiktoken_format  # noqa: E402


def python_ranks(data: bytes) -> dict[bytes, int]:
    """The reference reading of a regular file, written out independently."""
    ranks = {}
    for line in data.splitlines():
        if line.strip():
            token, rank = line.split()
            ranks[b"" if token == b"=" else base64.b64decode(token, validate=True)] = int(rank)
    return ranks


@settings(max_examples=200, derandomize=True, deadline=None)
@given(tokens=st.lists(st.binary(min_size=1, max_size=12), unique=True, max_size=60), data=st.data())
def test_native_reader_reads_regular_files_as_the_reference_does(tokens, data):
    ranks = data.draw(st.permutations(range(len(tokens))))
    ends = data.draw(st.sampled_from([b"\n", b"\r\n"]))
    text = b"".join(base64.b64encode(t) + b" " + str(r).encode() + ends for t, r in zip(tokens, ranks))
    native = _core.read_rank_file(text)
    assert native is not None
    assert dict(zip(*native)) == python_ranks(text) == tiktoken_format.parse_ranks(text)


@pytest.mark.parametrize("line", [
    b"YR== 0",        # valid for Python's decoder, not canonical: the exact reader decides
    b"YQ 0",          # missing padding
    b"Y!== 0",        # not base64
    b"YQ== +1",       # a sign
    b"YQ== 1_0",      # a separator Python's int() accepts
    b"YQ== 0 extra",  # a third field
    b"YQ==",          # no rank
    b"YQ== 2147483648",
    b"YQ== 2147483000",  # far beyond the lines read: the native reader does not size for it
])
def test_native_reader_hands_irregular_lines_to_the_exact_reader(line):
    assert _core.read_rank_file(b"Yg== 5\n" + line + b"\n") is None


def test_irregular_but_valid_lines_still_load_through_the_exact_reader():
    # "YR==" decodes to b"a" with non-zero spare bits; Python's strict decoder accepts it.
    assert tiktoken_format.parse_ranks(b"YR== 0\nYg== 1\n") == {b"a": 0, b"b": 1}


def test_repeated_token_or_rank_is_still_reported_with_its_line():
    with pytest.raises(FormatError, match="appears twice"):
        tiktoken_format.parse_ranks(b"YQ== 0\nYQ== 1\n")
    with pytest.raises(FormatError, match="rank 0 appears twice"):
        tiktoken_format.parse_ranks(b"YQ== 0\nYg== 0\n")
