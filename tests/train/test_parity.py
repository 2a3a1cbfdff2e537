"""Parity-aware BPE (algorithms §7.2): the objective plugs into the same loop, reduces to
classic BPE where it should, and lowers the cross-language Gini on held-out parallel text."""
from __future__ import annotations

import pytest

import corpora
from tokensmith import _core
from tokensmith.errors import TrainingError
from tokensmith.train import ParityAware, train
from tokensmith.train.counting import Splitter, count

BYTES = [bytes([b]) for b in range(256)]


def gini(values) -> float:
    n, mean = len(values), sum(values) / len(values)
    return sum(abs(a - b) for a in values for b in values) / (2 * n * n * mean)


@pytest.fixture(scope="module")
def ntrex(data_root):
    data = corpora.ntrex128(data_root)
    langs = sorted(data)[::16][:8]  # 8 languages, several scripts (as benchmarks/parity.py --languages 8)
    return {lang: data[lang] for lang in langs}


def native(tables, dev, objective, *, vocab_size, per_language=True):
    spec = {"vocab": BYTES, "symbol": [1] * 256, "chars": False, "vocab_size": vocab_size, "min_frequency": 0,
            "max_token_length": 0, "hf_compat": False, "per_language": per_language}
    t = _core.Trainer(spec, [c.table for c in tables], [c.table for c in dev], objective)
    while t.step(500):
        pass
    return t.merges()


def parity_spec(**kw):
    return {"kind": "parity", "global_merges": 0, "ratios": [], "window": 0, "alpha": 2.0} | kw


def test_one_language_gives_classic_bpe(ntrex):
    lang = sorted(ntrex)[0]
    pc = count(ntrex[lang][:800], splitter=Splitter.bytes("o200k"), progress=False)
    dev = count(ntrex[lang][800:900], splitter=Splitter.bytes("o200k"), progress=False)
    classic = native([pc], [], {"kind": "frequency"}, vocab_size=1500, per_language=False)
    parity = native([pc], [dev], parity_spec(), vocab_size=1500)
    assert [m[:3] for m in parity] == [m[:3] for m in classic]
    assert {m[4] for m in parity} == {-1}  # one language: the objective keeps the global column


def test_parity_aware_lowers_gini_on_held_out_parallel_lines(ntrex):
    train_set = {lang: lines[:1500] for lang, lines in ntrex.items()}
    dev = {lang: lines[1500:1750] for lang, lines in ntrex.items()}
    heldout = {lang: lines[1750:] for lang, lines in ntrex.items()}
    classic = train(train_set, vocab_size=4000, progress=False)
    parity = train(train_set, vocab_size=4000, objective=ParityAware(dev=dev), progress=False)
    assert classic.vocab_size == parity.vocab_size == 4000

    def cost(tok):
        return [sum(map(len, tok.encode_batch(list(lines)))) for lines in heldout.values()]

    g_classic, g_parity = gini(cost(classic)), gini(cost(parity))
    assert g_parity < 0.5 * g_classic, (g_classic, g_parity)
    nbytes = sum(len(line.encode()) for lines in heldout.values() for line in lines)
    bpt_classic, bpt_parity = nbytes / sum(cost(classic)), nbytes / sum(cost(parity))
    assert 0.85 * bpt_classic < bpt_parity <= 1.02 * bpt_classic  # fairness costs little compression
    info = parity.training
    assert info["objective"] == "parity-aware" and sum(info["merges_per_language"].values()) == info["merges"]
    assert all(after < before for before, after in zip(info["dev_tokens_before"].values(),
                                                       info["dev_tokens_after"].values()))


def test_hybrid_starts_with_classic_merges(ntrex):
    tables = [count(lines[:600], splitter=Splitter.bytes("o200k"), progress=False) for lines in ntrex.values()]
    devs = [count(lines[600:700], splitter=Splitter.bytes("o200k"), progress=False) for lines in ntrex.values()]
    classic = native(tables, [], {"kind": "frequency"}, vocab_size=900, per_language=False)
    hybrid = native(tables, devs, parity_spec(global_merges=300), vocab_size=900)
    assert [m[:3] for m in hybrid[:300]] == [m[:3] for m in classic[:300]]
    assert {m[4] for m in hybrid[:300]} == {-1} and all(m[4] >= 0 for m in hybrid[300:])


def test_moving_window_masks_languages_chosen_too_often(ntrex):
    tables = [count(lines[:600], splitter=Splitter.bytes("o200k"), progress=False) for lines in ntrex.values()]
    devs = [count(lines[600:700], splitter=Splitter.bytes("o200k"), progress=False) for lines in ntrex.values()]
    window, alpha, n = 16, 2.0, len(tables)
    merges = native(tables, devs, parity_spec(window=window, alpha=alpha), vocab_size=900)
    chosen = [m[4] for m in merges]
    for i in range(window, len(chosen)):
        recent = chosen[i - window:i]
        # Chosen at step i, so it was not masked: at most alpha/L of the window before it.
        assert recent.count(chosen[i]) <= alpha / n * window


def test_ratio_targets_steer_toward_the_least_compressed_language(ntrex):
    langs = sorted(ntrex)[:3]
    sources = {lang: list(ntrex[lang][:500]) for lang in langs}
    ratios = {lang: 1.0 for lang in langs}
    tok = train(sources, vocab_size=1200, objective=ParityAware(ratios=ratios), progress=False)
    per_lang = tok.training["merges_per_language"]
    assert set(per_lang) == set(langs) | {"(global)"} and all(per_lang[lang] > 0 for lang in langs)


def test_parity_needs_languages_and_dev_sets(ntrex):
    lines = list(next(iter(ntrex.values()))[:100])
    with pytest.raises(TrainingError, match="per language"):
        train(lines, vocab_size=300, objective=ParityAware(dev={"x": lines}), progress=False)
    two = {lang: list(ntrex[lang][:100]) for lang in sorted(ntrex)[:2]}
    with pytest.raises(TrainingError, match="dev set"):
        train(two, vocab_size=300, objective=ParityAware(), progress=False)
