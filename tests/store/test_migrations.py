"""Alembic migrations (SQLite and PostgreSQL): the migrated schema is exactly the one the code
declares, upgrades are idempotent and reversible; and the DATABASE_URL rules."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from recommender.errors import InputError
from recommender.store import tenants
from recommender.store.database import current_revision, database_url, downgrade, head_revision, upgrade
from recommender.store.schema import metadata

TABLES = {"tenants", "api_keys", "catalogues", "matches", "feedback", "users", "web_sessions"}


def schema_differences(engine) -> list:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(ctx, metadata)


def test_migrated_schema_matches_the_declared_tables(db) -> None:
    assert schema_differences(db) == []
    assert set(inspect(db).get_table_names()) == TABLES | {"alembic_version"}


def test_the_store_is_at_the_latest_revision(db) -> None:
    from recommender.store.database import MIGRATIONS_DIR

    head = head_revision()  # raises if the migrations have branched into several heads
    # one linear chain numbered by file: the newest file is the head
    assert head == max(p.name.split("_")[0] for p in (MIGRATIONS_DIR / "versions").glob("[0-9]*.py"))
    assert head >= "0003"  # the review page's users and sessions
    assert current_revision(db) == head


def test_upgrade_is_idempotent_and_keeps_the_data(db) -> None:
    tenants.create_tenant(db, "alpha")
    upgrade(db)
    upgrade(db)
    assert current_revision(db) == head_revision()
    assert [t.name for t in tenants.list_tenants(db)] == ["alpha"]
    assert schema_differences(db) == []


def test_downgrade_to_base_and_upgrade_again(db) -> None:
    tenants.create_tenant(db, "alpha")
    downgrade(db, "base")
    assert current_revision(db) is None
    assert set(inspect(db).get_table_names()) <= {"alembic_version"}
    upgrade(db)
    assert current_revision(db) == head_revision()
    assert schema_differences(db) == []
    assert tenants.list_tenants(db) == []
    tenants.create_tenant(db, "alpha")  # the store works again
    assert [t.name for t in tenants.list_tenants(db)] == ["alpha"]


# --- DATABASE_URL ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@db.example:5432/wm", "postgresql+psycopg://u:p@db.example:5432/wm"),
        ("postgres://u:p@db.example/wm", "postgresql+psycopg://u:p@db.example/wm"),
        ("postgresql+psycopg://u@h/wm", "postgresql+psycopg://u@h/wm"),
        ("sqlite:////var/lib/wm/store.sqlite3", "sqlite:////var/lib/wm/store.sqlite3"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_database_url_normalises_postgres_urls(url: str, expected: str) -> None:
    assert database_url(url) == expected


def test_database_url_keeps_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://wm:s3cr%40t@db/wm")
    assert database_url() == "postgresql+psycopg://wm:s3cr%40t@db/wm"


def test_database_url_comes_from_the_environment_else_a_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/wm")
    assert database_url() == "postgresql+psycopg://u@h/wm"
    assert database_url("sqlite://") == "sqlite://"  # an explicit argument wins
    monkeypatch.delenv("DATABASE_URL")
    url = database_url()
    assert url.startswith("sqlite:///") and url.endswith("welfare-match.sqlite3")


@pytest.mark.parametrize("url", ["mysql://u:p@h/db", "mysql+pymysql://u@h/db", "oracle://u@h/db", "not a url", "://", "postgresql+asyncpg://u@h/db"])
def test_database_url_refuses_other_databases_and_garbage_naming_the_variable(url: str) -> None:
    with pytest.raises(InputError) as exc:
        database_url(url)
    assert exc.value.issues[0].column == "DATABASE_URL"
    assert "DATABASE_URL" in str(exc.value)


def test_upgrading_a_0001_store_with_feedback_keeps_every_event(db) -> None:
    """A deployment on the first schema upgrades in place: feedback recorded before the
    event_id column existed is all there afterwards."""
    from datetime import date

    from recommender.store.catalogues import save_catalogue
    from recommender.store.matches import FeedbackEvent, NewMatch, add_feedback, get_match, save_matches
    from recommender.store.schema import feedback

    downgrade(db, "0001")
    t = tenants.create_tenant(db, "alpha")
    cat = save_catalogue(db, t, "csv", 1)
    t = tenants.get_tenant(db, "alpha")
    [mid] = save_matches(db, t, cat.id, [NewMatch("i1", "016218", date(2026, 11, 22), 5, [], [{"service_id": "S1", "rank": 1, "need": "housing"}])])
    with db.begin() as conn:  # as the 0001 code wrote it: no event_id column
        conn.execute(feedback.insert().values(match_id=mid, tenant_id=t.id, service_id="S1", rank=1, need="housing", outcome="accepted", created_at=tenants.now()))
    upgrade(db)
    m = get_match(db, t, mid)
    assert [(f.service_id, f.outcome, f.event_id) for f in m.feedback] == [("S1", "accepted", None)]
    add_feedback(db, m, [FeedbackEvent("S1", "contacted", event_id="e1")])
    assert [f.outcome for f in get_match(db, t, mid).feedback] == ["accepted", "contacted"]


def test_upgrading_a_0002_store_keeps_matches_and_feedback_and_adds_users(db) -> None:
    """A deployment on the 0002 schema upgrades in place: its matches and feedback are all
    there (with no creator: they came from the API), and the review page's users, sessions
    and the manager's history work on the upgraded store."""
    from datetime import date

    from recommender.store import users, web_sessions
    from recommender.store.catalogues import save_catalogue
    from recommender.store.matches import FeedbackEvent, NewMatch, add_feedback, get_match, list_user_matches, save_matches
    from recommender.store.schema import feedback, matches

    downgrade(db, "0002")
    assert "users" not in inspect(db).get_table_names()
    t = tenants.create_tenant(db, "alpha")
    cat = save_catalogue(db, t, "csv", 1)
    t = tenants.get_tenant(db, "alpha")
    with db.begin() as conn:  # as the 0002 code wrote it: no created_by column
        conn.execute(matches.insert().values(
            id="8d0f6c1e-4f1a-4c55-9b7e-0a4b2c3d4e5f", tenant_id=t.id, intake_ref="old-1", comune_istat="016218", catalogue_id=cat.id,
            as_of=date(2026, 11, 22), top_k=5, needs=[{"need": "housing", "source": "stated", "score": 1.0, "evidence": ""}],
            results=[{"service_id": "S1", "rank": 1, "need": "housing"}], notes=None, intake=None, created_at=tenants.now(),
        ))
        conn.execute(feedback.insert().values(match_id="8d0f6c1e-4f1a-4c55-9b7e-0a4b2c3d4e5f", tenant_id=t.id, service_id="S1", rank=1,
                                              need="housing", outcome="accepted", created_at=tenants.now(), event_id="e0"))
    upgrade(db)
    assert schema_differences(db) == []
    old = get_match(db, t, "8d0f6c1e-4f1a-4c55-9b7e-0a4b2c3d4e5f")
    assert old is not None and old.created_by is None
    assert [(f.service_id, f.outcome, f.event_id) for f in old.feedback] == [("S1", "accepted", "e0")]

    u = users.create_user(db, "alpha", "operatore", "una-password-lunga")
    token, _ = web_sessions.create_session(db, u)
    assert web_sessions.get_session(db, token).user.username == "operatore"
    [mid] = save_matches(db, t, cat.id, [NewMatch("new-1", "016218", date(2026, 11, 22), 5, [], [{"service_id": "S1", "rank": 1, "need": "housing"}])], created_by=u.id)
    add_feedback(db, get_match(db, t, mid), [FeedbackEvent("S1", "contacted")])
    assert [(m.intake_ref, m.n_feedback) for m in list_user_matches(db, t, u.id)] == [("new-1", 1)]


def test_downgrade_from_0003_keeps_the_matches(db) -> None:
    from datetime import date

    from recommender.store import users
    from recommender.store.catalogues import save_catalogue
    from recommender.store.matches import NewMatch, get_match, save_matches

    t = tenants.create_tenant(db, "alpha")
    cat = save_catalogue(db, t, "csv", 1)
    t = tenants.get_tenant(db, "alpha")
    u = users.create_user(db, "alpha", "operatore", "una-password-lunga")
    [mid] = save_matches(db, t, cat.id, [NewMatch("m-1", "016218", date(2026, 11, 22), 5, [], [])], created_by=u.id)
    downgrade(db, "0002")
    assert "users" not in inspect(db).get_table_names()
    upgrade(db)
    m = get_match(db, t, mid)
    assert m is not None and m.intake_ref == "m-1" and m.created_by is None
