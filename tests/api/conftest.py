"""An API client on an empty store (SQLite and PostgreSQL), with two tenants.

``alpha`` has the bundled fixture catalogue; ``beta`` has the small test catalogue. Both
run without the dense channel (``encoder=None``) so the suite stays fast and deterministic;
the dense path is covered by the pipeline tests and by the server subprocess tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from recommender.paths import FIXTURES_DIR
from recommender.store import tenants

AS_OF = "2026-11-22"


@dataclass
class ApiEnv:
    client: TestClient
    db_url: str
    alpha_key: str
    beta_key: str
    alpha_key_id: str
    alpha_admin_key: str = ""  # an administrator key of alpha (GET /v1/insights)

    def h(self, key: str | None = None) -> dict[str, str]:
        return {"X-API-Key": key or self.alpha_key}


def make_env(db_url: str, small_catalogue_path: Path, alpha_store_notes: bool = False, **settings) -> Iterator[ApiEnv]:
    app = create_app(Settings(database_url=db_url, encoder=None, **settings), warm=False)
    db = app.state.welfare.db
    tenants.create_tenant(db, "alpha", store_notes=alpha_store_notes)
    tenants.create_tenant(db, "beta")
    alpha_id, alpha_key = tenants.create_key(db, "alpha", label="tests")
    _, beta_key = tenants.create_key(db, "beta", label="tests")
    _, alpha_admin_key = tenants.create_key(db, "alpha", label="tests-admin", admin=True)
    with TestClient(app) as client:
        for key, path in ((alpha_key, FIXTURES_DIR / "catalogue.csv"), (beta_key, small_catalogue_path)):
            r = client.put("/v1/catalogue", content=path.read_bytes(), headers={"X-API-Key": key, "Content-Type": "text/csv"})
            assert r.status_code == 200, r.text
        yield ApiEnv(client, db_url, alpha_key, beta_key, alpha_id, alpha_admin_key)


@pytest.fixture
def api(db_url: str, small_catalogue_path: Path) -> Iterator[ApiEnv]:
    yield from make_env(db_url, small_catalogue_path)


@pytest.fixture
def api_with_notes(db_url: str, small_catalogue_path: Path) -> Iterator[ApiEnv]:
    """Tenant ``alpha`` has opted in to storing intake notes."""
    yield from make_env(db_url, small_catalogue_path, alpha_store_notes=True)
