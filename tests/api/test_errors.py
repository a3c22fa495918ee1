"""Bad input always gets a 4xx that names the field, in one error shape, and never a 5xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import AS_OF, ApiEnv, make_env
from tests.helpers import SMALL_SERVICES, TRESCORE, catalogue_csv

BASE = {"id": "E1", "comune": TRESCORE, "notes": "", "as_of": AS_OF}
LIMIT = 2048


def assert_error_shape(r, status: int | None = None) -> dict:
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    if status is not None:
        assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], list)
    for e in body["errors"]:
        assert isinstance(e["message"], str) and e["message"]
        assert e["field"] is None or isinstance(e["field"], str)
    return body


def assert_field(r, field: str, status: int = 422) -> dict:
    body = assert_error_shape(r, status)
    fields = [e["field"] for e in body["errors"]]
    assert field in fields, (field, body)
    assert field in body["detail"]
    return next(e for e in body["errors"] if e["field"] == field)


def post_match(api, body, raw: bytes | None = None, **headers):
    if raw is not None:
        return api.client.post("/v1/match", content=raw, headers={**api.h(), "Content-Type": "application/json", **headers})
    return api.client.post("/v1/match", json=body, headers=api.h())


def test_wrong_types_name_their_field(api):
    cases = [
        ({"comune": [TRESCORE]}, "body.comune"),
        ({"comune": True}, "body.comune"),
        ({"comune": {"name": "Trescore"}}, "body.comune"),
        ({"isee": "6000"}, "body.isee"),
        ({"isee": True}, "body.isee"),
        ({"household": [{"relation": "self", "age": "40"}]}, "body.household[0].age"),
        ({"household": [{"relation": "self", "age": 40.5}]}, "body.household[0].age"),
        ({"household": [{"relation": "self", "age": 40}, {"relation": "child", "age": True}]}, "body.household[1].age"),
        ({"household": {"relation": "self", "age": 40}}, "body.household"),
        ({"household": "madre e figlio"}, "body.household"),
        ({"household": [5]}, "body.household[0]"),
        ({"household": [{"relation": "cousin", "age": 40}]}, "body.household[0].relation"),
        ({"household": [{"relation": "self"}]}, "body.household[0].age"),
        ({"household": [{"relation": "self", "age": 40, "disability": "yes"}]}, "body.household[0].disability"),
        ({"stated_needs": "childcare"}, "body.stated_needs"),
        ({"funding": ["cash"]}, "body.funding[0]"),
        ({"funding": "free"}, "body.funding"),
        ({"notes": 5}, "body.notes"),
        ({"id": 5}, "body.id"),
        ({"id": ""}, "body.id"),
        ({"max_distance_km": "10"}, "body.max_distance_km"),
        ({"top_k": "5"}, "body.top_k"),
    ]
    for patch, field in cases:
        assert_field(post_match(api, {**BASE, **patch}), field)


def test_out_of_range_values_name_their_field(api):
    cases = [
        ({"household": [{"relation": "self", "age": -1}]}, "body.household[0].age", "greater than or equal to 0"),
        ({"household": [{"relation": "parent", "age": 121}]}, "body.household[0].age", "less than or equal to 120"),
        ({"isee": -1}, "body.isee", "greater than or equal to 0"),
        ({"max_distance_km": 0}, "body.max_distance_km", "greater than 0"),
        ({"top_k": 0}, "body.top_k", "greater than or equal to 1"),
        ({"top_k": 101}, "body.top_k", "less than or equal to 100"),
        ({"top_k": 10**30}, "body.top_k", ""),
        ({"notes": "x" * 20_001}, "body.notes", ""),
        ({"household": [{"relation": "self", "age": 40}] * 31}, "body.household", ""),
    ]
    for patch, field, words in cases:
        err = assert_field(post_match(api, {**BASE, **patch}), field)
        assert words in err["message"]


def test_missing_fields_are_required(api):
    assert assert_field(post_match(api, {"comune": TRESCORE}), "body.id")["message"] == "is required"
    assert assert_field(post_match(api, {"id": "x"}), "body.comune")["message"] == "is required"
    body = assert_error_shape(post_match(api, {}), 422)
    assert {e["field"] for e in body["errors"]} == {"body.id", "body.comune"}


def test_unknown_need_code_lists_the_valid_ones(api):
    err = assert_field(post_match(api, {**BASE, "stated_needs": ["childcare", "babysitting"]}), "body.stated_needs")
    assert "'babysitting'" in err["message"] and "elderly_care" in err["message"]


def test_unknown_comune_suggests_close_names(api):
    err = assert_field(post_match(api, {**BASE, "comune": "Trescore Balnerio"}), "body.comune")
    assert "Trescore Balneario (BG, 016218)" in err["message"]
    for comune in ("999999", "1234567", "0", "", "   "):
        assert_field(post_match(api, {**BASE, "comune": comune}), "body.comune")
    assert_field(post_match(api, {**BASE, "comune": 999999}), "body.comune")


def test_homonym_comuni(api):
    # the catalogue's provinces break the tie: alpha serves Bergamo, so "Castro" is Castro (BG)
    r = post_match(api, {**BASE, "comune": "Castro"})
    assert r.status_code == 200
    assert api.client.get(f"/v1/matches/{r.json()['match_id']}", headers=api.h()).json()["comune_istat"] == "016065"
    r = post_match(api, {**BASE, "comune": "Castro (LE)"})
    assert r.status_code == 200
    assert api.client.get(f"/v1/matches/{r.json()['match_id']}", headers=api.h()).json()["comune_istat"] == "075096"
    # no catalogue province decides between Samone (TO) and Samone (TN): the caller must
    err = assert_field(post_match(api, {**BASE, "comune": "Samone"}), "body.comune")
    assert "ambiguous" in err["message"]
    assert "Samone (TO, 001235)" in err["message"] and "Samone (TN, 022165)" in err["message"]
    assert post_match(api, {**BASE, "comune": "Samone (TN)"}).status_code == 200


def test_as_of_must_be_a_date(api):
    for value in ("yesterday", "2026-13-01", "22/11/2026", "2026-11-22T10:30:00", [AS_OF], True):
        assert_field(post_match(api, {**BASE, "as_of": value}), "body.as_of")


def test_malformed_json_and_non_object_bodies(api):
    for raw in (b"{bad", b'{"id": "x", "comune": "016218"', b"\xff\xfe{}", b"{'id': 'x'}"):
        body = assert_error_shape(post_match(api, None, raw=raw), 422)
        assert body["errors"][0]["field"] == "body"
        assert "malformed JSON" in body["errors"][0]["message"]
    for raw in (b"[]", b'"text"', b"5", b"null", b"[{\"id\": \"x\"}]", b""):
        body = assert_error_shape(post_match(api, None, raw=raw), 422)
        assert [e["field"] for e in body["errors"]] == ["body"]
    # a JSON body sent without a JSON content type is not read as an intake
    r = api.client.post("/v1/match", content=json.dumps(BASE).encode(), headers={**api.h(), "Content-Type": "text/plain"})
    assert_error_shape(r, 422)


def test_no_input_gets_a_5xx(api):
    """Every field of every JSON route fed odd values: always a 4xx in the error shape."""
    # "nul\x00byte": PostgreSQL text cannot hold U+0000, so it must be refused, not stored
    oddities = [None, True, -1, 1.5, 10**30, "", "x", "∞", "nul\x00byte", [], {}, [None], [{}], {"a": 1}, "0" * 300]
    match_id = post_match(api, {**BASE, "top_k": 2}).json()["match_id"]
    for field in ("id", "comune", "notes", "stated_needs", "household", "isee", "funding", "max_distance_km", "top_k", "as_of"):
        for value in oddities:
            r = post_match(api, {**BASE, field: value})
            assert r.status_code < 500, (field, value, r.text)
            if r.status_code != 200:
                assert_error_shape(r)
            r = api.client.post("/v1/match/batch", json={"intakes": [{**BASE, field: value}], "as_of": AS_OF}, headers=api.h())
            assert r.status_code < 500, (field, value, r.text)
            if r.status_code != 200:
                assert_error_shape(r)
            elif r.json()["failed"]:
                assert r.json()["items"][0]["errors"][0]["field"].startswith("body.intakes[0]")
    suggested = post_match(api, {**BASE, "notes": "mamma sola con un bambino di due anni, cerca un asilo nido"}).json()
    r = api.client.post(f"/v1/matches/{suggested['match_id']}/feedback", json={"items": [{"service_id": suggested["results"][0]["service_id"], "outcome": "accepted", "comment": "nul\x00byte"}]}, headers=api.h())
    assert assert_field(r, "body.items[0].comment")["message"] == "must not contain the NUL character (\\u0000)"
    for value in oddities:
        for body in ({"items": value}, {"items": [{"service_id": value, "outcome": "accepted"}]}, {"items": [{"service_id": "x", "outcome": value}]}):
            r = api.client.post(f"/v1/matches/{match_id}/feedback", json=body, headers=api.h())
            assert_error_shape(r, 422)
        r = api.client.post("/v1/match/batch", json={"intakes": value}, headers=api.h())
        assert r.status_code < 500, (value, r.text)
        for param in ("comune", "need", "q", "delivery", "quality", "limit", "cursor"):
            if isinstance(value, str) and value:
                r = api.client.get("/v1/services", params={param: value}, headers=api.h())
                assert r.status_code < 500, (param, value, r.text)
    for match_path in ("x" * 64, "%00", "..", "1 OR 1=1", "00000000-0000-0000-0000-000000000000"):
        assert api.client.get(f"/v1/matches/{match_path}", headers=api.h()).status_code == 404


@pytest.fixture
def small_body_api(db_url: str, small_catalogue_path: Path) -> Iterator[ApiEnv]:
    yield from make_env(db_url, small_catalogue_path, max_body_bytes=LIMIT)


def test_oversized_body_is_413(small_body_api):
    api = small_body_api
    big = {**BASE, "notes": "x" * (LIMIT + 1)}
    r = api.client.post("/v1/match", json=big, headers=api.h())
    assert r.request.headers.get("content-length")
    body = assert_error_shape(r, 413)
    assert body["errors"] == [{"field": "body", "message": f"larger than {LIMIT} bytes"}]
    # the same limit holds without a Content-Length (chunked upload)
    raw = json.dumps(big).encode()

    def chunks(data: bytes = raw, size: int = 500):
        for i in range(0, len(data), size):
            yield data[i:i + size]

    r = api.client.post("/v1/match", content=chunks(), headers={**api.h(), "Content-Type": "application/json"})
    assert "content-length" not in r.request.headers
    assert_error_shape(r, 413)
    # a body under the limit goes through, chunked or not
    small = json.dumps({**BASE, "notes": "Mia madre non riesce più a lavarsi."}).encode()
    r = api.client.post("/v1/match", content=chunks(small, 16), headers={**api.h(), "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    # the limit is checked before the key: no work is done for an oversized anonymous body
    assert api.client.post("/v1/match", json=big).status_code == 413
    # catalogue uploads have their own, larger limit
    csv = catalogue_csv(SMALL_SERVICES).encode()
    assert len(csv) > LIMIT
    r = api.client.put("/v1/catalogue", content=csv, headers={**api.h(api.beta_key), "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text


def test_unknown_route_and_wrong_method(api):
    for path in ("/v1/nope", "/v2/match", "/v1/matches", "/nope"):
        r = api.client.get(path, headers=api.h())
        assert_error_shape(r, 404)
    # "/" is the welfare managers' review page (HTML, outside the API): it sends to its login
    r = api.client.get("/", headers=api.h(), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    for method, path, allowed in (("GET", "/v1/match", "POST"), ("DELETE", "/v1/match", "POST"), ("PUT", "/v1/services", "GET"),
                                  ("POST", "/v1/needs", "GET"), ("DELETE", "/v1/catalogue", None)):
        r = api.client.request(method, path, headers=api.h())
        assert_error_shape(r, 405)
        if allowed:
            assert allowed in r.headers["allow"]
