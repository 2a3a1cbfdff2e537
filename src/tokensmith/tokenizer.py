"""The Tokenizer: one pipeline object that encodes and decodes, whatever file it came from.

normalizer -> added tokens -> pre-tokenizer -> BPE model -> post-processor, and back through
the decoder. The declarative parts (:mod:`~tokensmith.models.bpe`,
:mod:`~tokensmith.pretokenizers`, :mod:`~tokensmith.normalizers`, :mod:`~tokensmith.decoders`)
are turned into one native ``_core.Pipeline``; this class adds the policy: tiktoken's
special-token rules, surrogate handling, threading defaults, numpy, pickling.

When the pre-tokenizer is a known pattern and the normalizer leaves the text unchanged (the
common case), a call is one native call with the GIL released. Otherwise the pipeline is
walked here, with the native core doing the added-token matching and the BPE.
"""
from __future__ import annotations

import os
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import AbstractSet, Collection, Iterable, Literal, Optional, Sequence, Union


from tokensmith import _core, decoders, normalizers, pretokenizers
from tokensmith.bytelevel import encode_token as _bytelevel_str
from tokensmith.errors import InputTypeError, SpecialTokenError
from tokensmith.models.bpe import BPE
from tokensmith.postprocessors import Template
from tokensmith.stream import StreamDecoder

AllowedSpecial = Union[Literal["all"], AbstractSet[str], Collection[str]]


@dataclass(frozen=True)
class AddedToken:
    """A token matched in raw text before pre-tokenization (HF ``added_tokens``).

    ``special`` tokens follow the special-token policy of :meth:`Tokenizer.encode`; the others
    are always matched, as in HF tokenizers.
    """

    content: str
    id: int
    special: bool = True
    lstrip: bool = False
    rstrip: bool = False
    single_word: bool = False
    normalized: bool = False


def _fix_surrogates(text: str) -> str:
    # tiktoken's rule: join surrogate pairs, replace lone surrogates with U+FFFD.
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _check_str(text: object) -> str:
    if isinstance(text, str):
        return text
    raise InputTypeError(
        f"expected str, got {type(text).__name__}; decode bytes first (data.decode('utf-8')) "
        "or pass text, not token ids")


class Tokenizer:
    """A loaded or trained tokenizer. Build one with :func:`tokensmith.load`.

    Encoding follows tiktoken's API and special-token policy; ids equal the reference library's.
    """

    def __init__(self, model: BPE, *, pretokenizer: Optional[pretokenizers.PreTokenizer] = None,
                 normalizer: Optional[normalizers.Normalizer] = None,
                 added_tokens: Iterable[AddedToken] = (), post_processor: Optional[Template] = None,
                 decoder: Optional[decoders.Decoder] = None, name: str = "tokenizer",
                 source_format: str = "tokensmith"):
        self.model = model
        self.pretokenizer = pretokenizer
        self.normalizer = normalizer
        self.added_tokens = sorted(added_tokens, key=lambda t: t.id)
        self.post_processor = post_processor
        self.decoder = decoder
        self.name = name
        self.source_format = source_format
        self._build()

    # ----------------------------------------------------------------------------- building

    def _build(self) -> None:
        fp = pretokenizers.fast_path(self.pretokenizer)
        if fp is None:
            pretokenizers.validate(self.pretokenizer, name=self.name)
        self._fast = fp
        self._generic = fp is None
        self._plain = fp is not None and self.normalizer is None
        model = self.model
        left, right = model.merge_lists()
        added = self.added_tokens
        self._check_added_ids()
        size = max([model.size] + [t.id + 1 for t in added])
        decode: list[Optional[bytes]] = [None] * size
        strings = model.token_strings
        for i, tok in enumerate(model.tokens):
            if tok is None:
                continue
            if self.decoder is None or isinstance(self.decoder, decoders.ByteLevel):
                decode[i] = tok
            else:
                decode[i] = decoders.token_bytes(self.decoder, strings[i] if strings else tok.decode("utf-8", "replace"))
        for t in added:
            decode[t.id] = t.content.encode("utf-8")
        spec = {
            "tokens": model.tokens,
            "semantics": 0 if model.merges is None else 1,
            "merge_left": left,
            "merge_right": right,
            "initial": 0 if model.initial == "bytes" else 1,
            "whole_piece_first": model.whole_piece_first,
            "byte_fallback": model.byte_fallback,
            "unk_id": model.unk_id(),
            "fuse_unk": model.fuse_unk,
            "pretok_kind": fp.kind if fp else 0,
            "max_digits": fp.max_digits if fp else 3,
            "contractions": fp.contractions if fp else True,
            "add_prefix_space": fp.add_prefix_space if fp else False,
            # Normalized added tokens are matched in normalized text, so in normalized form (as HF).
            "added": [((normalizers.normalize(self.normalizer, t.content) if t.normalized else t.content)
                       .encode("utf-8"), t.id, t.lstrip, t.rstrip, t.single_word, t.normalized)
                      for t in added],
            "decode": decode,
        }
        try:
            self._core = _core.Pipeline(spec)
        except ValueError as e:
            from tokensmith.errors import FormatError

            raise FormatError(f"{self.name}: {e}") from None
        self._vocab_size = size
        self._special = {t.content: t.id for t in added if t.special}
        self._special_index = {t.content: k for k, t in enumerate(added) if t.special}
        self._default_mask = self._mask(frozenset())
        self._all_mask = self._mask(frozenset(self._special))
        self._disallow_all = self._mask_of(set(self._special))
        self._decode_finish = decoders.has_finish(self.decoder)
        self._token_to_id: Optional[dict[str, int]] = None

    def _check_added_ids(self) -> None:
        """Added-token ids index the dense decode table: refuse what the readers could not bound
        (a Tokenizer built by hand, special tokens passed by the caller)."""
        from tokensmith import _shape
        from tokensmith.errors import FormatError
        from tokensmith.formats.common import check_dense

        for t in self.added_tokens:
            if not isinstance(t.id, int) or isinstance(t.id, bool) or not 0 <= t.id <= _shape.MAX_ID:
                raise FormatError(f"{self.name}: added token {t.content!r} has id {t.id!r}; expected an integer "
                                  "0 <= id < 2**31")
        top = max([self.model.size] + [t.id + 1 for t in self.added_tokens])
        if top == self.model.size:
            return
        try:
            check_dense(top, sum(x is not None for x in self.model.tokens) + len(self.added_tokens))
        except FormatError as e:
            raise FormatError(f"{self.name}: {e}") from None

    # Masks are bytes, one 0/1 per added token (the core reads them in place), or None for none.
    def _mask_of(self, contents: AbstractSet[str]) -> Optional[bytes]:
        mask = bytes(1 if (t.special and t.content in contents) else 0 for t in self.added_tokens)
        return mask if any(mask) else None

    def _mask(self, allowed: AbstractSet[str]) -> Optional[bytes]:
        mask = bytes(1 if (not t.special or t.content in allowed) else 0 for t in self.added_tokens)
        return mask if any(mask) else None

    # ---------------------------------------------------------------------- special tokens

    def _policy(self, allowed_special: AllowedSpecial,
                disallowed_special: AllowedSpecial) -> tuple[Optional[bytes], Optional[bytes]]:
        """(mask, disallow) for one call: the added tokens that are matched in the text, and the
        special tokens whose presence in it raises (None: none)."""
        if not allowed_special:  # the usual calls: encode's and count's defaults
            if disallowed_special == "all":
                return self._default_mask, self._disallow_all
            if not disallowed_special:
                return self._default_mask, None
        if allowed_special == "all":
            allowed: AbstractSet[str] = self._special.keys()
            mask = self._all_mask
        else:
            allowed = allowed_special if isinstance(allowed_special, (set, frozenset)) else set(allowed_special)
            mask = self._default_mask if not allowed else self._mask(allowed)
        if disallowed_special == "all":
            disallow = self._disallow_all if not allowed else self._mask_of(self._special.keys() - allowed)
        elif disallowed_special:
            disallow = self._mask_of(set(disallowed_special))
        else:
            disallow = None
        return mask, disallow

    def _check_disallowed(self, text: str, disallow: Optional[bytes]) -> None:
        """Raises if text holds a special token of `disallow`: for the calls that do not hand
        the policy to the core (batches, the Python pipeline)."""
        if disallow is None:
            return
        try:
            hit = self._core.find_added(text, disallow)
        except UnicodeEncodeError:
            hit = self._core.find_added(_fix_surrogates(text), disallow)
        if hit is not None:
            raise self._disallowed(hit[1])

    def _disallowed(self, index: int) -> SpecialTokenError:
        token = self.added_tokens[index].content
        return SpecialTokenError(
            f"Encountered text corresponding to disallowed special token {token!r}.\n"
            f"If you want this text to be encoded as a special token, pass it to `allowed_special`, "
            f"e.g. `allowed_special={{{token!r}, ...}}`.\n"
            f"If you want this text to be encoded as normal text, disable the check for this token "
            f"by passing `disallowed_special=(enc.special_tokens_set - {{{token!r}}})`.\n"
            f"To disable this check for all special tokens, pass `disallowed_special=()`.\n")

    # ---------------------------------------------------------------------------- encoding

    def _run(self, method, text: str, mask: Optional[bytes], disallow: Optional[bytes]):
        """One native call on text: the core type-checks text, checks the policy and encodes.
        Lone surrogates are replaced as tiktoken does; errors are worded here."""
        try:
            return method(text, mask, disallow)
        except UnicodeEncodeError:
            return self._run(method, _fix_surrogates(text), mask, disallow)
        except _core.DisallowedSpecial as e:
            raise self._disallowed(int(str(e))) from None
        except TypeError:
            _check_str(text)
            raise

    def _fast_ok(self, text: str) -> bool:
        return not self._generic and normalizers.is_identity_on(self.normalizer, text)

    def _encode_ids(self, text: str, mask: Optional[bytes], disallow: Optional[bytes] = None) -> list[int]:
        if self._plain or self._fast_ok(_check_str(text)):
            return self._run(self._core.encode, text, mask, disallow)
        return self._encode_slow(text, mask, disallow, offsets=None)

    def encode(self, text: str, *, allowed_special: AllowedSpecial = frozenset(),
               disallowed_special: AllowedSpecial = "all", add_special_tokens: bool = False) -> list[int]:
        """Token ids of ``text``.

        Special tokens follow tiktoken's policy: text matching a special token raises
        :class:`~tokensmith.errors.SpecialTokenError` unless the token is in ``allowed_special``
        (then it becomes that token) or left out of ``disallowed_special`` (then it is plain
        text). ``add_special_tokens`` applies the file's post-processor (BOS/EOS), as HF does.
        """
        if self._plain and not allowed_special and disallowed_special == "all" and not add_special_tokens:
            # The usual call, straight to the core. Anything unusual (lone surrogates, a special
            # token in the text, not a str) takes the general path below, which words the error.
            try:
                return self._core.encode(text, self._default_mask, self._disallow_all)
            except Exception:
                pass
        mask, disallow = self._policy(allowed_special, disallowed_special)
        ids = self._encode_ids(text, mask, disallow)
        if add_special_tokens and self.post_processor is not None:
            ids = self.post_processor.apply(ids)
        return ids

    def encode_ordinary(self, text: str) -> list[int]:
        """Token ids of ``text`` with special tokens treated as plain text."""
        if self._plain:
            # The hot path: one native call (it type-checks its argument itself).
            try:
                return self._core.encode(text, self._default_mask)
            except UnicodeEncodeError:
                return self._core.encode(_fix_surrogates(text), self._default_mask)
            except TypeError:
                _check_str(text)
                raise
        return self._encode_ids(_check_str(text), self._default_mask)

    def encode_batch(self, texts: Sequence[str], *, threads: Optional[int] = None,
                     allowed_special: AllowedSpecial = frozenset(),
                     disallowed_special: AllowedSpecial = "all",
                     add_special_tokens: bool = False) -> list[list[int]]:
        """:meth:`encode` over many texts on native threads (default: all cores), GIL released."""
        texts = [_check_str(t) for t in texts]
        if not texts:
            return []
        mask, disallow = self._policy(allowed_special, disallowed_special)
        for t in texts:
            self._check_disallowed(t, disallow)
        result = self._batch(texts, mask, threads)
        if add_special_tokens and self.post_processor is not None:
            result = [self.post_processor.apply(r) for r in result]
        return result

    def encode_ordinary_batch(self, texts: Sequence[str], *, threads: Optional[int] = None) -> list[list[int]]:
        """:meth:`encode_ordinary` over many texts on native threads."""
        return self._batch([_check_str(t) for t in texts], self._default_mask, threads)

    def _batch(self, texts: list[str], mask, threads: Optional[int]) -> list[list[int]]:
        n = threads if threads is not None else (os.cpu_count() or 1)
        if self._generic or not all(normalizers.is_identity_on(self.normalizer, t) for t in texts):
            return [self._encode_ids(t, mask) for t in texts]
        try:
            return self._core.encode_batch(texts, mask, max(1, n))
        except UnicodeEncodeError:
            return self._core.encode_batch([_fix_surrogates(t) for t in texts], mask, max(1, n))

    def encode_to_numpy(self, text: str, *, allowed_special: AllowedSpecial = frozenset(),
                        disallowed_special: AllowedSpecial = "all") -> "numpy.ndarray":
        """Token ids as a ``uint32`` numpy array, built without an intermediate list."""
        if self._plain and not allowed_special and disallowed_special == "all":
            try:  # the usual call, as in encode
                return self._core.encode_numpy(text, self._default_mask, self._disallow_all)
            except Exception:
                pass
        mask, disallow = self._policy(allowed_special, disallowed_special)
        if self._plain or self._fast_ok(_check_str(text)):
            return self._run(self._core.encode_numpy, text, mask, disallow)
        import numpy as np  # imported when first needed: `import tokensmith` stays light

        return np.asarray(self._encode_slow(text, mask, disallow, offsets=None), dtype=np.uint32)

    def count(self, text: str, *, allowed_special: AllowedSpecial = frozenset(),
              disallowed_special: AllowedSpecial = ()) -> int:
        """Number of tokens in ``text`` (special tokens are plain text unless allowed)."""
        mask, disallow = self._policy(allowed_special, disallowed_special)
        if self._plain or self._fast_ok(_check_str(text)):
            return self._run(self._core.count, text, mask, disallow)
        return len(self._encode_slow(text, mask, disallow, offsets=None))

    def encode_with_offsets(self, text: str, *, allowed_special: AllowedSpecial = frozenset(),
                            disallowed_special: AllowedSpecial = "all") -> tuple[list[int], list[tuple[int, int]]]:
        """Ids and, per token, ``(start, end)`` character offsets into ``text``.

        A token holding only part of a multi-byte character covers that whole character, so
        ``text[start:end]`` always contains what the token encodes.
        """
        text = _check_str(text)
        mask, disallow = self._policy(allowed_special, disallowed_special)
        if self._fast_ok(text):
            ids, flat = self._run(self._core.encode_offsets, text, mask, disallow)
            return ids, list(zip(flat[0::2], flat[1::2]))
        offsets: list[tuple[int, int]] = []
        ids = self._encode_slow(text, mask, disallow, offsets=offsets)
        return ids, offsets

    def _encode_slow(self, text: str, mask: Optional[bytes], disallow: Optional[bytes] = None, *,
                     offsets: Optional[list]) -> list[int]:
        """The pipeline walked in Python: added tokens, normalizer, generic pre-tokenizer. The
        policy's check comes first, as in the core."""
        self._check_disallowed(text, disallow)
        text = _fix_surrogates(text)
        data = text.encode("utf-8")
        out: list[int] = []
        where = _Positions(text, data) if offsets is not None else None
        for start, end, k in _triples(self._core.split_added(data, mask, False)):
            if k >= 0:
                out.append(self.added_tokens[k].id)
                if offsets is not None:
                    offsets.append((where.char(start), where.char(end)))
                continue
            segment = data[start:end].decode("utf-8")
            norm = normalizers.normalize(self.normalizer, segment)
            norm_bytes = norm.encode("utf-8")
            norm_where = _Positions(norm, norm_bytes) if offsets is not None else None

            def place(na: int, nb: int) -> None:  # a byte span of norm, as characters of text
                offsets.append(_map_span(where, start, end, len(norm_bytes), na, nb))

            for s2, e2, k2 in _triples(self._core.split_added(norm_bytes, mask, True)):
                if k2 >= 0:
                    out.append(self.added_tokens[k2].id)
                    if offsets is not None:
                        place(s2, e2)
                    continue
                piece = norm_bytes[s2:e2].decode("utf-8")
                if not self._generic:
                    if offsets is None:
                        out.extend(self._core.encode(piece, None))
                    else:
                        ids, flat = self._core.encode_offsets(piece, None)
                        out.extend(ids)
                        base = norm_where.char(s2)
                        for a, b in zip(flat[0::2], flat[1::2]):
                            place(norm_where.byte(base + a), norm_where.byte(base + b))
                    continue
                if offsets is None:
                    pieces = pretokenizers.split_text(self.pretokenizer, piece)
                    out.extend(self._core.encode_pieces([p.encode("utf-8") for p in pieces]))
                    continue
                spans = pretokenizers.split_spans(self.pretokenizer, piece)
                ids, flat, counts = self._core.encode_pieces_offsets([p.encode("utf-8") for _, _, p, _ in spans])
                out.extend(ids)
                base = norm_where.char(s2)
                k = 0
                for (p_start, _, p_text, inserted), count in zip(spans, counts):
                    piece_where = _Positions(p_text, p_text.encode("utf-8"))
                    for _ in range(count):
                        # A token holding part of a character covers all of it.
                        a = piece_where.char(flat[2 * k])
                        b = max(a, piece_where.char(flat[2 * k + 1], up=True))
                        # A character the pre-tokenizer inserted belongs to the text's next one.
                        a, b = max(a - inserted, 0), max(b - inserted, 0)
                        if b == 0 and inserted:
                            b = 1
                        place(norm_where.byte(base + p_start + a), norm_where.byte(base + p_start + b))
                        k += 1
        return out

    # ---------------------------------------------------------------------------- decoding

    def decode_bytes(self, ids: Iterable[int]) -> bytes:
        """The bytes the ids stand for (special tokens included)."""
        if type(ids).__module__ == "numpy":  # an ndarray: without importing numpy for the check
            ids = ids.tolist()
        try:
            return self._core.decode(ids)
        except KeyError as e:
            raise KeyError(f"token id {e.args[0]} is not in this tokenizer (vocab_size={self.vocab_size})") from None
        except TypeError:
            if not isinstance(ids, Iterable) or isinstance(ids, (str, bytes)):
                raise InputTypeError(f"decode takes a sequence of int token ids, got {type(ids).__name__}") from None
            ids = list(ids)
            bad = next((i for i in ids if not isinstance(i, int) or not 0 <= i < 2**32), None)
            if isinstance(bad, int):
                raise KeyError(f"token id {bad} is not in this tokenizer (vocab_size={self.vocab_size})") from None
            raise InputTypeError(f"decode takes a sequence of int token ids, got {bad!r} among them") from None

    def decode(self, ids: Iterable[int], *, errors: str = "replace") -> str:
        """Text of the ids; invalid UTF-8 becomes U+FFFD (``errors="replace"``, as tiktoken) or
        raises with ``errors="strict"``."""
        text = self.decode_bytes(ids).decode("utf-8", errors)
        return decoders.finish(self.decoder, text) if self._decode_finish else text

    def decode_single_token_bytes(self, token: int) -> bytes:
        return self.decode_bytes([token])

    def decode_tokens_bytes(self, tokens: Iterable[int]) -> list[bytes]:
        return [self.decode_single_token_bytes(t) for t in tokens]

    def stream_decoder(self, *, errors: str = "replace") -> StreamDecoder:
        """An incremental decoder that never emits a partial UTF-8 character."""
        return StreamDecoder(self, errors=errors)

    # -------------------------------------------------------------------------- vocabulary

    @property
    def vocab_size(self) -> int:
        """One more than the largest id (model tokens and added tokens)."""
        return self._vocab_size

    @property
    def n_vocab(self) -> int:
        return self._vocab_size

    @property
    def special_tokens(self) -> dict[str, int]:
        return dict(self._special)

    @property
    def special_tokens_set(self) -> set[str]:
        return set(self._special)

    def id_to_token(self, id: int) -> Optional[str]:
        """The vocabulary string of an id (byte-level tokens spelled as in HF, ``Ġ`` for space)."""
        for t in self.added_tokens:
            if t.id == id:
                return t.content
        if not 0 <= id < self.model.size or self.model.tokens[id] is None:
            return None
        if self.model.token_strings is not None:
            return self.model.token_strings[id]
        return _bytelevel_str(self.model.tokens[id])

    def token_to_id(self, token: str) -> Optional[int]:
        if self._token_to_id is None:
            table: dict[str, int] = {}
            for i in range(self.model.size):
                s = self.id_to_token(i) if self.model.tokens[i] is not None else None
                if s is not None:
                    table[s] = i
            for t in self.added_tokens:
                table[t.content] = t.id
            self._token_to_id = table
        return self._token_to_id.get(token)

    def unreachable_tokens(self) -> list[int]:
        """Ids whose own bytes do not encode back to them under this model's merges."""
        return list(self._core.unreachable_tokens())

    # --------------------------------------------------------------------- saving, pickling

    def save(self, path: Union[str, os.PathLike], *, format: str = "hf") -> list[str]:
        """Write the tokenizer (``format="hf"``: tokenizer.json + tokenizer_config.json in a folder
        or at a ``.json`` path; ``"tiktoken"``: a .tiktoken file and its .json sidecar).
        Files are written atomically. Returns the paths written."""
        from tokensmith.formats import save as _save

        return _save.save(self, path, format=format)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for key in list(state):
            if key.startswith("_"):
                del state[key]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._build()

    def __repr__(self) -> str:
        return (f"<Tokenizer {self.name!r} vocab_size={self.vocab_size} "
                f"bpe={self.model.semantics} specials={len(self._special)}>")


def _triples(flat: Sequence[int]):
    return zip(flat[0::3], flat[1::3], flat[2::3])


class _Positions:
    """Character and UTF-8 byte positions of one string, both ways: built in one pass, then a
    list index from characters and a binary search from bytes, so that placing every token of a
    long text stays linear (slicing and re-encoding a prefix per token would be quadratic).

    >>> where = _Positions("aé中b", "aé中b".encode("utf-8"))
    >>> [where.byte(c) for c in range(5)], where.char(2), where.char(2, up=True), where.char(3)
    ([0, 1, 3, 6, 7], 1, 2, 2)
    """

    def __init__(self, text: str, data: bytes):
        self._bytes = (None if len(text) == len(data)
                       else list(accumulate((len(c.encode("utf-8")) for c in text), initial=0)))

    def byte(self, char: int) -> int:
        """Byte offset where character ``char`` starts."""
        return char if self._bytes is None else self._bytes[char]

    def char(self, byte: int, *, up: bool = False) -> int:
        """Characters that start before byte ``byte``; with ``up``, counting one that ``byte``
        falls inside of."""
        if self._bytes is None:
            return byte
        k = bisect_right(self._bytes, byte) - 1
        return k + 1 if up and self._bytes[k] < byte else k


def _map_span(where: _Positions, seg_start: int, seg_end: int, norm_len: int, a: int, b: int) -> tuple[int, int]:
    """Map a byte span of a normalized segment back to character offsets in the original text.

    Normalization may reorder or merge characters, so the mapping is proportional within the
    segment when lengths differ, exact when they agree."""
    if seg_end - seg_start != norm_len:
        scale = (seg_end - seg_start) / max(1, norm_len)
        a, b = int(a * scale), int(round(b * scale))
    return where.char(seg_start + a), where.char(seg_start + b)
