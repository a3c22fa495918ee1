"""Feedback on suggestions: recorded in order, validated all-or-nothing, durable."""

from __future__ import annotations

import threading
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import event

from api.app import create_app
from api.settings import Settings
from recommender.store.schema import feedback
from tests.api.conftest import AS_OF
from tests.helpers import TRESCORE

INTAKE = {"id": "F1", "comune": TRESCORE, "notes": "Mia madre ha 86 anni e non riesce più a lavarsi da sola.", "top_k": 5, "as_of": AS_OF}


def new_match(api) -> dict:
    r = api.client.post("/v1/match", json=INTAKE, headers=api.h())
    assert r.status_code == 200, r.text
    return r.json()


def post_feedback(api, match_id: str, items: list[dict], key: str | None = None):
    return api.client.post(f"/v1/matches/{match_id}/feedback", json={"items": items}, headers=api.h(key))


def read_feedback(api, match_id: str) -> list[dict]:
    r = api.client.get(f"/v1/matches/{match_id}", headers=api.h())
    assert r.status_code == 200, r.text
    return r.json()["feedback"]


def test_feedback_is_recorded_and_read_back_in_order(api):
    m = new_match(api)
    res = m["results"]
    items = [
        {"service_id": res[0]["service_id"], "outcome": "accepted"},
        {"service_id": res[1]["service_id"], "outcome": "rejected", "reason": "too_expensive", "comment": "Costa troppo per la pensione."},
        {"service_id": res[0]["service_id"], "outcome": "contacted", "reason": None},
        {"service_id": res[0]["service_id"], "outcome": "service_used", "comment": "Attivato dal lunedì."},
    ]
    r = post_feedback(api, m["match_id"], items)
    assert r.status_code == 201, r.text
    stored = r.json()["stored"]
    assert r.json()["match_id"] == m["match_id"]
    expected = [
        (res[0]["service_id"], 1, res[0]["need"], "accepted", None, None),
        (res[1]["service_id"], 2, res[1]["need"], "rejected", "too_expensive", "Costa troppo per la pensione."),
        (res[0]["service_id"], 1, res[0]["need"], "contacted", None, None),
        (res[0]["service_id"], 1, res[0]["need"], "service_used", None, "Attivato dal lunedì."),
    ]
    assert [(f["service_id"], f["rank"], f["need"], f["outcome"], f["reason"], f["comment"]) for f in stored] == expected
    assert len({f["id"] for f in stored}) == 4
    assert all(f["created_at"] for f in stored)

    back = read_feedback(api, m["match_id"])
    assert back == stored

    # events are appended, never overwritten
    more = post_feedback(api, m["match_id"], [{"service_id": res[1]["service_id"], "outcome": "contacted", "reason": "other"}])
    assert more.status_code == 201
    back = read_feedback(api, m["match_id"])
    assert [f["outcome"] for f in back] == ["accepted", "rejected", "contacted", "service_used", "contacted"]
    assert back[:4] == stored
    assert [f["id"] for f in back] == sorted(f["id"] for f in back)


def test_feedback_on_a_service_the_match_did_not_suggest_stores_nothing(api):
    m = new_match(api)
    suggested = m["results"][0]["service_id"]
    assert post_feedback(api, m["match_id"], [{"service_id": suggested, "outcome": "accepted"}]).status_code == 201
    before = read_feedback(api, m["match_id"])

    r = post_feedback(api, m["match_id"], [
        {"service_id": suggested, "outcome": "contacted"},
        {"service_id": "BG-S001", "outcome": "rejected"},  # in the catalogue, not in this match
        {"service_id": "NOPE", "outcome": "rejected"},
    ])
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert [e["field"] for e in errors] == ["body.items[1].service_id", "body.items[2].service_id"]
    assert "BG-S001" in errors[0]["message"]
    assert read_feedback(api, m["match_id"]) == before


def test_unknown_outcome_or_reason_is_422_naming_the_field(api):
    m = new_match(api)
    sid = m["results"][0]["service_id"]
    cases = [
        ([{"service_id": sid, "outcome": "liked"}], "body.items[0].outcome"),
        ([{"service_id": sid, "outcome": "accepted"}, {"service_id": sid, "outcome": "rejected", "reason": "ugly"}], "body.items[1].reason"),
        ([{"service_id": sid}], "body.items[0].outcome"),
        ([{"service_id": "", "outcome": "accepted"}], "body.items[0].service_id"),
        ([{"service_id": sid, "outcome": "accepted", "comment": "x" * 2001}], "body.items[0].comment"),
        ([{"service_id": sid, "outcome": "accepted", "rating": 5}], "body.items[0].rating"),
        ([], "body.items"),
    ]
    for items, field in cases:
        r = post_feedback(api, m["match_id"], items)
        assert r.status_code == 422, (items, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], (items, r.json())
    r = api.client.post(f"/v1/matches/{m['match_id']}/feedback", json=[{"service_id": sid, "outcome": "accepted"}], headers=api.h())
    assert r.status_code == 422
    assert read_feedback(api, m["match_id"]) == []


def test_the_response_lists_only_the_events_of_this_call(api):
    """Another call's events committed while this one is being stored (PostgreSQL lets the
    two transactions interleave; SQLite runs one writer at a time) are not in this response."""
    m = new_match(api)
    first, second = m["results"][0]["service_id"], m["results"][1]["service_id"]
    db = api.client.app.state.welfare.db
    other: list = []
    fired = threading.Event()

    def meanwhile(conn, clause, *args):
        if not fired.is_set() and getattr(clause, "table", None) is feedback and clause.is_insert and conn.dialect.name == "postgresql":
            fired.set()
            other.append(post_feedback(api, m["match_id"], [{"service_id": second, "outcome": "rejected", "comment": "altro operatore"}]))

    event.listen(db, "after_execute", meanwhile)
    try:
        r = post_feedback(api, m["match_id"], [{"service_id": first, "outcome": "accepted"}, {"service_id": first, "outcome": "contacted"}])
    finally:
        event.remove(db, "after_execute", meanwhile)
    assert r.status_code == 201
    assert [(f["service_id"], f["outcome"], f["comment"]) for f in r.json()["stored"]] == [(first, "accepted", None), (first, "contacted", None)]
    expected = ["accepted", "contacted"]
    if other:
        assert other[0].status_code == 201
        assert [f["outcome"] for f in other[0].json()["stored"]] == ["rejected"]
        expected = ["rejected", "accepted", "contacted"] if other[0].json()["stored"][0]["id"] < r.json()["stored"][0]["id"] else expected + ["rejected"]
    assert sorted(f["outcome"] for f in read_feedback(api, m["match_id"])) == sorted(expected)


def test_feedback_on_an_unknown_match_is_404(api):
    item = [{"service_id": "BG-S017", "outcome": "accepted"}]
    for match_id in (str(uuid.uuid4()), "not-a-uuid", "0"):
        r = post_feedback(api, match_id, item)
        assert r.status_code == 404, r.text
        assert api.client.get(f"/v1/matches/{match_id}", headers=api.h()).status_code == 404
    assert api.client.get(f"/v1/matches/{'x' * 65}", headers=api.h()).status_code == 422


def test_feedback_survives_a_new_app_instance(api):
    m = new_match(api)
    sid = m["results"][2]["service_id"]
    r = post_feedback(api, m["match_id"], [{"service_id": sid, "outcome": "rejected", "reason": "too_far", "comment": "Troppo lontano."}])
    assert r.status_code == 201

    app = create_app(Settings(database_url=api.db_url, encoder=None), warm=False)
    with TestClient(app) as other:
        got = other.get(f"/v1/matches/{m['match_id']}", headers=api.h())
        assert got.status_code == 200, got.text
        [fb] = got.json()["feedback"]
        assert (fb["service_id"], fb["rank"], fb["outcome"], fb["reason"], fb["comment"]) == (sid, 3, "rejected", "too_far", "Troppo lontano.")
        assert got.json()["results"][2]["service_id"] == sid
        # and the new instance can add to it
        assert other.post(f"/v1/matches/{m['match_id']}/feedback", json={"items": [{"service_id": sid, "outcome": "contacted"}]},
                          headers=api.h()).status_code == 201
    assert [f["outcome"] for f in read_feedback(api, m["match_id"])] == ["rejected", "contacted"]


def test_a_retried_call_with_event_ids_stores_each_event_once(api):
    r = api.client.post("/v1/match", json={"id": "retry", "comune": "Trescore Balneario", "notes": "Mamma di 84 anni non riesce più a lavarsi da sola", "as_of": "2026-11-22"}, headers=api.h())
    match_id, sid = r.json()["match_id"], r.json()["results"][0]["service_id"]
    body = {"items": [{"service_id": sid, "outcome": "accepted", "event_id": "evt-1"}, {"service_id": sid, "outcome": "contacted"}]}
    first = api.client.post(f"/v1/matches/{match_id}/feedback", json=body, headers=api.h())
    again = api.client.post(f"/v1/matches/{match_id}/feedback", json=body, headers=api.h())  # the client timed out and retries
    assert first.status_code == again.status_code == 201
    assert again.json()["stored"][0] == first.json()["stored"][0]  # the stored event, not a new one
    events = api.client.get(f"/v1/matches/{match_id}", headers=api.h()).json()["feedback"]
    assert [e["event_id"] for e in events].count("evt-1") == 1
    assert [e["outcome"] for e in events] == ["accepted", "contacted", "contacted"]  # events without an id are appended


def test_an_event_id_repeated_within_one_call_is_422(api):
    r = api.client.post("/v1/match", json={"id": "dup", "comune": "Trescore Balneario", "notes": "Mamma di 84 anni non riesce più a lavarsi da sola", "as_of": "2026-11-22"}, headers=api.h())
    match_id, sid = r.json()["match_id"], r.json()["results"][0]["service_id"]
    body = {"items": [{"service_id": sid, "outcome": "accepted", "event_id": "e"}, {"service_id": sid, "outcome": "rejected", "event_id": "e"}]}
    r = api.client.post(f"/v1/matches/{match_id}/feedback", json=body, headers=api.h())
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.items[1].event_id"
    assert api.client.get(f"/v1/matches/{match_id}", headers=api.h()).json()["feedback"] == []
