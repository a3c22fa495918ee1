"""Server-side sessions of the review page (SQLite and PostgreSQL): only the token's hash is
stored, logout and expiry end a session for real, the idle timer slides, the absolute one
does not, and a session carries its user's tenant."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from recommender.store import tenants, users, web_sessions
from recommender.store.schema import web_sessions as sessions_table


@pytest.fixture
def mario(db):
    tenants.create_tenant(db, "alpha", store_notes=True, retention_days=45)
    return users.create_user(db, "alpha", "mario", "una-password-lunga", "Mario Rossi")


def _set_times(db, sid: str, **delta: timedelta) -> None:
    with db.begin() as conn:
        row = conn.execute(select(sessions_table).where(sessions_table.c.id == sid)).one()
        conn.execute(update(sessions_table).where(sessions_table.c.id == sid).values(
            **{k: tenants.utc(getattr(row, k)) + v for k, v in delta.items()}
        ))


def test_a_session_knows_its_user_and_tenant(db, mario) -> None:
    token, s = web_sessions.create_session(db, mario)
    assert len(token) >= 40
    got = web_sessions.get_session(db, token)
    assert got is not None and got.id == s.id
    assert (got.user.username, got.user.display_name, got.tenant.name, got.tenant.store_notes, got.tenant.retention_days) == ("mario", "Mario Rossi", "alpha", True, 45)
    assert got.csrf_token == s.csrf_token and len(got.csrf_token) >= 40
    assert got.expires_at - got.created_at == web_sessions.IDLE


def test_only_the_hash_of_the_token_is_stored(db, mario) -> None:
    token, s = web_sessions.create_session(db, mario)
    with db.connect() as conn:
        ids = [r.id for r in conn.execute(select(sessions_table.c.id))]
    assert ids == [hashlib.sha256(token.encode()).hexdigest()] == [s.id]
    assert web_sessions.get_session(db, s.id) is None  # the stored id does not open the session


def test_logout_ends_the_session(db, mario) -> None:
    token, _ = web_sessions.create_session(db, mario)
    other, _ = web_sessions.create_session(db, mario)  # another device
    assert web_sessions.end_session(db, token) is True
    assert web_sessions.get_session(db, token) is None
    assert web_sessions.end_session(db, token) is False
    assert web_sessions.get_session(db, other) is not None


@pytest.mark.parametrize("token", [None, "", "x" * 500, "not-a-session"])
def test_no_or_unknown_token_is_no_session(db, mario, token) -> None:
    assert web_sessions.get_session(db, token) is None


def test_idle_session_expires_and_is_deleted(db, mario) -> None:
    token, s = web_sessions.create_session(db, mario)
    _set_times(db, s.id, created_at=-timedelta(hours=9), last_seen_at=-timedelta(hours=9), expires_at=-timedelta(hours=9))
    assert web_sessions.get_session(db, token) is None
    assert web_sessions.count_sessions(db, mario.id) == 0


def test_use_slides_the_idle_timer_but_not_past_the_absolute_limit(db, mario) -> None:
    token, s = web_sessions.create_session(db, mario)
    # last seen 2 hours ago, created 2 hours ago: a request now moves the expiry to now + IDLE
    _set_times(db, s.id, created_at=-timedelta(hours=2), last_seen_at=-timedelta(hours=2), expires_at=-timedelta(hours=2))
    got = web_sessions.get_session(db, token)
    assert got is not None and abs((got.expires_at - got.last_seen_at) - web_sessions.IDLE) < timedelta(seconds=1)
    # created 11 hours ago: the expiry is capped at created + ABSOLUTE (1 hour from now)
    _set_times(db, s.id, created_at=-timedelta(hours=9), last_seen_at=-timedelta(minutes=5))
    got = web_sessions.get_session(db, token)
    assert got is not None and abs(got.expires_at - (got.created_at + web_sessions.ABSOLUTE)) < timedelta(seconds=1)
    _set_times(db, s.id, created_at=-timedelta(hours=2), expires_at=-timedelta(hours=2))  # now past ABSOLUTE
    assert web_sessions.get_session(db, token) is None


def test_purge_deletes_only_expired_sessions(db, mario) -> None:
    live, _ = web_sessions.create_session(db, mario)
    _, old = web_sessions.create_session(db, mario)
    _set_times(db, old.id, expires_at=-timedelta(hours=13))
    assert web_sessions.purge_expired_sessions(db) == 1
    assert web_sessions.count_sessions(db, mario.id) == 1
    assert web_sessions.get_session(db, live) is not None


def test_a_login_clears_expired_sessions(db, mario) -> None:
    _, old = web_sessions.create_session(db, mario)
    _set_times(db, old.id, expires_at=-timedelta(hours=13))
    web_sessions.create_session(db, mario)
    assert web_sessions.count_sessions(db, mario.id) == 1
