"""`recommender user create/list/disable` and the demo account of `serve --demo`, on SQLite and
PostgreSQL: passwords from stdin or typed twice, exit code 2 with a one-line message for bad
input, nothing stored on failure."""

from __future__ import annotations

import argparse
import io

import pytest

from recommender import cli
from recommender.cli import main
from recommender.store import tenants, users, web_sessions
from recommender.store.database import connect

PASSWORD = "una-password-lunga"


def run(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def store(db_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    engine = connect(db_url)
    tenants.create_tenant(engine, "alpha")
    yield engine
    engine.dispose()


def assert_input_error(code: int, out: str, err: str, *fragments: str) -> None:
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


def test_create_with_password_on_stdin_then_list_and_disable(capsys, monkeypatch, store) -> None:
    code, out, err = run(capsys, "user", "create", "alpha", "Mario.Rossi", "--display-name", "Mario Rossi", "--password-stdin",
                         stdin=PASSWORD + "\n", monkeypatch=monkeypatch)
    assert code == 0, err
    assert "user 'mario.rossi' (Mario Rossi) created for tenant 'alpha'" in out
    assert PASSWORD not in out + err
    assert users.authenticate(store, "mario.rossi", PASSWORD) is not None

    code, out, _ = run(capsys, "user", "list")
    assert code == 0 and out.splitlines() == ["mario.rossi\talpha\tactive\tMario Rossi"]
    code, out, _ = run(capsys, "user", "list", "alpha")
    assert code == 0 and out.startswith("mario.rossi\t")

    token, _ = web_sessions.create_session(store, users.get_user(store, "mario.rossi"))
    code, out, err = run(capsys, "user", "disable", "mario.rossi")
    assert code == 0, err
    assert "disabled" in out and "sessions are ended" in out
    assert web_sessions.get_session(store, token) is None
    assert users.authenticate(store, "mario.rossi", PASSWORD) is None
    code, out, _ = run(capsys, "user", "list")
    assert "\tdisabled " in out


def test_password_typed_twice_at_the_prompt(capsys, monkeypatch, store) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    typed = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    code, out, err = run(capsys, "user", "create", "alpha", "anna")
    assert code == 0, err
    assert users.authenticate(store, "anna", PASSWORD) is not None


def test_passwords_that_differ_store_nothing(capsys, monkeypatch, store) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    typed = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    assert_input_error(*run(capsys, "user", "create", "alpha", "anna"), "the two passwords differ")
    assert users.list_users(store) == []


def test_no_terminal_and_no_password_stdin_is_refused(capsys, monkeypatch, store) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert_input_error(*run(capsys, "user", "create", "alpha", "anna"), "--password-stdin")
    assert users.list_users(store) == []


@pytest.mark.parametrize(
    ("argv", "stdin", "fragments"),
    [
        (("user", "create", "nope", "anna", "--password-stdin"), PASSWORD, ("no tenant named 'nope'",)),
        (("user", "create", "alpha", "a", "--password-stdin"), PASSWORD, ("username", "2-64 lowercase letters")),
        (("user", "create", "alpha", "anna", "--password-stdin"), "corta\n", ("password", "at least 10 characters")),
        (("user", "create", "alpha", "anna", "--password-stdin"), "", ("no password on standard input",)),
        (("user", "list", "nope"), "", ("no tenant named 'nope'",)),
        (("user", "disable", "nobody"), "", ("no user named 'nobody'",)),
    ],
)
def test_bad_input_exits_2_naming_the_problem(capsys, monkeypatch, store, argv, stdin, fragments) -> None:
    assert_input_error(*run(capsys, *argv, stdin=stdin, monkeypatch=monkeypatch), *fragments)
    assert users.list_users(store) == []


def test_duplicate_username_exits_2_and_keeps_the_first(capsys, monkeypatch, store) -> None:
    assert run(capsys, "user", "create", "alpha", "anna", "--password-stdin", stdin=PASSWORD, monkeypatch=monkeypatch)[0] == 0
    assert_input_error(*run(capsys, "user", "create", "alpha", "anna", "--password-stdin", stdin="altra-password-1", monkeypatch=monkeypatch),
                       "already exists")
    assert users.authenticate(store, "anna", PASSWORD) is not None


def test_serve_demo_makes_the_demo_account_each_time(capsys, store) -> None:
    args = argparse.Namespace(host="127.0.0.1", port=8123)
    cli._demo_tenant(args)
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8123/" in out and "user 'operatore', password 'demo-welfare'" in out
    demo = users.authenticate(store, "operatore", "demo-welfare")
    assert demo is not None and demo.tenant_name == "demo"
    # a changed password or a disabled account is reset by the next `serve --demo`
    users.disable_user(store, "operatore")
    cli._demo_tenant(args)
    capsys.readouterr()
    again = users.authenticate(store, "operatore", "demo-welfare")
    assert again is not None and again.id == demo.id
    assert [u.username for u in users.list_users(store, "demo")] == ["operatore"]
