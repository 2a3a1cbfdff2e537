"""Bad input gets a typed error that names the file, line, token or component, never a crash.

Covers every loader's reaction to malformed files (``.tiktoken`` lines, ``tokenizer.json``,
``vocab.json`` + ``merges.txt``), components tokensmith refuses rather than run differently,
names and paths that cannot be resolved, and misuse of the encoding API (special tokens in
text, non-``str`` input, bad ids to decode). Each expected message is written here from the
input, never copied from tokensmith's output.

The files are tiny fixtures written into ``tmp_path``; only the special-token policy test on a
real encoding needs the shared data folder, and it skips without it.
"""
from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tokensmith as ts
from gpt2_bytes import bytes_to_unicode
from tokensmith.errors import (
    FormatError,
    InputTypeError,
    SpecialTokenError,
    TokenizerNotFoundError,
    TokensmithError,
    UnsupportedComponentError,
)

# The GPT-2 split pattern; every .tiktoken fixture here is loaded with it.
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def byte_lines() -> list[str]:
    """The 256 single-byte tokens, rank = byte value: lines 1..256 of every .tiktoken fixture."""
    return [f"{_b64(bytes([b]))} {b}" for b in range(256)]


def write_tiktoken(folder: Path, extra: list[str], name: str = "bad.tiktoken") -> Path:
    path = folder / name
    path.write_text("\n".join(byte_lines() + extra) + "\n", encoding="utf-8")
    return path


def load_tiktoken(path: Path, **kwargs):
    return ts.load(path, pattern=GPT2_PATTERN, **kwargs)


def byte_level_vocab() -> dict[str, int]:
    """256 byte tokens (ids in byte order) plus ``ab`` = 256 and ``abc`` = 257."""
    b2u = bytes_to_unicode()
    vocab = {b2u[b]: b for b in range(256)}
    vocab.update({"ab": 256, "abc": 257})
    return vocab


def tokenizer_json(**override) -> dict:
    """A valid byte-level BPE ``tokenizer.json`` (merges ``a b``, ``ab c``); ``model_X=`` overrides model keys."""
    obj = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "vocab": byte_level_vocab(), "merges": ["a b", "ab c"]},
    }
    for key, value in override.items():
        if key.startswith("model_"):
            obj["model"][key[len("model_"):]] = value
        else:
            obj[key] = value
    return obj


def write_json(path: Path, obj, indent: int | None = 1) -> Path:
    path.write_text(json.dumps(obj, indent=indent, ensure_ascii=False), encoding="utf-8")
    return path


def write_vocab_merges(folder: Path, merges_text: str) -> Path:
    write_json(folder / "vocab.json", byte_level_vocab(), indent=None)
    (folder / "merges.txt").write_text(merges_text, encoding="utf-8")
    return folder


def where(error: FormatError) -> tuple[str | None, int | None]:
    return (Path(error.path).name if error.path else None), error.line


# --------------------------------------------------------------------------- the hierarchy


def test_every_error_class_is_a_tokensmith_error_and_the_builtin_a_caller_would_catch():
    assert issubclass(FormatError, ValueError)
    assert issubclass(UnsupportedComponentError, FormatError)
    assert issubclass(TokenizerNotFoundError, FileNotFoundError)
    assert issubclass(SpecialTokenError, ValueError)
    assert issubclass(InputTypeError, TypeError)
    for cls in (FormatError, UnsupportedComponentError, TokenizerNotFoundError, SpecialTokenError, InputTypeError):
        assert issubclass(cls, TokensmithError)


def test_format_error_message_starts_with_path_and_line():
    err = FormatError("bad base64", path="dir/x.tiktoken", line=7)
    assert str(err) == "dir/x.tiktoken:7: bad base64"
    assert (err.path, err.line) == ("dir/x.tiktoken", 7)


# --------------------------------------------------------------------------- .tiktoken files


def test_valid_tiktoken_fixture_loads(tmp_path):
    # The control for the malformed variants below: 256 byte lines alone make a usable file.
    tok = load_tiktoken(write_tiktoken(tmp_path, []))
    assert tok.encode("ab") == [97, 98]


# Line 257 is the first line after the 256 byte tokens.
MALFORMED_TIKTOKEN_LINES = {
    "truncated line (no rank)": ("YWI=", ["YWI="]),
    "three fields": ("YWI= 256 7", ["YWI= 256 7"]),
    "invalid base64 character": ("Y!I= 256", ["Y!I="]),
    "base64 with bad padding": ("YWI 256", ["YWI"]),
    "non-integer rank": ("YWI= abc", ["abc"]),
    "fractional rank": ("YWI= 1.5", ["1.5"]),
    "negative rank": ("YWI= -1", ["-1"]),
    "rank beyond 2**31": ("YWI= 99999999999999999999", ["99999999999999999999"]),
    "duplicate rank": ("YWI= 5", ["5"]),
    "duplicate token": ("YQ== 256", ["b'a'", "97", "256"]),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_TIKTOKEN_LINES))
def test_malformed_tiktoken_line_raises_format_error_naming_file_and_line(case, tmp_path):
    line, must_mention = MALFORMED_TIKTOKEN_LINES[case]
    path = write_tiktoken(tmp_path, ["YWJj 300", line])  # the bad line is line 258
    with pytest.raises(FormatError) as info:
        load_tiktoken(path)
    assert where(info.value) == ("bad.tiktoken", 258)
    message = str(info.value)
    assert message.startswith(f"{path}:258: ")
    for fragment in must_mention:
        assert fragment in message, (fragment, message)


def test_duplicate_rank_error_names_both_lines(tmp_path):
    # Rank 5 is first used on line 6 (b'\x05'), then again on line 257.
    with pytest.raises(FormatError) as info:
        load_tiktoken(write_tiktoken(tmp_path, ["YWI= 5"]))
    assert "6" in str(info.value) and "257" in str(info.value)


def test_tiktoken_file_lacking_single_byte_tokens_is_refused_naming_the_first_missing_byte(tmp_path):
    path = tmp_path / "short.tiktoken"
    path.write_text("\n".join(byte_lines()[:100]) + "\n")  # bytes 0..99 only
    with pytest.raises(FormatError) as info:
        load_tiktoken(path)
    assert "short.tiktoken" in str(info.value)
    assert "b'd'" in str(info.value)  # byte 100 is the first one missing


def test_empty_tiktoken_file_is_refused(tmp_path):
    path = tmp_path / "empty.tiktoken"
    path.write_bytes(b"")
    with pytest.raises(FormatError, match="empty"):
        load_tiktoken(path)


def test_tiktoken_file_with_binary_garbage_line_names_that_line(tmp_path):
    path = tmp_path / "garbage.tiktoken"
    path.write_bytes("\n".join(byte_lines()).encode() + b"\n\x00\xff\xfe\n")
    with pytest.raises(FormatError) as info:
        load_tiktoken(path)
    assert info.value.line == 257


def test_sparse_huge_rank_loads_or_raises_format_error_within_bounded_memory(tmp_path):
    path = write_tiktoken(tmp_path, [f"YWI= {2**31 - 1}"])
    # A child process with a 4 GiB address-space cap: the outcome is reported, never an OOM kill.
    script = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
        import tokensmith as ts
        try:
            ts.load({str(path)!r}, pattern={GPT2_PATTERN!r})
        except ts.TokensmithError:
            print("TokensmithError")
        except BaseException as exc:
            print(type(exc).__name__)
        else:
            print("loaded")
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() in ("loaded", "TokensmithError"), (proc.stdout, proc.stderr[-2000:])


# --------------------------------------------------------------------------- tokenizer.json


def test_valid_tokenizer_json_fixture_loads(tmp_path):
    # The control: merges "a b" then "ab c" turn "abc" into the single token 257.
    tok = ts.load(write_json(tmp_path / "tokenizer.json", tokenizer_json()))
    assert tok.encode("abc") == [257]


def test_invalid_json_raises_format_error_naming_the_line(tmp_path):
    path = write_json(tmp_path / "tokenizer.json", tokenizer_json())
    lines = path.read_text().split("\n")
    assert lines[3].startswith(' "padding"')
    lines[3] = lines[3].replace("null", "nul")  # line 4 is now invalid
    path.write_text("\n".join(lines))
    with pytest.raises(FormatError) as info:
        ts.load(path)
    assert where(info.value) == ("tokenizer.json", 4)
    assert str(info.value).startswith(f"{path}:4: ")


def test_truncated_json_raises_format_error_naming_the_last_line(tmp_path):
    path = write_json(tmp_path / "tokenizer.json", tokenizer_json())
    text = path.read_text()
    cut = text[: len(text) // 2]
    path.write_text(cut)
    with pytest.raises(FormatError) as info:
        ts.load(path)
    assert info.value.line is not None
    # The parser notices the truncation at the end of what is left (or on the line before it).
    assert cut.count("\n") <= info.value.line <= cut.count("\n") + 1


def test_json_that_is_not_utf8_raises_format_error_naming_the_line(tmp_path):
    path = tmp_path / "tokenizer.json"
    path.write_bytes(b'{\n "version": "1.0",\n "x": "\xff"\n}\n')
    with pytest.raises(FormatError) as info:
        ts.load(path)
    assert info.value.line == 3


def test_merge_naming_unknown_token_in_tokenizer_json_names_merge_and_token(tmp_path):
    path = write_json(tmp_path / "tokenizer.json", tokenizer_json(model_merges=["a b", "ab zz"]))
    with pytest.raises(FormatError) as info:
        ts.load(path)
    message = str(info.value)
    assert str(path) in message
    assert "merge 1" in message and "'zz'" in message


def test_merge_naming_unknown_token_in_tokenizer_json_names_its_line(tmp_path):
    path = write_json(tmp_path / "tokenizer.json", tokenizer_json(model_merges=["a b", "ab zz"]))
    line = next(n for n, text in enumerate(path.read_text().split("\n"), 1) if '"ab zz"' in text)
    with pytest.raises(FormatError) as info:
        ts.load(path)
    assert info.value.line == line


def test_merge_list_pair_form_naming_unknown_token_is_refused(tmp_path):
    path = write_json(tmp_path / "tokenizer.json", tokenizer_json(model_merges=[["a", "b"], ["ab", "q9"]]))
    with pytest.raises(FormatError, match="'q9'"):
        ts.load(path)


def test_merged_token_missing_from_vocab_in_tokenizer_json_names_it(tmp_path):
    # "b" and "c" are both tokens but "bc" is not: the merge cannot produce a vocabulary entry.
    path = write_json(tmp_path / "tokenizer.json", tokenizer_json(model_merges=["a b", "ab c", "b c"]))
    with pytest.raises(FormatError) as info:
        ts.load(path)
    assert "merge 2" in str(info.value) and "'bc'" in str(info.value)


def test_merge_that_is_not_two_tokens_is_refused(tmp_path):
    path = write_json(tmp_path / "tokenizer.json", tokenizer_json(model_merges=["a b c"]))
    with pytest.raises(FormatError, match="'a b c'"):
        ts.load(path)


def test_two_tokens_with_one_id_in_tokenizer_json_names_both(tmp_path):
    vocab = byte_level_vocab()
    vocab["abc"] = 256  # "ab" has 256 too
    path = write_json(tmp_path / "tokenizer.json", tokenizer_json(model_vocab=vocab))
    with pytest.raises(FormatError) as info:
        ts.load(path)
    assert "256" in str(info.value) and "'ab'" in str(info.value) and "'abc'" in str(info.value)


def test_negative_id_in_tokenizer_json_names_the_token(tmp_path):
    vocab = byte_level_vocab()
    vocab["abc"] = -3
    with pytest.raises(FormatError, match="'abc'"):
        ts.load(write_json(tmp_path / "tokenizer.json", tokenizer_json(model_vocab=vocab)))


def test_non_integer_id_in_tokenizer_json_raises_format_error_naming_the_token(tmp_path):
    vocab = byte_level_vocab()
    vocab["abc"] = "x"
    with pytest.raises(FormatError, match="'abc'"):
        ts.load(write_json(tmp_path / "tokenizer.json", tokenizer_json(model_vocab=vocab)))


def test_vocab_that_is_not_an_object_is_refused(tmp_path):
    with pytest.raises(FormatError, match="vocab"):
        ts.load(write_json(tmp_path / "tokenizer.json", tokenizer_json(model_vocab=["a", "b"])))


def test_added_token_without_id_is_refused_naming_its_index(tmp_path):
    path = write_json(tmp_path / "tokenizer.json", tokenizer_json(added_tokens=[{"content": "<x>"}]))
    with pytest.raises(FormatError, match=r"added_tokens\[0\]"):
        ts.load(path)


def _tekken_json(**entry_override) -> dict:
    ranks = [bytes([b]) for b in range(256)]
    vocab = [{"rank": r, "token_bytes": _b64(t), "token_str": None} for r, t in enumerate(ranks)]
    vocab[3] = entry_override.get("entry", {**vocab[3], **entry_override.get("fields", {})})
    return {"config": {"pattern": GPT2_PATTERN, "default_vocab_size": 259, "default_num_special_tokens": 3},
            "vocab": vocab}


def _claude_json(**override) -> dict:
    tokens = " ".join(_b64(bytes([b])) for b in range(256))
    return {"pat_str": GPT2_PATTERN, "special_tokens": {"<EOT>": 0}, "bpe_ranks": f"! 1 {tokens}", **override}


def _vocab_with(token: str, value) -> dict:
    vocab = byte_level_vocab()
    vocab[token] = value
    return vocab


# (file name, content, the part the error must name); each is refused when the file is loaded.
STRUCTURAL = {
    "pre_tokenizer is a list": ("tokenizer.json", tokenizer_json(pre_tokenizer=[]), "pre_tokenizer"),
    "normalizer is a string": ("tokenizer.json", tokenizer_json(normalizer="NFC"), "normalizer"),
    "decoder is a list": ("tokenizer.json", tokenizer_json(decoder=["ByteLevel"]), "decoder"),
    "Replace pattern is a list": (
        "tokenizer.json", tokenizer_json(normalizer={"type": "Replace", "pattern": ["x"], "content": "y"}), "Replace"),
    "Split without pattern": (
        "tokenizer.json", tokenizer_json(pre_tokenizer={"type": "Split", "behavior": "Isolated", "invert": False}),
        "Split"),
    "Split with invalid regex": (
        "tokenizer.json", tokenizer_json(pre_tokenizer={"type": "Split", "pattern": {"Regex": "(ab"},
                                                        "behavior": "Isolated", "invert": False}), "(ab"),
    "TemplateProcessing token without ids": (
        "tokenizer.json", tokenizer_json(post_processor={
            "type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}],
            "special_tokens": {"<s>": {"id": "<s>"}}}), "<s>"),
    "added token content null": (
        "tokenizer.json", tokenizer_json(added_tokens=[{"id": 300, "content": None}]), "added_tokens[0]"),
    "added token id negative": ("tokenizer.json", tokenizer_json(added_tokens=[{"id": -5, "content": "<x>"}]), "-5"),
    "added token id 10**20": (
        "tokenizer.json", tokenizer_json(added_tokens=[{"id": 10**20, "content": "<x>"}]), str(10**20)),
    "added token id far beyond the vocabulary": (
        "tokenizer.json", tokenizer_json(added_tokens=[{"id": 2**31 - 1, "content": "<x>"}]), str(2**31 - 1)),
    "vocab id 10**20": ("tokenizer.json", tokenizer_json(model_vocab=_vocab_with("abc", 10**20)), str(10**20)),
    "vocab id 2**62": ("tokenizer.json", tokenizer_json(model_vocab=_vocab_with("abc", 2**62)), str(2**62)),
    "unk_token is an object": ("tokenizer.json", tokenizer_json(model_unk_token={"a": 1}), "unk_token"),
    "merges null": ("tokenizer.json", tokenizer_json(model_merges=None), "merges"),
    "merge pair of numbers": ("tokenizer.json", tokenizer_json(model_merges=[[1, 2]]), "merge 0"),
    "ByteLevel flag a string": (
        "tokenizer.json", tokenizer_json(pre_tokenizer={"type": "ByteLevel", "add_prefix_space": "false"}),
        "add_prefix_space"),
    "Tekken rank not an integer": ("tekken.json", _tekken_json(fields={"rank": "x"}), "vocab[3]"),
    "Tekken token_bytes null": ("tekken.json", _tekken_json(fields={"token_bytes": None}), "vocab[3]"),
    "Tekken vocab entry not an object": ("tekken.json", _tekken_json(entry=7), "vocab[3]"),
    "Claude pat_str null": ("claude.json", _claude_json(pat_str=None), "pat_str"),
    "Claude pat_str invalid regex": ("claude.json", _claude_json(pat_str="(ab"), "pat_str"),
    "Claude special_tokens a list": ("claude.json", _claude_json(special_tokens=["<EOT>"]), "special_tokens"),
    "Claude special id not an integer": ("claude.json", _claude_json(special_tokens={"<EOT>": "zero"}), "<EOT>"),
    "Claude special id a float": ("claude.json", _claude_json(special_tokens={"<EOT>": 1e9}), "<EOT>"),
    "Claude negative offset": ("claude.json", _claude_json(bpe_ranks="! -3 YQ== Yg=="), "bpe_ranks line 1"),
}


@pytest.mark.parametrize("case", sorted(STRUCTURAL))
def test_structurally_invalid_json_raises_format_error_naming_the_file(case, tmp_path):
    name, obj, mention = STRUCTURAL[case]
    path = write_json(tmp_path / name, obj)
    with pytest.raises(FormatError) as info:
        ts.load(path)  # at load time, not at the first encode
    message = str(info.value)
    assert message.startswith(str(path))
    assert mention in message
    assert "expected" in message  # and says what was expected


def test_invalid_split_pattern_for_a_tiktoken_file_raises_format_error(tmp_path):
    path = write_tiktoken(tmp_path, [], name="p.tiktoken")
    with pytest.raises(FormatError, match=r"\(ab"):
        ts.load(path, pattern="(ab").encode("ab")


# --------------------------------------------------------------------------- merges.txt


def test_merges_txt_naming_unknown_token_names_the_line(tmp_path):
    folder = write_vocab_merges(tmp_path, "#version: 0.2\na b\nab zz\n")
    with pytest.raises(FormatError) as info:
        ts.load(folder)
    assert where(info.value) == ("merges.txt", 3)
    assert "'zz'" in str(info.value)


def test_merges_txt_merged_token_missing_from_vocab_names_the_line(tmp_path):
    folder = write_vocab_merges(tmp_path, "#version: 0.2\na b\nb c\n")
    with pytest.raises(FormatError) as info:
        ts.load(folder)
    assert where(info.value) == ("merges.txt", 3)
    assert "'bc'" in str(info.value)


def test_merges_txt_without_version_header_counts_lines_from_one(tmp_path):
    folder = write_vocab_merges(tmp_path, "a b\nab q\n")
    with pytest.raises(FormatError) as info:
        ts.load(folder)
    assert where(info.value) == ("merges.txt", 2)


def test_merges_txt_error_after_a_blank_line_names_the_real_line(tmp_path):
    folder = write_vocab_merges(tmp_path, "a b\n\nab q\n")
    with pytest.raises(FormatError) as info:
        ts.load(folder)
    assert where(info.value) == ("merges.txt", 3)


def test_merges_txt_line_with_three_tokens_names_the_line(tmp_path):
    folder = write_vocab_merges(tmp_path, "#version: 0.2\na b\nab c d\n")
    with pytest.raises(FormatError) as info:
        ts.load(folder)
    assert where(info.value) == ("merges.txt", 3)


def test_merges_txt_with_invalid_utf8_names_the_line(tmp_path):
    folder = write_vocab_merges(tmp_path, "")
    (folder / "merges.txt").write_bytes(b"#version: 0.2\na b\nab \xff\n")
    with pytest.raises(FormatError) as info:
        ts.load(folder)
    assert where(info.value) == ("merges.txt", 3)


def test_vocab_json_without_merges_file_says_what_is_missing(tmp_path):
    path = write_json(tmp_path / "vocab.json", byte_level_vocab())
    with pytest.raises(FormatError, match="merges"):
        ts.load(path)


# --------------------------------------------------------------------------- unsupported components

UNSUPPORTED = {
    "Unigram model": ({"model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["a", -1.0]]}}, "Unigram"),
    "WordPiece model": ({"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "a": 1}}}, "WordPiece"),
    "Metaspace pre-tokenizer": (
        {"pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True}}, "Metaspace"),
    "Whitespace pre-tokenizer": ({"pre_tokenizer": {"type": "Whitespace"}}, "Whitespace"),
    "BertPreTokenizer": ({"pre_tokenizer": {"type": "BertPreTokenizer"}}, "BertPreTokenizer"),
    "pre-tokenizer nested in a Sequence": (
        {"pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Punctuation", "behavior": "Isolated"}]}},
        "Punctuation"),
    "BertNormalizer": ({"normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                                       "strip_accents": None, "lowercase": True}}, "BertNormalizer"),
    "Precompiled normalizer": ({"normalizer": {"type": "Precompiled", "precompiled_charsmap": ""}}, "Precompiled"),
    "WordPiece decoder": ({"decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True}}, "WordPiece"),
    "unknown post-processor": ({"post_processor": {"type": "FancyProcessing"}}, "FancyProcessing"),
    "BPE dropout": ({"model_dropout": 0.1}, "dropout"),
    "continuing_subword_prefix": ({"model_continuing_subword_prefix": "##"}, "continuing_subword_prefix"),
}


@pytest.mark.parametrize("case", sorted(UNSUPPORTED))
def test_unsupported_component_raises_unsupported_component_error_naming_it(case, tmp_path):
    override, name = UNSUPPORTED[case]
    obj = tokenizer_json()
    for key, value in override.items():
        if key == "model":
            obj["model"] = value
        elif key.startswith("model_"):
            obj["model"][key[len("model_"):]] = value
        else:
            obj[key] = value
    path = write_json(tmp_path / "tokenizer.json", obj)
    with pytest.raises(UnsupportedComponentError) as info:
        ts.load(path)
    assert name in str(info.value)
    assert str(path) in str(info.value)


def test_unknown_split_behavior_is_refused_naming_it(tmp_path):
    pre = {"type": "Split", "pattern": {"Regex": r"\s+"}, "behavior": "Scattered", "invert": False}
    with pytest.raises(UnsupportedComponentError, match="Scattered"):
        ts.load(write_json(tmp_path / "tokenizer.json", tokenizer_json(pre_tokenizer=pre)))


# --------------------------------------------------------------------------- names and paths


@pytest.fixture
def empty_caches(tmp_path, monkeypatch):
    """TOKENSMITH_DATA and TIKTOKEN_CACHE_DIR pointing at empty folders."""
    data, cache = tmp_path / "data", tmp_path / "cache"
    data.mkdir()
    cache.mkdir()
    monkeypatch.setenv("TOKENSMITH_DATA", str(data))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    return data, cache


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base", "r50k_base"])
def test_known_name_without_local_file_says_where_to_put_it(name, empty_caches):
    data, cache = empty_caches
    with pytest.raises(TokenizerNotFoundError) as info:
        ts.load(name)
    message = str(info.value)
    assert f"{name}.tiktoken" in message
    assert "TOKENSMITH_DATA" in message and str(data) in message
    assert str(cache) in message


def test_known_name_error_says_when_tokensmith_data_is_unset(empty_caches, monkeypatch):
    monkeypatch.delenv("TOKENSMITH_DATA")
    with pytest.raises(TokenizerNotFoundError) as info:
        ts.load("cl100k_base")
    assert "TOKENSMITH_DATA" in str(info.value) and "not set" in str(info.value)


def test_unknown_name_lists_the_known_names(empty_caches):
    with pytest.raises(TokenizerNotFoundError) as info:
        ts.load("no_such_encoding")
    message = str(info.value)
    assert "no_such_encoding" in message
    for known in ("cl100k_base", "o200k_base", "r50k_base", "p50k_base"):
        assert known in message


def test_missing_file_is_a_file_not_found_error_naming_the_path(tmp_path):
    missing = tmp_path / "nope" / "tokenizer.json"
    with pytest.raises(FileNotFoundError) as info:
        ts.load(missing)
    assert isinstance(info.value, TokenizerNotFoundError)
    assert str(missing) in str(info.value)


def test_folder_without_a_tokenizer_lists_what_was_looked_for(tmp_path):
    with pytest.raises(FormatError) as info:
        ts.load(tmp_path)
    message = str(info.value)
    assert str(tmp_path) in message
    for looked_for in ("tokenizer.json", ".tiktoken", "vocab.json", "merges.txt"):
        assert looked_for in message


def test_unrecognised_file_is_refused_naming_it(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("this is not a tokenizer at all\nreally not\n")
    with pytest.raises(FormatError) as info:
        ts.load(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("source", [None, 123])
def test_load_of_a_non_path_raises_type_error(source):
    with pytest.raises(TypeError):
        ts.load(source)


# --------------------------------------------------------------------------- encoding misuse

SPECIALS = {"<|end|>": 300, "<|pad|>": 301}


@pytest.fixture(scope="module", params=["native", "generic"])
def tiny(request, tmp_path_factory):
    """(tokensmith tokenizer, tiktoken reference) over the same tiny ranks and special tokens.

    "generic" spells the pattern with an alternative that never matches: no native scanner
    takes it, so the tokenizer walks the Python pipeline, which applies the policy itself.
    """
    tiktoken = pytest.importorskip("tiktoken", reason="tiktoken is the reference for the special-token policy")
    pattern = GPT2_PATTERN + ("|(?!)" if request.param == "generic" else "")
    folder = tmp_path_factory.mktemp("tiny")
    extra = [f"{_b64(b'ab')} 256", f"{_b64(b'cd')} 257"]
    path = write_tiktoken(folder, extra, name="tiny.tiktoken")
    ranks = {bytes([b]): b for b in range(256)} | {b"ab": 256, b"cd": 257}
    enc = tiktoken.Encoding("tiny", pat_str=pattern, mergeable_ranks=ranks, special_tokens=SPECIALS)
    tok = ts.load(path, pattern=pattern, special_tokens=SPECIALS)
    assert tok._plain == (request.param == "native")
    return tok, enc


def test_special_token_in_text_raises_special_token_error_with_the_three_ways_out(tiny):
    tok, _ = tiny
    with pytest.raises(SpecialTokenError) as info:
        tok.encode("hello <|end|> world")
    message = str(info.value)
    assert "'<|end|>'" in message
    assert "allowed_special" in message  # way 1: allow it as a special token
    assert "disallowed_special=(enc.special_tokens_set - {'<|end|>'})" in message  # way 2: plain text
    assert "disallowed_special=()" in message  # way 3: switch the check off


def _outcome(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # the exception class is compared like a value
        return type(exc)


POLICIES = [
    ({}, "default"),
    ({"allowed_special": "all"}, "all allowed"),
    ({"allowed_special": {"<|end|>"}}, "one allowed, other disallowed"),
    ({"allowed_special": {"<|end|>", "<|pad|>"}}, "both allowed by name"),
    ({"disallowed_special": ()}, "check off"),
    ({"allowed_special": {"<|end|>"}, "disallowed_special": ()}, "one allowed, check off"),
    ({"disallowed_special": {"<|pad|>"}}, "only pad disallowed"),
    ({"disallowed_special": {"<|end|>"}}, "only end disallowed"),
    ({"allowed_special": "all", "disallowed_special": "all"}, "all allowed, all disallowed"),
    ({"allowed_special": frozenset({"<|pad|>"})}, "frozenset"),
    ({"allowed_special": set(), "disallowed_special": set()}, "empty sets"),
]
POLICY_TEXTS = ["plain", "<|end|>", "a<|end|>b", "<|pad|> x", "x <|end|><|pad|>", "<|end|", "<|en", "<<|end|>>",
                "<|END|>", "<|end|>'s", "12<|pad|>34", ""]


# Every call that takes the policy, its result reduced to what tiktoken's encode gives (count:
# its length). count's own default is disallowed_special=(), so it gets tiktoken's defaults
# spelled out; the other calls are also made with the defaults left implicit.
POLICY_CALLS = {
    "encode": lambda tok, text, kw: tok.encode(text, **kw),
    "encode_to_numpy": lambda tok, text, kw: tok.encode_to_numpy(text, **kw).tolist(),
    "count": lambda tok, text, kw: tok.count(text, **({"disallowed_special": "all"} | kw)),
    "encode_with_offsets": lambda tok, text, kw: tok.encode_with_offsets(text, **kw)[0],
}


@pytest.mark.parametrize("call", list(POLICY_CALLS))
@pytest.mark.parametrize("policy", POLICIES, ids=[label for _, label in POLICIES])
def test_special_token_policy_raises_and_encodes_exactly_like_tiktoken(policy, call, tiny):
    tok, enc = tiny
    kwargs, _ = policy
    for text in POLICY_TEXTS:
        expected = _outcome(enc.encode, text, **kwargs)
        if call == "count" and isinstance(expected, list):
            expected = len(expected)
        got = _outcome(POLICY_CALLS[call], tok, text, kwargs)
        if expected is ValueError:
            assert got is SpecialTokenError, (text, kwargs, got)
        else:
            assert got == expected, (text, kwargs)


@pytest.mark.parametrize("call", list(POLICY_CALLS))
def test_disallowed_special_error_names_the_token_found_in_text_with_lone_surrogates(call, tiny):
    # The check runs on the text with surrogates replaced, and the error names the token.
    tok, _ = tiny
    with pytest.raises(SpecialTokenError, match=r"<\|pad\|>"):
        POLICY_CALLS[call](tok, "a\ud800 <|pad|>", {"disallowed_special": "all"})



def test_allowed_special_token_becomes_its_id_as_worked_out_by_hand(tiny):
    tok, _ = tiny
    # "x" = 120, "<|end|>" = 300, " " = 32, "ab" = 256 (merged), "<|pad|>" = 301.
    assert tok.encode("x<|end|> ab<|pad|>", allowed_special="all") == [120, 300, 32, 256, 301]
    assert tok.encode("x<|end|>", disallowed_special=()) == tok.encode_ordinary("x<|end|>")
    assert tok.encode_ordinary("<|end|>") == [60, 124, 101, 110, 100, 124, 62]


def test_encode_batch_raises_special_token_error_for_any_text(tiny):
    tok, _ = tiny
    with pytest.raises(SpecialTokenError, match=r"<\|pad\|>"):
        tok.encode_batch(["fine", "also fine", "not <|pad|> fine"])


NOT_STR = [b"abc", bytearray(b"abc"), None, 5, 3.5, ["a"], ("a",)]


@pytest.mark.parametrize("value", NOT_STR, ids=[type(v).__name__ for v in NOT_STR])
@pytest.mark.parametrize("method", ["encode", "encode_ordinary", "count", "encode_to_numpy", "encode_with_offsets"])
def test_non_str_input_raises_input_type_error_naming_the_type(method, value, tiny):
    tok, _ = tiny
    with pytest.raises(InputTypeError) as info:
        getattr(tok, method)(value)
    assert isinstance(info.value, TypeError)
    assert type(value).__name__ in str(info.value)


@pytest.mark.parametrize("value", [b"abc", None, 7], ids=["bytes", "None", "int"])
def test_non_str_item_in_a_batch_raises_input_type_error(value, tiny):
    tok, _ = tiny
    for method in (tok.encode_batch, tok.encode_ordinary_batch):
        with pytest.raises(InputTypeError, match=type(value).__name__):
            method(["fine", value])


def test_bytes_input_error_says_how_to_fix_it(tiny):
    tok, _ = tiny
    with pytest.raises(InputTypeError, match=r"decode"):
        tok.encode(b"bytes are not text")


# --------------------------------------------------------------------------- decoding misuse


def test_decode_of_valid_ids_including_specials(tiny):
    tok, _ = tiny
    assert tok.decode([256, 32, 300]) == "ab <|end|>"


@pytest.mark.parametrize("bad_id", [258, 299, 10**6])
def test_decode_of_an_unknown_id_raises_an_error_naming_the_id(bad_id, tiny):
    # 258..299 is the gap between the last rank (257) and the first special token (300).
    tok, _ = tiny
    with pytest.raises((TokensmithError, KeyError, ValueError)) as info:
        tok.decode([97, bad_id])
    assert str(bad_id) in str(info.value)


@pytest.mark.parametrize("bad_id", [
    -1,
    2**40,
    2**64,
])
def test_decode_of_an_out_of_range_integer_raises_an_error_naming_the_id(bad_id, tiny):
    tok, _ = tiny
    with pytest.raises((TokensmithError, KeyError, ValueError, TypeError, OverflowError)) as info:
        tok.decode([97, bad_id])
    assert str(bad_id) in str(info.value)


@pytest.mark.parametrize("ids", [["a"], [1.5], [None], "abc", None, 5], ids=repr)
def test_decode_of_non_integer_ids_raises_input_type_error(ids, tiny):
    tok, _ = tiny
    with pytest.raises(InputTypeError, match="int"):
        tok.decode(ids)
    with pytest.raises(InputTypeError):
        tok.decode_bytes(ids)


def test_stream_decoder_rejects_bad_ids_without_losing_earlier_text(tiny):
    tok, _ = tiny
    stream = tok.stream_decoder()
    assert stream.feed([97]) == "a"
    with pytest.raises(InputTypeError):
        stream.feed(["x"])
    assert stream.feed([98]) == "b"


def test_id_to_token_of_an_unknown_id_is_none(tiny):
    tok, _ = tiny
    assert tok.id_to_token(-1) is None
    assert tok.id_to_token(258) is None
    assert tok.id_to_token(10**9) is None


# --------------------------------------------------------------------------- real encodings


def test_special_token_error_on_cl100k_names_the_token_like_tiktoken(data_root, tiktoken_ref, ts_tiktoken):
    enc, tok = tiktoken_ref("cl100k_base"), ts_tiktoken("cl100k_base")
    text = "prompt <|fim_middle|> more"
    with pytest.raises(ValueError) as expected:
        enc.encode(text)
    with pytest.raises(SpecialTokenError) as got:
        tok.encode(text)
    assert "'<|fim_middle|>'" in str(expected.value) and "'<|fim_middle|>'" in str(got.value)
    assert tok.encode(text, allowed_special={"<|fim_middle|>"}) == enc.encode(text, allowed_special={"<|fim_middle|>"})
