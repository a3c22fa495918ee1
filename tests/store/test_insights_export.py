"""What the insights read from the store: the tenant's matches in a period, oldest first,
with need codes, suggested service ids and the coarse profile, and nothing else."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from sqlalchemy import update

from recommender.store import tenants
from recommender.store.catalogues import save_catalogue
from recommender.store.insights_export import MatchFacts, count_matches, iter_match_facts
from recommender.store.matches import NewMatch, save_matches
from recommender.store.schema import matches


def _store(db):
    alpha = tenants.create_tenant(db, "alpha", store_notes=True)
    beta = tenants.create_tenant(db, "beta")
    cat = save_catalogue(db, alpha, "csv", 1)
    cat_b = save_catalogue(db, beta, "csv", 1)
    alpha, beta = tenants.get_tenant(db, "alpha"), tenants.get_tenant(db, "beta")
    needs = [{"need": "elderly_care", "source": "stated", "score": 1.0, "evidence": "La madre di 84 anni"},
             {"need": "mobility", "source": "surfaced", "score": 0.7, "evidence": "non guida più"}]
    results = [{"rank": 1, "service_id": "S1", "need": "elderly_care", "explanation": "dalle note: «La madre»"}]
    ids = save_matches(db, alpha, cat.id, [
        NewMatch(f"pratica-{i}", "016218", date(2026, 11, 22), 10, needs, results, notes="La madre di 84 anni", intake={"household": []},
                 profile={"household_type": "nucleo con anziani", "age_bands": ["35-64", "80+"]})
        for i in range(3)
    ])
    save_matches(db, beta, cat_b.id, [NewMatch("b-1", "028060", date(2026, 11, 22), 10, [], [])])
    days = [datetime(2026, 1, 31, 23, 30, tzinfo=UTC), datetime(2026, 2, 1, 0, 10, tzinfo=UTC), datetime(2026, 3, 15, 12, 0, tzinfo=UTC)]
    with db.begin() as conn:
        for mid, when in zip(ids, days):
            conn.execute(update(matches).where(matches.c.id == mid).values(created_at=when))
    return alpha, beta, cat.id


def test_facts_carry_codes_ids_of_services_and_the_profile_only(db):
    alpha, _, cat_id = _store(db)
    facts = list(iter_match_facts(db, alpha))
    assert [f.day for f in facts] == [date(2026, 1, 31), date(2026, 2, 1), date(2026, 3, 15)]
    f = facts[0]
    assert f == MatchFacts(date(2026, 1, 31), "016218", cat_id, 10, [("elderly_care", "stated"), ("mobility", "surfaced")],
                           [("S1", "elderly_care")], {"household_type": "nucleo con anziani", "age_bands": ["35-64", "80+"]})
    assert {fld.name for fld in dataclasses.fields(MatchFacts)} == {"day", "comune_istat", "catalogue_id", "top_k", "needs", "suggested", "profile"}
    assert "madre" not in repr(facts) and "pratica" not in repr(facts)  # notes, evidence and ids stay in the store


def test_the_period_is_in_utc_days_both_included_and_the_tenant_is_isolated(db):
    alpha, beta, _ = _store(db)
    assert count_matches(db, alpha) == 3
    assert [f.day for f in iter_match_facts(db, alpha, date(2026, 2, 1), date(2026, 2, 28))] == [date(2026, 2, 1)]
    assert count_matches(db, alpha, date(2026, 1, 31), date(2026, 1, 31)) == 1
    assert count_matches(db, alpha, None, date(2026, 2, 1)) == 2
    assert count_matches(db, alpha, date(2026, 3, 16)) == 0
    assert [f.comune_istat for f in iter_match_facts(db, beta)] == ["028060"]
