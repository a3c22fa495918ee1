"""The review page on an empty store (SQLite and PostgreSQL) with two tenants and their users.

``alpha`` and ``beta`` both have the bundled fixture catalogue, its verification dates moved
so that the quality policy judges it *today* exactly as it does at the collection's
reference date (the page matches as of today; the tests must not age). Users: ``anna``
(Anna Bianchi) and ``bruno`` of alpha, ``carla`` of beta.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.engines import EngineRegistry, TenantEngine
from api.settings import Settings
from recommender.catalogue import parse_catalogue
from recommender.paths import FIXTURES_DIR
from recommender.store import tenants, users
from recommender.store.catalogues import save_catalogue
from tests.helpers import REFERENCE_DATE
from tests.web.dom import Node, parse

PASSWORD = "password-di-prova"
NOTES = (
    "Chiede un centro estivo per il figlio di 9 anni. La madre, 84 anni, vive con loro e non riesce più a lavarsi "
    "da sola. Io sono allo stremo, non dormo più."
)
INTAKE_FIELDS = {
    "comune": "Trescore Balneario",
    "notes": NOTES,
    "ref": "pratica-118",
    "household-0-relation": "child", "household-0-age": "9",
    "household-1-relation": "parent", "household-1-age": "84", "household-1-non_self_sufficient": "1",
    "stated_needs": ["childcare"],
    "isee": "12.000",
    "max_distance_km": "20",
}


_FITTED: dict[str, TenantEngine] = {}


@pytest.fixture(autouse=True)
def _fast_store_and_engines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Speed only, no behaviour: every test makes a new app on the same catalogue text, so
    its fitted pipeline (read-only once fitted) is shared between the tests; and the users
    the tests create get a cheaper scrypt (the cost is stored in each hash; the store tests
    check the real one)."""
    build = EngineRegistry.build

    def cached_build(self: EngineRegistry, tenant_id: str, stored) -> TenantEngine:
        key = f"{stored.sha256}:{self.encoder_name}:{id(getattr(self, 'reranker', None))}"
        if key not in _FITTED:
            _FITTED[key] = build(self, tenant_id, stored)
        return dataclasses.replace(_FITTED[key], tenant_id=tenant_id, catalogue_id=stored.id, version=stored.version)

    monkeypatch.setattr(EngineRegistry, "build", cached_build)
    monkeypatch.setattr("recommender.store.users._LOG2_N", 10)


@lru_cache(maxsize=1)
def catalogue_for_today() -> str:
    """The fixture catalogue with every last_verified moved by (today - reference date)."""
    shift = date.today() - REFERENCE_DATE
    text = (FIXTURES_DIR / "catalogue.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    for r in rows:
        if r["last_verified"]:
            r["last_verified"] = (date.fromisoformat(r["last_verified"]) + shift).isoformat()
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=reader.fieldnames, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def setup_store(db, alpha_store_notes: bool = False) -> None:
    text = catalogue_for_today()
    n = len(parse_catalogue(text))
    for name, store_notes in (("alpha", alpha_store_notes), ("beta", False)):
        t = tenants.create_tenant(db, name, store_notes=store_notes)
        save_catalogue(db, t, text, n)
    users.create_user(db, "alpha", "anna", PASSWORD, "Anna Bianchi")
    users.create_user(db, "alpha", "bruno", PASSWORD, "Bruno Verdi")
    users.create_user(db, "beta", "carla", PASSWORD, "Carla Neri")


def token_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)


@dataclass
class WebEnv:
    client: TestClient
    db_url: str

    @property
    def db(self):
        return self.client.app.state.welfare.db

    def login(self, username: str = "anna", password: str = PASSWORD, next_path: str = "/"):
        page = self.client.get("/login")
        return self.client.post("/login", data={"username": username, "password": password, "csrf_token": token_of(page.text), "next": next_path})

    def csrf(self) -> str:
        return token_of(self.client.get("/scheda").text)

    def submit(self, **fields) -> object:
        data = {**INTAKE_FIELDS, **fields}
        return self.client.post("/scheda", data={k: v for k, v in data.items() if v is not None} | {"csrf_token": self.csrf()})

    def intake(self, **fields) -> str:
        r = self.submit(**fields)
        assert r.status_code == 303, r.text[:2000]
        return r.headers["location"].rsplit("/", 1)[1]

    def page(self, path: str) -> Node:
        r = self.client.get(path)
        assert r.status_code == 200, (r.status_code, r.text[:500])
        return parse(r.text)


def make_env(db_url: str, alpha_store_notes: bool = False) -> Iterator[WebEnv]:
    app = create_app(Settings(database_url=db_url, encoder=None, secret_key="tests"), warm=False)
    setup_store(app.state.welfare.db, alpha_store_notes)
    with TestClient(app, follow_redirects=False) as client:
        yield WebEnv(client, db_url)


@pytest.fixture
def web(db_url: str) -> Iterator[WebEnv]:
    yield from make_env(db_url)


@pytest.fixture
def web_with_notes(db_url: str) -> Iterator[WebEnv]:
    """Tenant ``alpha`` stores intake notes."""
    yield from make_env(db_url, alpha_store_notes=True)


@pytest.fixture
def logged_in(web: WebEnv) -> WebEnv:
    r = web.login()
    assert r.status_code == 303, r.text[:500]
    return web
