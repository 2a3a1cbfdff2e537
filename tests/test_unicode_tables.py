"""Differential tests of the Unicode property table (csrc/unicode/tables.h).

The pre-tokenizer scanners classify characters with ts::unicode::flags, exposed to Python
as tokensmith._core.unicode_flags. For the ids to match the reference libraries, every one
of the 0x110000 code points must fall in \\p{L}, \\p{N}, \\p{M}, \\s and the letter
subcategories exactly as the references' regex engines put it: tiktoken (Rust regex
tables) and HF tokenizers (Oniguruma). Each class is probed in one call per engine over
all code points, so the whole file runs in a few seconds.
"""

from __future__ import annotations

import functools
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

N_CODE_POINTS = 0x110000
ROOT = Path(__file__).resolve().parent.parent

# Regex class of each flag bit of ts::unicode::Flag.
CLASSES = {
    "L": (r"\p{L}", 1), "N": (r"\p{N}", 2), "M": (r"\p{M}", 4), "WS": (r"\s", 8),
    "Lu": (r"\p{Lu}", 16), "Ll": (r"\p{Ll}", 32), "Lt": (r"\p{Lt}", 64),
    "Lm": (r"\p{Lm}", 128), "Lo": (r"\p{Lo}", 256),
}
LETTER_SUBCATEGORY_BITS = 16 | 32 | 64 | 128 | 256

# Python strings handed to the references cannot hold lone surrogates (see
# test_tiktoken_replaces_lone_surrogates), so the probes cover every other code point.
PROBED = np.array([cp for cp in range(N_CODE_POINTS) if not 0xD800 <= cp <= 0xDFFF])


@functools.lru_cache(maxsize=None)
def probe_text(separator: str) -> str:
    """All probed code points but U+0000, each followed by `separator` (built once)."""
    return "".join(chr(cp) + separator for cp in PROBED[1:].tolist())


@pytest.fixture(scope="module")
def table() -> np.ndarray:
    """ts::unicode::flags of every code point, through the compiled core."""
    core = pytest.importorskip("tokensmith._core", reason="the C++ core is not built")
    if not hasattr(core, "unicode_flags"):
        pytest.skip("tokensmith._core has no unicode_flags binding yet")
    return np.fromiter(map(core.unicode_flags, range(N_CODE_POINTS)), np.uint16, N_CODE_POINTS)


def probe_encoding(pattern: str):
    """A tiktoken Encoding over the 256 single bytes that splits with `pattern`."""
    tiktoken = pytest.importorskip("tiktoken", reason="tiktoken is the reference for the table")
    ranks = {bytes([b]): b for b in range(256)}
    return tiktoken.Encoding(name="probe", pat_str=pattern, mergeable_ranks=ranks,
                             special_tokens={})


def tiktoken_members(cls: str) -> np.ndarray:
    """Which code points tiktoken's regex engine puts in `cls`.

    With single-byte ranks, encode_ordinary returns the bytes of each regex match and
    nothing for text that no match covers. The code points are separated by NUL, which
    the pattern always matches, so the tokens between two NULs are the UTF-8 bytes of the
    code point in between if it is in `cls`, and nothing if it is not.
    """
    cps = PROBED[1:]  # U+0000 is the separator: probed on its own below
    tokens = np.array(probe_encoding(cls + r"|\x00").encode_ordinary(probe_text("\x00")))
    lengths = np.diff(np.flatnonzero(tokens == 0), prepend=-1) - 1
    utf8_lengths = 1 + (cps >= 0x80) + (cps >= 0x800) + (cps >= 0x10000)
    assert len(lengths) == len(cps)
    assert np.all((lengths == 0) | (lengths == utf8_lengths)), "unexpected probe output"
    members = np.zeros(N_CODE_POINTS, bool)
    members[cps] = lengths > 0
    members[0] = bool(probe_encoding(cls).encode_ordinary("\x00"))
    return members


def hf_members(cls: str) -> np.ndarray:
    """Which code points HF tokenizers' regex engine (Oniguruma) puts in `cls`.

    Splitting all code points with `(?:cls)+` and behavior "removed" returns only the
    spans that no match covers, with character offsets; everything else is a member.
    """
    tokenizers = pytest.importorskip("tokenizers", reason="HF tokenizers is not installed")
    split = tokenizers.pre_tokenizers.Split(tokenizers.Regex(f"(?:{cls})+"), behavior="removed")
    members = np.ones(len(PROBED) - 1, bool)
    for _, (start, end) in split.pre_tokenize_str(probe_text("")):
        members[start:end] = False
    out = np.zeros(N_CODE_POINTS, bool)
    out[PROBED[1:]] = members
    out[0] = not split.pre_tokenize_str("\x00")
    return out


def mismatch_report(name: str, table_has: np.ndarray, reference_has: np.ndarray) -> str:
    wrong = np.flatnonzero(table_has != reference_has)
    shown = ", ".join(f"U+{cp:04X} (table {bool(table_has[cp])})" for cp in wrong[:10])
    return f"{name}: {len(wrong)} code points differ, first: {shown}"


@pytest.mark.parametrize("name", list(CLASSES))
def test_table_matches_tiktoken_for_every_code_point(table, name):
    cls, bit = CLASSES[name]
    reference = tiktoken_members(cls)
    has = (table & bit) != 0
    assert np.array_equal(has, reference), mismatch_report(name, has, reference)


@pytest.mark.parametrize("name", list(CLASSES))
def test_table_matches_hf_tokenizers_for_every_code_point(table, name):
    # Both references follow Unicode 16.0.0, so one table serves both; a separate
    # flags_hf would be needed if a tokenizers upgrade moved Oniguruma to other data.
    cls, bit = CLASSES[name]
    reference = hf_members(cls)
    has = (table & bit) != 0
    assert np.array_equal(has, reference), mismatch_report(name, has, reference)


def test_letter_flag_is_set_with_exactly_one_subcategory(table):
    subcategories = table & LETTER_SUBCATEGORY_BITS
    one_bit = (subcategories != 0) & ((subcategories & (subcategories - 1)) == 0)
    assert np.array_equal((table & 1) != 0, one_bit)


def test_surrogates_and_out_of_range_code_points_have_no_flags(table):
    core = pytest.importorskip("tokensmith._core")
    assert not table[0xD800:0xE000].any()
    for cp in (0x110000, 0x7FFFFFFF, 0xFFFFFFFF):
        assert core.unicode_flags(cp) == 0


def test_tiktoken_replaces_lone_surrogates():
    # Why the table may give surrogates no flags: tiktoken never splits one as a
    # character. A lone surrogate becomes U+FFFD; a surrogate pair becomes its code point.
    enc = probe_encoding(r"[\s\S]")
    assert enc.encode_ordinary("a\ud800b") == list("a\ufffdb".encode())
    assert enc.encode_ordinary("\ud83d\ude00") == list("\U0001F600".encode())


def test_generated_header_is_up_to_date():
    script = ROOT / "scripts" / "gen_unicode_tables.py"
    spec = importlib.util.spec_from_file_location("gen_unicode_tables", script)
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    ucd = pytest.importorskip("unicodedata2", reason="the generator needs unicodedata2")
    if ucd.unidata_version != generator.UNICODE_VERSION:
        pytest.skip(f"unicodedata2 has Unicode {ucd.unidata_version}, "
                    f"the table is pinned to {generator.UNICODE_VERSION}")
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
