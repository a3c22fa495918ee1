"""Paired tests and intervals: a real difference is detected, noise and identity are not."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.evaluation.significance import bootstrap_ci, compare, holm, paired_t_test, randomization_test


def test_identical_systems_are_not_different() -> None:
    a = [0.2, 0.5, 0.9, 0.4]
    assert randomization_test(a, a) == 1.0
    assert paired_t_test(a, a) == 1.0
    c = compare(a, a)
    assert c.delta == 0 and c.ci_low == 0 and c.ci_high == 0


def test_a_consistent_improvement_over_30_cases_is_significant() -> None:
    rng = np.random.default_rng(1)
    a = rng.uniform(0.3, 0.7, 30)
    b = a + rng.uniform(0.02, 0.1, 30)  # better on every case
    assert randomization_test(a, b) < 0.001
    assert paired_t_test(a, b) < 0.001
    c = compare(a, b)
    assert 0.02 < c.ci_low < c.delta < c.ci_high < 0.1


def test_pure_noise_is_not_significant() -> None:
    rng = np.random.default_rng(2)
    a = rng.uniform(0, 1, 40)
    b = a + rng.normal(0, 0.05, 40) * rng.choice([-1, 1], 40)
    b = b - (b - a).mean()  # zero mean difference by construction
    assert randomization_test(a, b) > 0.5


def test_randomization_test_is_two_sided_and_deterministic() -> None:
    a = [0.1, 0.4, 0.3, 0.8, 0.5, 0.2, 0.6]
    b = [0.3, 0.5, 0.2, 0.9, 0.7, 0.2, 0.8]
    assert randomization_test(a, b, seed=3) == randomization_test(b, a, seed=3) == randomization_test(a, b, seed=3)
    # exact p for 7 cases: few sign patterns, so the p-value is bounded away from 0
    assert randomization_test(a, b) >= 1 / 2**7


def test_paired_samples_must_match() -> None:
    with pytest.raises(ValueError, match="same length"):
        compare([0.1, 0.2], [0.1])
    with pytest.raises(ValueError, match="finite"):
        randomization_test([0.1, float("nan")], [0.1, 0.2])


def test_bootstrap_interval_contains_the_mean_and_narrows_with_more_cases() -> None:
    rng = np.random.default_rng(4)
    small = rng.uniform(0, 1, 10)
    large = rng.uniform(0, 1, 400)
    lo, hi = bootstrap_ci(small)
    assert lo <= small.mean() <= hi
    lo2, hi2 = bootstrap_ci(large)
    assert lo2 <= large.mean() <= hi2
    assert hi2 - lo2 < hi - lo


def test_holm_adjustment() -> None:
    # classic example: m=3, sorted p 0.01, 0.04, 0.03 -> 0.03, 0.06, 0.06 (monotone)
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([]) == []
