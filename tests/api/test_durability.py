"""No acknowledged feedback is lost: a 201 from ``POST /v1/matches/{id}/feedback`` means the
events are committed, so they are there after the server is killed (SIGKILL: no shutdown
code runs) or stopped (SIGTERM) and started again, on SQLite and on PostgreSQL.

These tests run the real server (``recommender serve``) in a subprocess, see
``tests/api/server.py``; every wait is a poll with a deadline.
"""

from __future__ import annotations

import http.client
import signal
import threading
import time
from collections import defaultdict

import pytest

from recommender.paths import FIXTURES_DIR
from recommender.store import tenants
from recommender.store.database import connect
from tests.api.conftest import AS_OF
from tests.api.server import Server, running_server
from tests.helpers import LOVERE, TRESCORE

INTAKES = [
    {"id": "D1", "comune": TRESCORE, "notes": "Mia madre ha 86 anni e non riesce più a lavarsi da sola.", "top_k": 5, "as_of": AS_OF},
    {"id": "D2", "comune": LOVERE, "notes": "Mamma sola con un bambino di due anni, cerca un asilo nido vicino al lavoro.", "top_k": 5, "as_of": AS_OF},
    {"id": "D3", "comune": "Bergamo", "notes": "Ho perso il lavoro e non riesco a pagare l'affitto.", "top_k": 5, "as_of": AS_OF},
    {"id": "D4", "comune": "Padova", "notes": "Mio figlio ha una disabilità e cerco attività dopo la scuola.", "top_k": 5, "as_of": AS_OF},
]
OUTCOMES = ["accepted", "contacted", "rejected", "service_used"]


def _tenant_key(db_url: str) -> str:
    db = connect(db_url)
    try:
        tenants.create_tenant(db, "durable")
        return tenants.create_key(db, "durable", label="durability")[1]
    finally:
        db.dispose()


def _setup(server: Server, key: str) -> list[dict]:
    """Upload the bundled catalogue and store one match per intake."""
    csv = (FIXTURES_DIR / "catalogue.csv").read_bytes()
    r = server.request("PUT", "/v1/catalogue", body=csv, headers={"X-API-Key": key, "Content-Type": "text/csv"})
    assert r.status == 200, r.text
    matches = []
    for intake in INTAKES:
        r = server.request("POST", "/v1/match", intake, headers={"X-API-Key": key})
        assert r.status == 200, r.text
        assert r.json()["results"], r.json()
        matches.append(r.json())
    return matches


def _feedback(server: Server, key: str, match: dict, tag: str, n: int = 1) -> list[dict]:
    """Post ``n`` events (one call) on the match's suggestions; the stored events if 201."""
    results = match["results"]
    items = [
        {"service_id": results[i % len(results)]["service_id"], "outcome": OUTCOMES[i % len(OUTCOMES)], "comment": f"{tag}/{i}", "event_id": f"{tag}.{i}"}
        for i in range(n)
    ]
    r = server.request("POST", f"/v1/matches/{match['match_id']}/feedback", {"items": items}, headers={"X-API-Key": key})
    assert r.status == 201, r.text
    stored = r.json()["stored"]
    assert [(f["service_id"], f["outcome"], f["comment"], f["event_id"]) for f in stored] == [
        (i["service_id"], i["outcome"], i["comment"], i["event_id"]) for i in items
    ]
    return stored


def _assert_all_stored(server: Server, key: str, acknowledged: dict[str, list[dict]]) -> None:
    """Every acknowledged event is returned by GET /v1/matches/{id}, unchanged, once."""
    assert acknowledged
    for match_id, events in acknowledged.items():
        r = server.request("GET", f"/v1/matches/{match_id}", headers={"X-API-Key": key})
        assert r.status == 200, r.text
        stored = r.json()["feedback"]
        ids = [f["id"] for f in stored]
        assert len(ids) == len(set(ids)), "an event is stored twice"
        by_id = {f["id"]: f for f in stored}
        missing = [e for e in events if by_id.get(e["id"]) != e]
        assert not missing, f"{len(missing)} of {len(events)} acknowledged events of match {match_id} are missing or changed: {missing[:3]}"


def _restart_and_check(db_url: str, key: str, matches: list[dict], acknowledged: dict[str, list[dict]]) -> None:
    with running_server(db_url) as server:
        r = server.request("GET", "/v1/catalogue", headers={"X-API-Key": key})
        assert r.status == 200 and r.json()["version"] == 1, r.text
        for m in matches:  # the matches themselves are intact (explanations stored redacted: no notes kept)
            r = server.request("GET", f"/v1/matches/{m['match_id']}", headers={"X-API-Key": key})
            assert r.status == 200, r.text
            assert [(x["rank"], x["service_id"], x["need"]) for x in r.json()["results"]] == [(x["rank"], x["service_id"], x["need"]) for x in m["results"]]
        _assert_all_stored(server, key, acknowledged)


def test_feedback_acknowledged_before_sigkill_is_there_after_restart(db_url: str) -> None:
    key = _tenant_key(db_url)
    acknowledged: dict[str, list[dict]] = defaultdict(list)
    with running_server(db_url) as server:
        matches = _setup(server, key)
        for i, m in enumerate(matches):
            for call in range(3):
                acknowledged[m["match_id"]] += _feedback(server, key, m, f"kill-{i}-{call}", n=call + 1)
        assert server.kill() == -signal.SIGKILL  # right after the last 201
    _restart_and_check(db_url, key, matches, acknowledged)


def test_feedback_survives_a_graceful_restart(db_url: str) -> None:
    key = _tenant_key(db_url)
    acknowledged: dict[str, list[dict]] = defaultdict(list)
    with running_server(db_url, quiet=False) as server:
        matches = _setup(server, key)
        for i, m in enumerate(matches):
            acknowledged[m["match_id"]] += _feedback(server, key, m, f"term-{i}", n=2)
        code = server.terminate()
        # uvicorn re-raises the signal once its shutdown is done; the log tells it was graceful
        assert code in (0, -signal.SIGTERM), server.log()
        assert "Application shutdown complete" in server.log(), server.log()
        assert "Traceback" not in server.log(), server.log()
    _restart_and_check(db_url, key, matches, acknowledged)


class _Senders:
    """Threads posting feedback as fast as the server answers, each recording the events
    the server acknowledged with 201, until the server stops answering."""

    def __init__(self, server: Server, key: str, matches: list[dict], threads: int) -> None:
        self.server, self.key, self.matches = server, key, matches
        self.acknowledged: dict[str, list[dict]] = defaultdict(list)
        self.count = 0
        self.unexpected: list[str] = []
        self.progress = threading.Condition()
        self.threads = [threading.Thread(target=self._run, args=(t,), name=f"sender-{t}", daemon=True) for t in range(threads)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def _run(self, t: int) -> None:
        # threads share the matches: two calls on one match can interleave on the server
        match = self.matches[t % len(self.matches)]
        for call in range(10_000):
            try:
                stored = _feedback(self.server, self.key, match, f"t{t}-c{call}", n=1 + call % 3)
            except (OSError, http.client.HTTPException):
                return  # the server is gone: this call was not acknowledged
            except AssertionError as exc:  # an answer other than the expected 201
                with self.progress:
                    self.unexpected.append(str(exc)[:500])
                    self.progress.notify_all()
                return
            with self.progress:
                self.acknowledged[match["match_id"]] += stored
                self.count += len(stored)
                self.progress.notify_all()

    def wait_for(self, events: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        with self.progress:
            while self.count < events and not self.unexpected:
                left = deadline - time.monotonic()
                assert left > 0, f"only {self.count} events acknowledged after {timeout:.0f}s"
                self.progress.wait(left)
        assert not self.unexpected, self.unexpected

    def join(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
            assert not t.is_alive(), f"{t.name} still runs {timeout:.0f}s after the server stopped"
        assert not self.unexpected, self.unexpected


@pytest.mark.parametrize("stop", ["sigkill", "sigterm"])
def test_concurrent_feedback_while_the_server_is_stopped_loses_no_acknowledged_event(db_url: str, stop: str) -> None:
    key = _tenant_key(db_url)
    with running_server(db_url) as server:
        matches = _setup(server, key)
        senders = _Senders(server, key, matches, threads=6)
        senders.start()
        senders.wait_for(events=60)  # the server is busy with all the senders now
        code = server.kill() if stop == "sigkill" else server.terminate()
        assert code in ((-signal.SIGKILL,) if stop == "sigkill" else (0, -signal.SIGTERM)), server.log()
        senders.join()
    assert senders.count >= 60
    _restart_and_check(db_url, key, matches, senders.acknowledged)
