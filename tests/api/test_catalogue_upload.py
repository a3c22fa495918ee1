"""``PUT /v1/catalogue``: a new catalogue replaces the old one whole, atomically, or not at all."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from recommender.store.tenants import get_tenant
from tests.api.conftest import AS_OF
from tests.helpers import SMALL_SERVICES, TRESCORE, catalogue_csv

NEW_SERVICES = [
    {"service_id": "NEW-SAD", "name": "Assistenza domiciliare anziani Nuova Aurora",
     "description": "Igiene personale, alzata e aiuto in casa per anziani non autosufficienti.",
     "delivery": "home", "service_area_istat": TRESCORE, "needs": "elderly_care", "age_min": "65"},
    {"service_id": "NEW-NIDO", "name": "Nido Nuovo Arcobaleno", "description": "Nido per bambini da 3 mesi a 3 anni.",
     "needs": "childcare", "age_min": "0", "age_max": "3"},
    {"service_id": "NEW-CASA", "name": "Sportello casa", "description": "Aiuto per l'affitto e l'emergenza abitativa.", "needs": "housing"},
]
NEW_IDS = {s["service_id"] for s in NEW_SERVICES}
OLD_IDS = {s["service_id"] for s in SMALL_SERVICES}
INTAKE = {"id": "U1", "comune": TRESCORE, "notes": "Mia madre ha 86 anni e non riesce più a lavarsi da sola.", "top_k": 3, "as_of": AS_OF}


def put(api, body: bytes | str, key: str | None = None, content_type: str = "text/csv"):
    data = body.encode("utf-8") if isinstance(body, str) else body
    return api.client.put("/v1/catalogue", content=data, headers={**api.h(key or api.beta_key), "Content-Type": content_type})


def service_ids(api, key: str) -> list[str]:
    page = api.client.get("/v1/services", params={"limit": 200}, headers=api.h(key)).json()
    return [s["service_id"] for s in page["items"]]


def beta_match(api) -> dict:
    r = api.client.post("/v1/match", json=INTAKE, headers=api.h(api.beta_key))
    assert r.status_code == 200, r.text
    return r.json()


def test_upload_replaces_the_catalogue_and_bumps_the_version(api):
    old_match = beta_match(api)
    assert old_match["catalogue_version"] == 1
    r = put(api, catalogue_csv(NEW_SERVICES))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["version"] == 2 and out["n_services"] == 3 and out["needs_inferred"] == 0
    assert len(out["sha256"]) == 64

    assert api.client.get("/v1/catalogue", headers=api.h(api.beta_key)).json()["version"] == 2
    assert sorted(service_ids(api, api.beta_key)) == sorted(NEW_IDS)
    assert api.client.get("/v1/services/NEW-CASA", headers=api.h(api.beta_key)).json()["needs"] == ["housing"]
    assert api.client.get("/v1/services/PSICOLOGO", headers=api.h(api.beta_key)).status_code == 404

    new_match = beta_match(api)
    assert new_match["catalogue_version"] == 2
    assert new_match["results"][0]["service_id"] == "NEW-SAD"
    assert {r["service_id"] for r in new_match["results"]} <= NEW_IDS
    # a stored match keeps the version it was computed on
    assert api.client.get(f"/v1/matches/{old_match['match_id']}", headers=api.h(api.beta_key)).json()["catalogue_version"] == 1

    # alpha is untouched
    assert api.client.get("/v1/catalogue", headers=api.h()).json()["version"] == 1
    # versions keep counting, with a BOM (spreadsheet export) and a charset
    again = put(api, "\ufeff" + catalogue_csv(SMALL_SERVICES), content_type="text/csv; charset=utf-8")
    assert again.status_code == 200, again.text
    assert again.json()["version"] == 3 and again.json()["n_services"] == len(SMALL_SERVICES)
    assert sorted(service_ids(api, api.beta_key)) == sorted(OLD_IDS)


def _assert_nothing_changed(api, before_ids: list[str], before_catalogue: dict) -> None:
    assert api.client.get("/v1/catalogue", headers=api.h(api.beta_key)).json() == before_catalogue
    assert service_ids(api, api.beta_key) == before_ids
    m = beta_match(api)
    assert m["catalogue_version"] == 1
    assert m["results"][0]["service_id"] == "SAD-TRESCORE"


def test_bad_rows_are_all_reported_and_nothing_changes(api):
    before_ids = service_ids(api, api.beta_key)
    before_catalogue = api.client.get("/v1/catalogue", headers=api.h(api.beta_key)).json()
    rows = [
        {"service_id": "OK-1", "name": "Servizio valido", "description": "Su due righe:\nprima e seconda.", "needs": "health"},  # lines 2-3
        {"service_id": "BAD-ISTAT", "name": "Comune inesistente", "comune_istat": "999999"},  # line 4
        {"service_id": "BAD-NEED", "name": "Bisogno ignoto", "needs": "elderly_care;babysitting"},  # line 5
        {"service_id": "BAD-AGE", "name": "Età non numerica", "age_min": "dieci"},  # line 6
        {"service_id": "BAD-NAME", "name": ""},  # line 7
        {"service_id": "OK-2", "name": "Altro servizio valido", "needs": "housing"},  # line 8
    ]
    r = put(api, catalogue_csv(rows))
    assert r.status_code == 422, r.text
    body = r.json()
    assert "not changed" in body["detail"]
    found = [(e["line"], e["column"]) for e in body["errors"]]
    assert found == [(4, "comune_istat"), (5, "needs"), (6, "age_min"), (7, "name")]
    messages = [e["message"] for e in body["errors"]]
    assert "999999" in messages[0]
    assert "babysitting" in messages[1]
    assert "dieci" in messages[2]
    assert messages[3] == "is required"
    _assert_nothing_changed(api, before_ids, before_catalogue)


def test_a_missing_column_is_reported_and_nothing_changes(api):
    before_ids = service_ids(api, api.beta_key)
    before_catalogue = api.client.get("/v1/catalogue", headers=api.h(api.beta_key)).json()
    header = [c for c in catalogue_csv([]).strip().split(",") if c not in ("accredited", "delivery")]
    r = put(api, catalogue_csv(NEW_SERVICES, header=header))
    assert r.status_code == 422, r.text
    assert {(e["line"], e["column"]) for e in r.json()["errors"]} == {(1, "accredited"), (1, "delivery")}
    assert all("missing column" in e["message"] for e in r.json()["errors"])
    _assert_nothing_changed(api, before_ids, before_catalogue)


def test_unreadable_uploads_are_refused_and_nothing_changes(api):
    before_ids = service_ids(api, api.beta_key)
    before_catalogue = api.client.get("/v1/catalogue", headers=api.h(api.beta_key)).json()
    latin1 = catalogue_csv([{"service_id": "X", "name": "Attività per la città"}]).encode("latin-1")
    r = put(api, latin1)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body" and "UTF-8" in r.json()["errors"][0]["message"]

    for ctype in ("application/json", "multipart/form-data; boundary=x", "application/vnd.ms-excel"):
        r = put(api, catalogue_csv(NEW_SERVICES), content_type=ctype)
        assert r.status_code == 415, (ctype, r.text)
        assert "text/csv" in r.json()["detail"]

    for body in (b"", b"\n\n", catalogue_csv([]).encode()):
        r = put(api, body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["errors"]
    _assert_nothing_changed(api, before_ids, before_catalogue)


def test_matches_in_flight_finish_on_the_old_catalogue(api):
    """Matches that started before an upload finish on the old catalogue and say so;
    those after it see the new one. The in-flight matches are held inside the engine
    until the upload has completed, so the interleaving is certain."""
    registry = api.client.app.state.welfare.engines
    tenant = get_tenant(api.client.app.state.welfare.db, "beta")
    old = registry.get(tenant)
    original = old.pipeline.match
    n = 4
    started = threading.Semaphore(0)
    release = threading.Event()

    def held_match(*args, **kwargs):
        started.release()
        assert release.wait(timeout=30)
        return original(*args, **kwargs)

    old.pipeline.match = held_match
    try:
        with ThreadPoolExecutor(n) as pool:
            futures = [pool.submit(api.client.post, "/v1/match", json=INTAKE, headers=api.h(api.beta_key)) for _ in range(n)]
            for _ in range(n):
                assert started.acquire(timeout=30)
            upload = put(api, catalogue_csv(NEW_SERVICES))  # completes while the n matches are running
            assert upload.status_code == 200 and upload.json()["version"] == 2
            after = beta_match(api)  # not held: it runs on the new engine
            release.set()
            during = [f.result(timeout=30) for f in futures]
    finally:
        release.set()
        del old.pipeline.match

    assert after["catalogue_version"] == 2 and {r["service_id"] for r in after["results"]} <= NEW_IDS
    for r in during:
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["catalogue_version"] == 1
        assert out["results"][0]["service_id"] == "SAD-TRESCORE"
        assert {x["service_id"] for x in out["results"]} <= OLD_IDS
        stored = api.client.get(f"/v1/matches/{out['match_id']}", headers=api.h(api.beta_key)).json()
        assert stored["catalogue_version"] == 1
    # the old engine still works for whoever holds it, and is no longer the current one
    assert registry.get(get_tenant(api.client.app.state.welfare.db, "beta")).version == 2
    assert old.version == 1 and {s.service_id for s in old.catalogue.services} == OLD_IDS


def test_concurrent_matches_and_upload_see_one_version_or_the_other(api):
    """Without holding anything: every response is consistent with the version it names."""
    gate = threading.Barrier(5)

    def one_match():
        gate.wait(timeout=30)
        return api.client.post("/v1/match", json=INTAKE, headers=api.h(api.beta_key))

    def upload():
        gate.wait(timeout=30)
        return put(api, catalogue_csv(NEW_SERVICES))

    with ThreadPoolExecutor(5) as pool:
        matches = [pool.submit(one_match) for _ in range(4)]
        up = pool.submit(upload)
        assert up.result(timeout=60).status_code == 200
        responses = [f.result(timeout=60) for f in matches]
    for r in responses:
        assert r.status_code == 200, r.text
        out = r.json()
        ids = {x["service_id"] for x in out["results"]}
        assert out["catalogue_version"] in (1, 2)
        assert ids <= (OLD_IDS if out["catalogue_version"] == 1 else NEW_IDS)
    assert beta_match(api)["catalogue_version"] == 2
