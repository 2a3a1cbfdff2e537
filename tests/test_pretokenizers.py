"""Pre-tokenizers: the native scanners against the regex they stand for, and the generic Python path
against HF ``tokenizers``.

``tokensmith._core.split_pieces(text, kind, max_digits, contractions)`` returns the UTF-8 byte end
offset of each piece; its pieces must equal ``regex.findall`` with the published pattern of the
tokenizer family (GPT-2, cl100k, Qwen2, o200k, Tekken), on the adversarial set and on generated
text. The patterns are written out here as the reference files publish them, so a typo in
``tokensmith.pretokenizers.PATTERNS`` fails too.

The ``regex`` module may know a newer Unicode version than tokensmith's tables (and the reference
libraries); code points whose letter/number/mark class differs between ``unicodedata2`` (the
version tokensmith targets) and ``regex`` are left out of the texts, and only those.

``tokensmith.pretokenizers.split_text`` -- the path for any other ``Split`` -- must reproduce HF's
``Split(pattern, behavior, invert)``, ``Digits``, ``ByteLevel`` and ``Sequence`` piece for piece.
"""
from __future__ import annotations

from functools import lru_cache

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokensmith import _core
from tokensmith import pretokenizers as tp

try:
    import unicodedata2 as unicodedata
except ImportError:  # pragma: no cover - tokensmith depends on unicodedata2
    import unicodedata

import corpora
from gpt2_bytes import bytes_to_unicode as _bytes_to_unicode

# The patterns as published: tiktoken's registry (gpt2, cl100k, o200k), Qwen2's tokenizer.json,
# Mistral's tekken_240718.json config.
PUBLISHED = {
    "gpt2": r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""",
    "cl100k": r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",
    "qwen2": r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",
    "o200k": "|".join([
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""", r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""", r"""\s*[\r\n]+""", r"""\s+(?!\S)""", r"""\s+""",
    ]),
    "tekken": "|".join([
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*""",
        r"""\p{N}""", r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""", r"""\s*[\r\n]+""", r"""\s+(?!\S)""", r"""\s+""",
    ]),
}
# The same two patterns in tiktoken's current possessive spelling.
POSSESSIVE = {
    "gpt2": r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s""",
    "cl100k": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
}
# (kind, max_digits, contractions) of the native scanner for each family.
SCANNERS = {"gpt2": (1, 3, True), "cl100k": (2, 3, True), "qwen2": (2, 1, True), "o200k": (3, 3, True),
            "tekken": (3, 1, False)}
FAMILIES = sorted(SCANNERS)

FUZZ = settings(max_examples=150, derandomize=True, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@lru_cache(maxsize=None)
def unicode_version_skew() -> frozenset[int]:
    """Code points whose L/N/M (sub)class differs between unicodedata2 and the regex module."""
    cps = [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    text = "".join(map(chr, cps))
    cats = [unicodedata.category(chr(cp)) for cp in cps]
    skew: set[int] = set()
    for cls in ("L", "N", "M", "Lu", "Ll", "Lt", "Lm", "Lo"):
        in_regex = {ord(ch) for ch in regex.findall(r"\p{%s}" % cls, text)}
        in_ucd = {cp for cp, cat in zip(cps, cats) if cat.startswith(cls)}
        skew |= in_regex ^ in_ucd
    return frozenset(skew)


@lru_cache(maxsize=None)
def _skew_table() -> dict[int, None]:
    return dict.fromkeys(unicode_version_skew())


def same_unicode(text: str) -> str:
    return text.translate(_skew_table())


def scanner_pieces(text: str, family: str) -> list[str]:
    kind, max_digits, contractions = SCANNERS[family]
    data = text.encode("utf-8")
    ends = _core.split_pieces(text, kind, max_digits, contractions)
    starts = [0, *ends[:-1]]
    return [data[a:b].decode("utf-8") for a, b in zip(starts, ends)]


@lru_cache(maxsize=None)
def compiled(pattern: str):
    return regex.compile(pattern)


# --------------------------------------------------------------------------- the patterns


@pytest.mark.parametrize("family", FAMILIES)
def test_preset_pattern_is_the_published_one(family):
    assert tp.PATTERNS[family] == PUBLISHED[family]
    assert tp.preset(family).pattern == PUBLISHED[family]


@pytest.mark.parametrize("family", FAMILIES)
def test_published_pattern_selects_its_native_scanner(family):
    kind, max_digits, contractions = SCANNERS[family]
    fast = tp.fast_path(tp.Split(PUBLISHED[family]))
    assert (fast.kind, fast.max_digits, fast.contractions) == (kind, max_digits, contractions)
    # The split followed by a regex-free ByteLevel (as tokenizer.json files write it) is the same scanner.
    fast = tp.fast_path(tp.Sequence([tp.Split(PUBLISHED[family]), tp.ByteLevel(use_regex=False)]))
    assert (fast.kind, fast.max_digits, fast.contractions) == (kind, max_digits, contractions)


@pytest.mark.parametrize("family", sorted(POSSESSIVE))
def test_possessive_spelling_selects_the_same_scanner(family):
    assert tp.fast_path(tp.Split(POSSESSIVE[family])) == tp.fast_path(tp.Split(PUBLISHED[family]))


def test_other_patterns_and_behaviors_take_the_generic_path():
    assert tp.fast_path(tp.Split(r"\s+")) is None
    assert tp.fast_path(tp.Split(PUBLISHED["cl100k"], behavior="removed")) is None
    assert tp.fast_path(tp.Split(PUBLISHED["cl100k"], invert=True)) is None
    assert tp.fast_path(tp.Sequence([tp.Digits(), tp.Split(PUBLISHED["cl100k"])])) is None


# --------------------------------------------------------------------------- scanners vs regex


@pytest.mark.parametrize("family", FAMILIES)
def test_scanner_pieces_equal_regex_findall_on_the_adversarial_set(family):
    pattern = compiled(PUBLISHED[family])
    bad = []
    for label, text in corpora.adversarial():
        text = same_unicode(text)
        expected = pattern.findall(text)
        got = scanner_pieces(text, family)
        if got != expected:
            bad.append((len(text), label, text[:80], expected[:8], got[:8]))
    assert not bad, f"{len(bad)} texts differ; shortest: {sorted(bad)[:3]}"


def test_gpt2_scanner_pieces_equal_the_possessive_spelling_too():
    pattern = compiled(POSSESSIVE["gpt2"])
    items = [item for item in corpora.adversarial() if len(item[1]) <= 5_000][::3]
    for label, text in items:
        text = same_unicode(text)
        assert scanner_pieces(text, "gpt2") == pattern.findall(text), label


def test_cl100k_possessive_spelling_cuts_trailing_whitespace_differently_from_the_classic_one():
    # "\s++$" takes a whole trailing run where the classic "\s*[\r\n]+" stops after the newline: the
    # two spellings are not piece-identical, only id-identical (checked against tiktoken below).
    assert compiled(POSSESSIVE["cl100k"]).findall("\n\x0b") == ["\n\x0b"]
    assert compiled(PUBLISHED["cl100k"]).findall("\n\x0b") == ["\n", "\x0b"]


@pytest.mark.parametrize("family, encoding", [("gpt2", "r50k_base"), ("cl100k", "cl100k_base")])
def test_possessive_spelling_gives_tiktoken_ids(family, encoding, data_root, tiktoken_ref, ts):
    import references
    import tiktoken

    ranks = tiktoken_ref(encoding)._mergeable_ranks
    enc = tiktoken.Encoding(f"{encoding}-possessive", pat_str=POSSESSIVE[family], mergeable_ranks=ranks,
                            special_tokens={})
    tok = ts.load(references.tiktoken_file(data_root, encoding), pattern=POSSESSIVE[family], special_tokens={})
    items = [item for item in corpora.adversarial() if len(item[1]) <= 5_000][::3]
    texts = [same_unicode(text) for _, text in items]
    expected = enc.encode_ordinary_batch(texts)
    bad = [(len(t), t[:60]) for t, want in zip(texts, expected) if tok.encode_ordinary(t) != want]
    assert not bad, f"{len(bad)} texts differ; shortest: {sorted(bad)[:3]}"


# Characters at the boundaries of every pattern's classes, plus arbitrary code points.
BOUNDARY = list("aZ09 _-.,!?'\"/\\\t\n\r\x0b\x0c\x00") + [
    "'s", "'S", "'ll", "'VE", "’s", "\u00a0", "\u2028", "\u3000", "\u0301", "\u093f", "ǅ", "ʰ", "ß", "İ",
    "中", "あ", "한", "١", "²", "Ⅻ", "½", "🦙", "👍🏽", "\u200d", "\ufeff", "\U0010ffff", "\U000e0001", " \n", "\r\n",
    "  ", "123", "1234", "x'", "A'LL",
]


def _chars():
    return st.characters(exclude_categories=("Cs",))


@st.composite
def texts(draw, max_parts: int = 40) -> str:
    parts = draw(st.lists(st.one_of(st.sampled_from(BOUNDARY), _chars(), st.text(_chars(), max_size=4)),
                          max_size=max_parts))
    return same_unicode("".join(parts))


@pytest.mark.parametrize("family", FAMILIES)
@FUZZ
@given(text=texts())
def test_scanner_pieces_equal_regex_findall_on_generated_text(family, text):
    assert scanner_pieces(text, family) == compiled(PUBLISHED[family]).findall(text)


@pytest.mark.parametrize("family", FAMILIES)
@FUZZ
@given(text=texts())
def test_scanner_offsets_increase_cover_the_text_and_fall_on_character_boundaries(family, text):
    kind, max_digits, contractions = SCANNERS[family]
    data = text.encode("utf-8")
    ends = _core.split_pieces(text, kind, max_digits, contractions)
    assert all(a < b for a, b in zip([0, *ends], ends))
    assert (ends[-1] if ends else 0) == len(data)
    for end in ends:
        assert end == len(data) or (data[end] & 0xC0) != 0x80


# The cl100k and o200k scanners decide ASCII text 64 bytes at a time with bit masks and hand what
# the masks cannot decide to the per-piece scanner. These texts are long enough for many windows
# and drawn from the characters each mask rule is about: cased letters (o200k splits "aB"),
# contraction letters after apostrophes (both cases), digit runs around max_digits, every ASCII
# whitespace with line breaks inside runs, '/' after line breaks (o200k's punctuation tail), and
# a few non-ASCII characters (whitespace, letters, a mark) where windows must stop.
MASK_ALPHABET = list("aAbZsStTmMdDrReEvVlLxQ") + ["'", "'", "'", " ", " ", " ", "  ", "\n", "\r", "\t", "\x0b", "\x0c",
                                                   "0", "1", "9", "12", "1234", ".", "(", "/", "/", "-", "\"", "_",
                                                   "\x00", "\x1c", "\n/", " \n", "\n  ", "'s", "'LL", "'ve"]
MASK_RARE = ["é", "\u00a0", "\u2028", "中", "ſ", "\u0301", "\u3000"]


@st.composite
def mask_texts(draw) -> str:
    alphabet = draw(st.lists(st.sampled_from(MASK_ALPHABET), min_size=2, max_size=10, unique=True))
    if draw(st.booleans()):
        alphabet.append(draw(st.sampled_from(MASK_RARE)))
    return "".join(draw(st.lists(st.sampled_from(alphabet), min_size=40, max_size=400)))


MASK_FAMILIES = [family for family in FAMILIES if SCANNERS[family][0] in (2, 3)]


@pytest.mark.parametrize("family", MASK_FAMILIES)
@settings(max_examples=400, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=mask_texts())
def test_mask_windows_cut_long_ascii_text_as_the_regex_does(family, text):
    assert scanner_pieces(text, family) == compiled(PUBLISHED[family]).findall(text)


@pytest.mark.parametrize("family", MASK_FAMILIES)
@pytest.mark.parametrize("level", [1, 2, 3], ids=["sse2", "avx2", "best"])
def test_mask_windows_agree_with_the_per_piece_scanner_on_real_text(family, level):
    kind, max_digits, contractions = SCANNERS[family]
    texts = [text for _, text in corpora.adversarial()] + [text for _, text in corpora.stdlib_sources()]
    bad = [text[:60] for text in texts
           if _core.split_pieces(text, kind, max_digits, contractions, bulk=level)
           != _core.split_pieces(text, kind, max_digits, contractions, bulk=0)]
    assert not bad, f"{len(bad)} texts differ, e.g. {bad[:3]}"


@pytest.mark.parametrize("family", FAMILIES)
def test_count_pieces_counts_what_split_pieces_gives(family):
    kind, max_digits, contractions = SCANNERS[family]
    for _, text in corpora.adversarial()[::7]:
        assert (_core.count_pieces(text, kind, max_digits, contractions)
                == len(_core.split_pieces(text, kind, max_digits, contractions)))


# The default level (the widest the processor has) is the one the regex test above runs.
@pytest.mark.parametrize("level", [1, 2], ids=["sse2", "avx2"])
@pytest.mark.parametrize("family", MASK_FAMILIES)
@FUZZ
@given(text=mask_texts())
def test_narrower_mask_windows_cut_generated_text_as_the_per_piece_scanner(family, level, text):
    kind, max_digits, contractions = SCANNERS[family]
    assert (_core.split_pieces(text, kind, max_digits, contractions, bulk=level)
            == _core.split_pieces(text, kind, max_digits, contractions, bulk=0))


@pytest.mark.parametrize("family", FAMILIES)
def test_scanner_of_empty_text_has_no_pieces(family):
    assert scanner_pieces("", family) == []


def test_scanner_is_linear_on_a_long_run():
    # One million "a" and one million spaces must be cut quickly, in the regex's pieces.
    for text in ("a" * 1_000_000, " " * 1_000_000 + "x", "1" * 999_999):
        for family in FAMILIES:
            assert "".join(scanner_pieces(text, family)) == text


# --------------------------------------------------------------------------- generic path vs HF


def hf_lib():
    """HF tokenizers, the reference of the generic path; the test skips without it."""
    return pytest.importorskip("tokenizers", reason="HF tokenizers is the reference for the generic path")

BEHAVIORS = ("isolated", "removed", "merged_with_previous", "merged_with_next", "contiguous")
# Patterns that never match the empty string (see test_split_at_zero_length_matches_like_hf for those that do).
SPLIT_PATTERNS = [(r"\s+", False), (r"\d+", False), (r"a|b", False), (r"\p{L}+", False), (r"[.,!?]", False),
                  (r"ab", False), (r"\s", False), (" ", True), ("ab", True), ("..", True)]
SPLIT_TEXTS = ["", "a", "aab b", "  hello  world  ", "12ab34", "xxaxx", "ab ab", "bab", "a b  c   d", " a ",
               "ααα βb", "x1x22x", "...", "a.b,,c!!", "abab", "ab\nab\t\tab", "é 中 🦙 ab"]


def hf_split(pattern: str, literal: bool, behavior: str, invert: bool):
    tokenizers = hf_lib()
    return tokenizers.pre_tokenizers.Split(pattern if literal else tokenizers.Regex(pattern), behavior=behavior,
                                           invert=invert)


def hf_pieces(pre, text: str) -> list[str]:
    return [piece for piece, _ in pre.pre_tokenize_str(text)]


def _cases():
    for pattern, literal in SPLIT_PATTERNS:
        for behavior in BEHAVIORS:
            for invert in (False, True):
                yield pytest.param(pattern, literal, behavior, invert,
                                   id=f"{'lit' if literal else 're'}:{pattern!r}-{behavior}-{'invert' if invert else 'plain'}")


@pytest.mark.parametrize("pattern, literal, behavior, invert", list(_cases()))
def test_split_behavior_matches_hf_on_fixed_texts(pattern, literal, behavior, invert):
    hf = hf_split(pattern, literal, behavior, invert)
    step = tp.Split(pattern, behavior, invert, literal)
    for text in SPLIT_TEXTS:
        assert tp.split_text(step, text) == hf_pieces(hf, text), text


SPLIT_ALPHABET = st.sampled_from(list("aab b1 2.,!\n\tαé中") + ["ab", "  ", "..", "🦙", "12"])


@pytest.mark.parametrize("behavior", BEHAVIORS)
@FUZZ
@given(text=st.lists(SPLIT_ALPHABET, max_size=30).map("".join), which=st.integers(0, len(SPLIT_PATTERNS) - 1),
       invert=st.booleans())
def test_split_behavior_matches_hf_on_generated_text(behavior, text, which, invert):
    pattern, literal = SPLIT_PATTERNS[which]
    expected = hf_pieces(hf_split(pattern, literal, behavior, invert), text)
    assert tp.split_text(tp.Split(pattern, behavior, invert, literal), text) == expected


def test_contiguous_inverted_split_merges_adjacent_kept_pieces_like_hf():
    assert tp.split_text(tp.Split(" ", "contiguous", True, True), "a  b") == ["a", "  ", "b"]
    for pattern, literal in SPLIT_PATTERNS:
        hf = hf_split(pattern, literal, "contiguous", True)
        for text in SPLIT_TEXTS:
            assert tp.split_text(tp.Split(pattern, "contiguous", True, literal), text) == hf_pieces(hf, text)


def test_split_at_a_zero_length_match_as_worked_out_by_hand():
    # HF splits at the empty match before each 'a' and keeps it while joining neighbours.
    assert tp.split_text(tp.Split(r"(?=a)"), "bab") == ["b", "ab"]
    assert tp.split_text(tp.Split(r"(?=a)", "merged_with_next"), "bab") == ["b", "ab"]
    # An empty match right after the previous match is skipped, as HF's regex engine (onig) does:
    # 'a*' matches '' at 0 and 'aa', but not '' at 3.
    assert tp.split_text(tp.Split(r"a*", "removed", invert=True), "baa") == ["aa"]


ZERO_LENGTH_PATTERNS = [(r"(?=a)", False), (r"(?=[A-Z])", False), (r"\b", False), (r"\B", False), (r"a*", False),
                        (r"x?", False), (r"(?<=a)", False), (r"\s*", False), (r"(?=a)|a", False),
                        (r"b|(?=c)", False), (r"(?:)|a", False), (r"\p{L}*", False), (r"", False), ("", True)]


@pytest.mark.parametrize("behavior", BEHAVIORS)
@pytest.mark.parametrize("invert", [False, True], ids=["plain", "invert"])
def test_split_at_zero_length_matches_like_hf(behavior, invert):
    for pattern, literal in ZERO_LENGTH_PATTERNS:
        hf = hf_split(pattern, literal, behavior, invert)
        step = tp.Split(pattern, behavior, invert, literal)
        for text in ["", "bab", "bab xa", "HelloWorldAgain", "aaa", "a  bc c", "ab\nca", "é中a🦙 B"]:
            assert tp.split_text(step, text) == hf_pieces(hf, text), (pattern, literal, text)


@pytest.mark.parametrize("behavior", BEHAVIORS)
@FUZZ
@given(text=st.lists(SPLIT_ALPHABET | st.sampled_from(list("cABC")), max_size=30).map("".join),
       which=st.integers(0, len(ZERO_LENGTH_PATTERNS) - 1), invert=st.booleans())
def test_split_at_zero_length_matches_like_hf_on_generated_text(behavior, text, which, invert):
    pattern, literal = ZERO_LENGTH_PATTERNS[which]
    expected = hf_pieces(hf_split(pattern, literal, behavior, invert), text)
    assert tp.split_text(tp.Split(pattern, behavior, invert, literal), text) == expected


LINE_TEXTS = ["a\nb", "ab\n\ncd\n", "x", "\n", "\n\n", "a\r\nb", "\na\n", "a\u2028b", ""]


@pytest.mark.parametrize("pattern", [r"^", r"$", r"^a", r"b$", r"$\n", r".$", r"\Z", r"\z", r"\A", r"[$]", r"\$"])
def test_anchors_match_like_hf_onig(pattern):
    # HF compiles Split regexes with Oniguruma's Ruby syntax: ^ and $ at every line, \Z also
    # before a final newline.
    hf = hf_split(pattern, False, "isolated", False)
    for text in LINE_TEXTS + ["a$b", "$"]:
        assert tp.split_text(tp.Split(pattern), text) == hf_pieces(hf, text), (pattern, text)


def test_dollar_is_the_text_end_in_tiktoken_patterns(tmp_path):
    # tiktoken's engine has no multi-line mode by default: "\w+$" takes only the text's last word,
    # so "ab\ncd" is a, b, \n, cd there (HF's dialect would give ab, \n, cd).
    tiktoken = pytest.importorskip("tiktoken", reason="tiktoken is the reference for its regex dialect")
    pattern = r"\w+$|\w|\s"
    ranks = {bytes([b]): b for b in range(256)} | {b"ab": 256, b"cd": 257}
    enc = tiktoken.Encoding("anchors", pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
    import tokensmith as ts
    from tokensmith.formats import tiktoken as tiktoken_format
    tok = tiktoken_format.from_ranks(ranks, pattern=pattern, special_tokens={}, name="anchors")
    for text in LINE_TEXTS + ["ab\ncd", "ab\ncd\n", "cd ab"]:
        assert tok.encode_ordinary(text) == enc.encode_ordinary(text), text
    assert tok.encode_ordinary("ab\ncd") == [ord("a"), ord("b"), ord("\n"), 257]
    onig = ts.Tokenizer(tok.model, pretokenizer=tp.Split(pattern))
    assert onig.encode_ordinary("ab\ncd") == [256, ord("\n"), 257]


@pytest.mark.parametrize("pattern", [r"(?m)a.b", r"(?m:a.)b|\n", r"(?i)A(?-m:.)", r"^\s*", r"^[^\n]*$"])
@pytest.mark.parametrize("behavior", BEHAVIORS)
def test_inline_flags_and_anchors_behave_as_in_hf(pattern, behavior):
    # Oniguruma's (?m) is "dot matches newline"; its ^ does not match after a final newline.
    hf = hf_split(pattern, False, behavior, False)
    for text in LINE_TEXTS + ["a\nb\n", "xa\nbx", "A\nb"]:
        assert tp.split_text(tp.Split(pattern, behavior), text) == hf_pieces(hf, text), (pattern, text)


def _tiktoken_pair(pattern: str, syntax: str):
    """tiktoken and tokensmith on the same small ranks with `pattern` (written for `syntax`)."""
    tiktoken = pytest.importorskip("tiktoken", reason="tiktoken is the reference for its regex dialect")
    import tokensmith as ts
    from tokensmith.models.bpe import BPE

    ranks = {bytes([b]): b for b in range(256)} | {b"ab": 256, b"cd": 257}
    tokens = [t for t, _ in sorted(ranks.items(), key=lambda kv: kv[1])]
    tok = ts.Tokenizer(BPE(tokens=tokens, merges=None), pretokenizer=tp.Split(pattern, syntax=syntax))
    return tiktoken, ranks, tok


@pytest.mark.parametrize("pattern", [r"(?m:^x)|\w+$|\w|\s", r"(?m)\w+$|\w|\s"])
def test_scoped_multi_line_flags_behave_as_in_tiktoken(pattern):
    tiktoken, ranks, tok = _tiktoken_pair(pattern, "rust")
    enc = tiktoken.Encoding("flags", pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
    for text in LINE_TEXTS + ["ab\ncd", "xab\ncd\n", "ab\nx"]:
        assert tok.encode_ordinary(text) == enc.encode_ordinary(text), (pattern, text)


@pytest.mark.parametrize("pattern", [r"\w+$|\w|\s", r"^\w|\w+\Z|\w|\s", r"(?m)a.b|\w|\s"])
def test_saved_patterns_keep_their_meaning_in_the_other_format(pattern, tmp_path):
    tiktoken, ranks, _ = _tiktoken_pair(pattern, "rust")
    tokenizers = hf_lib()
    texts = LINE_TEXTS + ["ab\ncd", "ab\ncd\n", "a\nb cd"]
    # Written for tiktoken, saved as tokenizer.json: HF must cut it as tiktoken does.
    _, _, tok = _tiktoken_pair(pattern, "rust")
    enc = tiktoken.Encoding("saved", pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
    tok.save(tmp_path / "rust.json", format="hf")
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "rust.json"))
    for text in texts:
        assert hf.encode(text, add_special_tokens=False).ids == enc.encode_ordinary(text), (pattern, text)
    # Written for HF, saved as .tiktoken: tiktoken must cut it as HF does.
    _, _, tok = _tiktoken_pair(pattern, "onig")
    tok.save(tmp_path / "onig.tiktoken", format="tiktoken")
    import json
    saved = json.loads((tmp_path / "onig.tiktoken.json").read_text())["pat_str"]
    enc = tiktoken.Encoding("saved", pat_str=saved, mergeable_ranks=ranks, special_tokens={})
    for text in texts:
        assert enc.encode_ordinary(text) == tok.encode_ordinary(text), (pattern, saved, text)


@pytest.mark.parametrize("individual", [False, True])
def test_digits_step_matches_hf(individual):
    hf = hf_lib().pre_tokenizers.Digits(individual_digits=individual)
    for text in SPLIT_TEXTS + ["ab123c45 6", "١٢٣x²³", "0", "a1b22c333d"]:
        assert tp.split_text(tp.Digits(individual), text) == hf_pieces(hf, text), text


_U2B = {c: b for b, c in _bytes_to_unicode().items()}


def _unbyte(pieces: list[str]) -> list[str]:
    return [bytes(_U2B[c] for c in piece).decode("utf-8") for piece in pieces]


@pytest.mark.parametrize("add_prefix_space", [False, True])
def test_byte_level_step_with_regex_matches_hf(add_prefix_space):
    hf = hf_lib().pre_tokenizers.ByteLevel(add_prefix_space=add_prefix_space, use_regex=True)
    step = tp.ByteLevel(add_prefix_space=add_prefix_space, use_regex=True)
    for text in SPLIT_TEXTS + ["hello world  12", "I'm here", "\n\nx"]:
        assert tp.split_text(step, text) == _unbyte(hf_pieces(hf, text)), text


def test_sequence_applies_steps_in_order_like_hf():
    tokenizers = hf_lib()
    hf_pre = tokenizers.pre_tokenizers
    hf = hf_pre.Sequence([hf_pre.Split(tokenizers.Regex(r"\s+"), behavior="merged_with_next"),
                          hf_pre.Digits(individual_digits=True), hf_pre.ByteLevel(add_prefix_space=False, use_regex=False)])
    ours = tp.Sequence([tp.Split(r"\s+", "merged_with_next"), tp.Digits(True), tp.ByteLevel(False, False)])
    for text in SPLIT_TEXTS + ["a 12 b  345", " x1"]:
        assert tp.split_text(ours, text) == _unbyte(hf_pieces(hf, text)), text


@pytest.mark.parametrize("behavior", BEHAVIORS)
def test_split_json_round_trips_through_hf(behavior):
    step = tp.Split(r"\s+", behavior, False, False)
    as_json = tp.to_json(step)
    assert tp.from_json(as_json) == step
    # HF reads the same JSON and splits the same way.
    import json

    hf = hf_lib().Tokenizer.from_str(json.dumps({
        "version": "1.0", "added_tokens": [], "normalizer": None, "pre_tokenizer": as_json, "post_processor": None,
        "decoder": None, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}))
    assert hf_pieces(hf.pre_tokenizer, "a  b c") == tp.split_text(step, "a  b c")
