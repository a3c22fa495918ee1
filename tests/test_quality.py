"""Quality policy at a reference date: accreditation, ethical charter, verification age."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import numpy as np
import pytest

from recommender.catalogue import Catalogue, Service
from recommender.evaluation.collection import Collection
from recommender.quality import DEFAULT_POLICY, QualityPolicy
from tests.helpers import REFERENCE_DATE


@pytest.fixture
def service(small_catalogue: Catalogue) -> Service:
    svc = small_catalogue.get("NIDO-TRESCORE")
    assert svc is not None
    return svc


def with_(svc: Service, **changes: object) -> Service:
    return dataclasses.replace(svc, **changes)


def test_good_service_passes_the_default_policy(service: Service) -> None:
    assert DEFAULT_POLICY.failures(service, REFERENCE_DATE) == []
    assert DEFAULT_POLICY.passes(service, REFERENCE_DATE)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"accredited": False}, "non accreditato"),
        ({"ethical_charter": False}, "carta etica non sottoscritta"),
        ({"last_verified": None}, "mai verificato"),
        ({"last_verified": date(2025, 11, 21)}, "verifica scaduta (11/2025)"),
        ({"last_verified": date(2024, 10, 15)}, "verifica scaduta (10/2024)"),
        ({"last_verified": date(2026, 11, 23)}, "verifica successiva alla data di riferimento (23/11/2026)"),
    ],
)
def test_each_failing_rule_gives_an_italian_reason(service: Service, changes: dict[str, object], reason: str) -> None:
    assert DEFAULT_POLICY.failures(with_(service, **changes), REFERENCE_DATE) == [reason]
    assert not DEFAULT_POLICY.passes(with_(service, **changes), REFERENCE_DATE)


def test_all_reasons_are_listed(service: Service) -> None:
    bad = with_(service, accredited=False, ethical_charter=False, last_verified=date(2020, 1, 1))
    assert len(DEFAULT_POLICY.failures(bad, REFERENCE_DATE)) == 3


@pytest.mark.parametrize(("days_before", "passes"), [(0, True), (1, True), (364, True), (365, True), (366, False), (800, False)])
def test_verification_window_is_365_days_inclusive(service: Service, days_before: int, passes: bool) -> None:
    verified = REFERENCE_DATE - timedelta(days=days_before)
    assert DEFAULT_POLICY.passes(with_(service, last_verified=verified), REFERENCE_DATE) is passes


def test_readme_boundary_2025_11_22(service: Service) -> None:
    assert DEFAULT_POLICY.passes(with_(service, last_verified=date(2025, 11, 22)), REFERENCE_DATE)
    assert not DEFAULT_POLICY.passes(with_(service, last_verified=date(2025, 11, 21)), REFERENCE_DATE)


def test_outcome_depends_on_the_reference_date(service: Service) -> None:
    svc = with_(service, last_verified=date(2025, 12, 1))
    assert DEFAULT_POLICY.passes(svc, date(2026, 11, 22))
    assert not DEFAULT_POLICY.passes(svc, date(2027, 1, 1))
    assert not DEFAULT_POLICY.passes(svc, date(2025, 11, 30))  # verified after that date


def test_policy_can_be_relaxed(service: Service) -> None:
    relaxed = QualityPolicy(require_accredited=False, require_ethical_charter=False, max_verification_age_days=None)
    bad = with_(service, accredited=False, ethical_charter=False, last_verified=None)
    assert relaxed.passes(bad, REFERENCE_DATE)


def test_policy_can_be_tightened(service: Service) -> None:
    strict = QualityPolicy(max_complaints_12m=2, min_rating=4.0, max_verification_age_days=90)
    assert strict.failures(with_(service, complaints_12m=3), REFERENCE_DATE) == ["3 reclami negli ultimi 12 mesi"]
    assert strict.failures(with_(service, rating=3.5), REFERENCE_DATE) == ["valutazione 3.5 sotto la soglia"]
    assert strict.passes(with_(service, rating=None, complaints_12m=None), REFERENCE_DATE)
    assert not strict.passes(with_(service, last_verified=REFERENCE_DATE - timedelta(days=91)), REFERENCE_DATE)


def test_mask_over_the_small_catalogue(small_catalogue: Catalogue) -> None:
    mask = DEFAULT_POLICY.mask(small_catalogue, REFERENCE_DATE)
    assert mask.dtype == np.bool_ and mask.shape == (len(small_catalogue),)
    failing = {s.service_id for s, ok in zip(small_catalogue.services, mask) if not ok}
    assert failing == {"NIDO-BADQ", "NIDO-OLD"}


def test_mask_over_the_fixtures_matches_service_truth(fixture_catalogue: Catalogue, fixture_collection: Collection) -> None:
    mask = DEFAULT_POLICY.mask(fixture_catalogue, REFERENCE_DATE)
    truth = {sid: t["quality_pass"] for sid, t in fixture_collection.service_truth.items()}
    assert {s.service_id: bool(ok) for s, ok in zip(fixture_catalogue.services, mask)} == truth
