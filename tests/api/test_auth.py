"""API keys: who may call the API, and that a tenant never sees another tenant's data."""

from __future__ import annotations

import uuid

from recommender.store import tenants
from tests.api.conftest import AS_OF
from tests.helpers import SMALL_SERVICES, TRESCORE

INTAKE = {"id": "A1", "comune": TRESCORE, "notes": "Mia madre ha 86 anni e non riesce più a lavarsi da sola.", "as_of": AS_OF}
SMALL_IDS = {s["service_id"] for s in SMALL_SERVICES}


def assert_401(r):
    assert r.status_code == 401, r.text
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    body = r.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["errors"] == []


def test_no_key_is_401_with_a_challenge(api):
    for method, path in (("GET", "/v1/services"), ("POST", "/v1/match"), ("GET", "/v1/catalogue"), ("PUT", "/v1/catalogue")):
        r = api.client.request(method, path, json=INTAKE if method == "POST" else None)
        assert_401(r)
        assert "X-API-Key" in r.json()["detail"]
    # an anonymous caller learns nothing about what a valid body would be
    assert_401(api.client.post("/v1/match", json={"id": 5, "comune": []}))
    assert_401(api.client.post("/v1/matches/whatever/feedback", json={"items": "x"}))


def test_malformed_unknown_and_wrong_secret_keys_are_401(api):
    key_id = api.alpha_key.split("_")[1]
    unknown_id = "0" * 12 if key_id != "0" * 12 else "1" * 12
    bad = [
        "garbage",
        "wm_",
        api.alpha_key + "x",  # too long
        api.alpha_key[:-1],  # too short
        f"wm_{unknown_id}_{api.alpha_key.split('_', 2)[2]}",  # unknown key id
        f"wm_{key_id}_{'A' * 43}",  # right id, wrong secret
        api.beta_key.replace(api.beta_key.split("_")[1], key_id),  # alpha's id with beta's secret
    ]
    for key in bad:
        assert_401(api.client.get("/v1/services", headers={"X-API-Key": key}))
        assert_401(api.client.get("/v1/services", headers={"Authorization": f"Bearer {key}"}))
    # a scheme other than Bearer is no key at all
    assert_401(api.client.get("/v1/services", headers={"Authorization": f"Basic {api.alpha_key}"}))


def test_both_header_forms_work(api):
    r1 = api.client.get("/v1/services", params={"limit": 1}, headers={"X-API-Key": api.alpha_key})
    r2 = api.client.get("/v1/services", params={"limit": 1}, headers={"Authorization": f"Bearer {api.alpha_key}"})
    assert r1.status_code == r2.status_code == 200
    assert r1.json() == r2.json()
    r = api.client.post("/v1/match", json=INTAKE, headers={"Authorization": f"Bearer {api.beta_key}"})
    assert r.status_code == 200
    assert {x["service_id"] for x in r.json()["results"]} <= SMALL_IDS


def test_revoked_key_is_refused_at_once(api):
    assert api.client.get("/v1/catalogue", headers=api.h()).status_code == 200
    tenants.revoke_key(api.client.app.state.welfare.db, api.alpha_key_id)
    assert_401(api.client.get("/v1/catalogue", headers=api.h()))
    assert_401(api.client.post("/v1/match", json=INTAKE, headers={"Authorization": f"Bearer {api.alpha_key}"}))
    # the other tenant's key is unaffected, and so is a new key of the same tenant
    assert api.client.get("/v1/catalogue", headers=api.h(api.beta_key)).status_code == 200
    _, new_key = tenants.create_key(api.client.app.state.welfare.db, "alpha")
    assert api.client.get("/v1/catalogue", headers=api.h(new_key)).json()["version"] == 1


def test_public_reference_routes_need_no_key(api):
    assert api.client.get("/v1/needs").status_code == 200
    assert api.client.get("/v1/comuni", params={"q": "berg"}).status_code == 200
    assert api.client.get("/healthz").status_code == 200


def _not_found_body(r, match_id: str) -> dict:
    assert r.status_code == 404, r.text
    body = r.json()
    return {**body, "detail": body["detail"].replace(match_id, "<id>")}


def test_another_tenants_match_is_indistinguishable_from_a_missing_one(api):
    r = api.client.post("/v1/match", json=INTAKE, headers=api.h())
    assert r.status_code == 200
    match_id = r.json()["match_id"]
    service_id = r.json()["results"][0]["service_id"]
    missing = str(uuid.uuid4())
    feedback = {"items": [{"service_id": service_id, "outcome": "accepted"}]}

    foreign_get = api.client.get(f"/v1/matches/{match_id}", headers=api.h(api.beta_key))
    missing_get = api.client.get(f"/v1/matches/{missing}", headers=api.h(api.beta_key))
    assert _not_found_body(foreign_get, match_id) == _not_found_body(missing_get, missing)

    foreign_fb = api.client.post(f"/v1/matches/{match_id}/feedback", json=feedback, headers=api.h(api.beta_key))
    missing_fb = api.client.post(f"/v1/matches/{missing}/feedback", json=feedback, headers=api.h(api.beta_key))
    assert _not_found_body(foreign_fb, match_id) == _not_found_body(missing_fb, missing)

    # nothing was recorded by beta's attempt, and alpha still sees its match
    own = api.client.get(f"/v1/matches/{match_id}", headers=api.h())
    assert own.status_code == 200
    assert own.json()["feedback"] == []


def test_another_tenants_service_is_not_found(api):
    alpha_ids = [s["service_id"] for s in api.client.get("/v1/services", params={"limit": 200}, headers=api.h()).json()["items"]]
    assert "BG-S001" in alpha_ids
    assert api.client.get("/v1/services/BG-S001", headers=api.h()).status_code == 200
    r = api.client.get("/v1/services/BG-S001", headers=api.h(api.beta_key))
    assert r.status_code == 404
    assert r.json()["errors"] == []
    # and the other way round
    assert api.client.get("/v1/services/PSICOLOGO", headers=api.h(api.beta_key)).status_code == 200
    assert api.client.get("/v1/services/PSICOLOGO", headers=api.h()).status_code == 404


def test_beta_lists_only_its_own_services(api):
    page = api.client.get("/v1/services", params={"limit": 200}, headers=api.h(api.beta_key)).json()
    assert page["total"] == len(SMALL_SERVICES)
    assert {s["service_id"] for s in page["items"]} == SMALL_IDS
    assert page["next_cursor"] is None
    for params in ({"q": "assistenza domiciliare"}, {"comune": "Padova"}, {"need": "housing"}):
        items = api.client.get("/v1/services", params=params, headers=api.h(api.beta_key)).json()["items"]
        assert {s["service_id"] for s in items} <= SMALL_IDS


def test_a_match_is_ranked_on_the_callers_catalogue_only(api):
    body = {**INTAKE, "top_k": 100}
    alpha = api.client.post("/v1/match", json=body, headers=api.h()).json()
    beta = api.client.post("/v1/match", json=body, headers=api.h(api.beta_key)).json()
    assert alpha["results"] and beta["results"]
    assert {r["service_id"] for r in beta["results"]} <= SMALL_IDS
    assert not {r["service_id"] for r in alpha["results"]} & SMALL_IDS
    assert beta["results"][0]["service_id"] == "SAD-TRESCORE"
    # each tenant can read back only its own match
    assert api.client.get(f"/v1/matches/{beta['match_id']}", headers=api.h(api.beta_key)).status_code == 200
    assert api.client.get(f"/v1/matches/{beta['match_id']}", headers=api.h()).status_code == 404
