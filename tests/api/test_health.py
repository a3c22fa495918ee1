"""Liveness and readiness, as the orchestrator sees them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from api.app import create_app
from api.settings import Settings
from tests.api.conftest import AS_OF
from tests.helpers import TRESCORE

DEAD_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"


def test_healthz(api):
    r = api.client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_readyz_after_warming(api):
    # a second server process on the same store starts with nothing fitted
    app = create_app(Settings(database_url=api.db_url, encoder=None), warm=False)
    with TestClient(app) as client:
        registry = app.state.welfare.engines
        before = client.get("/readyz").json()
        assert before["catalogues_loaded"] == 0
        registry.warm()
        r = client.get("/readyz")
        assert r.status_code == 200, r.text
        assert r.json() == {"status": "ready", "database": True, "encoder": True, "catalogues_loaded": 2, "problems": []}
        # and it serves matches on the catalogues it loaded
        m = client.post("/v1/match", json={"id": "H", "comune": TRESCORE, "as_of": AS_OF, "top_k": 1}, headers=api.h())
        assert m.status_code == 200 and m.json()["catalogue_version"] == 1


def test_readyz_while_warming_is_503(api):
    status = api.client.app.state.welfare.engines.status
    status.warming = True
    try:
        r = api.client.get("/readyz")
        assert r.status_code == 503
        assert r.json()["status"] == "starting" and r.json()["problems"]
    finally:
        status.warming = False
    assert api.client.get("/readyz").status_code == 200


def test_database_down(db_url):
    app = create_app(Settings(database_url=db_url, encoder=None), warm=False)
    with TestClient(app) as client:
        state = app.state.welfare
        healthy_db = state.db
        state.db = create_engine(DEAD_POSTGRES, connect_args={"connect_timeout": 2})
        try:
            r = client.get("/readyz")
            assert r.status_code == 503
            body = r.json()
            assert body["status"] == "unavailable" and body["database"] is False
            assert any("database" in p for p in body["problems"])
            assert client.get("/healthz").status_code == 200  # alive, just not ready
            # requests that need the store get a 503 in the error shape, with a hint to retry
            r = client.get("/v1/services", headers={"X-API-Key": "wm_000000000000_" + "A" * 43})
            assert r.status_code == 503
            assert r.headers["Retry-After"]
            assert r.json() == {"detail": "the database is unavailable; retry later", "errors": []}
            # the reference data does not need the store
            assert client.get("/v1/needs").status_code == 200
        finally:
            state.db.dispose()
            state.db = healthy_db
        assert client.get("/readyz").status_code == 200


def test_a_stored_catalogue_that_no_longer_validates_is_a_503_not_the_callers_fault(api):
    """E.g. a gazetteer update retired an ISTAT code the stored catalogue uses."""
    from sqlalchemy import update

    from recommender.store.schema import catalogues

    state = api.client.app.state.welfare
    with state.db.begin() as conn:
        conn.execute(update(catalogues).values(csv_text="service_id,name\nX,Y\n"))
    state.engines._engines.clear()  # as after a restart
    r = api.client.post("/v1/match", json={"id": "a", "comune": TRESCORE, "as_of": AS_OF}, headers=api.h())
    assert r.status_code == 503
    assert "upload it again" in r.json()["detail"]
