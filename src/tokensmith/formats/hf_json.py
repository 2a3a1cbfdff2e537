"""HF tokenizers' ``tokenizer.json`` with a BPE model (pair-rank semantics).

Every component is parsed into tokensmith's declarative form; a component tokensmith does not
run yet raises :class:`~tokensmith.errors.UnsupportedComponentError` naming it, because
ignoring it would silently change the ids. :func:`write` produces a file HF tokenizers and
transformers load and encode identically.
"""
from __future__ import annotations

import functools
import io
import json
import warnings
from pathlib import Path
from typing import Optional, Sequence

from tokensmith import _shape, decoders, normalizers, postprocessors, pretokenizers
from tokensmith.bytelevel import encode_token, try_decode_token
from tokensmith.errors import FormatError, UnsupportedComponentError
from tokensmith.formats.common import atomic_write, atomic_write_with, check_dense, read_json
from tokensmith.models.bpe import BPE


def _is_byte_level(pre, decoder) -> bool:
    """Whether the (parsed) pre-tokenizer or decoder has a ByteLevel step: the vocabulary strings
    are then GPT-2's printable stand-ins for bytes."""
    return (any(isinstance(s, pretokenizers.ByteLevel) for s in pretokenizers.steps_of(pre))
            or any(isinstance(s, decoders.ByteLevel) for s in decoders._steps(decoder)))


def _merge_error(message: str, index: int, path, lines: Optional[Sequence[int]]) -> FormatError:
    """An error about merge ``index``: at its line when the caller knows it (merges.txt), else
    marked so that :func:`from_file_dict` can find the line in tokenizer.json."""
    error = FormatError(message, path=path, line=lines[index] if lines else None)
    error.merge_index = index
    return error


def _merge_pair(m, index: int, path, where: str, lines) -> tuple[str, str]:
    if isinstance(m, str):
        parts = m.split(" ")
        if len(parts) != 2:
            raise _merge_error(f"{where} {m!r}: expected two tokens separated by one space", index, path, lines)
        return parts[0], parts[1]
    if isinstance(m, list) and len(m) == 2 and all(isinstance(x, str) for x in m):
        return m[0], m[1]
    raise _merge_error(f"{where} {m!r}: expected 'a b' or ['a', 'b'] (two token strings)", index, path, lines)


def parse_model(model: dict, *, byte_level: bool, path: object = None) -> BPE:
    at = "model"
    kind = model.get("type", "BPE" if "merges" in model else None)
    if kind != "BPE":
        raise UnsupportedComponentError(
            f"model {kind!r} is not supported yet; tokensmith runs BPE tokenizer.json files", path=path)
    dropout = model.get("dropout")
    if dropout is not None and (not isinstance(dropout, (int, float)) or isinstance(dropout, bool)):
        raise _shape.fail(f"{at}.dropout", "a number or null", dropout, path)
    if dropout not in (None, 0, 0.0):
        raise UnsupportedComponentError("BPE dropout is set; it makes encoding random. Remove "
                                        "'dropout' from the model to load it", path=path)
    for key in ("continuing_subword_prefix", "end_of_word_suffix"):
        if _shape.optional_string(model.get(key), f"{at}.{key}", path):
            raise UnsupportedComponentError(f"BPE option {key}={model[key]!r} is not supported yet", path=path)
    vocab = model.get("vocab")
    if not isinstance(vocab, dict):
        raise _shape.fail(f"{at}.vocab", "an object mapping token -> id", _shape.field(model, "vocab"), path)
    merges = _shape.array(model.get("merges", []), f"{at}.merges", path,
                          what="a list of merges, each 'a b' or ['a', 'b']")
    flags = {key: _shape.flag(model.get(key), f"{at}.{key}", path, False)
             for key in ("ignore_merges", "byte_fallback", "fuse_unk")}
    return build_bpe(vocab, merges, byte_level=byte_level, path=path, where=f"{at}.vocab",
                     ignore_merges=flags["ignore_merges"], byte_fallback=flags["byte_fallback"],
                     unk_token=_shape.optional_string(model.get("unk_token"), f"{at}.unk_token", path),
                     fuse_unk=flags["fuse_unk"])


def build_bpe(vocab: dict[str, int], merges: list, *, byte_level: bool, path: object = None,
              ignore_merges: bool = False, byte_fallback: bool = False, unk_token: Optional[str] = None,
              fuse_unk: bool = False, merge_lines: Optional[Sequence[int]] = None, where: str = "vocab") -> BPE:
    """A pair-rank BPE model from a vocabulary and merge list (strings as in the file); ``where``
    names the vocabulary in error messages."""
    if not vocab:
        raise FormatError(f"{where}: the vocabulary is empty", path=path)
    bad = next(((s, i) for s, i in vocab.items() if not isinstance(i, int) or isinstance(i, bool)
                or not 0 <= i <= _shape.MAX_ID), None)
    if bad is not None:
        raise _shape.fail(f"{where}[{bad[0]!r}]", "an integer id 0 <= id < 2**31", bad[1], path)
    size = max(vocab.values()) + 1
    check_dense(size, len(vocab), path=path)
    tokens: list[Optional[bytes]] = [None] * size
    strings: list[Optional[str]] = [None] * size
    for s, i in vocab.items():
        if not isinstance(i, int) or i < 0:
            raise FormatError(f"token {s!r} has invalid id {i!r}", path=path)
        raw = try_decode_token(s) if byte_level else s.encode("utf-8")
        if raw is None:
            raw = s.encode("utf-8")  # not in the byte alphabet: HF can never produce it from text
        if tokens[i] is not None:
            raise FormatError(f"id {i} is used by two tokens ({strings[i]!r} and {s!r})", path=path)
        tokens[i], strings[i] = raw, s
    pairs: list[tuple[int, int]] = []
    for k, m in enumerate(merges):
        where = f"merge {k}"
        a, b = _merge_pair(m, k, path, where, merge_lines)
        ia, ib = vocab.get(a), vocab.get(b)
        if ia is None or ib is None:
            raise _merge_error(f"{where} ({a!r} {b!r}) names {a if ia is None else b!r}, which is not in the "
                               f"vocabulary", k, path, merge_lines)
        if (a + b) not in vocab:
            raise _merge_error(f"{where}: the merged token {a + b!r} is not in the vocabulary", k, path, merge_lines)
        pairs.append((ia, ib))
    # A byte-level vocabulary may lack bytes that never occur in UTF-8 (0xC0, 0xC1, 0xF5-0xFF);
    # like HF tokenizers, encoding then simply has no symbol for them.
    return BPE(tokens=tokens, merges=pairs, initial="bytes" if byte_level else "chars",
               whole_piece_first=ignore_merges, byte_fallback=byte_fallback, unk_token=unk_token,
               fuse_unk=fuse_unk, token_strings=strings)


def parse_added(items: list, *, path: object = None):
    """HF's ``added_tokens`` list (null or absent: none)."""
    from tokensmith.tokenizer import AddedToken

    out = []
    entries = [] if items is None else _shape.array(items, "added_tokens", path,
                                                     what="a list of {'id': ..., 'content': ...} objects")
    for k, t in enumerate(entries):
        at = f"added_tokens[{k}]"
        _shape.obj(t, at, path, what="an object with 'content' and 'id'")
        content = _shape.string(_shape.field(t, "content"), f"{at}.content", path, what="the token's text (a string)")
        if not content:
            raise _shape.fail(f"{at}.content", "the token's text (a non-empty string)", content, path)
        special = _shape.flag(t.get("special"), f"{at}.special", path, False)
        flags = {key: _shape.flag(t.get(key), f"{at}.{key}", path, False) for key in ("lstrip", "rstrip", "single_word")}
        out.append(AddedToken(content=content, id=_shape.token_id(_shape.field(t, "id"), f"{at}.id", path),
                              special=special, normalized=_shape.flag(t.get("normalized"), f"{at}.normalized",
                                                                       path, not special), **flags))
    return out


def from_dict(obj: dict, *, path: object = None, name: Optional[str] = None):
    """A Tokenizer from a parsed tokenizer.json; a part of the wrong shape is a FormatError
    naming it (each component parser checks what it reads)."""
    from tokensmith.tokenizer import Tokenizer

    if not isinstance(obj, dict) or not isinstance(obj.get("model"), dict):
        raise FormatError("not a tokenizer.json: no 'model' entry", path=path)
    if obj.get("truncation") or obj.get("padding"):
        warnings.warn(f"{path}: truncation/padding settings are not applied by tokensmith", stacklevel=2)
    normalizer = normalizers.from_json(obj.get("normalizer"), path=path)
    pre = pretokenizers.from_json(obj.get("pre_tokenizer"), path=path)
    post = postprocessors.from_json(obj.get("post_processor"), path=path)
    decoder = decoders.from_json(obj.get("decoder"), path=path)
    added = parse_added(obj.get("added_tokens"), path=path)
    model = parse_model(obj["model"], byte_level=_is_byte_level(pre, decoder), path=path)
    # Added tokens beyond the vocabulary extend the dense id tables: bound them like vocabulary ids.
    check_dense(max([model.size] + [t.id + 1 for t in added]),
                sum(t is not None for t in model.tokens) + len(added), path=path)
    return Tokenizer(model, normalizer=normalizer, pretokenizer=pre, added_tokens=added, post_processor=post,
                     decoder=decoder, name=name or _name_from(path), source_format="hf")


def _name_from(path) -> str:
    p = Path(str(path))
    stem = p.name.split(".")[0]
    return (p.parent.name if stem == "tokenizer" else stem) or "tokenizer"


def load(path, *, name: Optional[str] = None):
    return from_file_dict(read_json(path), path=path, name=name)


def from_file_dict(obj: dict, *, path, name: Optional[str] = None):
    """:func:`from_dict` for a dict read from ``path``: a bad merge is reported at its line."""
    try:
        return from_dict(obj, path=path, name=name)
    except FormatError as e:
        index = getattr(e, "merge_index", None)
        line = _merge_line(path, index) if index is not None and e.line is None else None
        if line is None:
            raise
        raise FormatError(str(e).split(": ", 1)[1], path=path, line=line) from None


def _merge_line(path, index: int) -> Optional[int]:
    """The line of the file where model.merges[index] starts (None if it cannot be found)."""
    try:
        text = Path(str(path)).read_text(encoding="utf-8")
        decoder = json.JSONDecoder()
        model = text.index('"model"')
        pos = text.index("[", text.index('"merges"', model)) + 1
        for k in range(index + 1):
            while text[pos] in " \t\r\n,":
                pos += 1
            start = pos
            _, pos = decoder.raw_decode(text, pos)
        return text.count("\n", 0, start) + 1
    except (OSError, ValueError, IndexError):
        return None


def derive_merges(tok) -> list[tuple[int, int]]:
    """Merges for a token-rank model: each multi-byte token splits into the two tokens that
    token-rank encoding of its bytes alone ends with before its last merge (algorithms §3.2;
    in a trained vocabulary only lower ranks take part)."""
    if tok.model.merges is not None:
        return list(tok.model.merges)
    return [tuple(p) for p in tok._core.derive_merges()]


def _names(tok) -> list[Optional[str]]:
    """The vocabulary string of each model id (None where the id is not a model token)."""
    model = tok.model
    strings = model.token_strings
    if strings:
        return [s if t is not None else None for s, t in zip(strings, model.tokens)]
    return [encode_token(t) if t is not None else None for t in model.tokens]


def _added_entries(tok, names: list[Optional[str]]) -> list[tuple[str, int]]:
    """Added tokens that go into the vocabulary at their ids: HF renumbers added tokens missing
    from it to follow the vocabulary, which would move tiktoken's specials."""
    missing = [t for t in tok.added_tokens if t.id >= len(names) or names[t.id] is None]
    if not missing:
        return []
    taken = set(n for n in names if n is not None)
    out = []
    for t in missing:
        if t.content not in taken:
            taken.add(t.content)
            out.append((t.content, t.id))
    return out


def _vocabulary(tok) -> tuple[dict[str, int], list[Optional[str]]]:
    """The file's vocabulary (token string -> id) and the string of each model id."""
    names = _names(tok)
    vocab = {name: i for i, name in enumerate(names) if name is not None}
    vocab.update(_added_entries(tok, names))
    return vocab, names


def to_dict(tok, *, tables: bool = True) -> dict:
    """tokenizer.json as a dict; ``tables=False`` leaves out the model's vocab and merges."""
    model = tok.model
    byte_level = model.initial == "bytes"
    if tables:
        vocab, names = _vocabulary(tok)
        merges = [[names[a], names[b]] for a, b in derive_merges(tok)]
    pre = tok.pretokenizer
    if byte_level:
        steps = pretokenizers.steps_of(pre)
        if not any(isinstance(s, pretokenizers.ByteLevel) for s in steps):
            pre = pretokenizers.Sequence(steps + [pretokenizers.ByteLevel(add_prefix_space=False, use_regex=False,
                                                                        trim_offsets=False)])
    post = tok.post_processor.source if tok.post_processor is not None and tok.post_processor.source else None
    decoder = tok.decoder if tok.decoder is not None else (decoders.ByteLevel() if byte_level else None)
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": t.id, "content": t.content, "single_word": t.single_word, "lstrip": t.lstrip,
             "rstrip": t.rstrip, "normalized": t.normalized, "special": t.special}
            for t in tok.added_tokens
        ],
        "normalizer": normalizers.to_json(tok.normalizer),
        "pre_tokenizer": pretokenizers.to_json(pre),
        "post_processor": post,
        "decoder": decoders.to_json(decoder),
        "model": {
            "type": "BPE", "dropout": None, "unk_token": model.unk_token, "continuing_subword_prefix": None,
            "end_of_word_suffix": None, "fuse_unk": model.fuse_unk, "byte_fallback": model.byte_fallback,
            "ignore_merges": model.whole_piece_first, **({"vocab": vocab, "merges": merges} if tables else {}),
        },
    }


def _stream(tok, text) -> None:
    """Write tokenizer.json to ``text`` entry by entry: a large vocabulary and merge list never
    become one string (or one list of lists) in memory. One vocabulary entry or merge a line."""
    head = to_dict(tok, tables=False)
    model = head.pop("model")
    dump = functools.partial(json.dumps, ensure_ascii=False)
    text.write("{\n")
    for key, value in head.items():
        text.write(f" {dump(key)}: {dump(value)},\n")
    text.write(' "model": {\n')
    for key, value in model.items():
        text.write(f"  {dump(key)}: {dump(value)},\n")
    # Names are spelled as they are written (not kept in a list): a large byte-level vocabulary
    # costs no extra copy of itself while its file is written.
    tokens, strings = tok.model.tokens, tok.model.token_strings
    name = (lambda i: strings[i]) if strings else (lambda i: encode_token(tokens[i]))
    text.write('  "vocab": {')
    sep = "\n"
    for i, t in enumerate(tokens):
        if t is not None:
            text.write(f"{sep}   {dump(name(i))}: {i}")
            sep = ",\n"
    if any(t.id >= len(tokens) or tokens[t.id] is None for t in tok.added_tokens):
        for content, i in _added_entries(tok, _names(tok)):
            text.write(f"{sep}   {dump(content)}: {i}")
            sep = ",\n"
    text.write('\n  },\n  "merges": [')
    sep = "\n"
    if tok.model.merges is not None:
        flat = [x for pair in tok.model.merges for x in pair]
    else:
        flat = memoryview(tok._core.derive_merges_packed()).cast("I")  # 8 bytes a merge
    for k in range(0, len(flat), 2):
        text.write(f"{sep}   [{dump(name(flat[k]))}, {dump(name(flat[k + 1]))}]")
        sep = ",\n"
    text.write("\n  ]\n }\n}\n")


def write(tok, path) -> list[str]:
    """Write ``tokenizer.json`` and ``tokenizer_config.json`` (for transformers) into a folder, or
    to ``path`` itself when it ends in ``.json``."""
    path = Path(path)
    target = path if path.suffix == ".json" else path / "tokenizer.json"
    def dump(f) -> None:
        text = io.TextIOWrapper(f, encoding="utf-8", newline="\n")
        _stream(tok, text)
        text.flush()
        text.detach()

    written = [atomic_write_with(target, dump)]
    specials = tok.special_tokens
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "clean_up_tokenization_spaces": False,
        "model_max_length": 1_000_000_000_000_000_019_884_624_838_656,
        "added_tokens_decoder": {str(t.id): {"content": t.content, "lstrip": t.lstrip, "rstrip": t.rstrip,
                                             "normalized": t.normalized, "single_word": t.single_word,
                                             "special": t.special} for t in tok.added_tokens},
    }
    if "<|endoftext|>" in specials:
        config["eos_token"] = "<|endoftext|>"
    written.append(atomic_write(target.with_name("tokenizer_config.json"), json.dumps(config, ensure_ascii=False, indent=1)))
    return written
