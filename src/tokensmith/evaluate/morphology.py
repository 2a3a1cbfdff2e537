"""Morphological boundary precision, recall and F1 against SIGMORPHON 2022 segmentations.

The SIGMORPHON 2022 word-level data (``word<TAB>morphemes joined by " @@"<TAB>bits``) is
*canonical*: morphemes are dictionary forms, not substrings (``subsidised → subside @@y @@ise
@@ed``). Boundaries are therefore first projected onto the surface word (:func:`surface_boundaries`):
the concatenated morphemes are aligned to the word by Levenshtein alignment (characters compared
case- and accent-insensitively; ties prefer match/substitution, then dropping a canonical
character, then an extra surface character), and each morpheme end maps to the surface position
reached at that point (the smallest one when surface characters are inserted there).

A tokenizer's boundaries are the ends of its tokens inside the word, tokenized with one leading
space as in running text (the space is not a boundary). Scores are micro-averaged over words:
``P = |G ∩ T| / |T|``, ``R = |G ∩ T| / |G|`` (algorithms §8.8). Words whose tokens do not spell
the word byte for byte (normalising tokenizers) are skipped and counted.
"""
from __future__ import annotations

import lzma
import unicodedata
from pathlib import Path
from typing import Iterable, Optional

from tokensmith.evaluate.issues import Issue
from tokensmith.evaluate.measure import TokenBytes, _batch_encoder
from tokensmith.evaluate.metrics import ratio


def _fold(c: str) -> str:
    base = unicodedata.normalize("NFD", c)[:1] or c
    return base.casefold()


def surface_boundaries(word: str, morphemes: list[str]) -> list[int]:
    """Character offsets inside ``word`` where the canonical morphemes meet.

    >>> surface_boundaries("undiscounted", ["un", "discount", "ed"])
    [2, 10]
    >>> surface_boundaries("erupcionado", ["erupción", "ar", "ado"])
    [8]
    >>> surface_boundaries("subsidised", ["subside", "y", "ise", "ed"])
    [6, 8]
    """
    ends, n = [], 0
    for m in morphemes[:-1]:
        n += len(m)
        ends.append(n)
    canon = "".join(morphemes)
    if canon == word:
        return ends
    a, b = [_fold(c) for c in canon], [_fold(c) for c in word]
    rows, cols = len(a) + 1, len(b) + 1
    d = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        d[i][0] = i
    for j in range(cols):
        d[0][j] = j
    for i in range(1, rows):
        for j in range(1, cols):
            d[i][j] = min(d[i - 1][j - 1] + (a[i - 1] != b[j - 1]), d[i - 1][j] + 1, d[i][j - 1] + 1)
    # Walk back from the end; the last visit of row i has the smallest surface position.
    pos = [0] * rows
    i, j = rows - 1, cols - 1
    while i > 0 or j > 0:
        pos[i] = j
        if i > 0 and j > 0 and d[i][j] == d[i - 1][j - 1] + (a[i - 1] != b[j - 1]):
            i, j = i - 1, j - 1
        elif i > 0 and d[i][j] == d[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return sorted({pos[e] for e in ends if 0 < pos[e] < len(word)})


def read_sigmorphon(path, max_words: Optional[int] = None) -> list[tuple[str, list[str]]]:
    """``(word, morphemes)`` pairs from a ``*.word.*.tsv[.xz]`` file, evenly sampled to
    ``max_words`` (deterministic)."""
    p = Path(path)
    data = lzma.open(p).read() if p.suffix == ".xz" else p.read_bytes()
    rows = []
    for line in data.decode("utf-8").split("\n"):
        cols = line.split("\t")
        if len(cols) >= 2 and cols[0]:
            rows.append((cols[0], [m.strip() for m in cols[1].split(" @@")]))
    if max_words and len(rows) > max_words:
        step = len(rows) / max_words
        rows = [rows[int(k * step)] for k in range(max_words)]
    return rows


def boundary_counts(tok, pairs: list[tuple[str, list[str]]], token_bytes: Optional[TokenBytes] = None,
                    threads: Optional[int] = None) -> dict:
    """``{words, skipped, tp, fp, fn}`` of a tokenizer on ``(word, morphemes)`` pairs."""
    token_bytes = token_bytes or TokenBytes(tok)
    encoded = _batch_encoder(tok, threads)([" " + w for w, _ in pairs])
    tp = fp = fn = words = skipped = 0
    for (word, morphemes), ids in zip(pairs, encoded):
        wb = word.encode("utf-8")
        pieces = [token_bytes(i) for i in ids]
        if b"".join(pieces) != b" " + wb:
            skipped += 1
            continue
        pred, n = set(), -1
        for p in pieces:
            n += len(p)
            if 0 < n < len(wb):
                pred.add(n)
        gold = {len(word[:c].encode("utf-8")) for c in surface_boundaries(word, morphemes)}
        tp += len(pred & gold)
        fp += len(pred - gold)
        fn += len(gold - pred)
        words += 1
    return {"words": words, "skipped": skipped, "tp": tp, "fp": fp, "fn": fn}


def scores(counts: dict) -> dict:
    """Precision, recall and F1 from boundary counts.

    >>> scores({"tp": 2, "fp": 2, "fn": 0})
    {'precision': 0.5, 'recall': 1.0, 'f1': 0.6666666666666666}
    """
    p = ratio(counts["tp"], counts["tp"] + counts["fp"])
    r = ratio(counts["tp"], counts["tp"] + counts["fn"])
    f = None if p is None or r is None or p + r == 0 else 2 * p * r / (p + r)
    return {"precision": p, "recall": r, "f1": f}


def default_folder() -> Optional[Path]:
    from tokensmith.demo import reference_data_dir

    root = reference_data_dir()
    folder = root / "morphology" / "sigmorphon2022" if root else None
    return folder if folder is not None and folder.is_dir() else None


def evaluate_boundaries(toks: Iterable[tuple], source, *, max_words: int = 2000, issues: list[Issue]) -> list[dict]:
    """One row per tokenizer × language: raw counts and P/R/F1."""
    folder = default_folder() if source is True else Path(source)
    if folder is None or not folder.exists():
        issues.append(Issue("warning", "SIGMORPHON 2022 data not found; morphology left out", str(source)))
        return []
    rows = []
    files = sorted(folder.glob("*.word.*.tsv*"))
    data = {f.name.split(".")[0].replace("surprise_", ""): read_sigmorphon(f, max_words) for f in files}
    for label, tok, _ in toks:
        cache = TokenBytes(tok)
        for lang, pairs in data.items():
            try:
                counts = boundary_counts(tok, pairs, cache)
            except Exception as e:  # noqa: BLE001 - reported; the other languages still run
                issues.append(Issue("error", f"tokenizer raised {type(e).__name__}: {e}", str(folder), language=lang,
                                    tokenizer=label))
                continue
            rows.append({"tokenizer": label, "language": lang, **counts, **scores(counts)})
    return rows
