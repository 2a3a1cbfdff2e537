"""Sample tokenisations for the report: a few segments, split by every tokenizer, side by side.

Per corpus, the reference language's segment comes first, then languages of other scripts (one
per script, in corpus order), so the samples show the scripts where tokenizers differ most. Each
token is stored as ``[text, n]`` with ``n == 1``; tokens that each hold only part of a UTF-8
character (byte-level BPE on non-Latin scripts) are grouped until their bytes form whole
characters and stored once as ``[characters, n]`` with the number ``n`` of tokens in the group.
"""
from __future__ import annotations

from typing import Optional

from tokensmith.display import is_partial, token_text
from tokensmith.evaluate.measure import _decode_bytes, _encode_one, part_script


def _choose_segment(texts: list[str], lo: int = 40, hi: int = 220) -> Optional[str]:
    """The first segment of a readable length, else the first non-empty one cut at ``hi``."""
    for t in texts[:200]:
        if lo <= len(t) <= hi:
            return t
    for t in texts:
        if t.strip():
            return t[:hi]
    return None


def group_partial(pieces: list[bytes], max_group: int = 8) -> list[list]:
    """``[text, n_tokens]`` per token, consecutive partial-character tokens merged.

    >>> group_partial([b"a", "中".encode()[:2], "中".encode()[2:], b"b"])
    [['a', 1], ['中', 2], ['b', 1]]
    """
    out: list[list] = []
    k = 0
    while k < len(pieces):
        if not is_partial(pieces[k]):
            out.append([token_text(pieces[k]), 1])
            k += 1
            continue
        for n in range(2, max_group + 1):
            joined = b"".join(pieces[k:k + n])
            if k + n <= len(pieces) and not is_partial(joined):
                out.append([joined.decode("utf-8"), n])
                k += n
                break
        else:
            out.append([token_text(pieces[k]), 1])
            k += 1
    return out


def pick(toks, corpora, infos, per_corpus: int) -> list[dict]:
    """``[{corpus, language, script, text, tokens: {label: [[text, partial], ...]}}]``."""
    out = []
    for corpus, info in zip(corpora, infos):
        order = list(corpus.parts)
        if info.reference in order:
            order.remove(info.reference)
            order.insert(0, info.reference)
        chosen, scripts = [], set()
        for code in order:
            script = part_script(code, corpus.parts[code])
            if script in scripts and len(order) > per_corpus:
                continue
            scripts.add(script)
            chosen.append((code, script))
            if len(chosen) >= per_corpus:
                break
        for code, script in chosen:
            text = _choose_segment(corpus.parts[code].texts)
            if text is None:
                continue
            tokens = {}
            for label, tok, _ in toks:
                try:
                    ids = _encode_one(tok, text)
                    tokens[label] = group_partial([_decode_bytes(tok, [i]) for i in ids])
                except Exception as e:  # noqa: BLE001 - shown in the report instead of the tokens
                    tokens[label] = [[f"⚠ {type(e).__name__}: {e}", 1]]
            out.append({"corpus": corpus.name, "language": code, "script": script or "", "text": text, "tokens": tokens})
    return out
