"""Shared fixtures: the reference data folder, the reference libraries, and tokenizers loaded once.

The differential tests need third-party files that live beside the checkout, never inside it
(``../shared/data``, see its ``MANIFEST.md``). ``TOKENSMITH_TEST_DATA`` points elsewhere; when the
folder is absent those tests skip with the reason, and every other test still runs.

Tokenizers are expensive to build (a 200k-entry vocabulary), so each is loaded once per session
and handed out through small getter fixtures (``ts_tiktoken("cl100k_base")``, ``hf_ref("qwen3")``).
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pytest

import references

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"

#: The tokenizers the HF differential tests load, keyed by the short names tests use.
HF_NAMES = ("gpt2", "qwen2", "qwen3", "neox")


def data_path() -> Path:
    return Path(os.environ.get("TOKENSMITH_TEST_DATA", DEFAULT_DATA))


@pytest.fixture(scope="session")
def data_root() -> Path:
    root = data_path()
    if not (root / "tokenizers").is_dir() or not (root / "corpora").is_dir():
        pytest.skip(f"reference data not found at {root}; set TOKENSMITH_TEST_DATA")
    return root


@pytest.fixture(scope="session")
def ts():
    """The tokensmith package; skips only when it is not installed at all (a broken build fails)."""
    try:
        import tokensmith
    except ModuleNotFoundError as exc:
        if exc.name != "tokensmith":
            raise
        pytest.skip("tokensmith is not installed (`make install` builds it)")
    return tokensmith


@pytest.fixture(scope="session")
def tiktoken_lib():
    return pytest.importorskip("tiktoken", reason="tiktoken is the reference for the tiktoken encodings")


@pytest.fixture(scope="session")
def hf_lib():
    return pytest.importorskip("tokenizers", reason="HF tokenizers is the reference for tokenizer.json files")


# --------------------------------------------------------------------------- tiktoken side


@pytest.fixture(scope="session")
def tiktoken_ref(tiktoken_lib, data_root):
    """``tiktoken_ref(name)`` -> the reference ``tiktoken.Encoding`` (a preset name or ``"whisper"``)."""
    return lambda name: references.tiktoken_encoding(data_root, name)


def load_with_options(ts, path: Path, *, pattern: str | None = None, special_tokens: dict | None = None):
    """``ts.load(path)`` with a split pattern and special tokens, when ``load`` takes them.

    A bare ``.tiktoken`` file holds ranks only; Whisper's pattern and special tokens come from
    openai-whisper's code. The keyword for the pattern is tried as ``pattern`` then ``pat_str``
    (tiktoken's name). Returns ``(tokenizer, specials_attached)``.
    """
    attempts = []
    for pattern_kw in ("pattern", "pat_str"):
        kwargs = {}
        if pattern is not None:
            kwargs[pattern_kw] = pattern
        if special_tokens is not None:
            kwargs["special_tokens"] = special_tokens
        attempts.append(kwargs)
    if special_tokens is not None:
        attempts += [{"special_tokens": special_tokens}]
    for kwargs in attempts:
        try:
            return ts.load(path, **kwargs), "special_tokens" in kwargs
        except TypeError:
            continue
    return ts.load(path), False


@pytest.fixture(scope="session")
def ts_tiktoken(ts, data_root):
    """``ts_tiktoken(name)`` -> tokensmith's tokenizer loaded from the same ``.tiktoken`` file.

    For ``"whisper"`` the pattern and openai-whisper's default special tokens (99 languages) are
    passed to ``load``; ``ts_tiktoken.whisper_specials_attached`` says whether it took them.
    """

    @lru_cache(maxsize=None)
    def get(name: str):
        path = references.tiktoken_file(data_root, name)
        if name == "whisper":
            specials = dict(references.tiktoken_encoding(data_root, "whisper")._special_tokens)
            tok, get.whisper_specials_attached = load_with_options(
                ts, path, pattern=references.R50K_PATTERN, special_tokens=specials
            )
            return tok
        return ts.load(path)

    get.whisper_specials_attached = False
    return get


# --------------------------------------------------------------------------- Hugging Face side


@pytest.fixture(scope="session")
def hf_paths(data_root, tmp_path_factory) -> dict[str, Path]:
    """What tokensmith loads for each HF tokenizer: a GPT-2 folder, Qwen2's vocab.json, two tokenizer.json."""
    tmp = tmp_path_factory.mktemp("hf-tokenizers")
    qwen2 = references.write_qwen2_dir(data_root, tmp / "qwen2")
    return {
        "gpt2": references.gpt2_dir(data_root),
        "qwen2": qwen2 / "vocab.json",
        "qwen3": references.write_qwen3_json(data_root, tmp / "qwen3"),
        "neox": references.neox_json(data_root),
    }


@pytest.fixture(scope="session")
def hf_ref(hf_lib, data_root, hf_paths):
    """``hf_ref(name)`` -> the reference ``tokenizers.Tokenizer``.

    ``hf_ref(name, specials=False)`` -> a second copy with ``encode_special_tokens`` set: special
    added tokens in the text are encoded as plain text, non-special ones are still matched —
    the reference for ``encode_ordinary``.
    """

    @lru_cache(maxsize=None)
    def get(name: str, specials: bool = True):
        if name == "gpt2":
            tok = references.hf_gpt2(data_root)
        elif name == "qwen2":
            tok = references.hf_qwen2(hf_paths["qwen2"].parent)
        else:
            tok = references.hf_from_json(hf_paths[name])
        tok.encode_special_tokens = not specials
        return tok

    return get


@pytest.fixture(scope="session")
def ts_hf(ts, hf_paths):
    """``ts_hf(name)`` -> tokensmith's tokenizer loaded from the same files as ``hf_ref(name)``."""

    @lru_cache(maxsize=None)
    def get(name: str):
        return ts.load(hf_paths[name])

    return get
