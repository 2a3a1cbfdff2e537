"""BPE training: counted pieces -> a runnable :class:`~tokensmith.tokenizer.Tokenizer`.

Three layouts, one merge loop (``csrc/train/bpe_trainer.cc``):

* **byte-level** (default): ids 0-255 are the bytes, merge *k* gets id 256 + *k*, special
  tokens follow. Rank = merge order, so the model is token-rank exactly like a ``.tiktoken``
  file; tiktoken, HF tokenizers (through the saved ``tokenizer.json``) and tokensmith encode it
  identically.
* **byte-level, ``compat="hf"``**: HF tokenizers' ``BpeTrainer`` merge for merge -- special
  tokens first, then the 256 byte symbols in the code-point order of their GPT-2 characters,
  HF's bookkeeping and tie rule; the merge list equals HF's for the same corpus and options.
* **character-level** (``level="chars"``), SentencePiece style: ``▁`` marks spaces, the
  alphabet covers ``character_coverage`` of the characters, and the rest encodes through the
  256 ``<0xNN>`` byte-fallback pieces. Saved as a Llama-2-style ``tokenizer.json``.

Ties between equally frequent pairs go to the smaller (left id, right id) pair; with the byte
layout that is the byte order, and among merged tokens the older one.
"""
from __future__ import annotations

import time
from collections import Counter
from typing import Mapping, Optional, Sequence, Union

from tokensmith import _core, decoders, normalizers, pretokenizers
from tokensmith.bytelevel import GPT2_BYTE_ORDER, encode_token
from tokensmith.errors import TrainingError
from tokensmith.models.bpe import BPE
from tokensmith.tokenizer import AddedToken, Tokenizer
from tokensmith.train.counting import PieceCounts, Splitter
from tokensmith.train.objectives import Frequency, ParityAware

CHAR_SPECIALS = ("<unk>", "<s>", "</s>")
METASPACE = "\u2581"


def train_bpe(counts: Union[PieceCounts, Mapping[str, PieceCounts]], *, vocab_size: int,
              min_frequency: int = 0, special_tokens: Sequence[str] = (), max_token_length: Optional[int] = None,
              objective=None, dev_counts: Optional[Mapping[str, PieceCounts]] = None, compat: Optional[str] = None,
              character_coverage: float = 0.9995, byte_fallback: bool = True, name: str = "trained",
              progress: bool = True) -> Tokenizer:
    """Train BPE on counted pieces (one table, or one per language for parity-aware BPE)."""
    objective = objective or Frequency()
    tables = dict(sorted(counts.items())) if isinstance(counts, Mapping) else {"": counts}
    languages = list(tables)
    splitters = {t.splitter for t in tables.values()}
    if len(splitters) != 1:
        raise TrainingError("the count tables were made with different splitters; count every language the same way")
    splitter = splitters.pop()
    if compat not in (None, "hf"):
        raise ValueError(f"compat={compat!r}: choose None or 'hf'")
    if compat == "hf" and (splitter.level != "bytes" or isinstance(objective, ParityAware)):
        raise TrainingError("compat='hf' reproduces HF's byte-level BpeTrainer; it needs level='bytes' and the "
                            "frequency objective")
    if isinstance(objective, ParityAware) and (len(languages) < 2 or languages == [""]):
        raise TrainingError("parity-aware BPE needs the corpus per language: pass a mapping language -> corpus")
    if vocab_size <= 0 or (min_frequency or 0) < 0 or (max_token_length is not None and max_token_length < 1):
        raise ValueError("vocab_size and max_token_length must be positive, min_frequency >= 0")
    if sum(len(t) for t in tables.values()) == 0:
        raise TrainingError("the corpus is empty: no piece was counted (check the input paths, the document "
                            "mode and the JSONL field / Parquet column)")
    specials = list(dict.fromkeys(special_tokens))

    if splitter.level == "chars":
        layout = _char_layout(tables, specials, character_coverage, byte_fallback)
    elif compat == "hf":
        layout = _hf_byte_layout(specials)
    else:
        layout = _byte_layout()
    initial = len(layout["vocab"])
    target = vocab_size - (len(specials) if layout["specials_after"] else 0)
    if target < initial:
        raise TrainingError(f"vocab_size={vocab_size} is below the initial alphabet: the model starts with "
                            f"{initial} symbols{' and ' + str(len(specials)) + ' special tokens' if layout['specials_after'] and specials else ''}; "
                            f"use vocab_size >= {initial + (len(specials) if layout['specials_after'] else 0)}"
                            + (" or lower character_coverage" if splitter.level == "chars" else ""))

    dev_tables = []
    if isinstance(objective, ParityAware) and objective.ratios is None:
        if not dev_counts:
            raise TrainingError("parity-aware BPE needs a parallel dev set per language (dev=...) or target ratios")
        missing = [lang for lang in languages if lang not in dev_counts]
        if missing:
            raise TrainingError(f"no dev set for {missing}; give one per training language")
        dev_tables = [dev_counts[lang].table for lang in languages]
    spec = {
        "vocab": layout["vocab"], "symbol": layout["symbol"], "chars": splitter.level == "chars",
        "vocab_size": target, "min_frequency": int(min_frequency or 0),
        "max_token_length": int(max_token_length or 0), "hf_compat": compat == "hf",
        "per_language": isinstance(objective, ParityAware),
    }
    started = time.perf_counter()
    trainer = _core.Trainer(spec, [tables[lang].table for lang in languages], dev_tables, objective.spec(languages))
    with _merge_progress(progress, target - initial) as advance:
        while trainer.step(256):
            advance(trainer.merge_count)
        advance(trainer.merge_count)
    seconds = time.perf_counter() - started
    parity = isinstance(objective, ParityAware)
    # The merge list is needed for pair-rank layouts and per-language tallies only.
    merges = trainer.merges() if (splitter.level == "chars" or compat == "hf" or parity) else None
    vocab = trainer.vocab()
    view = trainer.view()
    record = {
        "algorithm": "bpe", "level": splitter.level, "compat": compat, "vocab_size": vocab_size,
        "min_frequency": min_frequency, "max_token_length": max_token_length, "special_tokens": specials,
        **objective.describe(),
        "merges": trainer.merge_count, "stop_reason": trainer.stop_reason, "words": trainer.words,
        "languages": languages if languages != [""] else None,
        "merges_per_language": None,
        "train_tokens": dict(zip(languages, view["train_len"])) if languages != [""] else None,
        "dev_tokens_before": dict(zip(languages, view["init_dev_len"])) if dev_tables else None,
        "dev_tokens_after": dict(zip(languages, view["dev_len"])) if dev_tables else None,
        "merge_seconds": round(seconds, 3),
    }
    if parity:
        chosen = Counter(m[4] for m in merges)
        record["merges_per_language"] = ({languages[c]: n for c, n in sorted(chosen.items()) if c >= 0}
                                         | {"(global)": chosen.get(-1, 0)})
    del trainer  # free the words and pair tables before the tokenizer is built

    if splitter.level == "chars":
        tok = _char_tokenizer(vocab, merges, layout, specials, splitter, name)
    elif compat == "hf":
        tok = _hf_byte_tokenizer(vocab, merges, layout, specials, splitter, name)
    else:
        tok = _byte_tokenizer(vocab, specials, splitter, name)
    tok.training = record
    return tok


# ------------------------------------------------------------------------------------ layouts

def _byte_layout() -> dict:
    return {"vocab": [bytes([b]) for b in range(256)], "symbol": [1] * 256, "specials_after": True}


def _hf_byte_layout(specials: list[str]) -> dict:
    # HF: special tokens first, then the alphabet sorted by code point of the byte-level chars.
    vocab = [s.encode("utf-8") for s in specials] + [bytes([b]) for b in GPT2_BYTE_ORDER]
    return {"vocab": vocab, "symbol": [0] * len(specials) + [1] * 256, "specials_after": False}


def _char_layout(tables: Mapping[str, PieceCounts], specials: list[str], coverage: float,
                 byte_fallback: bool) -> dict:
    if not 0 < coverage <= 1:
        raise ValueError("character_coverage must be in (0, 1]")
    freq: Counter = Counter()
    for t in tables.values():
        cps, counts = _core.char_counts(t.table)
        for cp, n in zip(cps.tolist(), counts.tolist()):
            freq[chr(cp)] += n
    total = sum(freq.values())
    ranked = sorted(freq.items(), key=lambda kv: (-kv[1], ord(kv[0])))
    kept, acc = [], 0
    for ch, n in ranked:
        if acc >= coverage * total and ch != METASPACE:
            break
        kept.append(ch)
        acc += n
    if METASPACE in freq and METASPACE not in kept:
        kept.append(METASPACE)
    heads = list(dict.fromkeys(list(CHAR_SPECIALS) + specials))
    bytes_ = [f"<0x{b:02X}>" for b in range(256)] if byte_fallback else []
    strings = heads + bytes_ + kept
    return {"vocab": [s.encode("utf-8") for s in strings], "strings": strings,
            "symbol": [0] * (len(heads) + len(bytes_)) + [1] * len(kept), "specials_after": False,
            "heads": heads, "covered": acc / total if total else 1.0, "alphabet": len(kept),
            "dropped_chars": len(freq) - len(kept)}


# --------------------------------------------------------------------------------- tokenizers

def _pretokenizer(splitter: Splitter, *, byte_level_step: bool):
    steps = []
    if splitter.pattern is not None:
        steps.append(pretokenizers.Split(splitter.pattern))
    if byte_level_step:
        steps.append(pretokenizers.ByteLevel(add_prefix_space=False, use_regex=False, trim_offsets=False))
    if not steps:
        return None
    return steps[0] if len(steps) == 1 else pretokenizers.Sequence(steps)


def _byte_tokenizer(vocab: list[bytes], specials: list[str], splitter: Splitter, name: str) -> Tokenizer:
    n = len(vocab)
    added = [AddedToken(s, n + i, special=True) for i, s in enumerate(specials)]
    model = BPE(tokens=list(vocab), merges=None, whole_piece_first=True)
    return Tokenizer(model, pretokenizer=_pretokenizer(splitter, byte_level_step=False),
                     normalizer=splitter.normalizer_component(), added_tokens=added, name=name,
                     source_format="tokensmith")


def _unique_pairs(merges, *, keep: str) -> list[tuple[int, int]]:
    """Each merged pair once: at its last occurrence (HF's saved order) or its first."""
    rank: dict[tuple[int, int], int] = {}
    for k, m in enumerate(merges):
        pair = (m[0], m[1])
        if keep == "last" or pair not in rank:
            rank[pair] = k
    return [p for p, _ in sorted(rank.items(), key=lambda kv: kv[1])]


def _hf_byte_tokenizer(vocab: list[bytes], merges, layout: dict, specials: list[str], splitter: Splitter,
                       name: str) -> Tokenizer:
    k = len(specials)
    strings = specials + [encode_token(t) for t in vocab[k:]]
    added = [AddedToken(s, i, special=True) for i, s in enumerate(specials)]
    model = BPE(tokens=list(vocab), merges=_unique_pairs(merges, keep="last"), initial="bytes",
                token_strings=strings)
    return Tokenizer(model, pretokenizer=_pretokenizer(splitter, byte_level_step=True),
                     normalizer=splitter.normalizer_component(), added_tokens=added,
                     decoder=decoders.ByteLevel(), name=name, source_format="tokensmith")


def _char_tokenizer(vocab: list[bytes], merges, layout: dict, specials: list[str], splitter: Splitter,
                    name: str) -> Tokenizer:
    strings = layout["strings"] + [t.decode("utf-8") for t in vocab[len(layout["strings"]):]]
    added = [AddedToken(s, i, special=True) for i, s in enumerate(layout["heads"])]
    model = BPE(tokens=list(vocab), merges=_unique_pairs(merges, keep="first"), initial="chars",
                byte_fallback=any(s.startswith("<0x") for s in layout["strings"]), unk_token="<unk>",
                fuse_unk=True, token_strings=strings)
    steps = [normalizers.Prepend(METASPACE), normalizers.Replace(" ", METASPACE)]
    first = splitter.normalizer_component()
    norm = normalizers.Sequence(([first] if first else []) + steps)
    dec = decoders.Sequence([decoders.Replace(METASPACE, " "), decoders.ByteFallback(), decoders.Fuse(),
                             decoders.Strip(" ", 1, 0)])
    tok = Tokenizer(model, normalizer=norm, added_tokens=added, decoder=dec, name=name, source_format="tokensmith")
    return tok


class _merge_progress:
    def __init__(self, enabled: bool, total: int):
        self.enabled, self.total = enabled, max(total, 0)

    def __enter__(self):
        if not self.enabled:
            return lambda done: None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("merging"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        self.bar.__enter__()
        task = self.bar.add_task("merging", total=self.total)
        return lambda done: self.bar.update(task, completed=done)

    def __exit__(self, *exc):
        if self.enabled:
            self.bar.__exit__(*exc)
        return False
