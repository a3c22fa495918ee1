"""GET /v1/insights: administrator keys only, the tenant's own matches only, the same
suppression and check as the command line, and 422 naming the field (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest

from recommender.insights.disclosure import check_k_anonymous
from recommender.paths import FIXTURES_DIR
from tests.api.conftest import AS_OF, ApiEnv
from tests.insights.helpers import published_counts

INTAKES = [json.loads(line) for line in (FIXTURES_DIR / "intakes.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def matched(api: ApiEnv) -> ApiEnv:
    """alpha matched the 122 bundled intakes; beta matched 12 intakes of its own."""
    r = api.client.post("/v1/match/batch", json={"intakes": INTAKES, "as_of": AS_OF, "top_k": 12}, headers=api.h())
    assert r.status_code == 200 and r.json()["matched"] == 122, r.text
    beta = [{"id": f"b{i}", "comune": "Trescore Balneario", "notes": "cerca un nido per la bimba di 2 anni", "stated_needs": ["childcare"]} for i in range(12)]
    r = api.client.post("/v1/match/batch", json={"intakes": beta, "as_of": AS_OF}, headers=api.h(api.beta_key))
    assert r.status_code == 200, r.text
    return api


def test_an_ordinary_key_gets_403_and_no_key_401(matched: ApiEnv):
    r = matched.client.get("/v1/insights", headers=matched.h())
    assert r.status_code == 403
    assert "administrator key" in r.json()["detail"] and r.json()["errors"] == []
    assert matched.client.get("/v1/insights").status_code == 401
    assert matched.client.get("/v1/insights", headers={"X-API-Key": "wm_000000000000_" + "x" * 43}).status_code == 401


def test_an_admin_key_reads_the_tenants_insights_with_small_counts_suppressed(matched: ApiEnv):
    r = matched.client.get("/v1/insights", headers=matched.h(matched.alpha_admin_key))
    assert r.status_code == 200, r.text
    data = r.json()
    check_k_anonymous(data, 10)
    assert all(not 1 <= v < 10 for _, v in published_counts(data))
    assert data["provenance"]["tenant"] == "alpha" and data["provenance"]["intakes"] == 122 and data["provenance"]["source"] == "store"
    assert data["disclosure"]["k"] == 10 and data["disclosure"]["cells"]["below_k"] > 0
    total = next(r for r in data["tables"]["territory"] if r["area"] == "tutti" and r["need"] == "tutti")
    assert total["intakes"] == 122  # beta's matches are not there
    assert data["tables"]["supply"] == []  # only on request
    text = r.text
    assert "BG-C001" not in text and "Parkinson" not in text  # no intake id, no notes


def test_the_api_gives_what_the_command_line_gives(matched: ApiEnv, tmp_path, monkeypatch):
    from recommender.cli import main

    monkeypatch.setenv("DATABASE_URL", matched.db_url)
    assert main(["insights", "--tenant", "alpha", "--output", str(tmp_path), "--encoder", "none", "--to", "2099-12-31"]) == 0
    cli = json.loads((tmp_path / "insights.json").read_text(encoding="utf-8"))
    api = matched.client.get("/v1/insights", params={"to": "2099-12-31", "supply": "true"}, headers=matched.h(matched.alpha_admin_key)).json()
    assert api["tables"] == cli["tables"]


def test_beta_sees_only_its_own_fewer_than_k_intakes(matched: ApiEnv):
    from recommender.store import tenants
    from recommender.store.database import connect

    db = connect(matched.db_url)
    _, beta_admin = tenants.create_key(db, "beta", admin=True)
    db.dispose()
    data = matched.client.get("/v1/insights", params={"k": 20}, headers=matched.h(beta_admin)).json()
    assert data["provenance"]["tenant"] == "beta" and data["provenance"]["intakes"] == "<20"
    assert data["tables"]["territory"] == [] and data["disclosure"]["statements"][0].startswith("meno di 20 richieste")


def test_territory_period_and_a_higher_k(matched: ApiEnv):
    admin = matched.h(matched.alpha_admin_key)
    pd = matched.client.get("/v1/insights", params={"territory": "PD", "k": 15}, headers=admin).json()
    assert pd["provenance"]["intakes"] == 40 and pd["provenance"]["k"] == 15
    assert {r["province"] for r in pd["tables"]["territory"] if r["province"]} == {"PD"}
    assert all(not 1 <= v < 15 for _, v in published_counts(pd))
    future = matched.client.get("/v1/insights", params={"from": "2099-01-01"}, headers=admin).json()
    assert future["provenance"]["intakes"] == 0 and future["provenance"]["period"] == {"from": "2099-01-01", "to": None}


@pytest.mark.parametrize(("params", "field"), [
    ({"k": 5}, "query.k"),
    ({"k": "ten"}, "query.k"),
    ({"from": "2026-13-01"}, "query.from"),
    ({"to": "22/11/2026"}, "query.to"),
    ({"from": "2026-12-01", "to": "2026-11-01"}, "query.to"),
    ({"territory": "XX"}, "query.territory"),
    ({"territory": "Atlantide"}, "query.territory"),
])
def test_bad_parameters_are_422_naming_the_field(api: ApiEnv, params, field):
    r = api.client.get("/v1/insights", params=params, headers=api.h(api.alpha_admin_key))
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [field]


def test_matches_keep_the_coarse_profile_and_no_ages(matched: ApiEnv):
    from sqlalchemy import select

    from recommender.store.database import connect
    from recommender.store.schema import matches

    db = connect(matched.db_url)
    with db.connect() as conn:
        profiles = [r.profile for r in conn.execute(select(matches.c.profile, matches.c.intake))]
        intakes = [r.intake for r in conn.execute(select(matches.c.intake))]
    db.dispose()
    assert len(profiles) == 134 and all(set(p) == {"household_type", "age_bands"} for p in profiles)
    assert {"household_type": "nucleo con anziani", "age_bands": ["35-64", "80+"]} in profiles  # BG-C001: 47, 84 and 80
    assert all(i is None for i in intakes)  # alpha does not store notes: no structured intake either


def test_the_last_representable_day_is_a_valid_end_of_period(matched: ApiEnv):
    r = matched.client.get("/v1/insights", params={"to": "9999-12-31"}, headers=matched.h(matched.alpha_admin_key))
    assert r.status_code == 200, r.text
