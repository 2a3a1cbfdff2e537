"""Boundary P/R/F1 against SIGMORPHON 2022, with the surface-alignment step."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tokensmith.evaluate import morphology

DATA = Path(os.environ.get("TOKENSMITH_TEST_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
SIGMORPHON = DATA / "morphology" / "sigmorphon2022"


def test_surface_substrings_keep_their_boundaries():
    assert morphology.surface_boundaries("patronesses", ["patron", "ess", "es"]) == [6, 9]


def test_canonical_morphemes_are_projected_onto_the_surface():
    # "relassare @@ato": the infinitive ending vanishes in the surface form relass|ato.
    assert morphology.surface_boundaries("relassato", ["relassare", "ato"]) == [6]
    # Accents differ between canonical and surface forms: a|cobíj|a|lo.
    assert morphology.surface_boundaries("acobíjalo", ["a", "cobijar", "á", "lo"]) == [1, 6, 7]


class FixedSplits:
    """Encodes ' word' into the pieces given for that word."""

    vocab_size = 0

    def __init__(self, splits: dict[str, list[str]]):
        self.pieces = sorted({p for ps in splits.values() for p in ps})
        self.splits = splits

    def encode(self, text):
        return [self.pieces.index(p) for p in self.splits[text[1:]]]

    def decode_bytes(self, ids):
        return "".join(self.pieces[i] for i in ids).encode()


def test_boundary_counts_and_scores_by_hand():
    tok = FixedSplits({"undiscounted": [" un", "discount", "ed"], "patronesses": [" patro", "nesses"]})
    pairs = [("undiscounted", ["un", "discount", "ed"]), ("patronesses", ["patron", "ess", "es"])]
    c = morphology.boundary_counts(tok, pairs)
    # gold {2, 10} and {6, 9}; predicted {2, 10} and {5}: tp 2, fp 1, fn 2.
    assert (c["tp"], c["fp"], c["fn"], c["words"]) == (2, 1, 2, 2)
    s = morphology.scores(c)
    assert s["precision"] == pytest.approx(2 / 3) and s["recall"] == pytest.approx(0.5)


@pytest.mark.skipif(not SIGMORPHON.is_dir(), reason=f"SIGMORPHON 2022 data not found at {SIGMORPHON}")
def test_every_language_file_reads_and_projects(ts):
    for path in sorted(SIGMORPHON.glob("*.tsv.xz")):
        pairs = morphology.read_sigmorphon(path, max_words=200)
        assert len(pairs) == 200
        for word, morphemes in pairs:
            assert all(0 < b < len(word) for b in morphology.surface_boundaries(word, morphemes))
