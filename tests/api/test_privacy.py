"""Intake notes are special-category data: never logged, stored only on opt-in, purged."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from recommender.store.matches import purge
from recommender.store.schema import feedback, matches
from recommender.store.tenants import get_tenant
from tests.api.conftest import AS_OF
from tests.helpers import TRESCORE

MARKER = "ZQXMARKER7731"
NOTES = f"Mia madre {MARKER} ha 86 anni e non riesce più a lavarsi da sola."
ACCESS_LINE = re.compile(r"^(GET|POST) /v1/[a-z/0-9-]+ \d{3} [\d.]+ms tenant=[a-z-]+ request=[0-9a-f]{16}$")
INTAKE = {"id": "P1", "comune": TRESCORE, "notes": NOTES, "top_k": 3, "as_of": AS_OF}


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every logger (including those that set their own level, like SQLAlchemy's) at DEBUG."""
    caplog.set_level(logging.DEBUG)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def leaked(records: list[logging.LogRecord], secret: str = MARKER) -> list[str]:
    out = []
    for rec in records:
        if rec.name.startswith("httpx"):  # the test client's own log of the URLs it calls
            continue
        trace = logging.Formatter().formatException(rec.exc_info) if rec.exc_info else ""
        parts = [str(rec.msg), rec.getMessage(), repr(rec.args), rec.exc_text or "", trace, str(rec.stack_info or "")]
        if any(secret in p for p in parts):
            out.append(f"{rec.name}: {rec.getMessage()[:200]}")
    return out


def access_lines(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if r.name == "welfare_match.access"]


def stored_row(api, match_id: str):
    with api.client.app.state.welfare.db.connect() as conn:
        return conn.execute(select(matches).where(matches.c.id == match_id)).one()


def exercise(api) -> str:
    """Valid and invalid requests that carry the marker in notes, comments and queries."""
    r = api.client.post("/v1/match", json=INTAKE, headers=api.h())
    assert r.status_code == 200
    match_id = r.json()["match_id"]
    assert MARKER in r.json()["needs"][0]["evidence"]  # the caller gets its own words back
    sid = r.json()["results"][0]["service_id"]
    bad = [
        {**INTAKE, "comune": f"Trescore {MARKER}"},
        {**INTAKE, "household": [{"relation": "parent", "age": -1}]},
        {**INTAKE, "notes": NOTES * 400},  # too long
        {**INTAKE, "isee": MARKER},
    ]
    for body in bad:
        assert api.client.post("/v1/match", json=body, headers=api.h()).status_code == 422
    assert api.client.post("/v1/match", content=("{" + NOTES).encode(), headers={**api.h(), "Content-Type": "application/json"}).status_code == 422
    batch = {"intakes": [INTAKE, {**INTAKE, "comune": MARKER}], "as_of": AS_OF}
    assert api.client.post("/v1/match/batch", json=batch, headers=api.h()).json()["failed"] == 1
    fb = {"items": [{"service_id": sid, "outcome": "rejected", "reason": "other", "comment": f"Note {MARKER}"}]}
    assert api.client.post(f"/v1/matches/{match_id}/feedback", json=fb, headers=api.h()).status_code == 201
    bad_fb = {"items": [{"service_id": MARKER, "outcome": "accepted", "comment": MARKER}]}
    assert api.client.post(f"/v1/matches/{match_id}/feedback", json=bad_fb, headers=api.h()).status_code == 422
    assert api.client.get("/v1/services", params={"q": MARKER}, headers=api.h()).status_code == 200
    assert api.client.get("/v1/comuni", params={"q": MARKER}).status_code == 200
    assert api.client.get(f"/v1/matches/{match_id}", headers=api.h()).status_code == 200
    assert api.client.post("/v1/match", json=INTAKE, headers={"X-API-Key": f"wm_{MARKER}"}).status_code == 401
    return match_id


def test_notes_never_reach_the_logs(api, all_logs):
    exercise(api)
    assert not leaked(all_logs.records)
    lines = access_lines(all_logs.records)
    # one access line per request, with method, path and status but no query string or body
    assert len(lines) == 13
    assert all(ACCESS_LINE.match(line) for line in lines), lines
    assert lines[0].startswith("POST /v1/match 200") and "tenant=alpha" in lines[0]
    assert lines[1].startswith("POST /v1/match 422")
    assert any(line.startswith("GET /v1/services 200") for line in lines)
    assert lines[-1].startswith("POST /v1/match 401") and "tenant=-" in lines[-1]


def test_notes_never_reach_the_logs_when_the_tenant_stores_them(api_with_notes, all_logs):
    exercise(api_with_notes)
    assert not leaked(all_logs.records)


def test_without_store_notes_nothing_of_the_notes_is_stored(api):
    r = api.client.post("/v1/match", json=INTAKE, headers=api.h())
    match_id = r.json()["match_id"]
    got = api.client.get(f"/v1/matches/{match_id}", headers=api.h()).json()
    assert got["notes"] is None
    assert MARKER not in str(got)
    assert [n["need"] for n in got["needs"]] == ["elderly_care"]  # the need itself is kept
    assert [x["service_id"] for x in got["results"]] == [x["service_id"] for x in r.json()["results"]]
    row = stored_row(api, match_id)
    assert row.notes is None and row.intake is None
    assert MARKER not in str(tuple(row))
    assert "lavarsi" not in str(row.needs) and "lavarsi" not in str(row.results)


def test_with_store_notes_the_notes_are_kept_and_returned(api_with_notes):
    api = api_with_notes
    body = {**INTAKE, "household": [{"relation": "parent", "age": 86, "non_self_sufficient": True}], "isee": 12000}
    r = api.client.post("/v1/match", json=body, headers=api.h())
    match_id = r.json()["match_id"]
    got = api.client.get(f"/v1/matches/{match_id}", headers=api.h()).json()
    assert got["notes"] == NOTES
    assert got["needs"] == r.json()["needs"]
    assert got["results"] == r.json()["results"]
    row = stored_row(api, match_id)
    assert row.notes == NOTES
    assert row.intake["isee"] == 12000 and row.intake["household"][0]["age"] == 86
    # beta did not opt in
    r = api.client.post("/v1/match", json=INTAKE, headers=api.h(api.beta_key))
    assert api.client.get(f"/v1/matches/{r.json()['match_id']}", headers=api.h(api.beta_key)).json()["notes"] is None


def test_purge_clears_notes_and_keeps_what_the_engine_learns_from(api_with_notes):
    api = api_with_notes
    r = api.client.post("/v1/match", json=INTAKE, headers=api.h()).json()
    match_id = r["match_id"]
    sid = r["results"][0]["service_id"]
    fb = {"items": [{"service_id": sid, "outcome": "accepted", "comment": f"Parlato con la figlia {MARKER}"},
                    {"service_id": sid, "outcome": "service_used", "reason": "other"}]}
    assert api.client.post(f"/v1/matches/{match_id}/feedback", json=fb, headers=api.h()).status_code == 201
    before = api.client.get(f"/v1/matches/{match_id}", headers=api.h()).json()
    assert before["notes"] == NOTES

    # a purge as of today keeps everything younger than the retention period
    purge(api.client.app.state.welfare.db)
    assert api.client.get(f"/v1/matches/{match_id}", headers=api.h()).json() == before

    report = purge(api.client.app.state.welfare.db, as_of=datetime.now(UTC) + timedelta(days=365))
    assert report.notes_cleared >= 1 and report.comments_cleared >= 1
    after = api.client.get(f"/v1/matches/{match_id}", headers=api.h()).json()
    assert after["notes"] is None
    assert MARKER not in str(after)
    assert [n["need"] for n in after["needs"]] == [n["need"] for n in before["needs"]]
    assert [(x["rank"], x["service_id"], x["need"], x["score"]) for x in after["results"]] == [
        (x["rank"], x["service_id"], x["need"], x["score"]) for x in before["results"]
    ]
    assert [(f["service_id"], f["outcome"], f["reason"], f["comment"]) for f in after["feedback"]] == [
        (sid, "accepted", None, None), (sid, "service_used", "other", None)
    ]
    row = stored_row(api, match_id)
    assert row.notes is None and row.intake is None
    with api.client.app.state.welfare.db.connect() as conn:
        assert all(c is None for c in conn.execute(select(feedback.c.comment).where(feedback.c.match_id == match_id)).scalars())


def test_an_unexpected_failure_is_a_500_logged_without_its_message(api, all_logs, monkeypatch):
    """Exception messages can quote the intake: the 500 is logged with the exception type and
    the stack only, and the exception does not escape the application (the ASGI server would
    log it with its message). The test client re-raises any exception that escapes."""
    engine = api.client.app.state.welfare.engines.get(get_tenant(api.client.app.state.welfare.db, "alpha"))

    def broken_match(intake, **kwargs):
        raise ValueError(f"cannot match the notes {intake.notes!r}")

    monkeypatch.setattr(engine.pipeline, "match", broken_match)
    r = api.client.post("/v1/match", json=INTAKE, headers=api.h())
    assert r.status_code == 500
    assert r.json() == {"detail": "internal error; it has been logged without the request's content", "errors": []}
    assert MARKER not in r.text
    errors = [rec for rec in all_logs.records if rec.name == "welfare_match.api" and rec.levelno >= logging.ERROR]
    assert len(errors) == 1 and "ValueError" in errors[0].getMessage() and "broken_match" in errors[0].getMessage()
    assert access_lines(all_logs.records)[-1].startswith("POST /v1/match 500")
    assert not leaked(all_logs.records)
