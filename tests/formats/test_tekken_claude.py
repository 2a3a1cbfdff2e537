"""Two tiktoken-style JSON layouts: Mistral's Tekken (``tokensmith.formats.tekken``) and the legacy
Claude tokenizer (``tokensmith.formats.claude``).

Tekken stores ranks as ``{"rank", "token_bytes"}`` entries after a block of special tokens, so
id = rank + number of specials, and ranks past ``default_vocab_size - specials`` are unused.
The legacy Claude file compresses ranks into ``<tag> <offset> <b64> <b64> ...`` lines where the
k-th token of a line has rank offset + k, and puts special ids below the ranks.

Hand-made fixtures pin these rules down (expected ids worked out by hand and by tiktoken on the
same ranks); the real files from the shared data folder are compared with tiktoken after the
documented conversion.
"""
from __future__ import annotations

import base64
import json
import lzma
from pathlib import Path

import pytest

import tokensmith as ts
from tokensmith.errors import FormatError

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
# Token-rank BPE on these: "abcd" -> ab(256) -> cd(257) -> abcd(258); "xy" -> xy(259).
MERGED = {b"ab": 256, b"cd": 257, b"abcd": 258, b"xy": 259}
RANKS = {bytes([b]): b for b in range(256)} | MERGED


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def tiktoken_reference(ranks, specials, pattern=GPT2_PATTERN):
    tiktoken = pytest.importorskip("tiktoken", reason="tiktoken is the reference encoder")
    return tiktoken.Encoding("ref", pat_str=pattern, mergeable_ranks=ranks, special_tokens=specials)


# --------------------------------------------------------------------------- Tekken


def tekken(n_special: int = 5, vocab_size: int | None = None, special_tokens=None, ranks=RANKS) -> dict:
    obj = {
        "config": {
            "pattern": GPT2_PATTERN,
            "num_vocab_tokens": len(ranks),
            "default_vocab_size": vocab_size if vocab_size is not None else n_special + len(ranks),
            "default_num_special_tokens": n_special,
            "version": "v3",
        },
        "vocab": [{"rank": r, "token_bytes": b64(t), "token_str": t.decode("utf-8", "replace")}
                  for t, r in sorted(ranks.items(), key=lambda kv: kv[1])],
    }
    if special_tokens is not None:
        obj["special_tokens"] = special_tokens
    return obj


def write(path: Path, obj) -> Path:
    path.write_text(json.dumps(obj))
    return path


def test_tekken_ids_are_ranks_shifted_by_the_special_block(tmp_path):
    tok = ts.load(write(tmp_path / "tekken.json", tekken(n_special=5)))
    # "abcd xy" -> pieces "abcd", " xy" -> ranks [258], [32, 259] -> ids +5.
    assert tok.encode("abcd xy") == [263, 37, 264]
    enc = tiktoken_reference(RANKS, {})
    for text in ["abcd xy", "hello, world", "", "ab cd abcd"]:
        assert tok.encode(text) == [i + 5 for i in enc.encode(text)], text


def test_tekken_default_special_names_and_ids(tmp_path):
    tok = ts.load(write(tmp_path / "tekken.json", tekken(n_special=5)))
    assert tok.id_to_token(0) == "<unk>" and tok.id_to_token(1) == "<s>" and tok.id_to_token(2) == "</s>"
    assert set(tok.special_tokens.values()) == {0, 1, 2, 3, 4}
    assert tok.encode("<s>abcd</s>", allowed_special="all") == [1, 263, 2]
    assert tok.decode([1, 263, 2]) == "<s>abcd</s>"


def test_tekken_named_special_tokens_are_used(tmp_path):
    specials = [{"rank": 0, "token_str": "<unk>", "is_control": True},
                {"rank": 1, "token_str": "<s>", "is_control": True},
                {"rank": 2, "token_str": "</s>", "is_control": True},
                {"rank": 3, "token_str": "[INST]", "is_control": True}]
    tok = ts.load(write(tmp_path / "tekken.json", tekken(n_special=4, special_tokens=specials)))
    assert tok.special_tokens == {"<unk>": 0, "<s>": 1, "</s>": 2, "[INST]": 3}
    assert tok.encode("[INST]xy", allowed_special="all") == [3, 259 + 4]


def test_tekken_ranks_beyond_the_default_vocab_size_are_not_used(tmp_path):
    # default_vocab_size leaves room for ranks 0..257 only: "abcd" (258) and "xy" (259) are cut.
    tok = ts.load(write(tmp_path / "tekken.json", tekken(n_special=5, vocab_size=5 + 258)))
    assert tok.vocab_size == 263
    assert tok.encode("abcd") == [256 + 5, 257 + 5]
    assert tok.encode("xy") == [ord("x") + 5, ord("y") + 5]


def test_tekken_xz_file_loads_like_the_plain_file(tmp_path):
    obj = tekken()
    (tmp_path / "tekken.json.xz").write_bytes(lzma.compress(json.dumps(obj).encode()))
    assert ts.load(tmp_path / "tekken.json.xz").encode("abcd") == [263]


def test_tekken_without_pattern_is_refused(tmp_path):
    obj = tekken()
    del obj["config"]["pattern"]
    with pytest.raises(FormatError, match="pattern"):
        ts.load(write(tmp_path / "tekken.json", obj))


def test_tekken_bad_base64_names_the_vocab_entry(tmp_path):
    obj = tekken()
    obj["vocab"][258]["token_bytes"] = "!!not base64!!"
    path = write(tmp_path / "tekken.json", obj)
    with pytest.raises(FormatError) as info:
        ts.load(path)
    assert "vocab[258]" in str(info.value) and str(path) in str(info.value)


def test_real_tekken_gives_tiktoken_ids_shifted_by_1000(data_root):
    path = data_root / "tokenizers" / "mistral" / "tekken_240718.json.xz"
    obj = json.loads(lzma.open(path).read())
    cfg = obj["config"]
    n_special = cfg["default_num_special_tokens"]
    inner = cfg["default_vocab_size"] - n_special
    ranks = {base64.b64decode(v["token_bytes"]): v["rank"] for v in obj["vocab"][:inner]}
    enc = tiktoken_reference(ranks, {}, pattern=cfg["pattern"])
    tok = ts.load(path)
    texts = ["Hello, world! 12345", "Привет мир", "日本語のテキスト", "  code(x) => {\n\treturn 1;\n}",
             "naïve café 🦙", "I'm sure they'll've", ""]
    texts += (data_root / "corpora" / "monolingual" / "botchan.txt").read_bytes().decode("utf-8")[:20_000].split("\n")
    assert tok.encode_ordinary_batch(texts) == [[i + n_special for i in ids] for ids in enc.encode_ordinary_batch(texts)]
    assert tok.vocab_size == cfg["default_vocab_size"]


# --------------------------------------------------------------------------- legacy Claude


def claude(specials=None, ranks=RANKS, per_line: int = 100) -> dict:
    """Ranks packed js-tiktoken style: each line "<tag> <offset> <b64>..." holds consecutive ranks."""
    ordered = [t for t, _ in sorted(ranks.items(), key=lambda kv: kv[1])]
    lines = []
    for start in range(0, len(ordered), per_line):
        chunk = ordered[start:start + per_line]
        lines.append(" ".join([b64(chunk[0])[:4] or "!", str(start + 5)] + [b64(t) for t in chunk]))
    return {"explicit_n_vocab": len(ranks) + 5, "pat_str": GPT2_PATTERN,
            "special_tokens": specials if specials is not None else {"<EOT>": 0, "<META>": 1, "<SOS>": 4},
            "bpe_ranks": "\n".join(lines)}


def test_claude_rank_is_line_offset_plus_position(tmp_path):
    # Every rank is shifted by the offset 5 (the specials sit at 0..4).
    tok = ts.load(write(tmp_path / "claude.json", claude()))
    assert tok.encode("abcd xy") == [258 + 5, 32 + 5, 259 + 5]
    shifted = {t: r + 5 for t, r in RANKS.items()}
    enc = tiktoken_reference(shifted, {"<EOT>": 0, "<META>": 1, "<SOS>": 4})
    for text in ["abcd xy", "<EOT>abcd<SOS>", "plain text!", ""]:
        assert tok.encode(text, allowed_special="all") == enc.encode(text, allowed_special="all"), text


def test_claude_special_tokens_below_the_ranks(tmp_path):
    tok = ts.load(write(tmp_path / "claude.json", claude()))
    assert tok.special_tokens == {"<EOT>": 0, "<META>": 1, "<SOS>": 4}
    assert tok.encode("<EOT>", allowed_special="all") == [0]
    with pytest.raises(ts.SpecialTokenError, match="<EOT>"):
        tok.encode("text<EOT>")


def test_claude_non_integer_offset_names_the_line(tmp_path):
    obj = claude(per_line=100)
    lines = obj["bpe_ranks"].split("\n")
    parts = lines[1].split(" ")
    parts[1] = "x5"
    lines[1] = " ".join(parts)
    obj["bpe_ranks"] = "\n".join(lines)
    with pytest.raises(FormatError) as info:
        ts.load(write(tmp_path / "claude.json", obj))
    assert "line 2" in str(info.value) and "'x5'" in str(info.value)


def test_claude_bad_base64_names_the_line_and_token(tmp_path):
    obj = claude(per_line=100)
    lines = obj["bpe_ranks"].split("\n")
    parts = lines[2].split(" ")
    parts[4] = "@@@"
    lines[2] = " ".join(parts)
    obj["bpe_ranks"] = "\n".join(lines)
    with pytest.raises(FormatError) as info:
        ts.load(write(tmp_path / "claude.json", obj))
    assert "line 3" in str(info.value) and "'@@@'" in str(info.value)


def test_real_claude_gives_tiktoken_ids(data_root):
    path = data_root / "tokenizers" / "claude-legacy" / "claude.json"
    obj = json.loads(path.read_text())
    ranks = {}
    for line in obj["bpe_ranks"].split("\n"):
        parts = line.split()
        if parts:
            for k, token in enumerate(parts[2:]):
                ranks[base64.b64decode(token)] = int(parts[1]) + k
    enc = tiktoken_reference(ranks, obj["special_tokens"], pattern=obj["pat_str"])
    tok = ts.load(path)
    texts = ["Human: Hello!\n\nAssistant: Hi <EOT>", "12345 67", "Привет 🦙", "I'm  here\t\tnow\r\n"]
    texts += (data_root / "corpora" / "monolingual" / "tinyshakespeare.txt").read_bytes().decode("utf-8")[:20_000].split("\n\n")
    assert [tok.encode(t, allowed_special="all") for t in texts] == enc.encode_batch(texts, allowed_special="all")
    assert tok.special_tokens == obj["special_tokens"]
