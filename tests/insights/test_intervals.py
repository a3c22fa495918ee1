"""Wilson score intervals."""

from __future__ import annotations

import pytest

from recommender.insights.intervals import wilson


def test_known_values():
    # Reference values (Newcombe 1998, method 3; R: prop.test(correct=FALSE)$conf.int)
    assert wilson(81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    assert wilson(15, 148) == pytest.approx((0.0624, 0.1605), abs=1e-4)
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)


@pytest.mark.parametrize("n", [1, 2, 7, 50, 1000])
def test_intervals_stay_in_0_1_and_contain_the_share(n):
    for x in range(n + 1):
        low, high = wilson(x, n)
        assert 0.0 <= low <= x / n <= high <= 1.0


def test_intervals_narrow_as_n_grows():
    widths = [wilson(n // 10, n)[1] - wilson(n // 10, n)[0] for n in (20, 200, 2000)]
    assert widths[0] > widths[1] > widths[2]


@pytest.mark.parametrize(("x", "n"), [(1, 0), (-1, 5), (6, 5)])
def test_impossible_counts_are_refused(x, n):
    with pytest.raises(ValueError):
        wilson(x, n)
