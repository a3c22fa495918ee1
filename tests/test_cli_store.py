"""Command line administration of the store: `tenant`, `key`, `purge` and `db`, on SQLite and
PostgreSQL (``DATABASE_URL``), with exit code 2 and a one-line message for bad input."""

from __future__ import annotations

from datetime import date

import pytest

from recommender.cli import main
from recommender.store import tenants
from recommender.store.catalogues import save_catalogue
from recommender.store.database import connect, head_revision
from recommender.store.matches import FeedbackEvent, NewMatch, add_feedback, get_match, save_matches


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def store(db_url: str, monkeypatch: pytest.MonkeyPatch):
    """The CLI's store (DATABASE_URL) and an engine on it to check what the commands did."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    engine = connect(db_url)
    yield engine
    engine.dispose()


def assert_input_error(code: int, out: str, err: str, *fragments: str) -> None:
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


# --- tenant ---------------------------------------------------------------------------------


def test_tenant_create_list_set(capsys: pytest.CaptureFixture[str], store) -> None:
    code, out, err = run(capsys, "tenant", "create", "comune-lovere")
    assert code == 0, err
    assert "tenant 'comune-lovere' created" in out and "store notes: no" in out and "retention 30 days" in out
    assert "recommender key create comune-lovere" in out
    code, out, err = run(capsys, "tenant", "create", "ats-bergamo", "--store-notes", "--retention-days", "90")
    assert code == 0, err
    assert "store notes: yes" in out and "retention 90 days" in out

    code, out, _ = run(capsys, "tenant", "list")
    assert code == 0
    assert out.splitlines() == [
        "ats-bergamo\tstore_notes=yes\tretention_days=90\tcatalogue=no",
        "comune-lovere\tstore_notes=no\tretention_days=30\tcatalogue=no",
    ]

    code, out, err = run(capsys, "tenant", "set", "comune-lovere", "--store-notes", "--retention-days", "7")
    assert code == 0, err
    assert "tenant 'comune-lovere': store notes yes, retention 7 days" in out
    t = tenants.get_tenant(store, "comune-lovere")
    assert (t.store_notes, t.retention_days) == (True, 7)
    code, out, _ = run(capsys, "tenant", "set", "comune-lovere", "--no-store-notes")
    assert code == 0
    t = tenants.get_tenant(store, "comune-lovere")
    assert (t.store_notes, t.retention_days) == (False, 7)  # retention left alone


def test_tenant_list_of_an_empty_store_prints_nothing(capsys: pytest.CaptureFixture[str], store) -> None:
    assert run(capsys, "tenant", "list") == (0, "", "")


@pytest.mark.parametrize("name", ["Comune Lovere", "x", "lovere!"])
def test_invalid_tenant_name_exits_2(capsys: pytest.CaptureFixture[str], store, name: str) -> None:
    assert_input_error(*run(capsys, "tenant", "create", name), "field 'name'")
    assert tenants.list_tenants(store) == []


def test_duplicate_tenant_exits_2(capsys: pytest.CaptureFixture[str], store) -> None:
    assert run(capsys, "tenant", "create", "alpha")[0] == 0
    assert_input_error(*run(capsys, "tenant", "create", "alpha"), "'alpha' already exists")


def test_tenant_create_with_zero_retention_exits_2(capsys: pytest.CaptureFixture[str], store) -> None:
    assert_input_error(*run(capsys, "tenant", "create", "alpha", "--retention-days", "0"), "retention_days")
    assert tenants.get_tenant(store, "alpha") is None


def test_tenant_set_of_unknown_tenant_exits_2(capsys: pytest.CaptureFixture[str], store) -> None:
    assert_input_error(*run(capsys, "tenant", "set", "nobody", "--store-notes"), "'nobody'")


# --- key ------------------------------------------------------------------------------------


def test_key_create_prints_the_key_alone_and_it_authenticates(capsys: pytest.CaptureFixture[str], store) -> None:
    tenants.create_tenant(store, "alpha")
    code, out, err = run(capsys, "key", "create", "alpha", "--label", "gestionale")
    assert code == 0, err
    key = out.strip()
    assert out == key + "\n"  # nothing else on stdout: `KEY=$(recommender key create alpha)` works
    assert tenants.authenticate(store, key).name == "alpha"
    [listed] = tenants.list_keys(store)
    assert listed.label == "gestionale"
    assert f"key id {listed.id}" in err and "shown once" in err
    assert key not in err


def test_key_list_never_prints_secrets(capsys: pytest.CaptureFixture[str], store) -> None:
    tenants.create_tenant(store, "alpha")
    tenants.create_tenant(store, "beta")
    keys = [run(capsys, "key", "create", tenant, "--label", label)[1].strip() for tenant, label in (("alpha", "prod"), ("alpha", "test"), ("beta", "prod"))]
    secrets = [k.split("_", 2)[2] for k in keys]
    key_ids = [k.split("_", 2)[1] for k in keys]

    code, out, err = run(capsys, "key", "list")
    assert code == 0, err
    rows = [line.split("\t") for line in out.splitlines()]
    assert sorted(rows) == sorted([[key_ids[0], "alpha", "active", "prod"], [key_ids[1], "alpha", "active", "test"], [key_ids[2], "beta", "active", "prod"]])
    code, out_beta, _ = run(capsys, "key", "list", "beta")
    assert code == 0 and [line.split("\t")[0] for line in out_beta.splitlines()] == [key_ids[2]]
    for secret in secrets:
        assert secret not in out + err + out_beta


def test_key_revoke_makes_the_key_fail(capsys: pytest.CaptureFixture[str], store) -> None:
    tenants.create_tenant(store, "alpha")
    key = run(capsys, "key", "create", "alpha")[1].strip()
    other = run(capsys, "key", "create", "alpha")[1].strip()
    key_id = key.split("_", 2)[1]
    code, out, err = run(capsys, "key", "revoke", key_id)
    assert code == 0, err
    assert f"key {key_id} of tenant 'alpha' revoked at " in out
    assert tenants.authenticate(store, key) is None
    assert tenants.authenticate(store, other).name == "alpha"
    listing = {line.split("\t")[0]: line.split("\t")[2] for line in run(capsys, "key", "list")[1].splitlines()}
    assert listing[key_id].startswith("revoked ") and listing[other.split("_", 2)[1]] == "active"


def test_key_revoke_of_unknown_id_exits_2(capsys: pytest.CaptureFixture[str], store) -> None:
    assert_input_error(*run(capsys, "key", "revoke", "0123456789ab"), "0123456789ab")


def test_key_create_for_unknown_tenant_exits_2_naming_it(capsys: pytest.CaptureFixture[str], store) -> None:
    assert_input_error(*run(capsys, "key", "create", "nobody"), "no tenant named 'nobody'")
    assert tenants.list_keys(store) == []


# --- purge ----------------------------------------------------------------------------------


def _match_with_notes_and_comment(store) -> str:
    tenants.create_tenant(store, "alpha", store_notes=True, retention_days=30)
    alpha = tenants.get_tenant(store, "alpha")
    cat = save_catalogue(store, alpha, "service_id\nLAVORO\n", 1)
    results = [{"rank": 1, "service_id": "LAVORO", "name": "Sportello lavoro", "need": "employment", "score": 0.5, "distance_km": None, "explanation": "Risponde a: lavoro"}]
    needs = [{"need": "employment", "source": "surfaced", "score": 0.8, "evidence": "cerca lavoro"}]
    new = NewMatch("case-1", "016128", date(2026, 11, 22), 10, needs, results, notes="Cerca lavoro.", intake={"id": "case-1"})
    [mid] = save_matches(store, alpha, cat.id, [new])
    add_feedback(store, get_match(store, alpha, mid), [FeedbackEvent("LAVORO", "contacted", comment="richiamare lunedì")])
    return mid


def test_purge_dry_run_prints_counts_and_changes_nothing(capsys: pytest.CaptureFixture[str], store) -> None:
    mid = _match_with_notes_and_comment(store)
    alpha = tenants.get_tenant(store, "alpha")
    code, out, err = run(capsys, "purge", "--dry-run")
    assert code == 0, err
    assert out.strip() == "would clear the notes of 0 match(es) and 0 feedback comment(s) past retention"  # all younger than 30 days

    code, out, err = run(capsys, "purge", "--days", "0", "--dry-run")
    assert code == 0, err
    assert out.strip() == "would clear the notes of 1 match(es) and 1 feedback comment(s) past retention"
    m = get_match(store, alpha, mid)
    assert m.notes == "Cerca lavoro." and m.feedback[0].comment == "richiamare lunedì"

    code, out, err = run(capsys, "purge", "--days", "0")
    assert code == 0, err
    assert out.strip() == "cleared the notes of 1 match(es) and 1 feedback comment(s) past retention"
    m = get_match(store, alpha, mid)
    assert m.notes is None and m.intake is None and m.feedback[0].comment is None and m.feedback[0].outcome == "contacted"


def test_purge_days_out_of_range_is_a_usage_error(capsys: pytest.CaptureFixture[str], store) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["purge", "--days", "-1"])
    assert exc.value.code == 2
    assert "between 0 and 3650" in capsys.readouterr().err


# --- db -------------------------------------------------------------------------------------


def test_db_status_and_upgrade_print_the_revision(capsys: pytest.CaptureFixture[str], store) -> None:
    head = head_revision()
    code, out, err = run(capsys, "db", "status")
    assert code == 0, err
    assert f"schema revision {head} (latest {head})" in out
    code, out, err = run(capsys, "db", "upgrade")
    assert code == 0, err
    assert f"schema revision {head} (latest {head})" in out


def test_db_upgrade_creates_a_new_sqlite_store(capsys: pytest.CaptureFixture[str], tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "new" / "store.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    code, out, err = run(capsys, "db", "status")
    assert code == 0, err
    assert f"schema revision None (latest {head_revision()})" in out
    code, out, err = run(capsys, "db", "upgrade")
    assert code == 0, err
    assert f"schema revision {head_revision()} (latest {head_revision()})" in out and path.exists()


def test_db_status_hides_the_password(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres:hunter2@127.0.0.1:1/x")
    code, out, err = run(capsys, "db", "status")
    assert code == 2
    assert "hunter2" not in out + err


@pytest.mark.parametrize("argv", [("db", "status"), ("db", "upgrade"), ("tenant", "list"), ("key", "create", "alpha"), ("purge", "--dry-run")])
def test_unreachable_database_exits_2_with_a_clear_message(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...]) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/x")
    code, out, err = run(capsys, *argv)
    assert_input_error(code, out, err, "cannot reach the database", "DATABASE_URL")


@pytest.mark.parametrize("url", ["mysql://u:p@localhost/wm", "not a url"])
def test_unsupported_database_url_exits_2_naming_the_variable(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    assert_input_error(*run(capsys, "tenant", "list"), "DATABASE_URL")
