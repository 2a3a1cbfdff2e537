"""The reference tokenizers the differential tests compare against, built from the shared data.

Not a test module. Each builder reproduces how the reference library itself configures the
tokenizer, and says where that configuration comes from:

- tiktoken encodings: ``tiktoken.Encoding(name, pat_str=, mergeable_ranks=, special_tokens=)``
  with the patterns and special tokens of ``tokenizers/openai/encodings.json``; p50k_edit uses
  the p50k_base ranks, as tiktoken_ext does.
- Whisper: openai-whisper's ``whisper/tokenizer.py:get_encoding`` — the r50k (GPT-2) pattern, the
  ``multilingual.tiktoken`` ranks, and the special tokens appended after the ranks in this order:
  ``<|endoftext|>``, ``<|startoftranscript|>``, one ``<|lang|>`` per language (the first
  ``num_languages`` of :data:`WHISPER_LANGUAGES`, 99 by default), ``<|translate|>``,
  ``<|transcribe|>``, ``<|startoflm|>``, ``<|startofprev|>``, ``<|nospeech|>``,
  ``<|notimestamps|>``, then 1,501 timestamps ``<|0.00|>`` … ``<|30.00|>``.
- GPT-2 from ``encoder.json`` + ``vocab.bpe``: as transformers' ``GPT2Tokenizer`` builds it — a
  BPE model, ByteLevel pre-tokenizer with ``add_prefix_space=False``, ByteLevel decoder, and
  ``<|endoftext|>`` as a special added token; no post-processor (offsets stay untrimmed).
- Qwen2 from ``vocab.json`` + ``merges.txt``: as transformers' ``Qwen2Tokenizer`` builds it — NFC
  normalizer, a Split pre-tokenizer on the Qwen2 pattern (``\\p{N}`` one digit at a time) followed
  by ByteLevel(use_regex=False), ByteLevel decoder, and the special tokens of
  ``tokenizer_config.json``'s ``added_tokens_decoder``.
- Qwen3 and GPT-NeoX-20B: their ``tokenizer.json`` loaded by ``tokenizers`` as is.
"""
from __future__ import annotations

import base64
import json
import lzma
from functools import lru_cache
from pathlib import Path

TIKTOKEN_NAMES = ("r50k_base", "p50k_base", "cl100k_base", "o200k_base")
PRESET_NAMES = ("r50k_base", "p50k_base", "p50k_edit", "cl100k_base", "o200k_base")

#: openai-whisper's LANGUAGES keys, in order (their order fixes the language tokens' ids).
WHISPER_LANGUAGES = (
    "en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv", "it",
    "id", "hi", "fi", "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no", "th", "ur",
    "hr", "bg", "lt", "la", "mi", "ml", "cy", "sk", "te", "fa", "lv", "bn", "sr", "az", "sl", "kn",
    "et", "mk", "br", "eu", "is", "hy", "ne", "mn", "bs", "kk", "sq", "sw", "gl", "mr", "pa", "si",
    "km", "sn", "yo", "so", "af", "oc", "ka", "be", "tg", "sd", "gu", "am", "yi", "lo", "uz", "fo",
    "ht", "ps", "tk", "nn", "mt", "sa", "lb", "my", "bo", "tl", "mg", "as", "tt", "haw", "ln", "ha",
    "ba", "jw", "su", "yue",
)
R50K_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
QWEN2_PATTERN = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)

#: The files of the Qwen2 folder under the names transformers expects beside each other.
QWEN2_FILES = {
    "vocab.json": "qwen2_vocab.json",
    "merges.txt": "qwen2_merges.txt",
    "tokenizer_config.json": "qwen2_tokenizer_config.json",
    "special_tokens_map.json": "qwen2_special_tokens_map.json",
    "added_tokens.json": "qwen2_added_tokens.json",
}


def openai_dir(root: Path) -> Path:
    return root / "tokenizers" / "openai"


def tiktoken_file(root: Path, name: str) -> Path:
    """The ``.tiktoken`` rank file of a preset (p50k_edit shares p50k_base's ranks)."""
    if name == "whisper":
        return root / "tokenizers" / "whisper" / "multilingual.tiktoken"
    return openai_dir(root) / f"{'p50k_base' if name == 'p50k_edit' else name}.tiktoken"


@lru_cache(maxsize=None)
def encodings_json(root: Path) -> dict:
    return json.loads((openai_dir(root) / "encodings.json").read_bytes())


@lru_cache(maxsize=None)
def _ranks(path: Path) -> dict[bytes, int]:
    ranks: dict[bytes, int] = {}
    for line in path.read_bytes().splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


def whisper_special_tokens(n_ranks: int, num_languages: int = 99) -> dict[str, int]:
    specials = [
        "<|endoftext|>",
        "<|startoftranscript|>",
        *[f"<|{lang}|>" for lang in WHISPER_LANGUAGES[:num_languages]],
        "<|translate|>",
        "<|transcribe|>",
        "<|startoflm|>",
        "<|startofprev|>",
        "<|nospeech|>",
        "<|notimestamps|>",
        *[f"<|{i * 0.02:.2f}|>" for i in range(1501)],
    ]
    return {tok: n_ranks + i for i, tok in enumerate(specials)}


@lru_cache(maxsize=None)
def tiktoken_encoding(root: Path, name: str):
    """The tiktoken ``Encoding`` for a preset name or ``"whisper"``."""
    import tiktoken

    ranks = _ranks(tiktoken_file(root, name))
    if name == "whisper":
        specials = whisper_special_tokens(len(ranks))
        return tiktoken.Encoding(
            "whisper-multilingual",
            pat_str=R50K_PATTERN,
            mergeable_ranks=ranks,
            special_tokens=specials,
            explicit_n_vocab=len(ranks) + len(specials),
        )
    spec = encodings_json(root)[name]
    return tiktoken.Encoding(name, pat_str=spec["pat_str"], mergeable_ranks=ranks, special_tokens=spec["special_tokens"])


# --------------------------------------------------------------------------- Hugging Face


def gpt2_dir(root: Path) -> Path:
    return root / "tokenizers" / "gpt2"


def neox_json(root: Path) -> Path:
    return root / "tokenizers" / "gpt-neox-20b" / "20B_tokenizer.json"


def write_qwen2_dir(root: Path, dest: Path) -> Path:
    """Copy the Qwen2 files into ``dest`` as ``vocab.json``, ``merges.txt``, ... and return ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    src = root / "tokenizers" / "qwen2"
    for canonical, stored in QWEN2_FILES.items():
        (dest / canonical).write_bytes((src / stored).read_bytes())
    return dest


def write_qwen3_json(root: Path, dest: Path) -> Path:
    """Decompress Qwen3's ``tokenizer.json.xz`` to ``dest/tokenizer.json`` and return that path."""
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / "tokenizer.json"
    out.write_bytes(lzma.open(root / "tokenizers" / "qwen3" / "qwen3_tokenizer.json.xz").read())
    return out


def hf_gpt2(root: Path):
    from tokenizers import AddedToken, Tokenizer, decoders, pre_tokenizers
    from tokenizers.models import BPE

    folder = gpt2_dir(root)
    tok = Tokenizer(
        BPE.from_file(
            str(folder / "encoder.json"),
            str(folder / "vocab.bpe"),
            dropout=None,
            continuing_subword_prefix="",
            end_of_word_suffix="",
            fuse_unk=False,
        )
    )
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken("<|endoftext|>", special=True, normalized=False)])
    return tok


def hf_qwen2(folder: Path):
    """Qwen2 from a folder holding ``vocab.json``, ``merges.txt`` and ``tokenizer_config.json``."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers
    from tokenizers.models import BPE

    tok = Tokenizer(
        BPE.from_file(
            str(folder / "vocab.json"),
            str(folder / "merges.txt"),
            dropout=None,
            unk_token=None,
            continuing_subword_prefix="",
            end_of_word_suffix="",
            fuse_unk=False,
            byte_fallback=False,
        )
    )
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    config = json.loads((folder / "tokenizer_config.json").read_bytes())
    added = sorted(config.get("added_tokens_decoder", {}).items(), key=lambda kv: int(kv[0]))
    for token_id, spec in added:
        token = AddedToken(
            spec["content"],
            single_word=spec.get("single_word", False),
            lstrip=spec.get("lstrip", False),
            rstrip=spec.get("rstrip", False),
            normalized=spec.get("normalized", False),
            special=spec.get("special", True),
        )
        (tok.add_special_tokens if spec.get("special", True) else tok.add_tokens)([token])
        assert tok.token_to_id(spec["content"]) == int(token_id), spec
    return tok


def hf_from_json(path: Path):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.no_truncation()
    return tok


def hf_untrimmed(path: Path):
    """``tokenizer.json`` with every ByteLevel ``trim_offsets`` switched off: offsets as spans of the input."""
    from tokenizers import Tokenizer

    spec = json.loads(path.read_bytes())

    def untrim(node):
        if isinstance(node, dict):
            if "trim_offsets" in node:
                node["trim_offsets"] = False
            for value in node.values():
                untrim(value)
        elif isinstance(node, list):
            for value in node:
                untrim(value)

    for key in ("pre_tokenizer", "post_processor", "decoder"):
        untrim(spec.get(key))
    return Tokenizer.from_str(json.dumps(spec))


def hf_special_tokens(tok) -> dict[str, int]:
    """``{content: id}`` of the added tokens flagged special."""
    return {t.content: i for i, t in tok.get_added_tokens_decoder().items() if t.special}


def hf_added_tokens(tok) -> dict[str, int]:
    return {t.content: i for i, t in tok.get_added_tokens_decoder().items()}


# --------------------------------------------------------------------------- llama.cpp vectors


def llamacpp_vectors(root: Path, name: str) -> list[tuple[str, list[int]]]:
    """``(text, expected ids)`` pairs of ``vectors/llamacpp/ggml-vocab-<name>.gguf.{inp,out}``."""
    folder = root / "vectors" / "llamacpp"
    # Bytes, not text mode: the strings hold \r and \t that universal newlines would rewrite.
    inp = (folder / f"ggml-vocab-{name}.gguf.inp").read_bytes().decode("utf-8")
    out = (folder / f"ggml-vocab-{name}.gguf.out").read_bytes().decode("utf-8")
    texts = inp.split("\n__ggml_vocab_test__\n")
    assert texts[-1] == "", "an .inp file ends with the separator line"
    texts = texts[:-1]
    lines = out.split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    assert len(lines) == len(texts), (name, len(lines), len(texts))
    return [(t, [int(x) for x in line.split()]) for t, line in zip(texts, lines)]
