"""Saving (``Tokenizer.save``): what tokensmith writes, other libraries read and encode identically.

For real tokenizers of every source format -- cl100k and o200k (``.tiktoken``), GPT-2
(``encoder.json`` + ``vocab.bpe``), Qwen2 (``vocab.json`` + ``merges.txt``), GPT-NeoX-20B
(``tokenizer.json``) -- the HF export is loaded by HF ``tokenizers`` and by transformers'
``PreTrainedTokenizerFast``, and both must give the reference library's ids on a few hundred KB
of mixed text (monolingual books, NTREX sentences in 128 languages, the adversarial set).
``ts.load`` of the saved files must encode exactly as the tokenizer that was saved. The
``.tiktoken`` export must read back in tokensmith and in tiktoken (``load_tiktoken_bpe`` plus the
sidecar's pattern and special tokens).

Files are written atomically (no temporary file is left behind, even when the write fails) and
deterministically (two saves give byte-identical files). Needs the shared data folder.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import corpora
import references
from diffing import assert_no_mismatches

pytest.importorskip("tokenizers", reason="HF tokenizers reads the saved tokenizer.json")
pytest.importorskip("tiktoken", reason="tiktoken is the reference for the OpenAI encodings")

SOURCES = ("cl100k_base", "o200k_base", "gpt2", "qwen2", "neox")
TIKTOKEN_SOURCES = ("cl100k_base", "o200k_base")


@pytest.fixture(scope="module")
def mixed_text(data_root) -> list[tuple[str, str]]:
    """About 300 KB: book chunks, one to three NTREX lines per language, a slice of the adversarial set."""
    items: list[tuple[str, str]] = []
    for name, text in corpora.monolingual(data_root).items():
        lines = text[:40_000].splitlines(keepends=True)
        for start in range(0, len(lines), 25):
            items.append((f"{name} lines {start + 1}-{start + 25}", "".join(lines[start:start + 25])))
    for k, (lang, lines) in enumerate(sorted(corpora.ntrex128(data_root).items())):
        start = (k * 13) % 1990
        items.append((f"ntrex128/{lang} lines {start + 1}-{start + 3}", "\n".join(lines[start:start + 3])))
    adversarial = [item for item in corpora.adversarial() if len(item[1]) <= 3_000]
    items += adversarial[::30]
    items += [("empty", ""), ("spaces", "   "), ("newlines", "\n\n\n"), ("tabs", "\t \t")]
    return items


class Source:
    """A tokenizer as tokensmith loads it, with the reference library's encoder for it."""

    def __init__(self, name: str, tok, reference, specials: dict[str, int]):
        self.name, self.tok, self.reference, self.specials = name, tok, reference, specials


@pytest.fixture(scope="module")
def source(request, tiktoken_ref, ts_tiktoken, hf_ref, ts_hf):
    name = request.param
    if name in TIKTOKEN_SOURCES:
        enc = tiktoken_ref(name)
        return Source(name, ts_tiktoken(name), lambda texts: enc.encode_batch(texts, allowed_special="all"),
                      dict(enc._special_tokens))
    hf = hf_ref(name)
    specials = references.hf_special_tokens(hf)
    return Source(name, ts_hf(name), lambda texts: [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)],
                  specials)


@pytest.fixture(scope="module")
def saved_hf(source, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"hf-{source.name}")
    written = source.tok.save(folder / "hf", format="hf")
    return folder / "hf", written


def _plain(items, specials):
    return [(label, text) for label, text in items if not any(s in text for s in specials)]


def _texts(items):
    return [text for _, text in items]


each_source = pytest.mark.parametrize("source", SOURCES, indirect=True)


# --------------------------------------------------------------------------- HF export


@each_source
def test_hf_export_read_by_tokenizers_gives_reference_ids(source, saved_hf, mixed_text):
    from tokenizers import Tokenizer

    hf = Tokenizer.from_file(str(saved_hf[0] / "tokenizer.json"))
    items = _plain(mixed_text, source.specials)
    got = [e.ids for e in hf.encode_batch(_texts(items), add_special_tokens=False)]
    assert_no_mismatches(items, source.reference(_texts(items)), got, f"{source.name} saved tokenizer.json in tokenizers")


@each_source
def test_hf_export_read_by_transformers_gives_reference_ids(source, saved_hf, mixed_text):
    transformers = pytest.importorskip("transformers", reason="transformers loads the saved folder")
    fast = transformers.PreTrainedTokenizerFast.from_pretrained(str(saved_hf[0]))
    items = _plain(mixed_text, source.specials)
    got = fast(_texts(items), add_special_tokens=False)["input_ids"]
    assert_no_mismatches(items, source.reference(_texts(items)), got, f"{source.name} saved folder in transformers")


@each_source
def test_hf_export_reloaded_by_tokensmith_encodes_like_the_saved_tokenizer(source, saved_hf, mixed_text, ts):
    again = ts.load(saved_hf[0])
    items = mixed_text
    expected = [source.tok.encode(t, allowed_special="all") for t in _texts(items)]
    got = [again.encode(t, allowed_special="all") for t in _texts(items)]
    assert_no_mismatches(items, expected, got, f"{source.name} ts.load(saved) vs the original")
    assert again.special_tokens == source.tok.special_tokens


def _special_texts(specials):
    names = sorted(specials, key=specials.get)
    first, last = names[0], names[-1]
    return [(f"special {s!r}", t) for s in names for t in (s, f"a {s} b", f"x{s}{s}\n")] + \
           [("specials together", f"{first}hello{last} world")]


SPECIAL_ID_BUG = ("bug: save(format='hf') writes tiktoken special tokens only in added_tokens, with ids "
                  "that leave gaps after the vocabulary (cl100k: 100257.. after 100255; o200k: 199999 after "
                  "199997); tokenizers and transformers renumber such added tokens consecutively from the "
                  "vocabulary size, so <|endoftext|> becomes 100256 / 199998")


@each_source
def test_hf_export_keeps_special_token_ids(request, source, saved_hf):
    from tokenizers import Tokenizer

    hf = Tokenizer.from_file(str(saved_hf[0] / "tokenizer.json"))
    items = _special_texts(source.specials)
    got = [e.ids for e in hf.encode_batch(_texts(items), add_special_tokens=False)]
    assert_no_mismatches(items, source.reference(_texts(items)), got, f"{source.name} special tokens after saving")
    assert {s: hf.token_to_id(s) for s in source.specials} == source.specials


@each_source
def test_hf_export_is_written_atomically_with_no_leftover_files(source, saved_hf):
    folder, written = saved_hf
    assert sorted(Path(p).name for p in written) == ["tokenizer.json", "tokenizer_config.json"]
    assert sorted(os.listdir(folder)) == ["tokenizer.json", "tokenizer_config.json"]
    json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))


@each_source
def test_hf_export_is_deterministic(source, saved_hf, tmp_path):
    folder, _ = saved_hf
    source.tok.save(tmp_path / "again", format="hf")
    for name in ("tokenizer.json", "tokenizer_config.json"):
        assert (tmp_path / "again" / name).read_bytes() == (folder / name).read_bytes(), name


@each_source
def test_hf_export_of_the_reloaded_tokenizer_is_byte_identical(source, saved_hf, tmp_path, ts):
    # Saving is a fixed point: load(save(t)) saves to the same bytes as t.
    folder, _ = saved_hf
    ts.load(folder).save(tmp_path / "second", format="hf")
    assert (tmp_path / "second" / "tokenizer.json").read_bytes() == (folder / "tokenizer.json").read_bytes()


# --------------------------------------------------------------------------- .tiktoken export

@pytest.mark.parametrize("source", ["cl100k_base", "gpt2"], indirect=True)
def test_tiktoken_export_round_trips_through_tokensmith_and_tiktoken(source, mixed_text, tmp_path, ts, monkeypatch):
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    path = tmp_path / f"{source.name}-copy.tiktoken"
    written = source.tok.save(path, format="tiktoken")
    assert sorted(Path(p).name for p in written) == sorted([path.name, path.name + ".json"])
    assert sorted(os.listdir(tmp_path)) == sorted([path.name, path.name + ".json"])

    texts = _texts(mixed_text)
    again = ts.load(path)
    assert again.special_tokens == source.tok.special_tokens
    expected = source.reference(texts)
    assert_no_mismatches(mixed_text, expected, [again.encode(t, allowed_special="all") for t in texts],
                         f"{source.name} ts.load(saved .tiktoken)")

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")  # read the local file, leave no cache copy
    meta = json.loads(Path(str(path) + ".json").read_text())
    enc = tiktoken.Encoding(source.name, pat_str=meta["pat_str"], mergeable_ranks=load_tiktoken_bpe(str(path)),
                            special_tokens=meta["special_tokens"])
    assert_no_mismatches(mixed_text, expected, enc.encode_batch(texts, allowed_special="all"),
                         f"{source.name} saved .tiktoken read by tiktoken")


@pytest.mark.parametrize("source", ["cl100k_base"], indirect=True)
def test_tiktoken_export_is_deterministic(source, tmp_path):
    source.tok.save(tmp_path / "a" / "x.tiktoken", format="tiktoken")
    source.tok.save(tmp_path / "b" / "x.tiktoken", format="tiktoken")
    for name in ("x.tiktoken", "x.tiktoken.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


# --------------------------------------------------------------------------- atomic writes, small fixture


@pytest.fixture
def small(tmp_path, ts):
    """A byte-level tokenizer from a 257-line .tiktoken file (no shared data needed)."""
    import base64

    lines = [f"{base64.b64encode(bytes([b])).decode()} {b}" for b in range(256)] + ["YWI= 256"]
    path = tmp_path / "src" / "small.tiktoken"
    path.parent.mkdir()
    path.write_text("\n".join(lines) + "\n")
    return ts.load(path, pattern=r"\S+|\s+", special_tokens={"<|end|>": 257})


def test_save_over_existing_files_replaces_them_whole(small, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "tokenizer.json").write_text("old garbage " * 1000)
    small.save(folder, format="hf")
    assert sorted(os.listdir(folder)) == ["tokenizer.json", "tokenizer_config.json"]
    assert json.loads((folder / "tokenizer.json").read_text())["model"]["vocab"]["ab"] == 256


def test_failed_save_leaves_no_temporary_file_behind(small, tmp_path):
    folder = tmp_path / "out"
    (folder / "tokenizer.json").mkdir(parents=True)  # a folder where the file should go: rename fails
    with pytest.raises(OSError):
        small.save(folder, format="hf")
    assert os.listdir(folder) == ["tokenizer.json"]
    assert os.listdir(folder / "tokenizer.json") == []


def test_save_to_a_json_path_writes_that_file_and_the_config_beside_it(small, tmp_path):
    written = small.save(tmp_path / "out" / "my.json", format="hf")
    assert sorted(Path(p).name for p in written) == ["my.json", "tokenizer_config.json"]
    assert sorted(os.listdir(tmp_path / "out")) == ["my.json", "tokenizer_config.json"]
