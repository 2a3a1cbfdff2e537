"""llama.cpp's tokenizer test vectors: externally produced golden ids for the same tokenizers.

``vectors/llamacpp/ggml-vocab-NAME.gguf.{inp,out}`` (format in the data folder's MANIFEST.md)
hold 46 strings each — empty and whitespace-only strings, tabs, newlines, emoji, CJK, Khmer,
digit runs, contractions — and the ids HF tokenizers gave them, without BOS/EOS. They are
matched here against tokensmith loaded from the native files of the same tokenizer.
"""
from __future__ import annotations

import pytest

import references
from diffing import assert_no_mismatches


def _tiktoken_r50k(ts, data_root, hf_paths):
    return ts.load(references.tiktoken_file(data_root, "r50k_base"))


CASES = {
    # vector file: {source name: how tokensmith loads the native files}
    "gpt-2": {
        "openai/r50k_base.tiktoken": _tiktoken_r50k,
        "gpt2/encoder.json+vocab.bpe": lambda ts, root, paths: ts.load(paths["gpt2"]),
    },
    "qwen2": {
        "qwen2/vocab.json+merges.txt": lambda ts, root, paths: ts.load(paths["qwen2"]),
        "qwen3/tokenizer.json": lambda ts, root, paths: ts.load(paths["qwen3"]),
    },
    "mpt": {
        "gpt-neox-20b/20B_tokenizer.json": lambda ts, root, paths: ts.load(paths["neox"]),
    },
}
OUT_OF_SCOPE = ("bert-bge", "falcon")


@pytest.mark.parametrize(
    "vectors,source", [(v, s) for v, sources in CASES.items() for s in sources], ids=lambda x: x.replace("/", ":")
)
def test_llamacpp_vectors_give_the_golden_ids(vectors, source, ts, data_root, hf_paths):
    tok = CASES[vectors][source](ts, data_root, hf_paths)
    pairs = references.llamacpp_vectors(data_root, vectors)
    assert len(pairs) == 46
    items = [(f"ggml-vocab-{vectors} #{k + 1}", text) for k, (text, _) in enumerate(pairs)]
    got = [tok.encode(text) for text, _ in pairs]
    assert_no_mismatches(
        items, [ids for _, ids in pairs], got, f"llama.cpp {vectors} vectors with {source}",
        piece=lambda i: tok.decode_single_token_bytes(i),
    )


@pytest.mark.parametrize("vectors", OUT_OF_SCOPE)
def test_llamacpp_vectors_outside_bpe_runtime(vectors):
    pytest.skip(f"ggml-vocab-{vectors}: WordPiece/GGUF-only: not in scope of the BPE runtime")
