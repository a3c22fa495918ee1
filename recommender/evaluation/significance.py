"""Is a difference between two systems real or noise? Paired tests over the cases of a
collection, and bootstrap confidence intervals.

Both systems are scored on the same cases, so the tests are paired: the unit of
randomness is the case. The randomization (sign-flip) test makes no assumption about the
distribution of the per-case differences, which for nDCG on a few dozen cases is far from
normal; the paired t-test is reported beside it because readers know it. With several
variants compared to one reference, Holm's step-down correction keeps the family-wise
error rate at the stated level.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class PairedComparison:
    n: int
    mean_a: float
    mean_b: float
    delta: float  # mean of b - a
    ci_low: float  # bootstrap CI of the mean difference
    ci_high: float
    p_randomization: float
    p_t_test: float


def _pair(a: Sequence[float], b: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"paired samples must have the same length, got {x.shape} and {y.shape}")
    if not np.isfinite(x).all() or not np.isfinite(y).all():
        raise ValueError("paired samples must be finite")
    return x, y


def randomization_test(a: Sequence[float], b: Sequence[float], n_resamples: int = 10_000, seed: int = 0) -> float:
    """Two-sided p-value of the paired sign-flip test on the mean difference.

    Under the null hypothesis the two systems are exchangeable within each case, so each
    difference is equally likely to have either sign. The observed statistic is counted among
    the resamples (the +1 terms), so the p-value is never 0.
    """
    x, y = _pair(a, b)
    d = y - x
    if len(d) == 0 or not np.any(d):
        return 1.0
    observed = abs(d.mean())
    rng = np.random.default_rng(seed)
    signs = rng.choice((-1.0, 1.0), size=(n_resamples, len(d)))
    resampled = np.abs((signs * d).mean(axis=1))
    # A tolerance: with identical |d| values many resamples tie the observed mean exactly,
    # and floating-point noise must not decide whether they count.
    hits = int(np.sum(resampled >= observed - 1e-12))
    return (hits + 1) / (n_resamples + 1)


def paired_t_test(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value of the paired t-test (1.0 when every difference is the same)."""
    x, y = _pair(a, b)
    d = y - x
    if len(d) < 2 or np.allclose(d, d[0]):
        return 1.0 if len(d) < 2 or d[0] == 0 else 0.0
    return float(stats.ttest_rel(y, x).pvalue)


def bootstrap_ci(values: Sequence[float], confidence: float = 0.95, n_resamples: int = 10_000, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean (cases resampled with replacement)."""
    x = np.asarray(values, dtype=float)
    if len(x) == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), size=(n_resamples, len(x)))].mean(axis=1)
    alpha = (1 - confidence) / 2
    return (float(np.quantile(means, alpha)), float(np.quantile(means, 1 - alpha)))


def compare(a: Sequence[float], b: Sequence[float], n_resamples: int = 10_000, seed: int = 0) -> PairedComparison:
    """System b against system a on the same cases."""
    x, y = _pair(a, b)
    low, high = bootstrap_ci(y - x, n_resamples=n_resamples, seed=seed) if len(x) else (math.nan, math.nan)
    return PairedComparison(
        n=len(x),
        mean_a=float(x.mean()) if len(x) else math.nan,
        mean_b=float(y.mean()) if len(y) else math.nan,
        delta=float((y - x).mean()) if len(x) else math.nan,
        ci_low=low,
        ci_high=high,
        p_randomization=randomization_test(x, y, n_resamples, seed),
        p_t_test=paired_t_test(x, y),
    )


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values (same order as given), monotone and capped at 1."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted
