"""Hard filters: reach (distance, home service areas), ISEE and funding, age bands and certification."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.catalogue import Catalogue
from recommender.eligibility import anyone_fits, case_eligible, person_fit, reach
from recommender.features.people import Person
from recommender.gazetteer import Gazetteer
from recommender.geo import haversine_km
from tests.helpers import ENDINE, LOVERE, TRADATE, TRESCORE, make_intake


def ids(catalogue: Catalogue, mask: np.ndarray) -> set[str]:
    return {s.service_id for s, ok in zip(catalogue.services, mask) if ok}


def test_haversine_known_distances() -> None:
    assert haversine_km(45.0, 9.0, 45.0, 9.0) == 0.0
    # one degree of latitude is ~111.19 km on a 6371 km sphere
    assert haversine_km(45.0, 9.0, 46.0, 9.0) == pytest.approx(111.19, abs=0.01)
    assert haversine_km(45.699371, 9.851147, 45.819394, 10.070513) == pytest.approx(21.63, abs=0.01)  # Trescore -> Lovere


def test_on_site_services_within_the_default_20_km(small_catalogue: Catalogue) -> None:
    r = reach(small_catalogue, make_intake())
    reachable = ids(small_catalogue, r.reachable)
    assert "NIDO-TRESCORE" in reachable and "NIDO-ISEE" in reachable  # 0 km and 6.8 km
    assert "NIDO-LOVERE" not in reachable  # 21.6 km
    lovere = small_catalogue.index["NIDO-LOVERE"]
    assert r.distance_km[lovere] == pytest.approx(21.63, abs=0.01)


def test_max_distance_km_moves_the_limit(small_catalogue: Catalogue) -> None:
    assert "NIDO-LOVERE" in ids(small_catalogue, reach(small_catalogue, make_intake(max_distance_km=22)).reachable)
    near = ids(small_catalogue, reach(small_catalogue, make_intake(max_distance_km=5)).reachable)
    assert "NIDO-TRESCORE" in near and "NIDO-ISEE" not in near


def test_explicit_coordinates_are_used_for_distance(small_catalogue: Catalogue, gazetteer: Gazetteer) -> None:
    r = reach(small_catalogue, make_intake())
    svc = small_catalogue.get("TRASPORTO")
    assert svc is not None
    trescore = gazetteer.get(TRESCORE)
    assert trescore is not None
    expected = haversine_km(trescore.lat, trescore.lon, 45.7465, 9.9071)
    assert r.distance_km[small_catalogue.index["TRASPORTO"]] == pytest.approx(expected)


def test_home_services_reach_only_the_comuni_of_their_area(small_catalogue: Catalogue) -> None:
    from_trescore = ids(small_catalogue, reach(small_catalogue, make_intake()).reachable)
    assert "SAD-TRESCORE" in from_trescore
    assert "TELESOCCORSO" in from_trescore  # 72 km away, but Trescore is in its area
    assert "SAD-ENDINE" not in from_trescore  # 14 km away, but Trescore is not in its area
    from_endine = ids(small_catalogue, reach(small_catalogue, make_intake(comune=ENDINE)).reachable)
    assert "SAD-ENDINE" in from_endine and "SAD-TRESCORE" not in from_endine
    from_lovere = ids(small_catalogue, reach(small_catalogue, make_intake(comune=LOVERE, max_distance_km=1)).reachable)
    assert from_lovere == {"SAD-ENDINE", "NIDO-LOVERE"}  # the nido is in Lovere itself


def test_home_service_area_ignores_max_distance(small_catalogue: Catalogue) -> None:
    reachable = ids(small_catalogue, reach(small_catalogue, make_intake(comune=TRADATE, max_distance_km=1)).reachable)
    assert reachable == {"TELESOCCORSO"}


def test_unknown_isee_and_funding_never_exclude(small_catalogue: Catalogue) -> None:
    assert case_eligible(small_catalogue, make_intake()).all()


@pytest.mark.parametrize(("isee", "nido_isee", "contributo"), [(7999.99, True, True), (8000, True, True), (8000.01, False, True), (10001, False, False)])
def test_isee_ceiling(small_catalogue: Catalogue, isee: float, nido_isee: bool, contributo: bool) -> None:
    ok = ids(small_catalogue, case_eligible(small_catalogue, make_intake(isee=isee)))
    assert ("NIDO-ISEE" in ok) is nido_isee
    assert ("CONTRIBUTO" in ok) is contributo
    assert "NIDO-TRESCORE" in ok  # no ceiling


def test_funding_must_share_a_source_unless_the_service_is_free(small_catalogue: Catalogue) -> None:
    ok = ids(small_catalogue, case_eligible(small_catalogue, make_intake(funding=["company_welfare"])))
    assert "NIDO-AZIENDALE" in ok  # company_welfare
    assert "NIDO-ISEE" in ok  # free
    assert "NIDO-TRESCORE" not in ok  # municipal_voucher;private only
    ok = ids(small_catalogue, case_eligible(small_catalogue, make_intake(funding=["municipal_voucher"])))
    assert "NIDO-AZIENDALE" not in ok and "NIDO-TRESCORE" in ok


def test_person_fit_checks_age_band_and_certification(small_catalogue: Catalogue) -> None:
    people = [Person("self", 40), Person("child", 1), Person("other", 30, disability=True, certified=True), Person("child", 20, disability=True, certified=False)]
    fit = person_fit(small_catalogue, people)
    assert fit.shape == (4, len(small_catalogue))
    col = small_catalogue.index
    assert fit[:, col["NIDO-TRESCORE"]].tolist() == [False, True, False, False]
    assert fit[:, col["LUDOTECA"]].tolist() == [False, False, False, False]  # 3-10
    assert fit[:, col["CDD"]].tolist() == [False, False, True, False]  # 18-65 and certified
    assert fit[:, col["CAREGIVER"]].all()


def test_unknown_age_never_excludes(small_catalogue: Catalogue) -> None:
    fit = person_fit(small_catalogue, [Person("self", None)])
    col = small_catalogue.index
    assert fit[0, col["NIDO-TRESCORE"]] and fit[0, col["SAD-TRESCORE"]]
    assert not fit[0, col["CDD"]]  # certification is still required


def test_nobody_known_means_age_bands_cannot_exclude(small_catalogue: Catalogue) -> None:
    fit = person_fit(small_catalogue, [])
    assert fit.shape == (0, len(small_catalogue))
    assert anyone_fits(fit, len(small_catalogue)).all()
    assert not anyone_fits(person_fit(small_catalogue, [Person("self", 40)]), len(small_catalogue))[small_catalogue.index["NIDO-TRESCORE"]]

