"""tiktoken's ``.tiktoken`` files: one ``<base64 token> <rank>`` per line, token-rank BPE.

The file holds neither the split pattern nor the special tokens. They come from the known
encodings (:data:`PRESETS`, matched by file name), from a ``<file>.json`` sidecar written by
:func:`write`, or from the caller.

>>> parse_ranks(b"YQ== 0\\nYg== 1\\n", path="x.tiktoken")
{b'a': 0, b'b': 1}
"""
from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Optional

from tokensmith import pretokenizers
from tokensmith.errors import FormatError
from tokensmith.formats.common import atomic_write, atomic_write_with, check_dense, ranks_to_tokens, read_bytes
from tokensmith.models.bpe import BPE

# Whisper's special tokens after its 50,257 ranks: 100 languages, task tokens, 1,501 timestamps.
_WHISPER_LANGS = (
    "en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th ur hr "
    "bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr pa si km sn "
    "yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt haw ln ha ba jw su yue"
).split()


def _whisper_specials(n_vocab: int) -> dict[str, int]:
    names = ["<|endoftext|>", "<|startoftranscript|>", *[f"<|{lang}|>" for lang in _WHISPER_LANGS],
             "<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>",
             "<|notimestamps|>", *[f"<|{i * 0.02:.2f}|>" for i in range(1501)]]
    return {name: n_vocab + k for k, name in enumerate(names)}


_GPT2 = pretokenizers.PATTERNS["gpt2"]
# name -> (file stem, pattern, special tokens); the values are those of tiktoken's registry.
PRESETS: dict[str, tuple[str, str, dict[str, int]]] = {
    "r50k_base": ("r50k_base", _GPT2, {"<|endoftext|>": 50256}),
    "gpt2": ("r50k_base", _GPT2, {"<|endoftext|>": 50256}),
    "p50k_base": ("p50k_base", _GPT2, {"<|endoftext|>": 50256}),
    "p50k_edit": ("p50k_base", _GPT2, {"<|endoftext|>": 50256, "<|fim_prefix|>": 50281,
                                       "<|fim_middle|>": 50282, "<|fim_suffix|>": 50283}),
    "cl100k_base": ("cl100k_base", pretokenizers.PATTERNS["cl100k"], {
        "<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
        "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276}),
    "o200k_base": ("o200k_base", pretokenizers.PATTERNS["o200k"],
                   {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}),
    "multilingual": ("multilingual", _GPT2, _whisper_specials(50257)),
}


def parse_ranks(data: bytes, *, path: object = None) -> dict[bytes, int]:
    """Parse the ``<base64> <rank>`` lines; every problem names its line.

    The native reader takes regular files (canonical base64, decimal ranks, no duplicates) in a
    few milliseconds; on anything else it steps aside and the loop below reads the file and
    reports the problem.
    """
    from tokensmith import _core

    fast = _core.read_rank_file(bytes(data))
    if fast is not None:
        ranks = dict(zip(*fast))
        if len(ranks) == len(fast[0]):  # else a token is repeated: the loop below says where
            return ranks
    ranks: dict[bytes, int] = {}
    seen_rank: dict[int, int] = {}
    for lineno, line in enumerate(data.split(b"\n"), 1):
        line = line.strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2:
            raise FormatError(f"expected '<base64 token> <rank>', got {line[:60]!r}; the file may be "
                              "truncated or not a .tiktoken file", path=path, line=lineno)
        try:
            # Whisper's files end with '= 50256': tiktoken reads it as the empty token.
            token = b"" if parts[0] == b"=" else base64.b64decode(parts[0], validate=True)
        except (binascii.Error, ValueError):
            raise FormatError(f"invalid base64 token {parts[0][:40]!r}", path=path, line=lineno) from None
        try:
            rank = int(parts[1])
        except ValueError:
            raise FormatError(f"rank {parts[1][:20]!r} is not an integer", path=path, line=lineno) from None
        if rank < 0 or rank >= 2**31:
            raise FormatError(f"rank {rank} is out of range (0 <= rank < 2**31)", path=path, line=lineno)
        if token in ranks:
            raise FormatError(f"token {token!r} appears twice (ranks {ranks[token]} and {rank})", path=path, line=lineno)
        if rank in seen_rank:
            raise FormatError(f"rank {rank} appears twice (lines {seen_rank[rank]} and {lineno})", path=path, line=lineno)
        ranks[token] = rank
        seen_rank[rank] = lineno
    return ranks


def from_ranks(ranks: dict[bytes, int], *, pattern: str, special_tokens: dict[str, int],
               name: str, path: object = None, source_format: str = "tiktoken",
               pattern_where: Optional[str] = None):
    """A token-rank, byte-level tokenizer from a (bytes -> rank) table. With ``pattern_where`` (the
    pattern's place in the file) a pattern that does not compile is a FormatError now."""
    from tokensmith.tokenizer import AddedToken, Tokenizer

    # tiktoken's regex engine: ^ and $ at the text's ends only.
    split = (pretokenizers.checked_split(pattern, where=pattern_where, path=path, syntax="rust") if pattern_where
             else pretokenizers.Split(pattern, syntax="rust"))
    tokens = ranks_to_tokens(ranks, path=path)
    for content, i in special_tokens.items():
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < 2**31:
            raise FormatError(f"special token {content!r} has id {i!r}; expected an integer 0 <= id < 2**31",
                              path=path)
    check_dense(max([len(tokens), *(i + 1 for i in special_tokens.values())]), len(ranks) + len(special_tokens),
                path=path)
    for content, i in special_tokens.items():
        if i < len(tokens) and tokens[i] is not None:
            raise FormatError(f"special token {content!r} has id {i}, which is already the rank of "
                              f"{tokens[i]!r}", path=path)
    model = BPE(tokens=tokens, merges=None, whole_piece_first=True)
    added = [AddedToken(content, i, special=True) for content, i in special_tokens.items()]
    return Tokenizer(model, pretokenizer=split, added_tokens=added, name=name, source_format=source_format)


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def load(path, *, name: Optional[str] = None, pattern: Optional[str] = None,
         special_tokens: Optional[dict[str, int]] = None):
    """Load a ``.tiktoken`` file. The pattern and special tokens come from the arguments, else the
    sidecar, else the preset whose name matches the file name."""
    path = Path(path)
    stem = name or path.name.split(".")[0]
    meta: dict = {}
    side = sidecar_path(path)
    if side.exists():
        from tokensmith.formats.common import read_json

        meta = read_json(side)
    elif stem in PRESETS:
        _, pat, specials = PRESETS[stem]
        meta = {"pat_str": pat, "special_tokens": specials}
    pattern = pattern or meta.get("pat_str")
    if pattern is None:
        raise FormatError(
            f"no split pattern known for {path.name}: pass pattern=... (for example "
            f"tokensmith.pretokenizers.PATTERNS['cl100k']), name one of the presets "
            f"{sorted(PRESETS)}, or put a sidecar {side.name} with 'pat_str' and 'special_tokens'",
            path=path)
    specials = special_tokens if special_tokens is not None else meta.get("special_tokens", {})
    ranks = parse_ranks(read_bytes(path), path=path)
    return from_ranks(ranks, pattern=pattern, special_tokens=specials, name=meta.get("name", stem), path=path)


def write(tok, path) -> list[str]:
    """Write ``path`` (.tiktoken) and its sidecar. Only byte-level token-rank models qualify
    (pair-rank models are converted when their merges are rank-consistent)."""
    from tokensmith.errors import UnsupportedComponentError

    model = tok.model
    if model.initial != "bytes":
        raise UnsupportedComponentError(
            f"{tok.name}: .tiktoken holds byte-level BPE only; this model starts from characters "
            "(SentencePiece-style). Save it with format='hf'.")
    if model.merges is not None and not _rank_consistent(tok):
        raise UnsupportedComponentError(
            f"{tok.name}: its merge list is not rank-consistent (some token is not built by a merge "
            "of two lower-id tokens in id order), so tiktoken's token-rank encoding would give other "
            "ids. Save it with format='hf'.")
    pattern = _pattern_of(tok)
    added = {t.id for t in tok.added_tokens}  # they go to the sidecar, as tiktoken keeps them apart
    def lines(f) -> None:  # line by line: a large vocabulary never becomes one string
        for i, t in enumerate(model.tokens):
            if t is not None and i not in added:
                f.write(base64.b64encode(t) + b" %d\n" % i)

    path = Path(path)
    written = [atomic_write_with(path, lines)]
    meta = {"name": tok.name, "pat_str": pattern, "special_tokens": tok.special_tokens}
    written.append(atomic_write(sidecar_path(path), json.dumps(meta, ensure_ascii=False, indent=1)))
    return written


def _pattern_of(tok) -> str:
    from tokensmith.errors import UnsupportedComponentError

    steps = pretokenizers.steps_of(tok.pretokenizer)
    if len(steps) == 1 and isinstance(steps[0], pretokenizers.ByteLevel) and steps[0].use_regex \
            and not steps[0].add_prefix_space:
        return _GPT2
    if steps and isinstance(steps[0], pretokenizers.Split) and steps[0].behavior == "isolated" \
            and not steps[0].invert and not steps[0].literal \
            and all(isinstance(s, pretokenizers.ByteLevel) and not s.use_regex and not s.add_prefix_space
                    for s in steps[1:]):
        # tiktoken reads the regex in its own dialect: one written for HF's is rewritten.
        return pretokenizers.translate(steps[0].pattern, steps[0].syntax, "rust")
    raise UnsupportedComponentError(
        f"{tok.name}: its pre-tokenizer is not a single split regex, which is all a .tiktoken "
        "encoding can express; save it with format='hf'")


def _rank_consistent(tok) -> bool:
    """Whether token-rank encoding (what a .tiktoken file means) gives the same ids as this
    pair-rank model: its merges must be exactly those that token-rank derives from the ids
    (algorithms §3.2), and every token must encode to itself. Added tokens are left out: they
    never go through BPE."""
    from tokensmith.tokenizer import Tokenizer

    model = tok.model
    added = {t.id for t in tok.added_tokens}
    index = model.token_to_id_map()
    ranked = Tokenizer(BPE(tokens=model.tokens, merges=None, whole_piece_first=True), name=tok.name)

    def merged(pair) -> int:
        return index[model.tokens[pair[0]] + model.tokens[pair[1]]]

    derived = [tuple(p) for p in ranked._core.derive_merges() if merged(p) not in added]
    own = [tuple(p) for p in model.merges if merged(p) not in added]
    unreachable = set(tok.unreachable_tokens()) - added
    return derived == own and not unreachable
