"""Per-intake records: de-identified at creation, household types and age bands, and unmet
needs as the ranker sees them (verified against the filters on the bundled intakes)."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pytest

from recommender.eligibility import person_fit
from recommender.features.people import Person, people_of
from recommender.insights.records import (
    UNKNOWN_PROFILE,
    InsightRecord,
    Profile,
    age_bands,
    build_record,
    household_type,
    profile_from_json,
    profile_of,
    record_from_match,
    service_needs_of,
)
from recommender.insights.sources import INSIGHTS_TOP_K
from recommender.intake import read_intakes
from recommender.needs import NEED_ORDER
from recommender.paths import FIXTURES_DIR
from recommender.ranking import apply_filters
from tests.helpers import REFERENCE_DATE
from tests.helpers import make_intake as intake


def people(*members) -> list[Person]:
    return [Person(rel, age) for rel, age in members]


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ([("self", 80)], "persona sola"),
        ([("self", 40), ("partner", 38)], "coppia senza figli"),
        ([("self", 72), ("partner", 70)], "coppia senza figli"),  # an older couple is a couple; its ages are in the bands
        ([("self", 40), ("partner", 38), ("child", 6)], "coppia con figli"),
        ([("self", 29), ("child", 2)], "genitore solo con figli"),
        ([("self", 47), ("parent", 84), ("parent", 80)], "nucleo con anziani"),
        ([("self", 40), ("partner", 41), ("child", 9), ("parent", 86)], "nucleo con anziani"),
        ([("parent", 90)], "nucleo con anziani"),  # a relative calling about an older parent
        ([("self", 17), ("parent", 45)], "altro"),
        ([("self", 30), ("other", 12)], "altro"),
    ],
)
def test_household_type(members, expected):
    assert household_type(people(*members), household_given=True) == expected


def test_without_a_household_the_type_is_unknown_but_ages_from_the_notes_count():
    it = intake(notes="Sig.ra 45 aa, figli di 8 e 12 anni, chiede un doposcuola")
    assert not it.household_given
    ps = people_of(it)
    assert household_type(ps, it.household_given) == "non noto"
    assert age_bands(ps) == ("6-13", "35-64")


@pytest.mark.parametrize(("age", "band"), [(0, "0-5"), (5, "0-5"), (6, "6-13"), (13, "6-13"), (14, "14-17"), (17, "14-17"), (18, "18-34"),
                                           (34, "18-34"), (35, "35-64"), (64, "35-64"), (65, "65-79"), (79, "65-79"), (80, "80+"), (120, "80+")])
def test_age_band_limits(age, band):
    assert age_bands([Person("self", age)]) == (band,)


def test_no_known_age_is_non_nota():
    assert age_bands([Person("self", None)]) == ("non nota",)
    assert age_bands([]) == ("non nota",)


def test_the_profile_keeps_the_category_and_the_bands_only():
    it = intake(household=[{"relation": "self", "age": 47}, {"relation": "parent", "age": 84, "non_self_sufficient": True}], isee=6000,
                funding=["private"], notes="Il padre ha il Parkinson")
    profile = profile_of(it).to_json()
    assert profile == {"household_type": "nucleo con anziani", "age_bands": ["35-64", "80+"]}


@pytest.mark.parametrize("stored", [None, {}, {"household_type": "villa"}, {"household_type": "persona sola", "age_bands": "x"},
                                    {"household_type": "persona sola", "age_bands": ["7"]}, [1, 2]])
def test_stored_profiles_that_are_missing_or_not_understood_read_as_unknown(stored):
    got = profile_from_json(stored)
    assert got.age_bands == ("non nota",)
    if not (isinstance(stored, dict) and stored.get("household_type") == "persona sola"):
        assert got == UNKNOWN_PROFILE


def test_a_record_holds_no_identifier_notes_evidence_or_services():
    fields = {f.name for f in dataclasses.fields(InsightRecord)}
    assert fields == {"date", "comune_istat", "province", "region", "household_type", "age_bands", "stated", "hidden", "unmet", "unresolved"}


def test_record_from_a_match_keeps_codes_only(small_pipeline):
    it = intake(id="pratica-42", notes="La madre di 84 anni non riesce più a lavarsi da sola, io lavoro tutto il giorno. Rif. MARKER-123",
                stated_needs=["elderly_care"], household=[{"relation": "self", "age": 50}, {"relation": "parent", "age": 84}])
    res = small_pipeline.match(it, as_of=REFERENCE_DATE, top_k=INSIGHTS_TOP_K)
    answers = service_needs_of([s.service_id for s in small_pipeline.catalogue_.services], small_pipeline.affinity_)
    rec = record_from_match(it, res, REFERENCE_DATE, answers, INSIGHTS_TOP_K)
    assert rec.stated == ("elderly_care",) and rec.comune_istat == it.comune.istat_code and rec.province == "BG"
    assert rec.household_type == "nucleo con anziani" and rec.age_bands == ("35-64", "80+")
    assert "MARKER" not in repr(rec) and "pratica-42" not in repr(rec)


def test_a_need_answered_by_a_service_suggested_for_another_is_met():
    needs = [("elderly_care", "stated"), ("caregiver_support", "surfaced")]
    answers = {"CDI": frozenset({"elderly_care", "caregiver_support"})}
    rec = build_record(date(2026, 1, 5), "016218", needs, [("CDI", "elderly_care")], 12, UNKNOWN_PROFILE, answers)
    assert rec.unmet == () and rec.hidden == ("caregiver_support",)
    rec = build_record(date(2026, 1, 5), "016218", needs, [("CDI", "elderly_care")], 12, UNKNOWN_PROFILE, {})
    assert rec.unmet == ("caregiver_support",)


def test_a_need_possibly_cut_by_a_full_list_is_unresolved_not_unmet():
    needs = [(n, "surfaced") for n in ("elderly_care", "housing", "health")]
    full = [("S1", "elderly_care"), ("S2", "elderly_care")]
    rec = build_record(date(2026, 1, 5), "016218", needs, full, 2, UNKNOWN_PROFILE, {})
    assert rec.unmet == () and rec.unresolved == ("housing", "health")
    # a list shorter than top_k was not cut: what is missing has no eligible service
    rec = build_record(date(2026, 1, 5), "016218", needs, full[:1], 2, UNKNOWN_PROFILE, {})
    assert rec.unmet == ("housing", "health") and rec.unresolved == ()


def test_records_validate_their_codes():
    with pytest.raises(ValueError):
        InsightRecord(date(2026, 1, 1), "016218", "BG", "Lombardia", "villa", ("35-64",), (), (), ())
    with pytest.raises(ValueError):
        InsightRecord(date(2026, 1, 1), "016218", "BG", "Lombardia", "altro", ("35-64",), ("housing",), ("housing",), ())
    with pytest.raises(ValueError):
        InsightRecord(date(2026, 1, 1), "016218", "BG", "Lombardia", "altro", ("35-64",), ("housing",), (), ("health",))


def test_unknown_comune_in_a_stored_match_is_an_input_error():
    from recommender.errors import InputError

    with pytest.raises(InputError, match="comune_istat"):
        build_record(date(2026, 1, 1), "999999", [], [], 10, Profile("altro", ("35-64",)), {})


def test_unmet_from_the_results_is_exactly_no_eligible_service_on_the_bundled_intakes(fixture_pipeline, fixture_catalogue):
    """The claim of records.py, checked on the 122 bundled intakes: with top_k = 12, a need
    is unmet from the results iff no service passes every filter and answers it."""
    pipe = fixture_pipeline
    answers = service_needs_of([s.service_id for s in fixture_catalogue.services], pipe.affinity_)
    as_of = date(2026, 11, 22)
    intakes = [x.intake for x in read_intakes(FIXTURES_DIR / "intakes.jsonl", prefer_provinces=fixture_catalogue.provinces())]
    unmet_seen = 0
    for it, res in zip(intakes, pipe.match_many(intakes, as_of=as_of, top_k=INSIGHTS_TOP_K)):
        rec = record_from_match(it, res, as_of, answers, INSIGHTS_TOP_K)
        ps = people_of(it)
        fit = person_fit(fixture_catalogue, ps)
        allowed = apply_filters(fixture_catalogue, pipe.quality_mask(as_of), it, fit).allowed
        if not any(n.need == "disability" and n.score >= pipe.config.ranking.certified_need_min_score for n in res.needs):
            allowed = allowed & ~fixture_catalogue.requires_cert
        direct = {n.need for n in res.needs if not np.any(allowed & (pipe.affinity_[:, NEED_ORDER[n.need]] > 0))}
        assert set(rec.unmet) == direct, it.id
        assert rec.unresolved == ()
        unmet_seen += len(direct)
    assert unmet_seen > 0  # the fixtures do have needs without any eligible service
