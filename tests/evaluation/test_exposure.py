"""Provider exposure: position-weighted shares, their concentration and catalogue coverage."""

from __future__ import annotations

import pytest

from recommender.evaluation.exposure import gini, lorenz_curve, provider_exposure, rank_weight, summarise

PROVIDER_OF = {"s1": "P1", "s2": "P1", "s3": "P2", "s4": "P3", "s5": "P4"}


def test_exposure_weights_the_top_of_the_list_and_sums_to_one() -> None:
    shares = provider_exposure([["s3", "s4"]], PROVIDER_OF)
    assert shares["P2"] > shares["P3"] > 0
    assert shares["P2"] / shares["P3"] == pytest.approx(rank_weight(1) / rank_weight(2))
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["P1"] == shares["P4"] == 0  # never suggested, still counted


def test_exposure_cuts_at_k_and_ignores_unknown_services() -> None:
    shares = provider_exposure([["s1", "zz", "s5"]], PROVIDER_OF, k=2)
    assert shares["P4"] == 0 and shares["P1"] == pytest.approx(1.0)


def test_gini_bounds() -> None:
    assert gini([1, 1, 1, 1]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 1]) == pytest.approx(3 / 4)
    assert gini([]) == 0.0 and gini([0, 0]) == 0.0
    assert 0 < gini([1, 2, 3, 4]) < gini([0, 0, 1, 9])
    with pytest.raises(ValueError):
        gini([-1, 2])


def test_lorenz_curve_runs_from_0_to_1_below_the_diagonal() -> None:
    x, y = lorenz_curve([0, 1, 3])
    assert x[0] == y[0] == 0 and x[-1] == y[-1] == pytest.approx(1)
    assert all(yy <= xx + 1e-12 for xx, yy in zip(x, y))


def test_summary_reports_concentration_and_coverage() -> None:
    summary, shares = summarise([["s1", "s2"], ["s1", "s3"]], PROVIDER_OF)
    assert summary.providers_total == 4 and summary.providers_exposed == 2
    assert summary.service_coverage == pytest.approx(3 / 5)
    assert summary.provider_coverage == pytest.approx(2 / 4)
    assert summary.gini == pytest.approx(gini(shares.values()))
    assert summary.top10_provider_share == pytest.approx(1.0)
    assert set(summary.metrics()) == {"exposure_gini", "exposure_top10_provider_share", "catalogue_coverage", "provider_coverage"}
