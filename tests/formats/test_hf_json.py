"""HF ``tokenizer.json`` files with a BPE model (``tokensmith.formats.hf_json``).

Tiny tokenizers are built in memory with HF ``tokenizers``, saved to ``tmp_path`` and loaded by
tokensmith; the ids must equal ``tokenizers``' on texts aimed at each component (pair-rank
merges, ``ignore_merges``, byte-level and SentencePiece-style character vocabularies with byte
fallback, normalizers, pre-tokenizers, post-processors and decoders). A few expectations are
also worked out by hand, so a shared misunderstanding cannot pass unnoticed.

No shared data is needed: every fixture is made here.
"""
from __future__ import annotations

import json
import lzma
import warnings
from pathlib import Path

import pytest

import tokensmith as ts

tokenizers = pytest.importorskip("tokenizers", reason="HF tokenizers is the reference for tokenizer.json")
from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors  # noqa: E402
from tokenizers.models import BPE  # noqa: E402
from gpt2_bytes import bytes_to_unicode


B2U = bytes_to_unicode()


def spell(text: str | bytes) -> str:
    """A byte-level vocabulary string for ``text`` (str or raw bytes)."""
    raw = text if isinstance(text, bytes) else text.encode("utf-8")
    return "".join(B2U[b] for b in raw)


def byte_level(merges: list[tuple], extra: tuple[str, ...] = ()) -> tuple[dict[str, int], list]:
    """Vocab of the 256 bytes (ids in byte order), then each merge result, then ``extra`` tokens."""
    vocab = {B2U[b]: b for b in range(256)}
    pairs = []
    for a, b in merges:
        sa, sb = spell(a), spell(b)
        pairs.append((sa, sb))
        vocab.setdefault(sa + sb, len(vocab))
    for t in extra:
        vocab.setdefault(spell(t), len(vocab))
    return vocab, pairs


MERGES = [("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o"), (" ", "w"), (" w", "o"), ("r", "l"),
          (" wo", "rl"), (" worl", "d"), ("1", "2"), ("12", "3"), (b"\xc3", b"\xa9"), ("é", "t"), (" ", "é")]
TEXTS = ["hello world", "hello  world", " hello", "Hello World!", "123 1234 12", "été  étés", "\n\nhello\n",
         "héllo wörld", "日本語 hello", "🦙 hello🦙", "", "  ", "a\tb", "hellohello worldworld", "'s 've 'LL"]


def save(tok: Tokenizer, folder: Path, name: str = "tokenizer.json") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    tok.save(str(path))
    return path


def gpt2_like(tmp_path: Path, **bpe_options) -> tuple[Tokenizer, "ts.Tokenizer"]:
    vocab, merges = byte_level(MERGES, bpe_options.pop("extra", ()))
    hf = Tokenizer(BPE(vocab, merges, **bpe_options))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.decoder = decoders.ByteLevel()
    return hf, ts.load(save(hf, tmp_path))


def assert_same_ids(hf: Tokenizer, tok, texts=TEXTS, **encode_kwargs):
    for text in texts:
        expected = hf.encode(text, add_special_tokens=False).ids
        assert tok.encode(text, **encode_kwargs) == expected, text


# --------------------------------------------------------------------------- the BPE model


def test_byte_level_bpe_gives_hf_ids(tmp_path):
    hf, tok = gpt2_like(tmp_path)
    assert_same_ids(hf, tok)


def test_merges_apply_in_file_order_as_worked_out_by_hand(tmp_path):
    # "hello": h e l l o -> he (merge 0) -> ll (merge 1) -> hell (merge 2) -> hello (merge 3).
    hf, tok = gpt2_like(tmp_path)
    vocab = hf.get_vocab()
    assert tok.encode("hello") == [vocab["hello"]]
    assert tok.encode(" world") == [vocab[spell(" world")]]
    # "1234": 12 (merge 9), then 123 (merge 10); "4" is left alone.
    assert tok.encode("1234") == [vocab["123"], ord("4")]


def test_pair_rank_order_beats_token_id_order(tmp_path):
    # Merge "b c" is listed before "a b", though "ab" has the lower id: pair-rank BPE gives a + bc.
    vocab = {B2U[b]: b for b in range(256)} | {"ab": 256, "bc": 257}
    hf = Tokenizer(BPE(vocab, [("b", "c"), ("a", "b")]))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok = ts.load(save(hf, tmp_path))
    assert tok.encode("abc") == [97, 257] == hf.encode("abc").ids


def test_ignore_merges_takes_a_whole_piece_in_the_vocab_first(tmp_path):
    # "hellow", "wor" and "ld" are vocabulary entries no merge builds; with ignore_merges a piece that
    # is itself in the vocabulary is one token ("hellow" would otherwise be "hello" + "w").
    hf, tok = gpt2_like(tmp_path, extra=("wor", "ld", "hellow"), ignore_merges=True)
    assert_same_ids(hf, tok, TEXTS + ["hellow", "wor", "ld", "world"])
    assert tok.encode("hellow") == [hf.get_vocab()[spell("hellow")]]


def test_merges_in_pair_list_form_load_like_strings(tmp_path):
    hf, _ = gpt2_like(tmp_path)
    path = tmp_path / "tokenizer.json"
    obj = json.loads(path.read_text())
    merges = obj["model"]["merges"]
    as_strings = [" ".join(m) if isinstance(m, list) else m for m in merges]
    as_lists = [m.split(" ") if isinstance(m, str) else m for m in merges]
    obj["model"]["merges"] = as_strings
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "tokenizer.json").write_text(json.dumps(obj))
    obj["model"]["merges"] = as_lists
    (tmp_path / "l").mkdir()
    (tmp_path / "l" / "tokenizer.json").write_text(json.dumps(obj))
    a, b = ts.load(tmp_path / "s"), ts.load(tmp_path / "l")
    for text in TEXTS:
        assert a.encode(text) == b.encode(text) == hf.encode(text).ids


def test_sentencepiece_style_char_vocab_with_byte_fallback_gives_hf_ids_and_text(tmp_path):
    # Llama-2-style tokenizer.json: "▁" for spaces via the normalizer, characters as the initial
    # symbols, bytes <0xNN> for characters outside the vocabulary.
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    for piece in ["▁", "h", "e", "l", "o", "w", "r", "d", "é", "he", "ll", "hell", "hello", "▁hello", "▁w", "or", "▁wor", "▁world", "ld"]:
        vocab.setdefault(piece, len(vocab))
    merges = [("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o"), ("▁", "hello"), ("▁", "w"), ("o", "r"),
              ("▁w", "or"), ("l", "d"), ("▁wor", "ld")]
    hf = Tokenizer(BPE(vocab, merges, unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    hf.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    hf.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                    decoders.Strip(" ", 1, 0)])
    tok = ts.load(save(hf, tmp_path))
    texts = ["hello world", "hello", "héllo wörld", "日本", "🦙", "hello  world ", "x", "wor ld"]
    assert_same_ids(hf, tok, texts)
    # By hand: "hello world" -> "▁hello▁world" -> ["▁hello", "▁world"].
    assert tok.encode("hello world") == [vocab["▁hello"], vocab["▁world"]]
    # "ö" is not in the vocabulary: its two UTF-8 bytes C3 B6 fall back to <0xC3> <0xB6>.
    assert tok.encode("ö")[-2:] == [vocab["<0xC3>"], vocab["<0xB6>"]]
    for text in texts:
        ids = hf.encode(text).ids
        assert tok.decode(ids) == hf.decode(ids), text


def test_unknown_character_without_byte_fallback_becomes_unk_fused_like_hf(tmp_path):
    vocab = {"<unk>": 0, "a": 1, "b": 2, "ab": 3}
    hf = Tokenizer(BPE(vocab, [("a", "b")], unk_token="<unk>", fuse_unk=True))
    tok = ts.load(save(hf, tmp_path))
    for text in ["ab", "xyab", "axyb", "xy", "abxyzab"]:
        assert tok.encode(text) == hf.encode(text).ids, text
    assert tok.encode("xyab") == [0, 3]  # "x" and "y" fuse into one <unk>


# --------------------------------------------------------------------------- pipeline components

NORMALIZERS = {
    "NFC": normalizers.NFC(),
    "NFKC": normalizers.NFKC(),
    "NFD": normalizers.NFD(),
    "Lowercase": normalizers.Lowercase(),
    "Replace": normalizers.Replace("o", "0"),
    "Replace regex": normalizers.Replace(Regex(r"\s+"), " "),
    "Prepend": normalizers.Prepend("_"),
    "Sequence": normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()]),
}
NORMALIZER_TEXTS = TEXTS + ["ﬁle Ⅻ ｈｅｌｌｏ", "e\u0301te\u0301", "HELLO WORLD", "hoo  oo\n\n o", "Ǆ ǅ ß ẞ"]


@pytest.mark.parametrize("name", sorted(NORMALIZERS))
def test_normalizer_gives_hf_ids(name, tmp_path):
    hf, _ = gpt2_like(tmp_path)
    hf.normalizer = NORMALIZERS[name]
    tok = ts.load(save(hf, tmp_path / "n"))
    assert_same_ids(hf, tok, NORMALIZER_TEXTS)


CL100K_PATTERN = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
PRE_TOKENIZERS = {
    "ByteLevel add_prefix_space": pre_tokenizers.ByteLevel(add_prefix_space=True),
    "Split cl100k + ByteLevel": pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(CL100K_PATTERN), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]),
    "Split custom merged_with_next + ByteLevel": pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"\s+"), behavior="merged_with_next"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]),
    "Digits + ByteLevel": pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)]),
    "Split literal removed + ByteLevel": pre_tokenizers.Sequence([
        pre_tokenizers.Split(" ", behavior="removed"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]),
}


@pytest.mark.parametrize("name", sorted(PRE_TOKENIZERS))
def test_pre_tokenizer_gives_hf_ids(name, tmp_path):
    hf, _ = gpt2_like(tmp_path)
    hf.pre_tokenizer = PRE_TOKENIZERS[name]
    tok = ts.load(save(hf, tmp_path / "p"))
    assert_same_ids(hf, tok, TEXTS + ["12345678", "a1b22c333", "I'm here", "x  y   z"])


def test_template_post_processor_adds_bos_and_eos_only_when_asked(tmp_path):
    hf, _ = gpt2_like(tmp_path)
    hf.add_special_tokens([AddedToken("<s>", special=True), AddedToken("</s>", special=True)])
    bos, eos = hf.token_to_id("<s>"), hf.token_to_id("</s>")
    hf.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", bos), ("</s>", eos)])
    tok = ts.load(save(hf, tmp_path / "t"))
    for text in ["hello world", ""]:
        assert tok.encode(text, add_special_tokens=True) == hf.encode(text, add_special_tokens=True).ids
        assert tok.encode(text) == hf.encode(text, add_special_tokens=False).ids
    assert tok.encode("hello", add_special_tokens=True) == [bos, hf.get_vocab()["hello"], eos]


def test_byte_level_decoder_round_trips_text(tmp_path):
    hf, tok = gpt2_like(tmp_path)
    for text in TEXTS:
        ids = tok.encode(text)
        assert tok.decode(ids) == text == hf.decode(ids)


# --------------------------------------------------------------------------- files and folders


def test_folder_holding_tokenizer_json_loads_it(tmp_path):
    hf, _ = gpt2_like(tmp_path / "model")
    assert ts.load(tmp_path / "model").encode("hello world") == hf.encode("hello world").ids


def test_xz_compressed_tokenizer_json_loads_like_the_plain_file(tmp_path):
    hf, _ = gpt2_like(tmp_path)
    raw = (tmp_path / "tokenizer.json").read_bytes()
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "tokenizer.json.xz").write_bytes(lzma.compress(raw))
    assert ts.load(tmp_path / "x" / "tokenizer.json.xz").encode("hello world") == hf.encode("hello world").ids
    assert ts.load(tmp_path / "x").encode("hello world") == hf.encode("hello world").ids


def test_tokenizer_json_under_another_name_is_recognised_by_content(tmp_path):
    hf, _ = gpt2_like(tmp_path)
    other = tmp_path / "my-model.json"
    other.write_bytes((tmp_path / "tokenizer.json").read_bytes())
    assert ts.load(other).encode("hello world") == hf.encode("hello world").ids


def test_truncation_and_padding_settings_warn_that_they_are_not_applied(tmp_path):
    hf, _ = gpt2_like(tmp_path)
    hf.enable_truncation(max_length=4)
    path = save(hf, tmp_path / "t")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tok = ts.load(path)
    assert any("truncation" in str(w.message) for w in caught)
    assert len(tok.encode("hello world hello world hello world")) > 4


def test_vocabulary_queries_use_hf_spellings(tmp_path):
    hf, tok = gpt2_like(tmp_path)
    for token, i in hf.get_vocab().items():
        assert tok.id_to_token(i) == token
        assert tok.token_to_id(token) == i
    assert tok.vocab_size == hf.get_vocab_size()
