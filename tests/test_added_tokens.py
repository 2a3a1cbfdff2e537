"""Added tokens (HF ``added_tokens``): matched in raw or normalized text before pre-tokenization,
with HF's ``lstrip`` / ``rstrip`` / ``single_word`` / ``normalized`` / ``special`` options.

Small tokenizers are built in memory with HF ``tokenizers`` (a byte-level BPE, then
``add_tokens`` / ``add_special_tokens`` with every combination of options), saved to a
``tokenizer.json`` and loaded by tokensmith. ``encode(text, allowed_special="all")`` must equal
HF's ``encode(text, add_special_tokens=False).ids`` on texts that put the added tokens at the
start and end, beside spaces and word characters, inside words, repeated and overlapping one
another. With special-token matching switched off (``encode_ordinary``), only the non-special
added tokens may match, as in HF with ``encode_special_tokens=True``.

Two HF behaviours are deliberately not used as a reference: added tokens whose contents
normalize to the same string (HF picks one by hash order, differently after a save and
reload), and inputs on which HF itself panics ("AddedVocabulary bad split", seen when an
``rstrip`` token is followed by an ``lstrip`` whitespace token); such inputs are skipped, and the
one such configuration where HF does answer is checked on its own.
"""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import tokensmith as ts

tokenizers = pytest.importorskip("tokenizers", reason="HF tokenizers is the reference for added tokens")
from tokenizers import AddedToken, Tokenizer, decoders, normalizers, pre_tokenizers  # noqa: E402
from tokenizers.models import BPE  # noqa: E402
from gpt2_bytes import bytes_to_unicode


B2U = bytes_to_unicode()
G = B2U[ord(" ")]
MERGES = [("a", "b"), ("ab", "c"), (G, "x"), (G + "x", "y"), ("t", "a"), ("ta", "g"), ("<", "tag"), ("e", "r"),
          (G, "w"), (G + "w", "er")]


def base_tokenizer(normalizer=None) -> Tokenizer:
    vocab = {B2U[b]: b for b in range(256)}
    for a, b in MERGES:
        vocab.setdefault(a + b, len(vocab))
    tok = Tokenizer(BPE(vocab, MERGES))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    if normalizer is not None:
        tok.normalizer = normalizer
    return tok


def save_and_load(hf: Tokenizer, folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    hf.save(str(folder / "tokenizer.json"))
    return ts.load(folder / "tokenizer.json")


def hf_ids(hf: Tokenizer, text: str):
    """HF's ids, or None when HF itself fails on the input (it then has no answer to compare with)."""
    try:
        return hf.encode(text, add_special_tokens=False).ids
    except BaseException as exc:  # pyo3 panics derive from BaseException
        if type(exc).__name__ == "PanicException":
            return None
        raise


def mismatches(hf: Tokenizer, tok, texts, **kwargs) -> list:
    out, compared = [], 0
    for text in texts:
        expected = hf_ids(hf, text)
        if expected is None:
            continue
        compared += 1
        got = tok.encode(text, **kwargs)
        if got != expected:
            out.append((text, expected, got))
    assert compared >= len(texts) // 2, "the reference failed on most inputs"
    return out


# Contents: a tag, a bracket token, a piece that occurs inside words, one with a leading space,
# non-ASCII ones, one that extends another ("<tag>x" vs "<tag>"), one overlapping another's end
# ("x<tag"), and a self-overlapping one ("aa").
CONTENTS = ["<tag>", "[MASK]", "ab", " xyz", "é", "中文", "<tag>x", "x<tag", "aa"]
TEXTS = [
    "<tag>", " <tag> ", "a<tag>b", "a <tag> b", "<tag><tag>", "<tag>x", "<tag>xyz", "x<tag>", "x<tag>x", "xx<tag>>",
    "ab", "abc", "cab", " ab ", "xab", "ab.", "abab", "ab ab", "a  <tag>  b", "\n<tag>\n", "\t<tag>\t",
    "[MASK]", " [MASK] ", "x[MASK]y", "[MASK][MASK]", "é", "café", "éé", " é ", "中文中文", "中文 中文", "x中文y",
    " xyz", "a xyz", "axyz", "  xyz", "xyz", " xyz xyz", "<tag>x<tag>", "<ta", "<tag", "<<tag>>", "aaa", "aaaa",
    " aa ", "baab", " <tag>x ab[MASK]中文 xyz", "", " ", "   ", "<tag> \n [MASK]\t\tab", "ab\u0301", "\u0301ab",
    "1ab2", "_ab_", "ab-ab", "Ab AB ab", "wer <tag>wer",
]


def _flag_grid():
    for lstrip, rstrip, single_word, normalized in itertools.product([False, True], repeat=4):
        label = "-".join(name for name, on in (("lstrip", lstrip), ("rstrip", rstrip), ("single_word", single_word),
                                                ("normalized", normalized)) if on) or "plain"
        yield pytest.param(dict(lstrip=lstrip, rstrip=rstrip, single_word=single_word, normalized=normalized), id=label)


@pytest.mark.parametrize("special", [False, True], ids=["added", "special"])
@pytest.mark.parametrize("flags", list(_flag_grid()))
def test_added_tokens_give_hf_ids_for_every_option_combination(flags, special, tmp_path):
    hf = base_tokenizer()
    tokens = [AddedToken(c, special=special, **flags) for c in CONTENTS]
    (hf.add_special_tokens if special else hf.add_tokens)(tokens)
    tok = save_and_load(hf, tmp_path)
    bad = mismatches(hf, tok, TEXTS, allowed_special="all")
    assert not bad, f"{len(bad)} of {len(TEXTS)} texts differ (text, HF, tokensmith): {bad[:5]}"


def test_each_added_token_alone_is_its_own_id(tmp_path):
    hf = base_tokenizer()
    hf.add_tokens([AddedToken(c) for c in CONTENTS])
    tok = save_and_load(hf, tmp_path)
    for content in CONTENTS:
        assert tok.encode(content) == [hf.token_to_id(content)], content


def test_longest_added_token_wins_at_the_same_start(tmp_path):
    hf = base_tokenizer()
    hf.add_tokens([AddedToken("<tag>"), AddedToken("<tag>x")])
    tok = save_and_load(hf, tmp_path)
    # "<tag>xy": "<tag>x" (the longer match) then "y".
    assert tok.encode("<tag>xy") == [hf.token_to_id("<tag>x"), ord("y")] == hf.encode("<tag>xy").ids


def test_leftmost_added_token_wins_over_a_longer_later_one(tmp_path):
    hf = base_tokenizer()
    hf.add_tokens([AddedToken("x<tag"), AddedToken("<tag>")])
    tok = save_and_load(hf, tmp_path)
    # "x<tag>": "x<tag" starts first, so "<tag>" cannot match; ">" is left as text.
    assert tok.encode("x<tag>") == [hf.token_to_id("x<tag"), ord(">")] == hf.encode("x<tag>").ids


@pytest.fixture
def single_word(tmp_path):
    hf = base_tokenizer()
    hf.add_tokens([AddedToken("zz", single_word=True)])
    return hf, save_and_load(hf, tmp_path)


def test_single_word_token_only_matches_between_non_word_characters(single_word):
    hf, tok = single_word
    zz = hf.token_to_id("zz")
    assert tok.encode("x zz y") == [ord("x"), ord(" "), zz, ord(" "), ord("y")]
    assert zz not in tok.encode("xzz") and zz not in tok.encode("zzx") and zz not in tok.encode("ézz")
    texts = ["zz", "xzz", "zzx", " zz ", "ézz", "zzé", "中zz", "zz中", "1zz", "zz1", "zz!", "!zz", "zz zz", "zzzz",
             "(zz)", "zz's", "zz·", "ʰzz", "zzⅫ", "zz\u00ad"]
    assert not mismatches(hf, tok, texts)


def test_single_word_uses_hfs_unicode_word_characters(single_word):
    hf, tok = single_word
    # HF's test is the regex `\w` (Alphabetic, marks, Nd, Pc, Join_Control), not \p{L}|\p{N}.
    texts = ["_zz", "zz_", "‿zz", "＿zz", "zz\u0301", "\u0301zz", "zz\u200d", "\u200czz", "Ⓐzz", "²zz", "zz²", "½zz"]
    chars = [chr(cp) for cp in range(0x21, 0x32000, 7) if not 0xD800 <= cp < 0xE000]
    texts += [c + "zz" for c in chars] + ["zz" + c for c in chars]
    assert not mismatches(hf, tok, texts)


def test_lstrip_and_rstrip_absorb_the_neighbouring_whitespace(tmp_path):
    hf = base_tokenizer()
    hf.add_special_tokens([AddedToken("[MASK]", lstrip=True, rstrip=True, special=True)])
    tok = save_and_load(hf, tmp_path)
    mask = hf.token_to_id("[MASK]")
    # The spaces on both sides belong to [MASK]: "a", [MASK], "b".
    assert tok.encode("a  [MASK]  b", allowed_special="all") == [ord("a"), mask, ord("b")]
    assert not mismatches(hf, tok, ["a  [MASK]  b", "\n[MASK]\n", " [MASK]", "[MASK] ", "x\t [MASK] \ty"],
                          allowed_special="all")


NORMALIZERS = {
    "Lowercase": normalizers.Lowercase(),
    "NFKC": normalizers.NFKC(),
    "NFKC+Lowercase": normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()]),
    "Replace": normalizers.Replace("x", "ks"),
}
# No two contents normalize to the same string under any of the normalizers above.
NORMALIZED_CONTENTS = ["<tag>", "[MASK]", "ﬁx", "ＡＢ", "Straße", "xyz"]
NORMALIZED_TEXTS = ["<tag>", "<TAG>", "<Tag> [mask] [MASK]", "ﬁx fix FIX", "ＡＢ ab AB ａｂ", "Straße STRASSE strasse",
                    "xyz ksyz XYZ", "a<TAG>b", "x[MASK]y", "ＡＢ<tag>ﬁx"]


NORMALIZED_CONTENT_BUG = (
    "bug: an added token with normalized=True is matched by its raw content in the normalized text; HF "
    "normalizes the content too (Lowercase: '[MASK]' -> '[mask]', NFKC: 'ﬁx' -> 'fix'), so with a Lowercase "
    "normalizer HF encodes '[MASK]' as the added token and tokensmith as the bytes of '[mask]'")


@pytest.mark.parametrize("normalized", [
    False, True,
], ids=["raw", "normalized"])
@pytest.mark.parametrize("special", [False, True], ids=["added", "special"])
@pytest.mark.parametrize("name", sorted(NORMALIZERS))
def test_added_tokens_under_a_normalizer_give_hf_ids(name, special, normalized, tmp_path):
    hf = base_tokenizer(NORMALIZERS[name])
    tokens = [AddedToken(c, special=special, normalized=normalized) for c in NORMALIZED_CONTENTS]
    (hf.add_special_tokens if special else hf.add_tokens)(tokens)
    tok = save_and_load(hf, tmp_path)
    bad = mismatches(hf, tok, NORMALIZED_TEXTS, allowed_special="all")
    assert not bad, f"{len(bad)} texts differ (text, HF, tokensmith): {bad[:5]}"


def test_normalized_added_token_content_is_normalized_like_the_text(tmp_path):
    hf = base_tokenizer(normalizers.Lowercase())
    hf.add_tokens([AddedToken("[MASK]", normalized=True)])
    tok = save_and_load(hf, tmp_path)
    assert hf.encode("[MASK]").ids == [hf.token_to_id("[MASK]")]
    assert tok.encode("[MASK]") == [hf.token_to_id("[MASK]")]


# --------------------------------------------------------------------------- special vs plain added tokens


@pytest.fixture
def mixed(tmp_path):
    """Special <s>, </s> and [MASK]; plain added tokens <tag> and ab."""
    hf = base_tokenizer()
    hf.add_special_tokens([AddedToken(c, special=True) for c in ("<s>", "</s>", "[MASK]")])
    hf.add_tokens([AddedToken("<tag>"), AddedToken("ab")])
    return hf, save_and_load(hf, tmp_path)


MIXED_TEXTS = ["<s>hi</s>", "a <tag> b [MASK]", "<s><tag></s>", "abab<s>", "plain", "[MASK]ab<tag>", "</s ><s>"]


def test_only_special_added_tokens_are_special(mixed):
    hf, tok = mixed
    assert tok.special_tokens == {c: hf.token_to_id(c) for c in ("<s>", "</s>", "[MASK]")}


def test_encode_with_all_special_allowed_matches_hf(mixed):
    hf, tok = mixed
    assert not mismatches(hf, tok, MIXED_TEXTS, allowed_special="all")


def test_encode_ordinary_matches_plain_added_tokens_only_like_hf_encode_special_tokens(mixed):
    hf, tok = mixed
    hf.encode_special_tokens = True  # HF: special tokens are plain text, other added tokens still match
    for text in MIXED_TEXTS:
        expected = hf.encode(text, add_special_tokens=False).ids
        assert tok.encode_ordinary(text) == expected, text
        assert tok.encode(text, disallowed_special=()) == expected, text


def test_special_added_token_in_text_raises_unless_allowed(mixed):
    hf, tok = mixed
    assert tok.encode("a <tag> b") == hf.encode("a <tag> b").ids  # plain added tokens never raise
    with pytest.raises(ts.SpecialTokenError, match=r"\[MASK\]"):
        tok.encode("a [MASK] b")
    ids = tok.encode("a [MASK] b <s>", allowed_special={"[MASK]"}, disallowed_special=())
    hf.encode_special_tokens = True
    as_text = hf.encode(" b <s>", add_special_tokens=False).ids
    assert ids == [ord("a"), ord(" "), hf.token_to_id("[MASK]")] + as_text


def test_batch_encoding_matches_one_by_one(mixed):
    _, tok = mixed
    assert tok.encode_batch(MIXED_TEXTS, allowed_special="all") == [tok.encode(t, allowed_special="all") for t in MIXED_TEXTS]


def test_decode_gives_the_added_token_contents_like_hf(mixed):
    hf, tok = mixed
    for text in MIXED_TEXTS:
        ids = hf.encode(text, add_special_tokens=False).ids
        assert tok.decode(ids) == hf.decode(ids, skip_special_tokens=False) == text, text


def test_id_lookups_cover_added_tokens(mixed):
    hf, tok = mixed
    for content in ("<s>", "</s>", "[MASK]", "<tag>"):
        i = hf.token_to_id(content)
        assert tok.token_to_id(content) == i
        assert tok.id_to_token(i) == content


# --------------------------------------------------------------------------- an HF corner


def test_whitespace_token_swallowed_by_a_previous_rstrip_is_dropped_like_hf(tmp_path):
    # In '<t>  b' the rstrip of '<t>' takes both spaces; HF clamps the lstrip match of '  ' to an
    # empty span after them and drops it.
    hf = base_tokenizer()
    hf.add_tokens([AddedToken("<t>", rstrip=True), AddedToken("  ", lstrip=True)])
    tok = save_and_load(hf, tmp_path)
    assert hf.encode("<t>  b").ids == [hf.token_to_id("<t>"), ord("b")]
    for text in ["<t>  b", "a  <t>  b", "<t>  ", "x<t>  <t>  y"]:
        assert tok.encode(text) == hf.encode(text).ids, text


def test_whitespace_token_swallowed_past_its_end_is_dropped_without_a_crash(tmp_path):
    # With three spaces the clamped span of '  ' would end before it starts: HF panics ("AddedVocabulary
    # bad split"); tokensmith drops the match, as in the empty case, and keeps the text intact.
    hf = base_tokenizer()
    hf.add_tokens([AddedToken("<t>", rstrip=True), AddedToken("  ", lstrip=True)])
    tok = save_and_load(hf, tmp_path)
    t = hf.token_to_id("<t>")
    assert tok.encode("<t>   b") == [t, ord("b")]
    assert tok.encode("<t>     b c") == [t, ord("b"), ord(" "), ord("c")]
    ids, offsets = tok.encode_with_offsets("<t>   b")
    assert offsets == [(0, 6), (6, 7)]


# --------------------------------------------------------------------------- on the real GPT-2 vocabulary


@pytest.mark.parametrize("flags", [
    dict(), dict(lstrip=True), dict(rstrip=True), dict(lstrip=True, rstrip=True), dict(single_word=True),
    dict(normalized=True),
], ids=["plain", "lstrip", "rstrip", "lstrip-rstrip", "single_word", "normalized"])
def test_added_tokens_on_gpt2_give_hf_ids(flags, data_root, tmp_path):
    import references

    hf = references.hf_gpt2(data_root)
    hf.add_tokens([AddedToken(c, **flags) for c in ["<tag>", "ing", " the", "Hello", "🦙", "<tag>x"]])
    hf.add_special_tokens([AddedToken("<|im_start|>", special=True, **flags)])
    tok = save_and_load(hf, tmp_path)
    texts = TEXTS + ["Hello the thing is singing", "<|im_start|>user\nHello<tag> the 🦙🦙", "theing ing", "HelloHello",
                     " the the  the", "<|endoftext|>Hello", "ring bring<tag>xing"]
    bad = mismatches(hf, tok, texts, allowed_special="all")
    assert not bad, f"{len(bad)} texts differ (text, HF, tokensmith): {bad[:5]}"
