"""Metrics against published unit values (tokenization-scorer's tests) and their defining properties."""
from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokensmith.evaluate import metrics as M

# zouharvi/tokenization-scorer, tokenization_scorer/test.py (algorithms.md §8.6 / §13.3).
T1 = "pick @@ed pick @@l @@ed pick @@les"
T2 = "pick @@e @@d pick @@l @@e @@d pick @@l @@e @@s"


def counts(text: str) -> Counter:
    return Counter(text.split())


@pytest.mark.parametrize("text, metric, expected", [
    (T1, lambda c: M.renyi_efficiency(c, 2.5), 0.8265064834225245),
    (T2, lambda c: M.renyi_efficiency(c, 2.5), 0.9204840242168808),
    (T1, lambda c: M.renyi_entropy(c, 2.5), 1.653012966845049),
    (T2, lambda c: M.renyi_entropy(c, 2.5), 2.1372977167241545),
    (T1, M.shannon_efficiency, 0.9211854965885544),
    (T2, M.shannon_efficiency, 0.9609557933859342),
    (T1, M.shannon_entropy, 1.8423709931771088),
    (T2, M.shannon_entropy, 2.2312702546075758),
    (T1, lambda c: M.percentile_frequency(c, 0.03, 0.83), 0.857142857142857),
    (T2, lambda c: M.percentile_frequency(c, 0.03, 0.83), 0.9090909090909092),
    (T1, lambda c: M.percentile_frequency(c, 0.3, 0.6), 0.2857142857142857),
    (T2, lambda c: M.percentile_frequency(c, 0.3, 0.6), 0.45454545454545453),
    (T1, M.bits, -14.0),
    (T2, M.bits, -25.541209043760983),
])
def test_tokenization_scorer_unit_values_are_reproduced(text, metric, expected):
    assert metric(counts(text)) == pytest.approx(expected, abs=1e-12)


def test_renyi_efficiency_with_vocab_override_divides_by_log2_of_it():
    c = counts(T1)
    assert M.renyi_efficiency(c, 2.5, vocab_size=16) == pytest.approx(1.653012966845049 / 4, abs=1e-12)


def test_gini_of_known_costs():
    # Two languages, costs 1 and 3: sum |ci-cj| = 4, n = 2, mean 2 -> 4 / (2 * 4 * 2) = 0.25.
    assert M.gini([1.0, 3.0]) == pytest.approx(0.25)
    assert M.gini([]) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=1e6, allow_nan=False), min_size=1, max_size=40))
def test_gini_is_in_zero_one(costs):
    g = M.gini(costs)
    if sum(costs) == 0:
        assert g is None
    else:
        assert 0.0 <= g < 1.0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=200), st.integers(0, 2**31))
def test_premium_of_the_reference_against_itself_is_one_with_a_degenerate_interval(tokens, seed):
    assert M.premium(tokens, tokens) == 1.0
    assert M.premium_ci(tokens, tokens, resamples=50, seed=seed) == (1.0, 1.0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 500), st.integers(1, 500)), min_size=2, max_size=100))
def test_premium_interval_is_seeded_and_brackets_the_resampled_range(pairs):
    a, b = zip(*pairs)
    ci1 = M.premium_ci(a, b, resamples=200, seed=7)
    ci2 = M.premium_ci(a, b, resamples=200, seed=7)
    assert ci1 == ci2
    ratios = [x / y for x, y in pairs]
    assert min(ratios) - 1e-9 <= ci1[0] <= ci1[1] <= max(ratios) + 1e-9


def test_premium_ci_refuses_unaligned_inputs():
    with pytest.raises(ValueError, match="aligned"):
        M.premium_ci([1, 2], [1])


def test_ratios_are_none_on_empty_denominators():
    assert M.bytes_per_token(10, 0) is None
    assert M.fertility(3, 0) is None
    assert M.normalized_sequence_length(5, 0) is None
    assert M.renyi_efficiency({}, 2.5) is None
