"""Stored matches and feedback (SQLite and PostgreSQL): round trip, notes kept only on
opt-in, isolation between tenants, append-only feedback and the retention purge."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from recommender.privacy import REDACTED
from recommender.store import tenants
from recommender.store.catalogues import get_catalogue, save_catalogue
from recommender.store.database import connect
from recommender.store.matches import FeedbackEvent, NewMatch, StoredMatch, add_feedback, get_match, purge, save_matches
from recommender.store.schema import matches

NOTES = "Vive sola. La mamma di 84 anni non riesce più a lavarsi da sola, il figlio lavora a Milano."
QUOTE = "non riesce più a lavarsi da sola"
NEEDS = [
    {"need": "elderly_care", "source": "surfaced", "score": 0.91, "evidence": "La mamma di 84 anni non riesce più a lavarsi da sola"},
    {"need": "employment", "source": "stated", "score": 1.0, "evidence": "richiesta esplicita (stated_needs)"},
]
RESULTS = [
    {"rank": 1, "service_id": "SAD-LOVERE", "name": "Assistenza domiciliare", "need": "elderly_care", "score": 0.82, "distance_km": 2.5,
     "explanation": f"Risponde a: assistenza anziani · a domicilio a Lovere · dalle note: «{QUOTE}»"},
    {"rank": 2, "service_id": "RSA-LOVERE", "name": "RSA San Giuseppe", "need": "elderly_care", "score": 0.61, "distance_km": None,
     "explanation": "Risponde a: assistenza anziani · a Lovere"},
    {"rank": 3, "service_id": "LAVORO", "name": "Sportello lavoro", "need": "employment", "score": 0.55, "distance_km": 6.8,
     "explanation": "Risponde a: lavoro"},
]
INTAKE = {"id": "case-1", "comune": "016128", "isee": 14000, "household": [{"relation": "parent", "age": 84}], "funding": ["municipal_voucher"]}
AS_OF = date(2026, 11, 22)


def new_match(ref: str = "case-1", notes: str | None = NOTES, intake: dict | None = INTAKE) -> NewMatch:
    return NewMatch(intake_ref=ref, comune_istat="016128", as_of=AS_OF, top_k=10, needs=NEEDS, results=RESULTS, notes=notes, intake=intake)


def make_tenant(db, name: str, store_notes: bool = False, retention_days: int = 30):
    tenants.create_tenant(db, name, store_notes=store_notes, retention_days=retention_days)
    save_catalogue(db, tenants.get_tenant(db, name), "service_id\nX\n", 1)
    return tenants.get_tenant(db, name)


def store_one(db, tenant, **kw) -> StoredMatch:
    [mid] = save_matches(db, tenant, tenant.catalogue_id, [new_match(**kw)])
    return get_match(db, tenant, mid)


def is_utc(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() == timedelta(0)


# --- save and read --------------------------------------------------------------------------


def test_save_and_get_round_trip(db) -> None:
    alpha = make_tenant(db, "alpha", store_notes=True)
    ids = save_matches(db, alpha, alpha.catalogue_id, [new_match("case-1"), new_match("case-2", notes=None, intake=None)])
    assert len(ids) == 2 and len(set(ids)) == 2 and all(uuid.UUID(i) for i in ids)
    m = get_match(db, alpha, ids[0])
    assert (m.id, m.tenant_id, m.intake_ref, m.comune_istat, m.catalogue_id, m.as_of, m.top_k) == (
        ids[0], alpha.id, "case-1", "016128", alpha.catalogue_id, AS_OF, 10,
    )
    assert m.needs == NEEDS and m.results == RESULTS
    assert m.notes == NOTES and m.intake == INTAKE
    assert m.feedback == []
    assert is_utc(m.created_at)
    assert abs(m.created_at - datetime.now(UTC)) < timedelta(minutes=5)
    second = get_match(db, alpha, ids[1])
    assert second.intake_ref == "case-2" and second.notes is None and second.intake is None


def test_saving_nothing_stores_nothing(db) -> None:
    alpha = make_tenant(db, "alpha")
    assert save_matches(db, alpha, alpha.catalogue_id, []) == []
    with db.connect() as conn:
        assert conn.execute(select(matches.c.id)).all() == []


def test_without_opt_in_notes_intake_and_quotes_of_the_notes_are_not_stored(db) -> None:
    beta = make_tenant(db, "beta", store_notes=False)
    m = store_one(db, beta)
    assert m.notes is None and m.intake is None
    assert [n["need"] for n in m.needs] == ["elderly_care", "employment"]
    assert m.needs[0]["evidence"] == REDACTED
    assert m.needs[1] == NEEDS[1]  # not a quote of the notes: kept
    assert [(r["rank"], r["service_id"], r["need"]) for r in m.results] == [(r["rank"], r["service_id"], r["need"]) for r in RESULTS]
    assert m.results[0]["explanation"] == "Risponde a: assistenza anziani · a domicilio a Lovere"
    with db.connect() as conn:
        row = conn.execute(select(matches).where(matches.c.id == m.id)).mappings().one()
    dumped = json.dumps({k: v for k, v in row.items()}, default=str, ensure_ascii=False)
    assert QUOTE not in dumped and "Vive sola" not in dumped and "14000" not in dumped


def test_with_opt_in_notes_and_intake_are_stored(db) -> None:
    alpha = make_tenant(db, "alpha", store_notes=True)
    m = store_one(db, alpha)
    assert m.notes == NOTES and m.intake == INTAKE
    assert m.needs[0]["evidence"] == NEEDS[0]["evidence"]
    assert QUOTE in m.results[0]["explanation"]


def test_the_opt_in_in_force_when_saving_decides(db) -> None:
    make_tenant(db, "alpha", store_notes=True)
    before = store_one(db, tenants.get_tenant(db, "alpha"))
    after = store_one(db, tenants.update_tenant(db, "alpha", store_notes=False))
    assert get_match(db, tenants.get_tenant(db, "alpha"), before.id).notes == NOTES
    assert after.notes is None and after.intake is None


def test_a_tenant_cannot_read_another_tenants_match(db) -> None:
    alpha = make_tenant(db, "alpha", store_notes=True)
    beta = make_tenant(db, "beta")
    m = store_one(db, alpha)
    assert get_match(db, beta, m.id) is None
    add_feedback(db, m, [FeedbackEvent("SAD-LOVERE", "contacted", comment="chiamata")])
    assert get_match(db, beta, m.id) is None
    assert len(get_match(db, alpha, m.id).feedback) == 1


@pytest.mark.parametrize("bad_id", ["", "not-a-uuid", "1", "' OR 1=1 --", "x" * 500])
def test_invalid_or_unknown_match_id_returns_none(db, bad_id: str) -> None:
    alpha = make_tenant(db, "alpha")
    store_one(db, alpha)
    assert get_match(db, alpha, bad_id) is None
    assert get_match(db, alpha, str(uuid.uuid4())) is None


# --- feedback -------------------------------------------------------------------------------


def test_feedback_is_appended_with_rank_and_need_copied_from_the_match(db) -> None:
    alpha = make_tenant(db, "alpha")
    m = store_one(db, alpha)
    first = add_feedback(db, m, [FeedbackEvent("RSA-LOVERE", "contacted"), FeedbackEvent("LAVORO", "rejected", reason="need_already_met")])
    assert [(f.service_id, f.rank, f.need, f.outcome, f.reason) for f in first] == [
        ("RSA-LOVERE", 2, "elderly_care", "contacted", None),
        ("LAVORO", 3, "employment", "rejected", "need_already_met"),
    ]
    second = add_feedback(db, m, [FeedbackEvent("RSA-LOVERE", "service_used", comment="inserita dal 1/12")])
    assert [(f.service_id, f.rank, f.outcome, f.comment) for f in second] == [("RSA-LOVERE", 2, "service_used", "inserita dal 1/12")]
    stored = get_match(db, alpha, m.id).feedback
    # Both events on RSA-LOVERE are kept, in the order they were given.
    assert [(f.service_id, f.outcome) for f in stored] == [("RSA-LOVERE", "contacted"), ("LAVORO", "rejected"), ("RSA-LOVERE", "service_used")]
    assert stored == first + second
    assert all(is_utc(f.created_at) for f in stored)
    assert stored[0].created_at <= stored[2].created_at


def test_feedback_of_one_match_does_not_leak_into_another(db) -> None:
    alpha = make_tenant(db, "alpha")
    m1, m2 = store_one(db, alpha, ref="a"), store_one(db, alpha, ref="b")
    add_feedback(db, m1, [FeedbackEvent("LAVORO", "contacted")])
    add_feedback(db, m2, [FeedbackEvent("SAD-LOVERE", "service_used")])
    assert [f.service_id for f in get_match(db, alpha, m1.id).feedback] == ["LAVORO"]
    assert [f.service_id for f in get_match(db, alpha, m2.id).feedback] == ["SAD-LOVERE"]


# --- retention purge ------------------------------------------------------------------------


def with_feedback(db, tenant) -> StoredMatch:
    m = store_one(db, tenant)
    add_feedback(db, m, [FeedbackEvent("SAD-LOVERE", "contacted", reason=None, comment="La signora preferisce il mattino"), FeedbackEvent("LAVORO", "rejected", reason="not_relevant")])
    return get_match(db, tenant, m.id)


def test_purge_clears_notes_intake_and_comments_past_retention_and_keeps_the_rest(db) -> None:
    alpha = make_tenant(db, "alpha", store_notes=True, retention_days=30)
    m = with_feedback(db, alpha)
    report = purge(db, as_of=m.created_at + timedelta(days=29))
    assert (report.notes_cleared, report.comments_cleared) == (0, 0)
    assert get_match(db, alpha, m.id) == m

    report = purge(db, as_of=datetime.now(UTC) + timedelta(days=31))
    assert (report.notes_cleared, report.comments_cleared) == (1, 1)
    after = get_match(db, alpha, m.id)
    assert after.notes is None and after.intake is None
    assert [f.comment for f in after.feedback] == [None, None]
    # What carries no free text stays: needs, results, outcomes.
    assert [n["need"] for n in after.needs] == [n["need"] for n in NEEDS]
    assert after.needs[0]["evidence"] == REDACTED and after.needs[1] == NEEDS[1]
    assert [(r["rank"], r["service_id"], r["need"], r["score"]) for r in after.results] == [(r["rank"], r["service_id"], r["need"], r["score"]) for r in RESULTS]
    assert QUOTE not in after.results[0]["explanation"]
    assert [(f.service_id, f.rank, f.need, f.outcome) for f in after.feedback] == [(f.service_id, f.rank, f.need, f.outcome) for f in m.feedback]
    assert (after.intake_ref, after.created_at, after.as_of) == (m.intake_ref, m.created_at, m.as_of)
    # Nothing is left to clear the second time.
    report = purge(db, as_of=datetime.now(UTC) + timedelta(days=31))
    assert (report.notes_cleared, report.comments_cleared) == (0, 0)


def test_purge_respects_each_tenants_retention(db) -> None:
    short = make_tenant(db, "short", store_notes=True, retention_days=10)
    long = make_tenant(db, "long", store_notes=True, retention_days=60)
    ms, ml = with_feedback(db, short), with_feedback(db, long)
    report = purge(db, as_of=datetime.now(UTC) + timedelta(days=30))
    assert (report.notes_cleared, report.comments_cleared) == (1, 1)
    assert get_match(db, short, ms.id).notes is None
    kept = get_match(db, long, ml.id)
    assert kept == ml and kept.notes == NOTES and kept.feedback[0].comment is not None


def test_purge_days_overrides_every_tenants_retention(db) -> None:
    short = make_tenant(db, "short", store_notes=True, retention_days=10)
    long = make_tenant(db, "long", store_notes=True, retention_days=60)
    ms, ml = with_feedback(db, short), with_feedback(db, long)
    when = datetime.now(UTC) + timedelta(days=30)
    assert purge(db, days=40, as_of=when) == purge(db, days=40, as_of=when, dry_run=True)
    assert get_match(db, short, ms.id) == ms  # 40 days override the short tenant's 10
    report = purge(db, days=5, as_of=when)
    assert (report.notes_cleared, report.comments_cleared) == (2, 2)
    assert get_match(db, short, ms.id).notes is None and get_match(db, long, ml.id).notes is None


def test_purge_days_zero_clears_everything_already_stored(db) -> None:
    alpha = make_tenant(db, "alpha", store_notes=True, retention_days=3650)
    m = with_feedback(db, alpha)
    report = purge(db, days=0, as_of=datetime.now(UTC) + timedelta(seconds=1))
    assert (report.notes_cleared, report.comments_cleared) == (1, 1)
    assert get_match(db, alpha, m.id).notes is None


def test_purge_counts_comments_of_tenants_that_do_not_store_notes(db) -> None:
    beta = make_tenant(db, "beta", store_notes=False, retention_days=30)
    m = with_feedback(db, beta)
    report = purge(db, as_of=datetime.now(UTC) + timedelta(days=31))
    assert (report.notes_cleared, report.comments_cleared) == (0, 1)
    after = get_match(db, beta, m.id)
    assert after.feedback[0].comment is None and after.needs == m.needs and after.results == m.results


def test_purge_dry_run_counts_and_changes_nothing(db) -> None:
    alpha = make_tenant(db, "alpha", store_notes=True)
    beta = make_tenant(db, "beta", store_notes=True)
    ma, mb = with_feedback(db, alpha), with_feedback(db, beta)
    store_one(db, alpha, notes=None, intake=None)  # nothing to clear in this one
    when = datetime.now(UTC) + timedelta(days=31)
    report = purge(db, as_of=when, dry_run=True)
    assert (report.notes_cleared, report.comments_cleared) == (2, 2)
    assert purge(db, as_of=when, dry_run=True) == report
    assert get_match(db, alpha, ma.id) == ma and get_match(db, beta, mb.id) == mb
    assert purge(db, as_of=when) == report


def test_purge_as_of_is_an_instant_whatever_its_time_zone(db) -> None:
    alpha = make_tenant(db, "alpha", store_notes=True, retention_days=30)
    m = store_one(db, alpha)
    created = m.created_at
    east, west = timezone(timedelta(hours=10)), timezone(timedelta(hours=-10))
    just_before = (created + timedelta(days=30) - timedelta(minutes=1)).astimezone(east)
    assert purge(db, as_of=just_before).notes_cleared == 0
    just_after = (created + timedelta(days=30) + timedelta(minutes=1)).astimezone(west)
    assert purge(db, as_of=just_after).notes_cleared == 1


def test_timestamps_come_back_in_utc_whatever_the_session_time_zone(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGTZ", "Asia/Kolkata")  # libpq's session time zone; SQLite ignores it
    engine = connect(db_url)
    try:
        alpha = make_tenant(engine, "alpha")
        m = store_one(engine, alpha)
        [fb] = add_feedback(engine, m, [FeedbackEvent("LAVORO", "contacted")])
        m = get_match(engine, alpha, m.id)
        key_id, _ = tenants.create_key(engine, "alpha")
        revoked = tenants.revoke_key(engine, key_id)
        stamps = [m.created_at, fb.created_at, m.feedback[0].created_at, revoked.created_at, revoked.revoked_at]
        stamps.append(get_catalogue(engine, alpha.catalogue_id).uploaded_at)
        assert all(is_utc(s) for s in stamps), stamps
        assert abs(m.created_at - datetime.now(UTC)) < timedelta(minutes=5)
    finally:
        engine.dispose()


# --- the review page's history ---------------------------------------------------------------


def test_history_lists_the_users_own_matches_newest_first_with_feedback_counts(db) -> None:
    from recommender.store import users
    from recommender.store.matches import list_user_matches

    alpha = make_tenant(db, "alpha")
    beta = make_tenant(db, "beta")
    anna = users.create_user(db, "alpha", "anna", "una-password-lunga")
    bruno = users.create_user(db, "alpha", "bruno", "una-password-lunga")
    [first] = save_matches(db, alpha, alpha.catalogue_id, [new_match("a-1")], created_by=anna.id)
    [second] = save_matches(db, alpha, alpha.catalogue_id, [new_match("a-2")], created_by=anna.id)
    save_matches(db, alpha, alpha.catalogue_id, [new_match("b-1")], created_by=bruno.id)
    save_matches(db, alpha, alpha.catalogue_id, [new_match("api-1")])  # through the API: nobody's history
    save_matches(db, beta, beta.catalogue_id, [new_match("beta-1")], created_by=anna.id)  # (a forged pairing) another tenant
    add_feedback(db, get_match(db, alpha, first), [FeedbackEvent("SAD-LOVERE", "accepted"), FeedbackEvent("LAVORO", "rejected", "too_far")])
    with db.begin() as conn:  # the same transaction time for both would make the order a tie
        conn.execute(matches.update().where(matches.c.id == first).values(created_at=datetime.now(UTC) - timedelta(hours=1)))

    history = list_user_matches(db, alpha, anna.id)
    assert [(m.intake_ref, m.n_feedback, m.n_results) for m in history] == [("a-2", 0, 3), ("a-1", 2, 3)]
    assert history[0].id == second and history[0].needs == ["elderly_care", "employment"] and history[0].comune_istat == "016128"
    assert [m.intake_ref for m in list_user_matches(db, alpha, bruno.id)] == ["b-1"]
    assert [m.intake_ref for m in list_user_matches(db, alpha, anna.id, limit=1)] == ["a-2"]
    assert get_match(db, alpha, second).created_by == anna.id
