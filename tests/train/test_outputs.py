"""What training writes runs anywhere, identically, and is reproducible.

- Byte-level BPE saved as ``.tiktoken`` and ``tokenizer.json``: tiktoken, HF tokenizers and
  tokensmith give the same ids on held-out text (zero mismatches).
- Character-level BPE with byte fallback saved as ``tokenizer.json``: HF tokenizers gives
  tokensmith's ids, including for characters outside the alphabet.
- The same corpus and options give byte-identical model files (also with another thread
  count), and ``training.json`` differs only in its timings.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import corpora
from tokensmith import load
from tokensmith.train import train
from tokensmith.train.output import write

tiktoken = pytest.importorskip("tiktoken")
tokenizers = pytest.importorskip("tokenizers")


@pytest.fixture(scope="module")
def multilingual(data_root):
    ntrex = corpora.ntrex128(data_root)
    langs = sorted(ntrex)[::6]
    trainset = [line for lang in langs for line in ntrex[lang][:300] if line]
    heldout = [line for lang in sorted(ntrex) for line in ntrex[lang][1500:1508] if line]
    return trainset, heldout


def adversarial() -> list[str]:
    return ["", " ", "  two  spaces ", "\t\ttabs\n\nnewlines\r\n", "ﬁ ligature, café, naïve", "日本語のテキスト",
            "emoji 👩‍👩‍👧 ZWJ", "digits 1234567890 3.14159", "<|endoftext|> as text", "a" * 3000,
            "".join(chr(c) for c in range(0x20, 0x2FF)), "Ǆ ǅ ǆ Ⅻ ⓐ", "\u00a0NBSP\u2028LS"]


def test_byte_level_model_encodes_identically_in_tiktoken_hf_and_tokensmith(tmp_path, multilingual):
    trainset, heldout = multilingual
    tok = train(trainset, vocab_size=3000, pretokenizer="o200k", special_tokens=["<|endoftext|>"], progress=False)
    write(tok, tmp_path, name="ml")
    from tokensmith.formats.tiktoken import parse_ranks

    meta = json.loads((tmp_path / "ml.tiktoken.json").read_text())
    ranks = parse_ranks((tmp_path / "ml.tiktoken").read_bytes())
    enc = tiktoken.Encoding("ml", pat_str=meta["pat_str"], mergeable_ranks=ranks, special_tokens=meta["special_tokens"])
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    reloaded = load(tmp_path / "ml.tiktoken")
    texts = heldout + adversarial() + [text for _, text in corpora.stdlib_sources(max_chars=200_000)]
    mismatches = []
    for t in texts:
        ids = tok.encode_ordinary(t)
        with_specials = tok.encode(t, allowed_special="all")  # HF always matches added tokens
        others = {"tiktoken": (enc.encode_ordinary(t), ids),
                  "hf": (hf.encode(t, add_special_tokens=False).ids, with_specials),
                  "reloaded": (reloaded.encode_ordinary(t), ids)}
        mismatches += [(name, t[:60]) for name, (o, mine) in others.items() if o != mine]
        assert tok.decode(ids) == t
    assert mismatches == [], f"{len(mismatches)} mismatches of {len(texts)} texts: {mismatches[:5]}"
    special = tok.encode("x<|endoftext|>", allowed_special="all")
    assert special[-1] == tok.special_tokens["<|endoftext|>"] == 2999
    assert enc.encode("x<|endoftext|>", allowed_special="all") == special


def test_char_level_model_encodes_identically_in_hf(tmp_path, multilingual):
    trainset, heldout = multilingual
    tok = train(trainset, vocab_size=4000, level="chars", character_coverage=0.995, progress=False)
    info = tok.training
    assert info["level"] == "chars" and info["merges"] > 0
    write(tok, tmp_path)
    assert not (tmp_path / "trained.tiktoken").exists()
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    texts = heldout + adversarial()
    bad = [t[:60] for t in texts if hf.encode(t, add_special_tokens=False).ids != tok.encode(t)]
    assert bad == [], f"{len(bad)} mismatches: {bad[:5]}"
    rare = "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ☃"  # outside any NTREX alphabet: byte fallback
    ids = tok.encode(rare)
    assert any(tok.id_to_token(i).startswith("<0x") for i in ids)
    assert tok.decode(ids) == rare
    assert hf.decode(hf.encode(rare, add_special_tokens=False).ids) == rare


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_inputs_give_byte_identical_files(tmp_path, multilingual):
    trainset, _ = multilingual
    runs = []
    for k, threads in enumerate((1, 2, 1)):
        tok = train(trainset[:3000], vocab_size=2000, pretokenizer="cl100k", special_tokens=["<|endoftext|>"],
                    threads=threads, progress=False)
        write(tok, tmp_path / str(k))
        runs.append(_files(tmp_path / str(k)))
    assert set(runs[0]) == {"tokenizer.json", "tokenizer_config.json", "trained.tiktoken", "trained.tiktoken.json",
                            "training.json"}
    for other in runs[1:]:
        for name in runs[0]:
            if name == "training.json":
                a, b = json.loads(runs[0][name]), json.loads(other[name])
                for d in (a, b):
                    d.pop("timings")
                    d.pop("merge_seconds")
                    for key in ("seconds", "threads"):
                        d["corpus"].pop(key)
                assert a == b
            else:
                assert runs[0][name] == other[name], f"{name} differs between runs"


def test_training_json_records_options_and_corpus(tmp_path):
    lines = ["naïve café"] * 20 + ["\udcff bad"]  # a lone surrogate cannot be counted
    corpus = tmp_path / "c.txt"
    corpus.write_bytes("\n".join(lines[:20]).encode() + b"\n\xff\xfe broken line\n")
    tok = train(str(corpus), vocab_size=270, pretokenizer="gpt2", progress=False)
    write(tok, tmp_path / "out")
    info = json.loads((tmp_path / "out" / "training.json").read_text())
    assert info["vocab_size"] == 270 and info["objective"] == "frequency"
    assert info["corpus"]["documents"] == 21 and info["corpus"]["replaced"] == 2
    assert info["splitter"]["pattern"].startswith("'s|'t")
    assert set(info["timings"]) == {"counting_seconds", "training_seconds", "total_seconds"}
    assert info["versions"]["tokensmith"]
