"""GPT-2-style vocabulary files (``tokensmith.formats.gpt2``): ``encoder.json`` + ``vocab.bpe`` and
``vocab.json`` + ``merges.txt``, with the optional ``tokenizer_config.json`` / ``added_tokens.json``
that transformers keeps beside them.

The reference is HF ``tokenizers`` configured as transformers configures these files
(``BPE.from_file`` + ByteLevel pre-tokenizer and decoder; Qwen2's split pattern and NFC when the
config names ``Qwen2Tokenizer``). Tiny fixtures are written into ``tmp_path``; the last tests
compare on the real GPT-2 and Qwen2 files and skip without the shared data folder.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import tokensmith as ts

tokenizers = pytest.importorskip("tokenizers", reason="HF tokenizers is the reference for GPT-2-style files")
from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers  # noqa: E402
from tokenizers.models import BPE  # noqa: E402
from gpt2_bytes import bytes_to_unicode

QWEN2_PATTERN = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)


B2U = bytes_to_unicode()
G = B2U[ord(" ")]  # "Ġ"
# GPT-2 numbers its byte tokens in map order (printable bytes first), not byte order.
BYTE_TOKENS = sorted(B2U.values())
MERGES = [("t", "h"), (G, "th"), ("e", "r"), (G + "th", "e"), ("1", "2"), ("12", "3"), ("o", "u"), ("ou", "r"),
          ("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o"), (G, "w"), (G + "w", "o"), ("r", "l"), (G + "wo", "rl"),
          (G + "worl", "d")]
TEXTS = ["the other theory", " the", "123 1234 12345", "hello world", "our hour", "HELLO", "\n the\n\n",
         "日本 the", "don't", "", "   ", "t h e", "hellohello", "12 3"]


def vocab_for(merges=MERGES, extra=()) -> dict[str, int]:
    vocab = {t: i for i, t in enumerate(BYTE_TOKENS)}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    for t in extra:
        vocab.setdefault(t, len(vocab))
    return vocab


def write_files(folder: Path, *, vocab_name="vocab.json", merges_name="merges.txt", header=True,
                extra=(), config=None, added=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / vocab_name).write_text(json.dumps(vocab_for(extra=extra), ensure_ascii=False))
    lines = (["#version: 0.2"] if header else []) + [f"{a} {b}" for a, b in MERGES]
    (folder / merges_name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    if config is not None:
        (folder / "tokenizer_config.json").write_text(json.dumps(config))
    if added is not None:
        (folder / "added_tokens.json").write_text(json.dumps(added))
    return folder


def reference(folder: Path, *, vocab_name="vocab.json", merges_name="merges.txt", qwen2=False) -> Tokenizer:
    tok = Tokenizer(BPE.from_file(str(folder / vocab_name), str(folder / merges_name)))
    if qwen2:
        tok.normalizer = normalizers.NFC()
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    else:
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    return tok


def assert_same_ids(hf: Tokenizer, tok, texts=TEXTS, **kwargs):
    for text in texts:
        assert tok.encode(text, **kwargs) == hf.encode(text, add_special_tokens=False).ids, text


# --------------------------------------------------------------------------- the two layouts


def test_vocab_json_and_merges_txt_give_hf_ids(tmp_path):
    folder = write_files(tmp_path)
    assert_same_ids(reference(folder), ts.load(folder))


def test_encoder_json_and_vocab_bpe_give_hf_ids(tmp_path):
    folder = write_files(tmp_path, vocab_name="encoder.json", merges_name="vocab.bpe")
    hf = reference(folder, vocab_name="encoder.json", merges_name="vocab.bpe")
    assert_same_ids(hf, ts.load(folder))


def test_merges_file_without_version_header_gives_the_same_ids(tmp_path):
    a = write_files(tmp_path / "a")
    b = write_files(tmp_path / "b", header=False)
    ta, tb = ts.load(a), ts.load(b)
    for text in TEXTS:
        assert ta.encode(text) == tb.encode(text), text


def test_ids_of_merges_as_worked_out_by_hand(tmp_path):
    tok = ts.load(write_files(tmp_path))
    vocab = vocab_for()
    # " the": Ġ t h e -> th (merge 0) -> Ġth (merge 1) -> Ġthe (merge 3).
    assert tok.encode(" the") == [vocab[G + "the"]]
    # "12345" is one GPT-2 piece: 12 (merge 4) -> 123 (merge 5), then "4", "5" stay bytes.
    assert tok.encode("12345") == [vocab["123"], vocab["4"], vocab["5"]]
    # Byte tokens use GPT-2's map order: "!" is id 0.
    assert tok.encode("!") == [0]


@pytest.mark.parametrize("entry", ["folder", "vocab", "merges"])
def test_loading_the_folder_the_vocab_or_the_merges_file_is_the_same(entry, tmp_path):
    folder = write_files(tmp_path)
    target = {"folder": folder, "vocab": folder / "vocab.json", "merges": folder / "merges.txt"}[entry]
    assert_same_ids(reference(folder), ts.load(target))


def test_prefixed_file_names_are_found_in_a_folder(tmp_path):
    # Some repositories keep "<model>_vocab.json" + "<model>_merges.txt" side by side.
    folder = write_files(tmp_path, vocab_name="m_vocab.json", merges_name="m_merges.txt")
    hf = reference(folder, vocab_name="m_vocab.json", merges_name="m_merges.txt")
    assert_same_ids(hf, ts.load(folder))


def test_endoftext_in_the_vocabulary_is_a_special_token(tmp_path):
    folder = write_files(tmp_path, extra=("<|endoftext|>",))
    tok = ts.load(folder)
    eot = vocab_for(extra=("<|endoftext|>",))["<|endoftext|>"]
    assert tok.special_tokens == {"<|endoftext|>": eot}
    hf = reference(folder)
    hf.add_special_tokens([AddedToken("<|endoftext|>", special=True, normalized=False)])
    assert_same_ids(hf, tok, ["a<|endoftext|>b", "the <|endoftext|> the"], allowed_special="all")
    with pytest.raises(ts.SpecialTokenError):
        tok.encode("the <|endoftext|>")


# --------------------------------------------------------------------------- tokenizer_config.json


def test_qwen2_config_selects_the_qwen2_split_with_single_digits(tmp_path):
    folder = write_files(tmp_path, config={"tokenizer_class": "Qwen2Tokenizer"})
    tok = ts.load(folder)
    assert_same_ids(reference(folder, qwen2=True), tok, TEXTS + ["e\u0301", "Ǆ 1\u0663"])
    # Digits are pieces of one: the "12"/"123" merges never apply.
    assert tok.encode("123") == [vocab_for()["1"], vocab_for()["2"], vocab_for()["3"]]


def test_added_tokens_decoder_in_config_adds_special_and_plain_tokens(tmp_path):
    n = len(vocab_for())
    config = {
        "tokenizer_class": "GPT2Tokenizer",
        "added_tokens_decoder": {
            str(n): {"content": "<|im_start|>", "special": True, "lstrip": False, "rstrip": False,
                     "normalized": False, "single_word": False},
            str(n + 1): {"content": "[tool]", "special": False, "lstrip": False, "rstrip": False,
                         "normalized": False, "single_word": False},
        },
    }
    folder = write_files(tmp_path, config=config)
    tok = ts.load(folder)
    assert tok.special_tokens == {"<|im_start|>": n}
    hf = reference(folder)
    hf.add_special_tokens([AddedToken("<|im_start|>", special=True, normalized=False)])
    hf.add_tokens([AddedToken("[tool]", special=False, normalized=False)])
    texts = ["<|im_start|>the[tool] the", "x[tool]y", "[tool]"]
    assert_same_ids(hf, tok, texts, allowed_special="all")
    # A non-special added token is matched even by encode_ordinary, as HF always does.
    assert tok.encode_ordinary("x[tool]y") == hf.encode("x[tool]y").ids


def test_added_tokens_json_adds_special_tokens(tmp_path):
    n = len(vocab_for())
    folder = write_files(tmp_path, added={"<|a|>": n, "<|b|>": n + 1})
    tok = ts.load(folder)
    assert tok.special_tokens == {"<|a|>": n, "<|b|>": n + 1}
    assert tok.encode("th<|b|><|a|>", allowed_special="all") == [vocab_for()["th"], n + 1, n]


def test_add_prefix_space_in_config_is_applied(tmp_path):
    folder = write_files(tmp_path, config={"add_prefix_space": True})
    hf = reference(folder)
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    assert_same_ids(hf, ts.load(folder), ["the", "the the", " the", "hello world"])


def test_explicit_pattern_overrides_the_gpt2_split(tmp_path):
    folder = write_files(tmp_path)
    tok = ts.load(folder / "vocab.json", pattern=QWEN2_PATTERN)
    hf = reference(folder, qwen2=True)
    hf.normalizer = None
    assert_same_ids(hf, tok, TEXTS)


# --------------------------------------------------------------------------- the real files


def test_real_gpt2_files_give_hf_ids(data_root):
    import references

    folder = references.gpt2_dir(data_root)
    hf, tok = references.hf_gpt2(data_root), ts.load(folder)
    text = (data_root / "corpora" / "monolingual" / "tinyshakespeare.txt").read_bytes().decode("utf-8")[:50_000]
    lines = text.split("\n")
    assert tok.encode_ordinary_batch(lines) == [e.ids for e in hf.encode_batch(lines, add_special_tokens=False)]
    assert tok.special_tokens == {"<|endoftext|>": 50256}


def test_real_qwen2_folder_gives_hf_ids(data_root, tmp_path):
    import references

    folder = references.write_qwen2_dir(data_root, tmp_path / "qwen2")
    hf, tok = references.hf_qwen2(folder), ts.load(folder)
    lines = ["Hello 世界 12345", "<|im_start|>user\nHi!<|im_end|>\n", "naïve café — ½ ²", "def f(x):\n    return x"]
    for text in lines:
        assert tok.encode(text, allowed_special="all") == hf.encode(text, add_special_tokens=False).ids, text
    assert set(tok.special_tokens) == {"<|endoftext|>", "<|im_start|>", "<|im_end|>"}
