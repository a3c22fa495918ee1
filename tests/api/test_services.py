"""Browsing the catalogue (``/v1/services``) and the shared reference data (needs, comuni)."""

from __future__ import annotations

import base64
import json

from tests.helpers import CASAZZA, LOVERE, SMALL_SERVICES, TRESCORE

ALL_SMALL = {s["service_id"] for s in SMALL_SERVICES}
ON_SITE_TRESCORE = {s["service_id"] for s in SMALL_SERVICES if s.get("comune_istat", TRESCORE) == TRESCORE and s.get("delivery", "on_site") == "on_site"}
NEEDS_IN_ORDER = [
    "childcare", "elderly_care", "disability", "income_support", "housing", "health",
    "mental_health", "caregiver_support", "employment", "work_life_balance", "social_inclusion", "mobility",
]


def page(api, key=None, **params) -> dict:
    r = api.client.get("/v1/services", params={"limit": 200, **params}, headers=api.h(key))
    assert r.status_code == 200, r.text
    return r.json()


def ids(api, key=None, **params) -> set[str]:
    out = page(api, key, **params)
    assert out["total"] == len(out["items"])
    return {s["service_id"] for s in out["items"]}


def assert_422(r, field: str) -> dict:
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]], r.json()
    return r.json()


def test_comune_filter_by_name_or_code(api):
    beta = api.beta_key
    trescore = ids(api, beta, comune=TRESCORE)
    # on-site services based there, plus home/remote services whose area covers it
    assert trescore == ON_SITE_TRESCORE | {"SAD-TRESCORE", "TELESOCCORSO"}
    assert ids(api, beta, comune="Trescore Balneario") == trescore
    assert ids(api, beta, comune="TRESCORE balneario") == trescore
    assert ids(api, beta, comune="16218") == trescore
    assert ids(api, beta, comune=LOVERE) == {"NIDO-LOVERE", "SAD-ENDINE"}
    assert ids(api, beta, comune=CASAZZA) >= {"SAD-TRESCORE", "CDD", "TRASPORTO"}
    # a real comune the catalogue does not serve: an empty page, not an error
    assert page(api, beta, comune="Padova") == {"total": 0, "items": [], "next_cursor": None}
    assert page(api, beta, comune="Castro (LE)")["total"] == 0


def test_unknown_comune_is_422_with_suggestions(api):
    body = assert_422(api.client.get("/v1/services", params={"comune": "Trescor Balneario"}, headers=api.h()), "query.comune")
    assert "Trescore Balneario (BG, 016218)" in body["errors"][0]["message"]
    assert_422(api.client.get("/v1/services", params={"comune": "999999"}, headers=api.h()), "query.comune")
    assert_422(api.client.get("/v1/services", params={"comune": "Samone"}, headers=api.h()), "query.comune")


def test_need_filter(api):
    beta = api.beta_key
    assert ids(api, beta, need="elderly_care") == {"SAD-TRESCORE", "SAD-ENDINE", "TELESOCCORSO"}
    assert ids(api, beta, need="income_support") == {"CONTRIBUTO"}
    assert ids(api, beta, need="housing") == {"CONTRIBUTO"}  # second need of a service
    for s in page(api, need="disability")["items"]:
        assert "disability" in s["needs"]
    # an inferred need counts like a declared one
    mobility = page(api, beta, need="mobility")["items"]
    assert "TRASPORTO" in {s["service_id"] for s in mobility}
    assert next(s for s in mobility if s["service_id"] == "TRASPORTO")["needs_inferred"] is True
    body = assert_422(api.client.get("/v1/services", params={"need": "babysitting"}, headers=api.h()), "query.need")
    assert "childcare" in body["errors"][0]["message"]


def test_text_search_ignores_accents_and_case(api):
    beta = api.beta_key
    expected = {"CONTRIBUTO", "PSICOLOGO"}  # "difficoltà" in their descriptions
    for q in ("difficoltà", "DIFFICOLTA", "Difficoltá", "difficolt"):
        assert ids(api, beta, q=q) == expected, q
    assert ids(api, beta, q="PSICOLOGICO") == {"PSICOLOGO"}
    assert ids(api, beta, q="nido voucher") == {"NIDO-TRESCORE"}  # every word must appear
    assert ids(api, beta, q="la valle") == ALL_SMALL  # provider name
    assert ids(api, beta, q="zanzibar") == set()
    assert ids(api, beta, q="   ") == ALL_SMALL


def test_delivery_filter_and_combinations(api):
    beta = api.beta_key
    assert ids(api, beta, delivery="home") == {"SAD-TRESCORE", "SAD-ENDINE", "TELESOCCORSO"}
    assert ids(api, beta, delivery="remote") == set()
    assert ids(api, beta, comune=TRESCORE, need="elderly_care") == {"SAD-TRESCORE", "TELESOCCORSO"}
    assert ids(api, beta, comune=TRESCORE, need="elderly_care", delivery="home", q="telesoccorso") == {"TELESOCCORSO"}
    for s in page(api, delivery="remote")["items"]:
        assert s["delivery"] == "remote"
    assert_422(api.client.get("/v1/services", params={"delivery": "by_post"}, headers=api.h()), "query.delivery")


def test_quality_filter_splits_the_catalogue(api):
    passes, fails = page(api, api.beta_key, quality="passes"), page(api, api.beta_key, quality="fails")
    passing = {s["service_id"] for s in passes["items"]}
    failing = {s["service_id"] for s in fails["items"]}
    assert "NIDO-BADQ" in failing  # not accredited, whatever the date
    assert not passing & failing
    assert passing | failing == ALL_SMALL
    assert all(s["quality"]["passes"] for s in passes["items"])
    for s in fails["items"]:
        assert s["quality"]["passes"] is False and s["quality"]["failures"]
    assert_422(api.client.get("/v1/services", params={"quality": "good"}, headers=api.h()), "query.quality")


def walk(api, **params) -> tuple[list[str], set[int], int]:
    seen: list[str] = []
    totals: set[int] = set()
    cursor, pages = None, 0
    while True:
        out = page(api, **params, **({"cursor": cursor} if cursor else {}))
        totals.add(out["total"])
        seen += [s["service_id"] for s in out["items"]]
        pages += 1
        cursor = out["next_cursor"]
        if cursor is None:
            return seen, totals, pages
        assert len(out["items"]) == params["limit"]


def test_pagination_walks_every_service_once_in_order(api):
    seen, totals, pages = walk(api, limit=50)
    assert totals == {320}
    assert len(seen) == 320 and len(set(seen)) == 320
    assert seen == sorted(seen)
    assert pages == 7
    # the same walk with a filter
    everything = page(api, need="elderly_care")["items"]
    seen, totals, _ = walk(api, limit=7, need="elderly_care")
    assert totals == {len(everything)}
    assert seen == [s["service_id"] for s in everything]
    # a page that ends exactly at the end has no next cursor
    exact = page(api, api.beta_key, limit=len(SMALL_SERVICES))
    assert exact["next_cursor"] is None and len(exact["items"]) == len(SMALL_SERVICES)


def test_bad_cursor_and_limit_are_422(api):
    def b64(obj) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    for cursor in ("zzz", "!!!", b64({"before": "A"}), b64({"after": 5}), b64([1]), base64.urlsafe_b64encode(b"\xff\xfe").decode(), "x" * 501):
        assert_422(api.client.get("/v1/services", params={"cursor": cursor}, headers=api.h()), "query.cursor")
    for limit in (0, 201, "ten"):
        assert_422(api.client.get("/v1/services", params={"limit": limit}, headers=api.h()), "query.limit")


def test_one_service(api):
    r = api.client.get("/v1/services/BG-S001", headers=api.h())
    assert r.status_code == 200
    s = r.json()
    assert s["service_id"] == "BG-S001"
    assert s["name"] == "Asilo nido comunale Le Coccinelle"
    assert s["provider_name"] == "Comune di Trescore Balneario"
    assert (s["comune_istat"], s["comune"], s["province"]) == ("016218", "Trescore Balneario", "BG")
    assert (s["lat"], s["lon"]) == (45.7025, 9.8457)
    assert s["delivery"] == "on_site" and s["service_area_istat"] == []
    assert s["needs"] == ["childcare"] and s["needs_inferred"] is False
    assert (s["age_min"], s["age_max"], s["isee_max"]) == (0, 2, None)
    assert s["funding"] == ["municipal_voucher", "private"]
    assert (s["price_eur"], s["accredited"], s["ethical_charter"]) == (420.0, True, True)
    assert (s["last_verified"], s["rating"], s["complaints_12m"]) == ("2026-09-08", 4.5, 1)
    assert s["requires_disability_certification"] is False
    assert set(s["quality"]) == {"passes", "failures"}
    # a service without needs in the CSV gets them inferred from its text
    inferred = api.client.get("/v1/services/BG-S002", headers=api.h()).json()
    assert inferred["needs_inferred"] is True and inferred["needs"] == ["childcare"]
    # home services list the comuni they serve
    sad = api.client.get("/v1/services/SAD-TRESCORE", headers=api.h(api.beta_key)).json()
    assert sad["service_area_istat"] == sorted([TRESCORE, CASAZZA])


def test_unknown_service_is_404(api):
    for sid in ("NOPE", "bg-s001", "BG-S001 "):
        r = api.client.get(f"/v1/services/{sid}", headers=api.h())
        assert r.status_code == 404, sid
        assert r.json()["errors"] == [] and isinstance(r.json()["detail"], str)


def test_needs_vocabulary(api):
    r = api.client.get("/v1/needs")
    assert r.status_code == 200
    needs = r.json()
    assert [n["code"] for n in needs] == NEEDS_IN_ORDER
    labels = {n["code"]: n["label_it"] for n in needs}
    assert labels["childcare"] == "cura dei figli"
    assert labels["elderly_care"] == "assistenza anziani"
    assert labels["mobility"] == "trasporto e accompagnamento"
    assert all(n["description_it"] and n["description_en"] for n in needs)


def test_comuni_autocomplete(api):
    r = api.client.get("/v1/comuni", params={"q": "tresc"})
    assert r.status_code == 200
    first = r.json()[0]
    assert first == {"istat_code": "016218", "name": "Trescore Balneario", "province": "BG", "region": "Lombardia", "label": "Trescore Balneario (BG)"}
    assert all(c["name"].lower().startswith("tresc") for c in r.json())
    assert api.client.get("/v1/comuni", params={"q": "TRESC"}).json() == r.json()
    assert len(api.client.get("/v1/comuni", params={"q": "s", "limit": 3}).json()) == 3
    # a name typed in full lists its homonyms first, ahead of larger comuni that merely start with it
    castro = api.client.get("/v1/comuni", params={"q": "Castro", "limit": 3}).json()
    assert {c["label"] for c in castro[:2]} == {"Castro (BG)", "Castro (LE)"}
    assert api.client.get("/v1/comuni", params={"q": "Trescore Balnerio"}).json()[0]["istat_code"] == "016218"  # a typo
    assert api.client.get("/v1/comuni", params={"q": "xqzxqzxqz"}).json() == []
    assert_422(api.client.get("/v1/comuni"), "query.q")
    assert_422(api.client.get("/v1/comuni", params={"q": ""}), "query.q")
    assert_422(api.client.get("/v1/comuni", params={"q": "tre", "limit": 0}), "query.limit")
    assert_422(api.client.get("/v1/comuni", params={"q": "tre", "limit": 51}), "query.limit")


def test_quality_is_judged_at_as_of(api):
    """A verification valid today has expired ten years on: the same service flips to failing."""
    now = {s["service_id"] for s in page(api, api.beta_key, quality="passes", as_of="2026-11-22")["items"]}
    later = page(api, api.beta_key, quality="fails", as_of="2036-11-22")["items"]
    assert now and now <= {s["service_id"] for s in later}
    assert all(any("verifica scaduta" in f for f in s["quality"]["failures"]) for s in later if s["service_id"] in now)
    assert_422(api.client.get("/v1/services", params={"as_of": "86400"}, headers=api.h()), "query.as_of")
