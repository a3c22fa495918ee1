"""Exporting a tenant's feedback as training records (SQLite and PostgreSQL): joined with the
stored score components, latest event per suggestion, old matches skipped and counted, no
free text, one tenant only."""

from __future__ import annotations

import json
from datetime import date

import pytest

from recommender.errors import InputError
from recommender.feedback import FeedbackRecord
from recommender.ranking import FEATURE_NAMES
from recommender.store import tenants
from recommender.store.catalogues import save_catalogue
from recommender.store.feedback_export import export_feedback, export_feedback_report
from recommender.store.matches import FeedbackEvent, NewMatch, add_feedback, get_match, save_matches

NOTES = "La mamma di 84 anni non riesce più a lavarsi da sola."
COMMENT = "La signora preferisce il mattino, chiamare dopo le 10"


def feats(score: float) -> dict[str, float]:
    return {name: (score if name == "score" else 0.25) for name in FEATURE_NAMES}


def results(with_features: bool = True) -> list[dict]:
    rows = [
        {"rank": 1, "service_id": "SAD", "name": "Assistenza domiciliare", "need": "elderly_care", "score": 0.8, "distance_km": 2.0, "explanation": "Risponde a: assistenza anziani"},
        {"rank": 2, "service_id": "RSA", "name": "RSA San Giuseppe", "need": "elderly_care", "score": 0.6, "distance_km": 5.0, "explanation": "Risponde a: assistenza anziani"},
        {"rank": 3, "service_id": "LAVORO", "name": "Sportello lavoro", "need": "employment", "score": 0.4, "distance_km": 6.0, "explanation": "Risponde a: lavoro"},
    ]
    if with_features:
        rows = [{**r, "features": feats(r["score"])} for r in rows]
    return rows


def make_tenant(db, name: str, store_notes: bool = False):
    tenants.create_tenant(db, name, store_notes=store_notes)
    save_catalogue(db, tenants.get_tenant(db, name), "service_id\nX\n", 1)
    return tenants.get_tenant(db, name)


def store(db, tenant, ref: str, with_features: bool = True):
    m = NewMatch(ref, "016128", date(2026, 11, 22), 10, [{"need": "elderly_care", "source": "surfaced", "score": 0.9, "evidence": NOTES}], results(with_features), notes=NOTES)
    [mid] = save_matches(db, tenant, tenant.catalogue_id, [m])
    return get_match(db, tenant, mid)


def test_records_join_feedback_with_stored_components(db) -> None:
    alpha = make_tenant(db, "alpha")
    m = store(db, alpha, "case-1")
    add_feedback(db, m, [FeedbackEvent("RSA", "accepted"), FeedbackEvent("LAVORO", "rejected", reason="not_relevant")])
    records = export_feedback(db, "alpha")
    assert records == [
        FeedbackRecord(m.id, "case-1", 2, "RSA", "elderly_care", "accepted", feats(0.6)),
        FeedbackRecord(m.id, "case-1", 3, "LAVORO", "employment", "rejected", feats(0.4)),
    ]


def test_the_latest_event_per_suggestion_wins(db) -> None:
    alpha = make_tenant(db, "alpha")
    m = store(db, alpha, "case-1")
    add_feedback(db, m, [FeedbackEvent("SAD", "contacted"), FeedbackEvent("RSA", "contacted")])
    add_feedback(db, m, [FeedbackEvent("SAD", "rejected", reason="no_availability")])
    add_feedback(db, m, [FeedbackEvent("RSA", "accepted"), FeedbackEvent("RSA", "service_used")])  # same call: sent order
    report = export_feedback_report(db, "alpha")
    assert report.events == 5
    assert {(r.service_id, r.outcome) for r in report.records} == {("SAD", "rejected"), ("RSA", "service_used")}
    # the same service in another match is another suggestion
    m2 = store(db, alpha, "case-2")
    add_feedback(db, m2, [FeedbackEvent("SAD", "accepted")])
    assert {(r.match_id, r.service_id, r.outcome) for r in export_feedback(db, "alpha")} == {
        (m.id, "SAD", "rejected"), (m.id, "RSA", "service_used"), (m2.id, "SAD", "accepted"),
    }


def test_matches_stored_without_components_are_skipped_and_counted(db) -> None:
    alpha = make_tenant(db, "alpha")
    old = store(db, alpha, "old-case", with_features=False)
    new = store(db, alpha, "new-case")
    add_feedback(db, old, [FeedbackEvent("SAD", "accepted"), FeedbackEvent("RSA", "rejected")])
    add_feedback(db, new, [FeedbackEvent("SAD", "accepted")])
    report = export_feedback_report(db, "alpha")
    assert [r.intake_ref for r in report.records] == ["new-case"]
    assert report.skipped_without_features == 2 and report.events == 3


def test_no_notes_or_comments_are_exported(db) -> None:
    alpha = make_tenant(db, "alpha", store_notes=True)
    m = store(db, alpha, "case-1")
    add_feedback(db, m, [FeedbackEvent("SAD", "contacted", reason="other", comment=COMMENT)])
    [record] = export_feedback(db, "alpha")
    text = json.dumps(record.to_json(), ensure_ascii=False)
    assert COMMENT not in text and "mattino" not in text and NOTES not in text and "84 anni" not in text
    assert set(record.to_json()) == {"match_id", "intake_ref", "rank", "service_id", "need", "outcome", "features"}


def test_only_the_tenants_own_feedback(db) -> None:
    alpha, beta = make_tenant(db, "alpha"), make_tenant(db, "beta")
    add_feedback(db, store(db, alpha, "a-case"), [FeedbackEvent("SAD", "accepted")])
    add_feedback(db, store(db, beta, "b-case"), [FeedbackEvent("RSA", "rejected"), FeedbackEvent("SAD", "accepted")])
    assert [r.intake_ref for r in export_feedback(db, "alpha")] == ["a-case"]
    assert {r.intake_ref for r in export_feedback(db, "beta")} == {"b-case"} and len(export_feedback(db, "beta")) == 2
    make_tenant(db, "gamma")
    assert export_feedback(db, "gamma") == []


def test_unknown_tenant(db) -> None:
    with pytest.raises(InputError, match="no tenant named 'nobody'"):
        export_feedback(db, "nobody")
