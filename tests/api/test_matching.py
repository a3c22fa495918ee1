"""``/v1/match`` and ``/v1/match/batch``: what a platform gets back for its intakes."""

from __future__ import annotations

import json

from recommender.cli import main as cli_main
from recommender.store import tenants
from tests.api.conftest import AS_OF, make_env
from tests.helpers import NEED_KEYS, RESULT_KEYS, TRESCORE, write_jsonl

ELDERLY = {
    "id": "C-ELDERLY",
    "comune": TRESCORE,
    "notes": "Mia madre ha 86 anni, vive sola e non riesce più a lavarsi da sola. Chiedo un aiuto a casa.",
    "as_of": AS_OF,
}


def match(api, body, key=None, **extra):
    r = api.client.post("/v1/match", json={**body, **extra}, headers=api.h(key))
    assert r.status_code == 200, r.text
    return r.json()


def test_match_response_has_the_batch_cli_shape(api):
    out = match(api, ELDERLY, top_k=5)
    assert set(out) == {"match_id", "id", "as_of", "catalogue_version", "needs", "results"}
    assert out["id"] == "C-ELDERLY"
    assert out["as_of"] == AS_OF
    assert out["catalogue_version"] == 1
    assert out["needs"] and out["results"]
    for n in out["needs"]:
        assert set(n) == NEED_KEYS
        assert n["source"] in ("stated", "surfaced")
        assert 0.0 <= n["score"] <= 1.0
        assert isinstance(n["evidence"], str) and n["evidence"]
    for i, r in enumerate(out["results"], start=1):
        assert set(r) == RESULT_KEYS
        assert r["rank"] == i
        assert r["distance_km"] >= 0
        assert r["explanation"].startswith("Risponde a:")
    scores = [r["score"] for r in out["results"]]
    assert scores == sorted(scores, reverse=True)
    # the stored match reads back the same needs and results
    stored = api.client.get(f"/v1/matches/{out['match_id']}", headers=api.h()).json()
    assert stored["match_id"] == out["match_id"]
    assert stored["comune_istat"] == TRESCORE
    assert stored["as_of"] == AS_OF and stored["catalogue_version"] == 1
    assert [r["service_id"] for r in stored["results"]] == [r["service_id"] for r in out["results"]]
    assert [n["need"] for n in stored["needs"]] == [n["need"] for n in out["needs"]]


def test_match_gives_what_the_batch_cli_gives(api, small_catalogue_path, tmp_path):
    intakes = [
        {"id": "K1", "comune": TRESCORE, "notes": "Mia madre ha 86 anni e non riesce più a lavarsi da sola."},
        {"id": "K2", "comune": "Casazza", "notes": "", "stated_needs": ["childcare"], "household": [{"relation": "child", "age": 1}], "isee": 7000},
        {"id": "K3", "comune": TRESCORE, "notes": "Ho perso il lavoro e non riesco a pagare le bollette.", "funding": ["free"]},
    ]
    out = tmp_path / "out.jsonl"
    argv = ["match", "--catalogue", str(small_catalogue_path), "--input", str(write_jsonl(tmp_path / "in.jsonl", intakes)),
            "--output", str(out), "--top-k", "5", "--as-of", AS_OF, "--encoder", "none"]
    assert cli_main(argv) == 0
    cli = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    for intake, expected in zip(intakes, cli, strict=True):
        got = match(api, intake, key=api.beta_key, top_k=5, as_of=AS_OF)
        assert {"id": got["id"], "needs": got["needs"], "results": got["results"]} == expected


def test_top_k_is_respected(api):
    for k in (1, 3, 12):
        out = match(api, ELDERLY, top_k=k)
        assert len(out["results"]) == k
    default = match(api, ELDERLY)
    assert len(default["results"]) == 10
    # the top results do not depend on how many were asked for
    assert [r["service_id"] for r in match(api, ELDERLY, top_k=3)["results"]] == [r["service_id"] for r in default["results"][:3]]


def test_as_of_is_echoed_and_defaults_to_a_date(api):
    assert match(api, ELDERLY, as_of="2026-06-30")["as_of"] == "2026-06-30"
    out = match(api, {k: v for k, v in ELDERLY.items() if k != "as_of"})
    assert len(out["as_of"]) == 10 and out["as_of"][4] == "-"


def test_same_request_gives_the_same_ranking(api):
    a, b = match(api, ELDERLY), match(api, ELDERLY)
    assert a["match_id"] != b["match_id"]
    assert a["results"] == b["results"] and a["needs"] == b["needs"]


def test_elderly_mother_who_cannot_wash_surfaces_elderly_care(api):
    out = match(api, ELDERLY, top_k=5)
    assert [n["need"] for n in out["needs"]] == ["elderly_care"]
    assert out["needs"][0]["source"] == "surfaced"
    assert "lavarsi" in out["needs"][0]["evidence"]
    assert all(r["need"] == "elderly_care" for r in out["results"])
    assert out["results"][0]["name"].startswith("SAD")


def test_realistic_intakes_surface_the_expected_need(api):
    cases = [
        ("Trescore Balneario", "Ho perso il lavoro a marzo e non riesco a pagare le bollette di luce e gas.", "income_support"),
        ("Padova", "Sono stato sfrattato e a fine mese devo lasciare l'appartamento, non so dove andare a dormire.", "housing"),
        ("padova", "Cerco un nido per mio figlio di 14 mesi, lavoriamo entrambi a tempo pieno.", "childcare"),
    ]
    for comune, notes, need in cases:
        out = match(api, {"id": need, "comune": comune, "notes": notes, "as_of": AS_OF}, top_k=3)
        assert need in [n["need"] for n in out["needs"]], (notes, out["needs"])
        assert out["results"] and out["results"][0]["need"] == need
        assert all(r["distance_km"] <= 20 for r in out["results"])


def test_stated_needs_are_reported_as_stated(api):
    out = match(api, {"id": "S", "comune": "Padova", "notes": "", "stated_needs": ["employment", "housing"], "as_of": AS_OF}, top_k=10)
    stated = {n["need"]: n for n in out["needs"] if n["source"] == "stated"}
    assert set(stated) == {"employment", "housing"}
    assert {r["need"] for r in out["results"]} <= {"employment", "housing"}
    assert {r["need"] for r in out["results"]} == {"employment", "housing"}


def test_comune_by_name_and_by_istat_code_match_alike(api):
    by_code = match(api, ELDERLY)
    by_name = match(api, {**ELDERLY, "comune": "trescore balneario"})
    by_int = match(api, {**ELDERLY, "comune": 16218})
    assert by_code["results"] == by_name["results"] == by_int["results"]


def test_batch_reports_every_intake_in_order(api):
    intakes = [
        {**ELDERLY, "id": "ok-1"},
        {"id": "bad-comune", "comune": "Trescor Balneario"},
        {"id": "bad-age", "comune": TRESCORE, "household": [{"relation": "self", "age": "quaranta"}]},
        {"id": "ok-2", "comune": "Padova", "notes": "Sono stato sfrattato e non so dove andare a dormire."},
        "not an object",
        {"id": "bad-need", "comune": TRESCORE, "stated_needs": ["babysitting"], "isee": "6000"},
    ]
    r = api.client.post("/v1/match/batch", json={"intakes": intakes, "top_k": 3, "as_of": AS_OF}, headers=api.h())
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["matched"] == 2 and out["failed"] == 4
    items = out["items"]
    assert [i["index"] for i in items] == list(range(len(intakes)))
    assert [i["id"] for i in items] == ["ok-1", "bad-comune", "bad-age", "ok-2", None, "bad-need"]

    def fields(item):
        assert item["match"] is None
        return {e["field"] for e in item["errors"]}

    assert fields(items[1]) == {"body.intakes[1].comune"}
    assert "Trescore Balneario" in items[1]["errors"][0]["message"]  # the suggestion
    assert fields(items[2]) == {"body.intakes[2].household[0].age"}
    assert fields(items[4]) == {"body.intakes[4]"}
    assert fields(items[5]) == {"body.intakes[5].stated_needs", "body.intakes[5].isee"}

    for i in (0, 3):
        m = items[i]["match"]
        assert items[i]["errors"] is None
        assert m["id"] == intakes[i]["id"] and m["as_of"] == AS_OF and len(m["results"]) == 3
        stored = api.client.get(f"/v1/matches/{m['match_id']}", headers=api.h())
        assert stored.status_code == 200
        assert stored.json()["id"] == intakes[i]["id"]
        # (without store_notes the stored explanations lose their quotes of the notes)
        assert [(x["rank"], x["service_id"], x["need"]) for x in stored.json()["results"]] == [(x["rank"], x["service_id"], x["need"]) for x in m["results"]]
    # a batch result is the same as the single match of the same intake
    single = match(api, {**ELDERLY, "id": "ok-1"}, top_k=3)
    assert items[0]["match"]["results"] == single["results"]
    assert items[3]["match"]["needs"][0]["need"] == "housing"


def test_batch_limits(api):
    one = {"id": "x", "comune": TRESCORE}
    too_many = api.client.post("/v1/match/batch", json={"intakes": [one] * 1001}, headers=api.h())
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "body.intakes"
    empty = api.client.post("/v1/match/batch", json={"intakes": []}, headers=api.h())
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "body.intakes"
    missing = api.client.post("/v1/match/batch", json={}, headers=api.h())
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"field": "body.intakes", "message": "is required"}]
    not_a_list = api.client.post("/v1/match/batch", json={"intakes": one}, headers=api.h())
    assert not_a_list.status_code == 422
    assert not_a_list.json()["errors"][0]["field"] == "body.intakes"
    bad_top_k = api.client.post("/v1/match/batch", json={"intakes": [one], "top_k": 0}, headers=api.h())
    assert bad_top_k.status_code == 422
    assert bad_top_k.json()["errors"][0]["field"] == "body.top_k"


def test_batch_limit_follows_the_setting(db_url, small_catalogue_path):
    env = make_env(db_url, small_catalogue_path, max_batch=2)
    api = next(env)
    try:
        one = {"id": "x", "comune": TRESCORE}
        r = api.client.post("/v1/match/batch", json={"intakes": [one] * 3}, headers=api.h())
        assert r.status_code == 422
        assert r.json()["errors"] == [{"field": "body.intakes", "message": "has 3 items, the limit is 2"}]
        assert api.client.post("/v1/match/batch", json={"intakes": [one] * 2}, headers=api.h()).json()["matched"] == 2
    finally:
        env.close()


def test_batch_of_exactly_the_limit_is_accepted(api):
    one = {"id": "x", "comune": TRESCORE, "notes": "Mia madre non riesce più a lavarsi da sola."}
    r = api.client.post("/v1/match/batch", json={"intakes": [one] * 1000, "top_k": 1, "as_of": AS_OF}, headers=api.h())
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["matched"] == 1000 and out["failed"] == 0
    assert len({i["match"]["match_id"] for i in out["items"]}) == 1000


def test_tenant_without_a_catalogue_gets_409(api):
    db = api.client.app.state.welfare.db
    tenants.create_tenant(db, "gamma")
    _, key = tenants.create_key(db, "gamma")
    for method, path, body in (
        ("POST", "/v1/match", ELDERLY),
        ("POST", "/v1/match/batch", {"intakes": [ELDERLY]}),
        ("GET", "/v1/services", None),
        ("GET", "/v1/catalogue", None),
    ):
        r = api.client.request(method, path, json=body, headers=api.h(key))
        assert r.status_code == 409, (path, r.text)
        assert "PUT /v1/catalogue" in r.json()["detail"]
        assert r.json()["errors"] == []
    assert api.client.get("/v1/services/BG-S001", headers=api.h(key)).status_code == 404
    assert api.client.get("/v1/services", headers=api.h()).status_code == 200  # the other tenants are unaffected
