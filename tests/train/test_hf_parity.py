"""compat="hf": the merge list and vocabulary equal HF tokenizers' BpeTrainer, merge for merge.

HF is configured as a user would for byte-level BPE with a given split regex: a Split
pre-tokenizer (isolated) followed by ByteLevel(use_regex=False), the full byte alphabet as
``initial_alphabet``, the same vocab_size, min_frequency, max_token_length and special tokens.
Both read the same documents (lines of the provided corpora).
"""
from __future__ import annotations

import json

import pytest

import corpora
from tokensmith.formats import hf_json
from tokensmith.pretokenizers import PATTERNS
from tokensmith.train import train

tokenizers = pytest.importorskip("tokenizers", reason="HF tokenizers is the reference for compat='hf'")


def hf_train(lines, *, pattern, vocab_size, min_frequency=0, max_token_length=None, specials=()):
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), "isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  special_tokens=list(specials), max_token_length=max_token_length)
    tok.train_from_iterator(lines, trainer)
    model = json.loads(tok.to_str())["model"]
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in model["merges"]]
    return model["vocab"], merges


def ours(lines, *, preset, vocab_size, min_frequency=0, max_token_length=None, specials=()):
    tok = train(lines, vocab_size=vocab_size, pretokenizer=preset, compat="hf", min_frequency=min_frequency,
                max_token_length=max_token_length, special_tokens=list(specials), progress=False)
    model = hf_json.to_dict(tok)["model"]
    return model["vocab"], [tuple(m) for m in model["merges"]]


def assert_same(expected, got):
    (ev, em), (gv, gm) = expected, got
    first = next((i for i, (a, b) in enumerate(zip(em, gm)) if a != b), None)
    assert first is None and len(em) == len(gm), (
        f"merge lists differ: {len(em)} vs {len(gm)} merges; first difference at {first}: "
        f"HF {em[first] if first is not None else None} vs ours {gm[first] if first is not None else None}")
    assert ev == gv


@pytest.fixture(scope="module")
def mono(data_root):
    return corpora.monolingual(data_root)


CASES = [
    # corpus, preset, vocab_size, min_frequency, max_token_length, specials
    ("botchan.txt", "gpt2", 3000, 2, None, ("<|endoftext|>",)),
    ("tinyshakespeare.txt", "o200k", 6000, 0, None, ()),
    ("wagahaiwa_nekodearu.txt", "cl100k", 5000, 0, None, ("<s>", "</s>")),
    ("taylorswift_wikipedia.txt", "qwen2", 2500, 0, None, ()),
    ("wiki2_valid.tokens.txt", "o200k", 20000, 2, None, ()),  # stops on min_frequency
    ("tinyshakespeare.txt", "cl100k", 4000, 0, 6, ()),        # HF's max_token_length rule
]


@pytest.mark.parametrize("name,preset,vocab_size,min_frequency,max_len,specials", CASES,
                         ids=[f"{c[0].split('.')[0]}-{c[1]}-{c[2]}" + (f"-max{c[4]}" if c[4] else "") for c in CASES])
def test_merges_equal_hf_bpe_trainer(mono, name, preset, vocab_size, min_frequency, max_len, specials):
    lines = [line for line in mono[name].split("\n") if line]
    kw = dict(vocab_size=vocab_size, min_frequency=min_frequency, max_token_length=max_len, specials=specials)
    assert_same(hf_train(lines, pattern=PATTERNS[preset], **kw), ours(lines, preset=preset, **kw))


def test_merges_equal_hf_on_multilingual_parallel_text(data_root):
    ntrex = corpora.ntrex128(data_root)
    langs = sorted(ntrex)[::8]  # 16 languages, many scripts
    lines = [line for lang in langs for line in ntrex[lang][:400] if line]
    kw = dict(vocab_size=8000)
    assert_same(hf_train(lines, pattern=PATTERNS["o200k"], **kw), ours(lines, preset="o200k", **kw))


def test_merges_equal_hf_on_python_source():
    lines = [text for _, text in corpora.stdlib_sources(max_chars=1_500_000)]
    kw = dict(vocab_size=6000)
    assert_same(hf_train(lines, pattern=PATTERNS["gpt2"], **kw), ours(lines, preset="gpt2", **kw))
