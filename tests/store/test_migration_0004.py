"""Migration 0004 (coarse profiles on matches, administrator keys) on a store with data, on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy import inspect, select

from recommender.insights.records import profile_from_json
from recommender.store import tenants
from recommender.store.catalogues import save_catalogue
from recommender.store.database import downgrade, upgrade
from recommender.store.insights_export import iter_match_facts
from recommender.store.matches import NewMatch, get_match, save_matches
from recommender.store.schema import api_keys, matches
from tests.store.test_migrations import schema_differences

OLD_MATCH = "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed"


def test_upgrading_a_0003_store_keeps_matches_and_keys_and_adds_profiles_and_admin_keys(db) -> None:
    """A deployment on the 0003 schema upgrades in place: its matches have no profile (the
    insights read them as "non noto"), its keys work and are not administrators, and new
    matches keep their coarse profile."""
    downgrade(db, "0003")
    assert "profile" not in {c["name"] for c in inspect(db).get_columns("matches")}
    assert "admin" not in {c["name"] for c in inspect(db).get_columns("api_keys")}
    t = tenants.create_tenant(db, "alpha")
    cat = save_catalogue(db, t, "csv", 1)
    t = tenants.get_tenant(db, "alpha")
    _, old_key = tenants.create_key(db, "alpha", label="old")  # an ordinary key writes the 0003 columns only
    with db.begin() as conn:  # a match as the 0003 code wrote it: no profile
        conn.execute(matches.insert().values(
            id=OLD_MATCH, tenant_id=t.id, intake_ref="old-1", comune_istat="016218", catalogue_id=cat.id,
            as_of=date(2026, 11, 22), top_k=10, needs=[{"need": "housing", "source": "surfaced", "score": 0.8, "evidence": ""}],
            results=[], notes=None, intake=None, created_at=tenants.now(),
        ))
    upgrade(db)
    assert schema_differences(db) == []
    old = get_match(db, t, OLD_MATCH)
    assert old is not None and old.intake_ref == "old-1"
    [facts] = list(iter_match_facts(db, t))
    assert facts.profile is None and profile_from_json(facts.profile).household_type == "non noto"
    assert facts.needs == [("housing", "surfaced")]
    owner = tenants.authenticate_key(db, old_key)
    assert owner is not None and owner.tenant.name == "alpha" and not owner.admin
    assert [k.admin for k in tenants.list_keys(db, "alpha")] == [False]

    _, admin_key = tenants.create_key(db, "alpha", admin=True)
    owner = tenants.authenticate_key(db, admin_key)
    assert owner is not None and owner.admin
    profile = {"household_type": "persona sola", "age_bands": ["80+"]}
    save_matches(db, t, cat.id, [NewMatch("new-1", "016218", date(2026, 11, 22), 10, [], [], profile=profile)])
    assert [f.profile for f in iter_match_facts(db, t)] == [None, profile]


def test_downgrade_from_0004_keeps_matches_and_keys(db) -> None:
    t = tenants.create_tenant(db, "alpha")
    cat = save_catalogue(db, t, "csv", 1)
    t = tenants.get_tenant(db, "alpha")
    key_id, key = tenants.create_key(db, "alpha", admin=True)
    [mid] = save_matches(db, t, cat.id, [NewMatch("m-1", "016218", date(2026, 11, 22), 5, [], [], profile={"household_type": "altro", "age_bands": ["35-64"]})])
    downgrade(db, "0003")
    with db.connect() as conn:  # the 0003 columns only
        assert conn.execute(select(api_keys.c.id).where(api_keys.c.id == key_id)).first() is not None
    upgrade(db)
    m = get_match(db, t, mid)
    assert m is not None and m.intake_ref == "m-1"
    owner = tenants.authenticate_key(db, key)
    assert owner is not None and not owner.admin  # the flag does not survive a downgrade: make administrators again
