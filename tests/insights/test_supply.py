"""Supply: quality-passing services answering a need within reach of each comune."""

from __future__ import annotations

import numpy as np

from recommender.gazetteer import default_gazetteer
from recommender.insights.supply import compute_supply
from tests.helpers import CASAZZA, ENDINE, LOVERE, REFERENCE_DATE, TRADATE, TRESCORE


def test_supply_counts_reachable_quality_passing_services(small_pipeline, small_catalogue):
    gaz = default_gazetteer()
    quality = small_pipeline.quality_mask(REFERENCE_DATE)
    supply = compute_supply(small_catalogue, small_pipeline.affinity_, quality, [gaz.by_code[c] for c in (TRESCORE, CASAZZA, ENDINE, LOVERE, TRADATE)])
    on_site_nidi = {"NIDO-TRESCORE", "NIDO-ISEE", "NIDO-AZIENDALE"}  # NIDO-BADQ fails the policy, NIDO-OLD is out of date
    # Childcare at Trescore: the nidi that pass the policy, within 20 km, plus any other
    # service answering childcare there; recomputed here from the catalogue's own columns.
    aff = small_pipeline.affinity_[:, 0] > 0
    ids = [s.service_id for s in small_catalogue.services]
    assert on_site_nidi <= {ids[i] for i in np.flatnonzero(aff & quality)}
    assert "NIDO-BADQ" not in {ids[i] for i in np.flatnonzero(aff & quality)}
    # Home care: SAD-TRESCORE covers Trescore and Casazza, SAD-ENDINE covers Endine and Lovere.
    elderly = {c: supply.count(c, "elderly_care") for c in (TRESCORE, CASAZZA, ENDINE, LOVERE, TRADATE)}
    assert elderly[TRESCORE] >= 2  # SAD-TRESCORE and TELESOCCORSO (its area lists Trescore)
    assert elderly[ENDINE] >= 1 and elderly[LOVERE] >= 1
    assert supply.count(TRADATE, "childcare") == 0  # 72 km from every nido
    assert supply.count("001001", "childcare") is None  # not computed


def test_supply_per_10000_inhabitants():
    from recommender.insights.supply import Supply

    s = Supply({TRESCORE: tuple([3] + [0] * 11)}, {TRESCORE: 9800})
    assert s.per_10k(TRESCORE, "childcare") == round(3 / 9800 * 10_000, 2)
    assert Supply({TRESCORE: tuple([1] * 12)}, {TRESCORE: None}).per_10k(TRESCORE, "childcare") is None


def test_supply_excludes_services_failing_the_quality_policy(small_pipeline, small_catalogue):
    gaz = default_gazetteer()
    everything = np.ones(len(small_catalogue), dtype=bool)
    nothing = np.zeros(len(small_catalogue), dtype=bool)
    loose = compute_supply(small_catalogue, small_pipeline.affinity_, everything, [gaz.by_code[CASAZZA]])
    strict = compute_supply(small_catalogue, small_pipeline.affinity_, small_pipeline.quality_mask(REFERENCE_DATE), [gaz.by_code[CASAZZA]])
    none = compute_supply(small_catalogue, small_pipeline.affinity_, nothing, [gaz.by_code[CASAZZA]])
    assert loose.count(CASAZZA, "childcare") == strict.count(CASAZZA, "childcare") + 2  # NIDO-BADQ and NIDO-OLD
    assert sum(none.services[CASAZZA]) == 0


def test_served_provinces_follow_the_catalogue_not_where_a_remote_service_is_run(fixture_catalogue):
    from recommender.insights.supply import served_provinces

    # Three remote services of the fixtures are run from MI, TV and VE for comuni of Padova.
    assert served_provinces(fixture_catalogue) == {"BG", "VA", "PD"}
    assert len(fixture_catalogue.provinces()) == 6
