"""Rule-based judging (eval-sample README): grades 3/2/1/0 and forbidden reasons."""

from __future__ import annotations

import json
from typing import Any

import pytest

from recommender.catalogue import Catalogue
from recommender.evaluation.collection import Collection
from recommender.evaluation.judging import judge
from tests.helpers import REFERENCE_DATE, TRESCORE

# service_id -> (true needs, main first; subtype). Some needs are invented to exercise the rules.
TRUTH: dict[str, tuple[str, str]] = {
    "NIDO-TRESCORE": ("childcare", "nido"),
    "NIDO-BADQ": ("childcare", "nido"),
    "NIDO-OLD": ("childcare", "nido"),
    "NIDO-LOVERE": ("childcare", "nido"),
    "NIDO-ISEE": ("childcare", "nido"),
    "NIDO-AZIENDALE": ("childcare;work_life_balance", "nido"),
    "SAD-TRESCORE": ("elderly_care", "sad_anziani"),
    "SAD-ENDINE": ("elderly_care", "sad_anziani"),
    "TELESOCCORSO": ("elderly_care", "teleassistenza"),
    "TRASPORTO": ("mobility;childcare", "trasporto_sociale"),
    "CONTRIBUTO": ("income_support;housing", "contributo_economico"),
    "PSICOLOGO": ("mental_health", "sportello_psicologico"),
    "CDD": ("disability", "cdd"),
    "LUDOTECA": ("childcare", "ludoteca"),
    "CAREGIVER": ("caregiver_support", "gruppo_ama_caregiver"),
    "LAVORO": ("employment", "orientamento_lavoro"),
}
SERVICE_TRUTH = {sid: {"true_needs": needs.split(";"), "subtype": sub} for sid, (needs, sub) in TRUTH.items()}

MOTHER: dict[str, Any] = {
    "id": "J1", "comune": TRESCORE, "notes": "",
    "household": [{"relation": "self", "age": 32}, {"relation": "child", "age": 1}],
    "isee": 9000, "funding": ["municipal_voucher"],
}
MOTHER_LABEL = {
    "id": "J1", "true_needs": ["childcare", "employment"], "surfaced_needs": [],
    "beneficiaries": [
        {"relation": "self", "age": 32, "needs": ["employment"], "disability_certified": False},
        {"relation": "child", "age": 1, "needs": ["childcare"], "disability_certified": False},
    ],
    "preferred_subtypes": ["nido"],
}


def judged(catalogue: Catalogue, intake: dict[str, Any], label: dict[str, Any]) -> tuple[dict[str, int], dict[str, str]]:
    qrels, forbidden = judge(catalogue, [intake], {label["id"]: label}, SERVICE_TRUTH, REFERENCE_DATE)
    return qrels[intake["id"]], forbidden[intake["id"]]


def test_grades_and_forbidden_reasons_by_hand(small_catalogue: Catalogue) -> None:
    grades, forbidden = judged(small_catalogue, MOTHER, MOTHER_LABEL)
    assert grades == {
        "NIDO-TRESCORE": 3,  # preferred subtype, fits the 1-year-old
        "LAVORO": 2,  # main need employment, fits the mother, subtype not preferred
        "TRASPORTO": 1,  # shares only its secondary need (childcare)
    }
    assert forbidden == {
        "NIDO-BADQ": "quality_failed",
        "NIDO-OLD": "quality_failed",
        "NIDO-LOVERE": "out_of_range",  # 21.6 km > 20
        "SAD-ENDINE": "out_of_range",  # Trescore is not in its service area
        "NIDO-ISEE": "ineligible",  # ISEE 9,000 > 8,000
        "NIDO-AZIENDALE": "ineligible",  # company_welfare only, the mother has a municipal voucher
        "LUDOTECA": "ineligible",  # 3-10: nobody of the household fits
    }
    # shares no need and is reachable: grade 0 but not forbidden
    assert "CONTRIBUTO" not in grades and "CONTRIBUTO" not in forbidden
    assert "TELESOCCORSO" not in forbidden  # 72 km away but Trescore is in its area


def test_quality_failure_comes_first_for_every_case(small_catalogue: Catalogue) -> None:
    far = {**MOTHER, "comune": "012127"}  # Tradate: everything on site is out of range
    _, forbidden = judged(small_catalogue, far, MOTHER_LABEL)
    assert forbidden["NIDO-BADQ"] == "quality_failed"
    assert forbidden["NIDO-TRESCORE"] == "out_of_range"


def test_unknown_isee_and_funding_never_exclude(small_catalogue: Catalogue) -> None:
    free = {k: v for k, v in MOTHER.items() if k not in ("isee", "funding")}
    grades, forbidden = judged(small_catalogue, free, MOTHER_LABEL)
    assert grades["NIDO-ISEE"] == 3 and grades["NIDO-AZIENDALE"] == 3
    assert "NIDO-ISEE" not in forbidden and "NIDO-AZIENDALE" not in forbidden


@pytest.mark.parametrize(("certified", "grade", "reason"), [(True, 3, None), (False, None, "ineligible")])
def test_certification_comes_from_the_labels(small_catalogue: Catalogue, certified: bool, grade: int | None, reason: str | None) -> None:
    intake = {"id": "J2", "comune": TRESCORE, "notes": "", "household": [{"relation": "self", "age": 58}, {"relation": "child", "age": 25, "disability": True}]}
    label = {
        "id": "J2", "true_needs": ["disability"], "surfaced_needs": [], "preferred_subtypes": ["cdd"],
        "beneficiaries": [{"relation": "child", "age": 25, "needs": ["disability"], "disability_certified": certified}],
    }
    grades, forbidden = judged(small_catalogue, intake, label)
    assert grades.get("CDD") == grade
    assert forbidden.get("CDD") == reason


def test_beneficiaries_stand_in_for_a_missing_household(small_catalogue: Catalogue) -> None:
    intake = {k: v for k, v in MOTHER.items() if k != "household"}
    grades, forbidden = judged(small_catalogue, intake, MOTHER_LABEL)
    assert grades["NIDO-TRESCORE"] == 3 and forbidden["LUDOTECA"] == "ineligible"


def test_fitting_a_household_member_but_not_the_beneficiary_is_grade_0_not_forbidden(small_catalogue: Catalogue) -> None:
    # the psychologist is 18+: the mother fits it, but the distressed person is the 13-year-old
    intake = {**MOTHER, "household": [{"relation": "self", "age": 45}, {"relation": "child", "age": 13}]}
    label = {
        "id": "J1", "true_needs": ["mental_health"], "surfaced_needs": [], "preferred_subtypes": ["sportello_psicologico"],
        "beneficiaries": [{"relation": "child", "age": 13, "needs": ["mental_health"], "disability_certified": False}],
    }
    grades, forbidden = judged(small_catalogue, intake, label)
    assert "PSICOLOGO" not in grades and "PSICOLOGO" not in forbidden


def test_judge_reproduces_the_bundled_fixture_judgments(fixture_catalogue: Catalogue, fixture_collection: Collection) -> None:
    raw = [json.loads(line) for line in fixture_collection.intakes_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    qrels, forbidden = judge(fixture_catalogue, raw, fixture_collection.labels, fixture_collection.service_truth, REFERENCE_DATE)
    assert qrels == fixture_collection.qrels
    assert forbidden == fixture_collection.forbidden


def test_fixture_collection_is_consistent(fixture_collection: Collection) -> None:
    assert fixture_collection.reference_date == REFERENCE_DATE
    assert len(fixture_collection.labels) == 122
    assert set(fixture_collection.qrels) == set(fixture_collection.labels), "every case has a graded service, so IDCG > 0"
    for cid, grades in fixture_collection.qrels.items():
        assert grades and set(grades.values()) <= {1, 2, 3}
        assert not set(grades) & set(fixture_collection.forbidden.get(cid, {})), f"{cid}: a forbidden pair has a grade"
    reasons = {r for f in fixture_collection.forbidden.values() for r in f.values()}
    assert reasons <= {"quality_failed", "out_of_range", "ineligible"}
    for lab in fixture_collection.labels.values():
        assert lab["true_needs"] and set(lab["surfaced_needs"]) <= set(lab["true_needs"])
