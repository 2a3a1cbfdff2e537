"""tokensmith against Hugging Face ``tokenizers`` on GPT-2, Qwen2, Qwen3 and GPT-NeoX-20B files.

Both sides load the same files: GPT-2's ``encoder.json`` + ``vocab.bpe``, Qwen2's ``vocab.json``
+ ``merges.txt`` (+ ``tokenizer_config.json``), and the ``tokenizer.json`` of Qwen3 and
GPT-NeoX-20B; how the HF side is configured is documented in ``references.py``. Expected values
all come from ``tokenizers``:

- ``encode(text, allowed_special="all")`` == ``hf.encode(text, add_special_tokens=False).ids``
- ``encode(text, allowed_special="all", add_special_tokens=True)`` == ``hf.encode(text).ids``
- ``encode_ordinary(text)`` == HF without its special added tokens (their text is plain text);
  non-special added tokens (NeoX's space runs, Qwen3's ``<think>``) are matched either way.
"""
from __future__ import annotations

import pickle
import random
import unicodedata

import pytest

import corpora
from conftest import HF_NAMES
from diffing import Mismatch, assert_no_mismatches, outcome, report

pytest.importorskip("tokenizers")

#: Tokenizers whose HF offsets are spans of the input (no ByteLevel trim_offsets).
UNTRIMMED = ("gpt2", "qwen2", "qwen3")


def _texts(items):
    return [t for _, t in items]


def _hf_ids(hf, texts, add_special_tokens=False):
    return [e.ids for e in hf.encode_batch(texts, add_special_tokens=add_special_tokens)]


def _piece(hf):
    return lambda i: hf.id_to_token(i)


def _nfc_invariant(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


# --------------------------------------------------------------------------- corpora


@pytest.mark.parametrize("corpus", corpora.CORPUS_NAMES)
@pytest.mark.parametrize("name", HF_NAMES)
def test_encode_matches_hf_tokenizers_on_every_corpus(name, corpus, data_root, hf_ref, ts_hf):
    hf, tok = hf_ref(name), ts_hf(name)
    items = corpora.samples(corpus, data_root)
    texts = _texts(items)
    expected = _hf_ids(hf, texts)
    got = [tok.encode(t, allowed_special="all") for t in texts]
    assert_no_mismatches(
        items, expected, got, f"{name} encode(allowed_special='all') vs HF encode(add_special_tokens=False) on {corpus}",
        piece=_piece(hf),
        expected_one=lambda t: hf.encode(t, add_special_tokens=False).ids,
        got_one=lambda t: tok.encode(t, allowed_special="all"),
    )


@pytest.mark.parametrize("name", HF_NAMES)
def test_encode_with_add_special_tokens_applies_the_post_processor_like_hf(name, data_root, hf_ref, ts_hf):
    hf, tok = hf_ref(name), ts_hf(name)
    items = corpora.small_samples(data_root)
    texts = _texts(items)
    got = [tok.encode(t, allowed_special="all", add_special_tokens=True) for t in texts]
    assert_no_mismatches(items, _hf_ids(hf, texts, add_special_tokens=True), got, f"{name} add_special_tokens=True")


def test_template_post_processor_adds_bos_like_hf(ts, data_root, hf_paths, hf_lib, tmp_path):
    # NeoX with a Llama-3-style TemplateProcessing: "<|endoftext|> $A" (and a pair template).
    from tokenizers import processors

    hf = hf_lib.Tokenizer.from_file(str(hf_paths["neox"]))
    hf.post_processor = processors.TemplateProcessing(
        single="<|endoftext|> $A", pair="<|endoftext|> $A <|endoftext|> $B:1", special_tokens=[("<|endoftext|>", 0)]
    )
    path = tmp_path / "tokenizer.json"
    hf.save(str(path))
    tok = ts.load(path)
    items = corpora.small_samples(data_root, per_corpus=40)
    texts = _texts(items)
    with_bos = [tok.encode(t, allowed_special="all", add_special_tokens=True) for t in texts]
    assert_no_mismatches(items, _hf_ids(hf, texts, add_special_tokens=True), with_bos, "neox + TemplateProcessing, add_special_tokens=True")
    without = [tok.encode(t, allowed_special="all") for t in texts]
    assert_no_mismatches(items, _hf_ids(hf, texts), without, "neox + TemplateProcessing, add_special_tokens=False")


@pytest.mark.parametrize("name", HF_NAMES)
def test_encode_ordinary_treats_special_tokens_as_text_like_hf_without_them(name, data_root, hf_ref, ts_hf):
    plain, tok = hf_ref(name, specials=False), ts_hf(name)
    items = corpora.small_samples(data_root) + tuple(_added_token_texts(hf_ref(name)))
    texts = _texts(items)
    expected = _hf_ids(plain, texts)
    assert_no_mismatches(items, expected, [tok.encode_ordinary(t) for t in texts], f"{name} encode_ordinary", piece=_piece(plain))
    assert_no_mismatches(items, expected, [tok.encode(t, disallowed_special=()) for t in texts], f"{name} encode(disallowed_special=())")


# --------------------------------------------------------------------------- added tokens


def _added_token_texts(hf) -> list[tuple[str, str]]:
    out = []
    for content in sorted({t.content for t in hf.get_added_tokens_decoder().values()}):
        for form in ("{c}", "a{c}b", " {c} ", "{c}{c}", "\n{c}\n", "x {c}y", "{c}'s", "中{c}🦙", "12{c}34", "{p}", "<{c}>"):
            out.append((f"added token {content!r}", form.format(c=content, p=content[:-1] or content)))
    out += [
        ("chat", "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n"),
        ("chat", "<think>\nreasoning 1+1=2\n</think>\n\nThe answer is 2.<|endoftext|>"),
        ("chat", "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call><|im_end|>"),
    ]
    for n in range(1, 31):
        for ws in (" ", "\t", "\n", " \n"):
            out.append((f"whitespace {ws!r}*{n}", f"def f():\n{ws * n}return {ws * n}x{ws * n}"))
    return out


@pytest.mark.parametrize("name", HF_NAMES)
def test_added_tokens_in_text_are_matched_like_hf(name, hf_ref, ts_hf):
    hf, tok = hf_ref(name), ts_hf(name)
    items = _added_token_texts(hf)
    texts = _texts(items)
    got = [tok.encode(t, allowed_special="all") for t in texts]
    assert_no_mismatches(items, _hf_ids(hf, texts), got, f"{name} added tokens in text", piece=_piece(hf))


@pytest.mark.parametrize("name", HF_NAMES)
def test_special_added_token_in_text_raises_by_default_and_non_special_does_not(name, hf_ref, ts_hf, ts):
    hf, tok = hf_ref(name), ts_hf(name)
    for token in hf.get_added_tokens_decoder().values():
        text = f"before {token.content} after"
        if token.special:
            with pytest.raises(ts.errors.SpecialTokenError):
                tok.encode(text)
        else:
            assert tok.encode(text) == hf.encode(text, add_special_tokens=False).ids, token.content


@pytest.mark.parametrize("name", HF_NAMES)
def test_vocabulary_special_tokens_and_id_lookups_equal_hf(name, hf_ref, ts_hf):
    hf, tok = hf_ref(name), ts_hf(name)
    assert tok.vocab_size == hf.get_vocab_size(with_added_tokens=True)
    assert dict(tok.special_tokens) == {t.content: i for i, t in hf.get_added_tokens_decoder().items() if t.special}
    vocab = hf.get_vocab(with_added_tokens=True)
    bad_ids = [i for i in range(tok.vocab_size) if tok.id_to_token(i) != hf.id_to_token(i)]
    assert not bad_ids, [(i, hf.id_to_token(i), tok.id_to_token(i)) for i in bad_ids[:5]]
    bad_tokens = [t for t, i in vocab.items() if tok.token_to_id(t) != i]
    assert not bad_tokens, [(t, vocab[t], tok.token_to_id(t)) for t in bad_tokens[:5]]
    assert tok.token_to_id("no such token \u0000") is None
    assert tok.id_to_token(tok.vocab_size + 100) is None


# --------------------------------------------------------------------------- decoding


@pytest.mark.parametrize("name", HF_NAMES)
def test_decode_equals_hf_decode_on_corpus_ids(name, data_root, hf_ref, ts_hf):
    hf, tok = hf_ref(name), ts_hf(name)
    items = corpora.small_samples(data_root) + tuple(_added_token_texts(hf))
    ids = _hf_ids(hf, _texts(items))
    labelled = [(label, str(i)) for (label, _), i in zip(items, ids)]
    expected = hf.decode_batch(ids, skip_special_tokens=False)
    assert_no_mismatches(labelled, expected, [tok.decode(i) for i in ids], f"{name} decode")


@pytest.mark.parametrize("name", HF_NAMES)
def test_decode_of_random_ids_equals_hf_including_invalid_utf8(name, hf_ref, ts_hf):
    hf, tok = hf_ref(name), ts_hf(name)
    rng = random.Random(11)
    n = hf.get_vocab_size(with_added_tokens=False)
    seqs = [[rng.randrange(n) for _ in range(rng.choice((1, 2, 5, 40)))] for _ in range(500)]
    seqs += [[rng.randrange(256) for _ in range(rng.choice((1, 3, 9)))] for _ in range(300)]
    labelled = [(f"random ids #{k}", str(s)) for k, s in enumerate(seqs)]
    expected = hf.decode_batch(seqs, skip_special_tokens=False)
    assert_no_mismatches(labelled, expected, [tok.decode(s) for s in seqs], f"{name} decode of random ids")


# --------------------------------------------------------------------------- offsets


def _offset_property_errors(text: str, ids, offsets, tok, *, contiguous: bool) -> list[str]:
    errors = []
    if len(ids) != len(offsets):
        return [f"{len(ids)} ids but {len(offsets)} offsets"]
    prev_s, prev_e = 0, 0
    for k, (s, e) in enumerate(offsets):
        if not 0 <= s <= e <= len(text):
            errors.append(f"token {k}: span {(s, e)} outside text of {len(text)} chars")
        if s < prev_s or e < prev_e:
            errors.append(f"token {k}: span {(s, e)} goes back from {(prev_s, prev_e)}")
        if contiguous:
            if k == 0 and s != 0:
                errors.append(f"token 0 starts at {s}, not 0")
            if k > 0 and s not in (prev_e, prev_e - 1):
                errors.append(f"token {k}: span {(s, e)} leaves a gap or overlap after {(prev_s, prev_e)}")
            if k > 0 and s == prev_e - 1 and len(text[s].encode("utf-8")) == 1:
                errors.append(f"token {k}: shares the one-byte character {text[s]!r} with the token before")
            piece = tok.decode_single_token_bytes(ids[k])
            if piece not in text[s:e].encode("utf-8"):
                errors.append(f"token {k}: bytes {piece!r} not inside text[{s}:{e}] = {text[s:e]!r}")
        prev_s, prev_e = s, e
    if contiguous:
        # A token sharing no character with its neighbours spans exactly its own bytes.
        for k, (s, e) in enumerate(offsets):
            alone = (k == 0 or offsets[k - 1][1] <= s) and (k + 1 == len(offsets) or offsets[k + 1][0] >= e)
            if alone and text[s:e].encode("utf-8") != tok.decode_single_token_bytes(ids[k]):
                errors.append(f"token {k}: text[{s}:{e}] = {text[s:e]!r} is not its bytes {tok.decode_single_token_bytes(ids[k])!r}")
    if contiguous and offsets and offsets[-1][1] != len(text):
        errors.append(f"last token ends at {offsets[-1][1]}, text has {len(text)} chars")
    return errors[:3]


def _offset_items(data_root, hf, per_corpus=60):
    specials = {t.content for t in hf.get_added_tokens_decoder().values() if t.special}
    items = corpora.small_samples(data_root, per_corpus=per_corpus)
    return [(label, t) for label, t in items if not any(s in t for s in specials)]


@pytest.mark.parametrize("name", UNTRIMMED)
def test_encode_with_offsets_equals_hf_untrimmed_offsets(name, data_root, hf_ref, ts_hf):
    hf, tok = hf_ref(name), ts_hf(name)
    items = _offset_items(data_root, hf)
    encodings = hf.encode_batch(_texts(items), add_special_tokens=False)
    # An NFC normalizer changes text before splitting; where it does, HF's alignments of composed
    # characters are its own choice, so those texts get the property checks only.
    comparable = [(k, item) for k, item in enumerate(items) if name == "gpt2" or _nfc_invariant(item[1])]
    assert len(comparable) > len(items) // 2
    expected = [(encodings[k].ids, [tuple(o) for o in encodings[k].offsets]) for k, _ in comparable]
    got = []
    for _, (_, text) in comparable:
        ids, offsets = tok.encode_with_offsets(text)
        got.append((list(ids), [tuple(o) for o in offsets]))
    assert_no_mismatches([item for _, item in comparable], expected, got, f"{name} encode_with_offsets vs HF (ids, offsets)")


@pytest.mark.parametrize("name", HF_NAMES)
def test_encode_with_offsets_spans_are_ordered_and_cover_the_text(name, data_root, hf_ref, ts_hf):
    hf, tok = hf_ref(name), ts_hf(name)
    items = _offset_items(data_root, hf)
    bad = []
    for label, text in items:
        ids, offsets = tok.encode_with_offsets(text)
        offsets = [tuple(o) for o in offsets]
        # Contiguity and "the token's bytes lie in its span" need the text unchanged by NFC.
        errors = _offset_property_errors(text, ids, offsets, tok, contiguous=name in UNTRIMMED and _nfc_invariant(text))
        if list(ids) != tok.encode(text):
            errors.append("ids differ from encode(text)")
        if errors:
            bad.append(Mismatch(label, text, "valid offsets", errors))
    assert not bad, report(bad, len(items), f"{name} offset properties")


def test_neox_offsets_equal_hf_trimmed_or_untrimmed_span_per_token(data_root, hf_ref, ts_hf, hf_paths):
    # NeoX's ByteLevel trims offsets (leading spaces dropped from the span); tokensmith may report
    # either form, but each span must be one of the two HF gives.
    import references

    hf, tok = hf_ref("neox"), ts_hf("neox")
    untrimmed = references.hf_untrimmed(hf_paths["neox"])
    items = [(label, t) for label, t in _offset_items(data_root, hf) if _nfc_invariant(t)]
    texts = _texts(items)
    trimmed_enc, untrimmed_enc = hf.encode_batch(texts, add_special_tokens=False), untrimmed.encode_batch(texts, add_special_tokens=False)
    bad = []
    for (label, text), a, b in zip(items, trimmed_enc, untrimmed_enc):
        ids, offsets = tok.encode_with_offsets(text)
        ok = list(ids) == a.ids and len(offsets) == len(a.offsets) and all(
            tuple(o) in (tuple(x), tuple(y)) for o, x, y in zip(offsets, a.offsets, b.offsets)
        )
        if not ok:
            bad.append(Mismatch(label, text, (a.ids, a.offsets, b.offsets), (list(ids), [tuple(o) for o in offsets])))
    assert not bad, report(bad, len(items), "neox offsets (expected: ids, trimmed, untrimmed)")


# --------------------------------------------------------------------------- API variants and persistence


@pytest.mark.parametrize("name", HF_NAMES)
def test_encode_batch_and_encode_ordinary_batch_equal_hf_batches(name, data_root, hf_ref, ts_hf):
    hf, tok = hf_ref(name), ts_hf(name)
    items = corpora.small_samples(data_root)
    texts = _texts(items)
    expected = _hf_ids(hf, texts)
    assert_no_mismatches(items, expected, tok.encode_batch(texts, allowed_special="all"), f"{name} encode_batch")
    assert_no_mismatches(items, expected, tok.encode_batch(texts, allowed_special="all", threads=2), f"{name} encode_batch(threads=2)")
    plain = _hf_ids(hf_ref(name, specials=False), texts)
    assert_no_mismatches(items, plain, tok.encode_ordinary_batch(texts, threads=2), f"{name} encode_ordinary_batch")


@pytest.mark.parametrize("name", HF_NAMES)
def test_pickled_tokenizer_encodes_identically(name, data_root, hf_ref, ts_hf):
    hf, tok = hf_ref(name), ts_hf(name)
    clone = pickle.loads(pickle.dumps(tok))
    items = corpora.small_samples(data_root, per_corpus=50)
    texts = _texts(items)
    assert_no_mismatches(items, _hf_ids(hf, texts), [clone.encode(t, allowed_special="all") for t in texts], f"{name} after pickle")
    assert clone.special_tokens == tok.special_tokens and clone.vocab_size == tok.vocab_size


@pytest.mark.parametrize("name", HF_NAMES)
def test_saved_tokenizer_json_reloads_in_tokensmith_and_in_hf_with_the_same_ids(name, ts, data_root, hf_ref, ts_hf, hf_lib, tmp_path):
    hf, tok = hf_ref(name), ts_hf(name)
    path = tmp_path / "tokenizer.json"
    tok.save(path, format="hf")
    items = corpora.small_samples(data_root, per_corpus=50) + tuple(_added_token_texts(hf)[:60])
    texts = _texts(items)
    expected = _hf_ids(hf, texts)
    again = ts.load(path)
    assert_no_mismatches(items, expected, [again.encode(t, allowed_special="all") for t in texts], f"{name} saved, reloaded by tokensmith")
    assert again.special_tokens == tok.special_tokens
    reloaded = hf_lib.Tokenizer.from_file(str(path))
    assert_no_mismatches(items, expected, _hf_ids(reloaded, texts), f"{name} saved by tokensmith, run by HF tokenizers")


def test_gpt2_loads_from_folder_and_from_encoder_json_path_alike(ts, data_root, ts_hf):
    import references

    folder = references.gpt2_dir(data_root)
    a, b = ts_hf("gpt2"), ts.load(folder / "encoder.json")
    texts = _texts(corpora.small_samples(data_root, per_corpus=20))
    assert [a.encode_ordinary(t) for t in texts] == [b.encode_ordinary(t) for t in texts]


def test_qwen2_loads_from_folder_and_from_vocab_json_path_alike(ts, data_root, ts_hf, hf_paths):
    a, b = ts_hf("qwen2"), ts.load(hf_paths["qwen2"].parent)
    texts = _texts(corpora.small_samples(data_root, per_corpus=20))
    assert [a.encode(t, allowed_special="all") for t in texts] == [b.encode(t, allowed_special="all") for t in texts]
    assert a.special_tokens == b.special_tokens


@pytest.mark.parametrize("name", ("qwen3", "neox"))
def test_lone_surrogates_raise_a_value_error_or_encode_like_replacement_characters(name, hf_ref, ts_hf):
    # HF tokenizers cannot receive lone surrogates from Python at all; tokensmith must not crash:
    # either a clear error or the tiktoken convention (U+FFFD in place of each).
    hf, tok = hf_ref(name), ts_hf(name)
    for label, text in corpora.lone_surrogate_texts():
        got = outcome(tok.encode_ordinary, text)
        if isinstance(got, type):
            assert issubclass(got, (ValueError, TypeError)), (label, got)
        else:
            replaced = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
            assert got == hf_ref(name, specials=False).encode(replaced, add_special_tokens=False).ids, label
