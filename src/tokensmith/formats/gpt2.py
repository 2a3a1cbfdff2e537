"""GPT-2-style vocabulary files: ``encoder.json`` + ``vocab.bpe`` (OpenAI's original GPT-2) and
``vocab.json`` + ``merges.txt`` (the same layout as saved by HF ``transformers``; Qwen2, RoBERTa).

Both are byte-level pair-rank BPE. The split pattern is not in the files: it is GPT-2's unless
a ``tokenizer_config.json`` beside them names a known class (Qwen2), or the caller passes one.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from tokensmith import normalizers, pretokenizers
from tokensmith.errors import FormatError
from tokensmith.formats.common import read_json, read_text
from tokensmith.formats.hf_json import build_bpe, parse_added


def _read_merges(path: Path) -> tuple[list[str], list[int]]:
    """The merge lines of merges.txt and their line numbers (header and blank lines skipped)."""
    merges, numbers = [], []
    for number, line in enumerate(read_text(path).split("\n"), 1):
        if (number == 1 and line.startswith("#version")) or not line.strip():
            continue
        merges.append(line)
        numbers.append(number)
    return merges, numbers


def _siblings(folder: Path, pattern: str) -> list[Path]:
    return sorted(folder.glob(pattern))


def _config(folder: Path) -> dict:
    for cand in _siblings(folder, "*tokenizer_config.json"):
        cfg = read_json(cand)
        if isinstance(cfg, dict):
            return cfg
    return {}


def load(vocab_path, merges_path, *, name: Optional[str] = None, pattern: Optional[str] = None):
    """Load a vocabulary (``encoder.json``/``vocab.json``) and its merges file."""
    from tokensmith.tokenizer import AddedToken, Tokenizer

    vocab_path, merges_path = Path(vocab_path), Path(merges_path)
    vocab = read_json(vocab_path)
    if not isinstance(vocab, dict):
        raise FormatError("expected a JSON object mapping token -> id", path=vocab_path)
    merges, lines = _read_merges(merges_path)
    model = build_bpe(vocab, merges, byte_level=True, path=merges_path, merge_lines=lines)
    cfg = _config(vocab_path.parent)
    cls = str(cfg.get("tokenizer_class", ""))
    normalizer = None
    if pattern is None:
        if cls.startswith("Qwen2"):
            # transformers' Qwen2 tokenizer: NFC, then the Qwen2 split (cl100k with single digits).
            pattern, normalizer = pretokenizers.PATTERNS["qwen2"], normalizers.NFC()
    pre = (pretokenizers.Sequence([pretokenizers.Split(pattern), pretokenizers.ByteLevel(False, False, False)])
           if pattern else pretokenizers.ByteLevel(add_prefix_space=bool(cfg.get("add_prefix_space", False))))
    added = parse_added([{"id": int(i), **v} for i, v in cfg.get("added_tokens_decoder", {}).items()],
                        path=vocab_path)
    if not added and "<|endoftext|>" in vocab:
        added = [AddedToken("<|endoftext|>", vocab["<|endoftext|>"], special=True)]
    for extra in _siblings(vocab_path.parent, "*added_tokens.json"):
        known = {t.content for t in added}
        for content, i in read_json(extra).items():
            if content not in known:
                added.append(AddedToken(content, int(i), special=True))
    return Tokenizer(model, pretokenizer=pre, normalizer=normalizer, added_tokens=added,
                     name=name or vocab_path.parent.name, source_format="gpt2")
