"""Welfare managers' accounts (SQLite and PostgreSQL): hashed passwords with a per-user salt,
one answer for unknown users and wrong passwords, disable ends the sessions, validation."""

from __future__ import annotations

import statistics
import time

import pytest
from sqlalchemy import select

from recommender.errors import InputError
from recommender.store import tenants, users, web_sessions
from recommender.store.schema import users as users_table

PASSWORD = "una-password-lunga"


@pytest.fixture
def alpha(db):
    return tenants.create_tenant(db, "alpha")


def test_create_and_authenticate(db, alpha) -> None:
    u = users.create_user(db, "alpha", "Mario.Rossi", PASSWORD, display_name="  Mario   Rossi ")
    assert (u.username, u.display_name, u.tenant_name, u.tenant_id, u.active) == ("mario.rossi", "Mario Rossi", "alpha", alpha.id, True)
    assert users.authenticate(db, "mario.rossi", PASSWORD) == u
    assert users.authenticate(db, " MARIO.ROSSI ", PASSWORD) == u  # usernames are not case-sensitive
    assert users.authenticate(db, "mario.rossi", PASSWORD.upper()) is None
    assert users.authenticate(db, "mario.rossi", "") is None


def test_only_a_salted_slow_hash_is_stored(db, alpha) -> None:
    users.create_user(db, "alpha", "anna", PASSWORD)
    users.create_user(db, "alpha", "bruno", PASSWORD)
    with db.connect() as conn:
        hashes = dict(conn.execute(select(users_table.c.username, users_table.c.password_hash)).all())
    assert all(h.startswith("scrypt$") and PASSWORD not in h for h in hashes.values())
    assert hashes["anna"] != hashes["bruno"]  # same password, different salts
    assert users.verify_password(PASSWORD, hashes["anna"]) and not users.verify_password("altra-password", hashes["anna"])
    assert not users.verify_password(PASSWORD, "garbage") and not users.verify_password(PASSWORD, "md5$x$y$z$a$b")


def test_unknown_user_and_wrong_password_look_the_same(db, alpha) -> None:
    users.create_user(db, "alpha", "mario", PASSWORD)
    assert users.authenticate(db, "nobody", PASSWORD) is None
    assert users.authenticate(db, "mario", "wrong-password") is None
    assert users.authenticate(db, "not a valid name!", PASSWORD) is None

    def timing(name: str, password: str) -> float:
        samples = []
        for _ in range(5):
            t = time.perf_counter()
            users.authenticate(db, name, password)
            samples.append(time.perf_counter() - t)
        return statistics.median(samples)

    # Both paths compute one scrypt (tens of ms); a lookup-only shortcut for unknown names
    # would be an order of magnitude faster.
    unknown, wrong = timing("nobody", "wrong-password"), timing("mario", "wrong-password")
    assert unknown > 0.3 * wrong, (unknown, wrong)


def test_disabled_user_cannot_log_in_and_its_sessions_end(db, alpha) -> None:
    u = users.create_user(db, "alpha", "mario", PASSWORD)
    token, _ = web_sessions.create_session(db, u)
    other_token, _ = web_sessions.create_session(db, u)
    disabled = users.disable_user(db, "mario")
    assert disabled.disabled_at is not None and not disabled.active
    assert users.authenticate(db, "mario", PASSWORD) is None
    assert web_sessions.get_session(db, token) is None and web_sessions.get_session(db, other_token) is None
    assert web_sessions.count_sessions(db, u.id) == 0
    assert users.disable_user(db, "mario").disabled_at == disabled.disabled_at  # idempotent


def test_reset_user_sets_the_password_and_enables_again(db, alpha) -> None:
    created = users.reset_user(db, "alpha", "operatore", PASSWORD, "Operatore demo")
    users.disable_user(db, "operatore")
    again = users.reset_user(db, "alpha", "operatore", "un-altra-password")
    assert again.id == created.id and again.active
    assert users.authenticate(db, "operatore", "un-altra-password") is not None
    assert users.authenticate(db, "operatore", PASSWORD) is None
    tenants.create_tenant(db, "beta")
    with pytest.raises(InputError) as exc:
        users.reset_user(db, "beta", "operatore", PASSWORD)
    assert "belongs to tenant 'alpha'" in str(exc.value)


def test_list_users_by_tenant(db, alpha) -> None:
    tenants.create_tenant(db, "beta")
    users.create_user(db, "beta", "zeta", PASSWORD)
    users.create_user(db, "alpha", "bruno", PASSWORD)
    users.create_user(db, "alpha", "anna", PASSWORD)
    assert [(u.tenant_name, u.username) for u in users.list_users(db)] == [("alpha", "anna"), ("alpha", "bruno"), ("beta", "zeta")]
    assert [u.username for u in users.list_users(db, "beta")] == ["zeta"]


@pytest.mark.parametrize(
    ("kwargs", "column", "fragment"),
    [
        ({"tenant_name": "nope"}, "tenant", "no tenant named 'nope'"),
        ({"username": "x"}, "username", "2-64 lowercase letters"),
        ({"username": "mario rossi"}, "username", "2-64 lowercase letters"),
        ({"username": "-mario"}, "username", "starting with a letter or digit"),
        ({"password": "corta"}, "password", "at least 10 characters"),
        ({"password": " " * 12}, "password", "only spaces"),
        ({"password": "x" * 201}, "password", "at most 200"),
        ({"display_name": "x" * 101}, "display_name", "at most 100"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(db, alpha, kwargs: dict, column: str, fragment: str) -> None:
    args = {"tenant_name": "alpha", "username": "mario", "password": PASSWORD, "display_name": "", **kwargs}
    with pytest.raises(InputError) as exc:
        users.create_user(db, **args)
    assert exc.value.issues[0].column == column and fragment in str(exc.value)
    assert users.list_users(db) == []


def test_usernames_are_unique_across_tenants(db, alpha) -> None:
    tenants.create_tenant(db, "beta")
    users.create_user(db, "alpha", "mario", PASSWORD)
    with pytest.raises(InputError) as exc:
        users.create_user(db, "beta", "MARIO", PASSWORD)
    assert "already exists" in str(exc.value)
    assert [u.tenant_name for u in users.list_users(db)] == ["alpha"]


def test_disable_unknown_user_is_an_input_error(db) -> None:
    with pytest.raises(InputError) as exc:
        users.disable_user(db, "nobody")
    assert exc.value.issues[0].column == "username"
