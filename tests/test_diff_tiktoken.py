"""tokensmith against tiktoken on the OpenAI encodings and Whisper: same ids, same policy, same bytes.

Every expected value comes from tiktoken itself, run on the same ``.tiktoken`` files
(``references.tiktoken_encoding``). The corpus tests count mismatches over every corpus and the
adversarial set and require zero; on failure they print the first differing inputs, shortest
first, with both id lists.
"""
from __future__ import annotations

import pickle
import random

import numpy as np
import pytest

import corpora
import references
from conftest import load_with_options
from diffing import Mismatch, assert_no_mismatches, outcome, report

pytest.importorskip("tiktoken")

ENCODINGS = references.TIKTOKEN_NAMES + ("whisper",)


def _piece(enc):
    return lambda i: enc.decode_single_token_bytes(i)


def _texts(items):
    return [t for _, t in items]


def _without_specials(items, enc):
    specials = enc.special_tokens_set
    return [(label, t) for label, t in items if not any(s in t for s in specials)]


# --------------------------------------------------------------------------- corpora


@pytest.mark.parametrize("corpus", corpora.CORPUS_NAMES)
@pytest.mark.parametrize("name", ENCODINGS)
def test_encode_ordinary_matches_tiktoken_on_every_corpus(name, corpus, data_root, tiktoken_ref, ts_tiktoken):
    enc, tok = tiktoken_ref(name), ts_tiktoken(name)
    items = corpora.samples(corpus, data_root)
    expected = enc.encode_ordinary_batch(_texts(items))
    got = [tok.encode_ordinary(t) for t in _texts(items)]
    assert_no_mismatches(
        items, expected, got, f"{name} encode_ordinary vs tiktoken on {corpus}",
        piece=_piece(enc), expected_one=enc.encode_ordinary, got_one=tok.encode_ordinary,
    )


@pytest.mark.parametrize("name", ENCODINGS)
def test_encode_ordinary_of_lone_surrogates_matches_tiktoken_or_raises_a_clear_error(name, tiktoken_ref, ts_tiktoken):
    # tiktoken round-trips the string through UTF-16 with "surrogatepass" and encodes U+FFFD in
    # place of each lone surrogate; refusing the string with a clear error is also acceptable.
    enc, tok = tiktoken_ref(name), ts_tiktoken(name)
    bad = []
    for label, text in corpora.lone_surrogate_texts():
        expected = enc.encode_ordinary(text)
        try:
            got = tok.encode_ordinary(text)
        except (ValueError, TypeError):
            continue
        if got != expected:
            bad.append(Mismatch(label, text, expected, got))
    assert not bad, report(bad, len(corpora.lone_surrogate_texts()), f"{name} lone surrogates")


# --------------------------------------------------------------------------- special-token policy


def _policy_texts(specials: list[str]) -> list[str]:
    first, last = specials[0], specials[-1]
    texts = ["", "plain text, no special token here", "<|", "<|endoftext|", "<|endoftext", "endoftext|>"]
    for s in specials[:12]:
        texts += [s, f"hello {s} world", f"{s}{s}", f"x{s}y", f" {s} ", f"\n{s}\n", f"{s}'s", f"12{s}34",
                  f"<|{s}|>", f"{s[:-1]}", f"{s.upper()}", f"中文{s}🦙"]
    texts += [f"{first} and {last}", f"{last}{first}", "a" * 1000 + first + "b" * 1000]
    return texts


def _policies(specials: list[str]) -> list[tuple[object, object]]:
    first, last = specials[0], specials[-1]
    return [
        (set(), "all"),
        ("all", "all"),
        ({first}, "all"),
        (set(specials), "all"),
        (set(), ()),
        ({first}, ()),
        ("all", ()),
        (set(), {first}),
        ({last}, {first}) if last != first else (set(), frozenset()),
    ]


def _specials_of(name, tiktoken_ref, ts_tiktoken):
    enc, tok = tiktoken_ref(name), ts_tiktoken(name)
    if name == "whisper" and not ts_tiktoken.whisper_specials_attached:
        pytest.skip("ts.load took no special_tokens=: Whisper's special tokens could not be attached to its .tiktoken")
    # Whisper has 1,609 specials; the language and timestamp tokens behave alike, a sample suffices.
    specials = sorted(enc.special_tokens_set, key=enc.encode_single_token)
    return enc, tok, specials[:6] + specials[-3:] if len(specials) > 9 else specials


@pytest.mark.parametrize("name", ENCODINGS)
def test_special_token_policy_gives_tiktoken_ids_and_raises_in_the_same_cases(name, tiktoken_ref, ts_tiktoken, ts):
    enc, tok, specials = _specials_of(name, tiktoken_ref, ts_tiktoken)
    mismatches, total = [], 0
    for allowed, disallowed in _policies(specials):
        for text in _policy_texts(specials):
            total += 1
            expected = outcome(enc.encode, text, allowed_special=allowed, disallowed_special=disallowed)
            got = outcome(tok.encode, text, allowed_special=allowed, disallowed_special=disallowed)
            if expected is ValueError:
                ok = isinstance(got, type) and issubclass(got, ts.errors.SpecialTokenError)
            else:
                ok = got == expected
            if not ok:
                label = f"allowed_special={allowed!r:.60} disallowed_special={disallowed!r:.60}"
                mismatches.append(Mismatch(label, text, expected, got))
    assert not mismatches, report(mismatches, total, f"{name} special-token policy (exception classes shown as values)")


@pytest.mark.parametrize("name", references.TIKTOKEN_NAMES)
def test_disallowed_special_token_error_is_a_value_error_naming_the_token(name, ts_tiktoken, ts):
    tok = ts_tiktoken(name)
    special = "<|endoftext|>"
    with pytest.raises(ts.errors.SpecialTokenError) as info:
        tok.encode(f"before {special} after")
    assert isinstance(info.value, ValueError)
    assert special in str(info.value)


@pytest.mark.parametrize("name", ENCODINGS)
def test_special_tokens_vocab_size_and_special_ids_equal_tiktoken(name, tiktoken_ref, ts_tiktoken):
    enc, tok, _ = _specials_of(name, tiktoken_ref, ts_tiktoken)
    assert dict(tok.special_tokens) == dict(enc._special_tokens)
    assert tok.vocab_size == enc.n_vocab
    for text, i in enc._special_tokens.items():
        assert tok.token_to_id(text) == i
        assert tok.id_to_token(i) == text
        assert tok.decode_single_token_bytes(i) == text.encode()


# --------------------------------------------------------------------------- API variants


@pytest.mark.parametrize("name", ENCODINGS)
def test_encode_batch_and_encode_ordinary_batch_equal_tiktoken_batches(name, data_root, tiktoken_ref, ts_tiktoken):
    enc, tok = tiktoken_ref(name), ts_tiktoken(name)
    long_runs = {"long run: a", "long run: space", "long run: llama", "long run: mixed ws"}
    items = corpora.small_samples(data_root) + tuple(s for s in corpora.adversarial() if s[0] in long_runs)
    texts = _texts(items)
    expected = enc.encode_ordinary_batch(texts)
    assert_no_mismatches(items, expected, tok.encode_ordinary_batch(texts), f"{name} encode_ordinary_batch")
    assert_no_mismatches(items, expected, tok.encode_ordinary_batch(texts, threads=2), f"{name} encode_ordinary_batch(threads=2)")
    assert tok.encode_ordinary_batch([]) == []
    expected_all = enc.encode_batch(texts, allowed_special="all")
    got_all = tok.encode_batch(texts, allowed_special="all", threads=2)
    assert_no_mismatches(items, expected_all, got_all, f"{name} encode_batch(allowed_special='all')")
    plain = _without_specials(items, enc)
    assert_no_mismatches(plain, enc.encode_batch(_texts(plain)), tok.encode_batch(_texts(plain)), f"{name} encode_batch")


@pytest.mark.parametrize("name", references.TIKTOKEN_NAMES)
def test_encode_batch_raises_special_token_error_like_encode(name, ts_tiktoken, ts):
    tok = ts_tiktoken(name)
    with pytest.raises(ts.errors.SpecialTokenError):
        tok.encode_batch(["fine", "not <|endoftext|> fine"])


@pytest.mark.parametrize("name", references.TIKTOKEN_NAMES)
def test_encode_to_numpy_is_uint32_array_of_tiktoken_ids(name, data_root, tiktoken_ref, ts_tiktoken):
    enc, tok = tiktoken_ref(name), ts_tiktoken(name)
    items = _without_specials(corpora.small_samples(data_root, per_corpus=40), enc)
    bad = []
    for label, text in items:
        arr = tok.encode_to_numpy(text)
        assert isinstance(arr, np.ndarray) and arr.dtype == np.uint32 and arr.ndim == 1, (label, type(arr), getattr(arr, "dtype", None))
        if arr.tolist() != enc.encode(text):
            bad.append(Mismatch(label, text, enc.encode(text), arr.tolist()))
    assert not bad, report(bad, len(items), f"{name} encode_to_numpy", piece=_piece(enc))
    assert tok.encode_to_numpy("").shape == (0,)


@pytest.mark.parametrize("name", references.TIKTOKEN_NAMES)
def test_count_equals_number_of_tiktoken_ids(name, data_root, tiktoken_ref, ts_tiktoken):
    enc, tok = tiktoken_ref(name), ts_tiktoken(name)
    items = _without_specials(corpora.small_samples(data_root), enc)
    texts = _texts(items)
    expected = [len(ids) for ids in enc.encode_ordinary_batch(texts)]
    assert_no_mismatches(items, expected, [tok.count(t) for t in texts], f"{name} count")


# --------------------------------------------------------------------------- decoding


@pytest.mark.parametrize("name", ENCODINGS)
def test_decode_single_token_bytes_equals_tiktoken_for_every_id(name, tiktoken_ref, ts_tiktoken):
    enc, tok = tiktoken_ref(name), ts_tiktoken(name)
    ids = sorted(enc._mergeable_ranks.values())
    if name != "whisper" or ts_tiktoken.whisper_specials_attached:
        ids += sorted(enc._special_tokens.values())
    bad = [i for i in ids if tok.decode_single_token_bytes(i) != enc.decode_single_token_bytes(i)]
    assert not bad, f"{len(bad)} ids differ, first: " + ", ".join(
        f"{i}: expected {enc.decode_single_token_bytes(i)!r} got {tok.decode_single_token_bytes(i)!r}" for i in bad[:5]
    )


@pytest.mark.parametrize("name", references.TIKTOKEN_NAMES)
def test_unknown_token_id_raises_instead_of_crashing(name, tiktoken_ref, ts_tiktoken):
    enc, tok = tiktoken_ref(name), ts_tiktoken(name)
    unknown = [enc.n_vocab + 10, 2**31 - 1]
    gaps = sorted(set(range(enc.n_vocab)) - set(enc._mergeable_ranks.values()) - set(enc._special_tokens.values()))
    for i in unknown + gaps[:3]:
        with pytest.raises((KeyError, ValueError, IndexError)):
            tok.decode_single_token_bytes(i)
        with pytest.raises((KeyError, ValueError, IndexError)):
            tok.decode([1, i])


def _random_id_sequences(enc, count: int, seed: int) -> list[list[int]]:
    """Seeded id lists: single bytes, tokens that cut UTF-8 sequences, specials, long lists."""
    rng = random.Random(seed)
    ranks = sorted(enc._mergeable_ranks.values())
    partial = [i for i in ranks if not _is_utf8(enc.decode_single_token_bytes(i))]
    specials = sorted(enc._special_tokens.values())
    out = []
    for _ in range(count):
        pool = rng.choice((ranks, partial or ranks, ranks[:256], specials + ranks[:50]))
        out.append([rng.choice(pool) for _ in range(rng.choice((1, 2, 3, 7, 30, 300)))])
    return out


def _is_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


@pytest.mark.parametrize("name", references.TIKTOKEN_NAMES)
def test_decode_equals_tiktoken_on_corpus_ids(name, data_root, tiktoken_ref, ts_tiktoken):
    enc, tok = tiktoken_ref(name), ts_tiktoken(name)
    items = corpora.small_samples(data_root)
    ids = enc.encode_batch(_texts(items), allowed_special="all")
    labelled = [(label, str(i)) for (label, _), i in zip(items, ids)]
    assert_no_mismatches(labelled, [enc.decode(i) for i in ids], [tok.decode(i) for i in ids], f"{name} decode")
    assert_no_mismatches(labelled, [enc.decode_bytes(i) for i in ids], [tok.decode_bytes(i) for i in ids], f"{name} decode_bytes")
    assert tok.decode([]) == "" and tok.decode_bytes([]) == b""


@pytest.mark.parametrize("name", references.TIKTOKEN_NAMES)
def test_decode_of_invalid_utf8_replaces_like_tiktoken_and_strict_raises(name, tiktoken_ref, ts_tiktoken):
    enc, tok = tiktoken_ref(name), ts_tiktoken(name)
    seqs = _random_id_sequences(enc, 400, seed=7)
    labelled = [(f"random ids #{k}", str(s)) for k, s in enumerate(seqs)]
    assert_no_mismatches(labelled, [enc.decode_bytes(s) for s in seqs], [tok.decode_bytes(s) for s in seqs], f"{name} decode_bytes")
    assert_no_mismatches(
        labelled, [enc.decode(s, errors="replace") for s in seqs], [tok.decode(s, errors="replace") for s in seqs],
        f"{name} decode(errors='replace')",
    )
    assert_no_mismatches(labelled, [enc.decode(s) for s in seqs], [tok.decode(s) for s in seqs], f"{name} decode() default")
    invalid = [s for s in seqs if not _is_utf8(enc.decode_bytes(s))]
    assert invalid, "the random sequences include invalid UTF-8"
    for s in invalid[:50]:
        with pytest.raises(UnicodeDecodeError):
            tok.decode(s, errors="strict")


# --------------------------------------------------------------------------- offsets


def _expected_offsets(enc, text: str, ids: list[int]) -> list[tuple[int, int]]:
    """Character spans from tiktoken's token bytes; a token cutting a character covers all of it."""
    char_at = []
    for ci, ch in enumerate(text):
        char_at += [ci] * len(ch.encode("utf-8"))
    out, pos = [], 0
    for i in ids:
        n = len(enc.decode_single_token_bytes(i))
        out.append((char_at[pos], char_at[pos + n - 1] + 1))
        pos += n
    return out


@pytest.mark.parametrize("name", references.TIKTOKEN_NAMES)
def test_encode_with_offsets_gives_tiktoken_ids_and_character_spans_of_their_bytes(name, data_root, tiktoken_ref, ts_tiktoken):
    enc, tok = tiktoken_ref(name), ts_tiktoken(name)
    items = _without_specials(corpora.small_samples(data_root, per_corpus=60), enc)
    expected, got = [], []
    for _, text in items:
        ids = enc.encode(text)
        expected.append((ids, _expected_offsets(enc, text, ids)))
        g_ids, g_offsets = tok.encode_with_offsets(text)
        got.append((list(g_ids), [tuple(o) for o in g_offsets]))
    assert_no_mismatches(items, expected, got, f"{name} encode_with_offsets (ids, offsets)")


# --------------------------------------------------------------------------- persistence


@pytest.mark.parametrize("name", ("cl100k_base", "o200k_base", "r50k_base"))
def test_pickled_tokenizer_encodes_and_decodes_identically(name, data_root, tiktoken_ref, ts_tiktoken):
    enc, tok = tiktoken_ref(name), ts_tiktoken(name)
    clone = pickle.loads(pickle.dumps(tok))
    items = corpora.small_samples(data_root, per_corpus=50)
    texts = _texts(items)
    expected = enc.encode_ordinary_batch(texts)
    assert_no_mismatches(items, expected, [clone.encode_ordinary(t) for t in texts], f"{name} after pickle")
    assert clone.special_tokens == tok.special_tokens and clone.vocab_size == tok.vocab_size
    assert [clone.decode(i) for i in expected] == [enc.decode(i) for i in expected]


@pytest.mark.parametrize("fmt,filename", (("hf", "tokenizer.json"), ("tiktoken", "saved.tiktoken")))
@pytest.mark.parametrize("name", ("cl100k_base", "o200k_base", "p50k_base"))
def test_saved_tokenizer_loads_back_and_encodes_identically(name, fmt, filename, ts, data_root, tiktoken_ref, ts_tiktoken, tmp_path):
    enc, tok = tiktoken_ref(name), ts_tiktoken(name)
    path = tmp_path / filename
    tok.save(path, format=fmt)
    again = ts.load(path)
    items = corpora.small_samples(data_root, per_corpus=50)
    texts = _texts(items)
    assert_no_mismatches(items, enc.encode_ordinary_batch(texts), [again.encode_ordinary(t) for t in texts], f"{name} saved as {fmt}, loaded back")
    assert again.special_tokens == tok.special_tokens
    text = "a <|endoftext|> b"
    assert again.encode(text, allowed_special="all") == enc.encode(text, allowed_special="all")


@pytest.mark.parametrize("name", ("cl100k_base", "o200k_base", "r50k_base"))
def test_tokenizer_json_saved_from_tiktoken_file_gives_tiktoken_ids_in_hf_tokenizers(name, data_root, tiktoken_ref, ts_tiktoken, tmp_path):
    hf_tokenizers = pytest.importorskip("tokenizers")
    enc, tok = tiktoken_ref(name), ts_tiktoken(name)
    path = tmp_path / "tokenizer.json"
    tok.save(path, format="hf")
    hf = hf_tokenizers.Tokenizer.from_file(str(path))
    items = corpora.small_samples(data_root, per_corpus=100)
    texts = _texts(items)
    got = [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)]
    assert_no_mismatches(items, enc.encode_batch(texts, allowed_special="all"), got, f"{name} saved tokenizer.json run by HF tokenizers")


# --------------------------------------------------------------------------- presets


@pytest.mark.parametrize("name", references.PRESET_NAMES)
def test_preset_name_resolves_from_tokensmith_data_and_matches_tiktoken(name, ts, data_root, tiktoken_ref, monkeypatch):
    enc = tiktoken_ref(name)
    monkeypatch.setenv("TOKENSMITH_DATA", str(data_root / "tokenizers"))  # openai/ is an immediate subfolder
    tok = ts.load(name)
    assert dict(tok.special_tokens) == dict(enc._special_tokens)
    items = corpora.small_samples(data_root, per_corpus=40)
    texts = _texts(items)
    assert_no_mismatches(items, enc.encode_batch(texts, allowed_special="all"), [tok.encode(t, allowed_special="all") for t in texts], f"preset {name}")


def test_unknown_preset_name_raises_tokenizer_not_found(ts, data_root, monkeypatch):
    monkeypatch.setenv("TOKENSMITH_DATA", str(data_root / "tokenizers"))
    with pytest.raises(ts.errors.TokenizerNotFoundError):
        ts.load("no_such_base")


def test_whisper_file_loaded_without_options_has_whisper_special_tokens(ts, data_root):
    # openai-whisper appends its specials after the 50,257 ranks; the language list is the first
    # 99 codes by default and all 100 for large-v3: either is a real Whisper vocabulary.
    tok = ts.load(references.tiktoken_file(data_root, "whisper"))
    n_ranks = sum(1 for line in references.tiktoken_file(data_root, "whisper").read_bytes().splitlines() if line)
    specials = dict(tok.special_tokens)
    num_languages = 100 if "<|yue|>" in specials else 99
    assert specials == references.whisper_special_tokens(n_ranks, num_languages)


def test_whisper_special_tokens_passed_to_load_encode_like_openai_whisper(ts, data_root, tiktoken_ref):
    enc = tiktoken_ref("whisper")
    path = references.tiktoken_file(data_root, "whisper")
    tok, attached = load_with_options(ts, path, pattern=references.R50K_PATTERN, special_tokens=dict(enc._special_tokens))
    if not attached:
        pytest.skip("ts.load takes no special_tokens=: Whisper's special tokens cannot be attached to its .tiktoken")
    text = "<|startoftranscript|><|en|><|transcribe|><|0.00|> Hello world.<|2.40|><|endoftext|>"
    assert tok.encode(text, allowed_special="all") == enc.encode(text, allowed_special="all")
    assert tok.special_tokens["<|30.00|>"] == enc.encode_single_token("<|30.00|>")
    assert tok.vocab_size == enc.n_vocab
