"""The review page over HTTP, without a browser (SQLite and PostgreSQL): login and sessions,
CSRF, the intake form's validation in Italian, results, feedback, the referral sheet, the
history, tenant isolation, headers and privacy."""

from __future__ import annotations

import logging
import re
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.web.auth import SESSION_COOKIE
from recommender.feedback import REASONS
from recommender.needs import NEEDS
from recommender.privacy import REDACTED
from recommender.store import tenants, users
from recommender.store.matches import get_match
from recommender.store.schema import feedback, matches, web_sessions
from tests.web.conftest import INTAKE_FIELDS, NOTES, PASSWORD, WebEnv, make_env, token_of
from tests.web.dom import Node, parse

EVIDENCE = "non riesce più a lavarsi da sola"


def stored_matches(env: WebEnv) -> list:
    with env.db.connect() as conn:
        return conn.execute(select(matches)).all()


def stored_feedback(env: WebEnv) -> list:
    with env.db.connect() as conn:
        return conn.execute(select(feedback).order_by(feedback.c.id)).all()


def alpha(env: WebEnv):
    return tenants.get_tenant(env.db, "alpha")


def notes_text(node: Node) -> str:
    """The text of the notes without the need labels added after each marked phrase."""
    out = []
    for child in node.children:
        if isinstance(child, str):
            out.append(child)
        elif "mark-tag" not in child.classes:
            out.append(notes_text(child))
    return "".join(out)


def cards(page: Node) -> list[Node]:
    return page.find_all("li", cls="card")


def feedback_form(page: Node, rank: int) -> dict[str, str]:
    card = page.by_id(f"servizio-{rank}")
    assert card is not None
    form = card.find("form", cls="feedback")
    return {i.attrs["name"]: i.attrs.get("value", "") for i in form.find_all("input")}


def send_feedback(env: WebEnv, match_id: str, rank: int, **fields: str):
    page = env.page(f"/abbinamenti/{match_id}")
    data = feedback_form(page, rank) | fields
    return env.client.post(f"/abbinamenti/{match_id}/riscontro", data=data), data


# --- login, sessions and cookies --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/scheda", "/storico", f"/abbinamenti/{uuid.uuid4()}", f"/abbinamenti/{uuid.uuid4()}/stampa"])
def test_pages_need_a_login(web: WebEnv, path: str) -> None:
    r = web.client.get(path)
    assert r.status_code == 303
    assert r.headers["location"] == f"/login?next={path}"


def test_home_sends_to_login_or_to_the_form(web: WebEnv) -> None:
    assert web.client.get("/").headers["location"] == "/login"
    web.login()
    assert web.client.get("/").headers["location"] == "/scheda"
    assert web.client.get("/login").headers["location"] == "/scheda"  # already logged in


def test_a_post_without_a_session_goes_to_login_and_does_nothing(web: WebEnv) -> None:
    r = web.client.post("/scheda", data={**INTAKE_FIELDS, "csrf_token": "x"})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert stored_matches(web) == []


def test_wrong_password_and_unknown_user_get_the_same_answer(web: WebEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("api.web.login.FAILURE_DELAY_S", 0)
    wrong = web.login("anna", "not-the-password")
    unknown = web.login("nobody", PASSWORD)
    for r in (wrong, unknown):
        assert r.status_code == 401
        assert SESSION_COOKIE not in r.cookies
        alert = parse(r.text).find(role="alert")
        assert alert is not None and alert.text == "Nome utente o password non corretti."
    assert parse(wrong.text).by_id("username").attrs["value"] == "anna"  # the username is kept, the password is not
    assert parse(wrong.text).by_id("password").attrs.get("value") is None


def test_login_sets_a_session_cookie_httponly_samesite_lax(web: WebEnv) -> None:
    r = web.login()
    assert r.status_code == 303 and r.headers["location"] == "/scheda"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "="))
    flags = {f.strip().lower() for f in cookie.split(";")[1:]}
    assert {"httponly", "path=/", "samesite=lax"} <= flags
    assert "secure" not in flags  # plain http (local use): a Secure cookie would never come back
    assert web.client.get("/scheda").status_code == 200


def test_over_https_the_cookie_is_secure(db_url: str) -> None:
    for env in make_env(db_url):
        https = TestClient(env.client.app, base_url="https://testserver", follow_redirects=False)
        page = https.get("/login")
        r = https.post("/login", data={"username": "anna", "password": PASSWORD, "csrf_token": token_of(page.text)})
        cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "="))
        assert "secure" in cookie.lower()


@pytest.mark.parametrize("how", ["no token", "wrong token", "no cookie"])
def test_login_form_without_its_token_is_refused(web: WebEnv, how: str) -> None:
    page = web.client.get("/login")
    data = {"username": "anna", "password": PASSWORD, "csrf_token": token_of(page.text)}
    if how == "no token":
        del data["csrf_token"]
    elif how == "wrong token":
        data["csrf_token"] = "forged"
    else:
        web.client.cookies.clear()
    r = web.client.post("/login", data=data)
    assert r.status_code == 403
    assert "scaduto" in parse(r.text).find(role="alert").text
    assert SESSION_COOKIE not in r.cookies
    with web.db.connect() as conn:
        assert conn.execute(select(web_sessions)).all() == []


def test_repeated_failures_are_throttled(web: WebEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("api.web.login.FAILURE_DELAY_S", 0)
    for _ in range(5):
        assert web.login("anna", "not-the-password").status_code == 401
    r = web.login("anna", PASSWORD)  # even the right password waits now
    assert r.status_code == 429 and "Troppi tentativi" in r.text
    assert web.login("bruno", PASSWORD).status_code == 303  # another account is not affected


@pytest.mark.parametrize(("next_path", "landing"), [("/storico", "/storico"), ("//evil.example/x", "/scheda"), ("https://evil.example/", "/scheda")])
def test_login_returns_only_to_local_pages(web: WebEnv, next_path: str, landing: str) -> None:
    assert web.login(next_path=next_path).headers["location"] == landing


def test_logout_ends_the_session_on_the_server(logged_in: WebEnv) -> None:
    web = logged_in
    token = web.client.cookies.get(SESSION_COOKIE)
    r = web.client.post("/logout", data={"csrf_token": web.csrf()})
    assert r.status_code == 303 and r.headers["location"] == "/login?uscito=1"
    assert "Sei uscito" in web.client.get("/login?uscito=1").text
    web.client.cookies.set(SESSION_COOKIE, token)  # a copy of the old cookie opens nothing
    assert web.client.get("/scheda").status_code == 303
    with web.db.connect() as conn:
        assert conn.execute(select(web_sessions)).all() == []


def test_disabling_a_user_ends_its_session(logged_in: WebEnv) -> None:
    users.disable_user(logged_in.db, "anna")
    assert logged_in.client.get("/scheda").status_code == 303
    assert logged_in.login().status_code == 401


# --- CSRF --------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_forms_without_the_sessions_token_are_refused(logged_in: WebEnv, token: str | None) -> None:
    web = logged_in
    match_id = web.intake()
    extra = {} if token is None else {"csrf_token": token}
    r = web.client.post("/scheda", data={**INTAKE_FIELDS, **extra})
    assert r.status_code == 403
    assert parse(r.text).find("h1").text == "Modulo scaduto o non valido"
    form = feedback_form(web.page(f"/abbinamenti/{match_id}"), 1)
    r = web.client.post(f"/abbinamenti/{match_id}/riscontro", data={**form, "outcome": "accepted", "csrf_token": token or ""})
    assert r.status_code == 403
    r = web.client.post("/logout", data=extra)
    assert r.status_code == 403
    assert len(stored_matches(web)) == 1 and stored_feedback(web) == []
    assert web.client.get("/scheda").status_code == 200  # still logged in


def test_another_sessions_token_is_refused(web: WebEnv) -> None:
    web.login()
    mine = web.csrf()
    second = TestClient(web.client.app, follow_redirects=False)  # another browser, another user
    page = second.get("/login")
    second.post("/login", data={"username": "bruno", "password": PASSWORD, "csrf_token": token_of(page.text)})
    r = second.post("/scheda", data={**INTAKE_FIELDS, "csrf_token": mine})
    assert r.status_code == 403
    assert stored_matches(web) == []


# --- the intake form ----------------------------------------------------------------------------


def test_every_form_control_has_a_label_and_italian_choices(logged_in: WebEnv) -> None:
    page = logged_in.page("/scheda")
    assert page.find("html").attrs["lang"] == "it"
    form = page.find("form", cls="intake-form")
    labelled = {lab.attrs.get("for") for lab in page.find_all("label")}
    controls = [n for n in form.find_all() if n.tag in ("select", "textarea") or (n.tag == "input" and n.attrs.get("type") != "hidden")]
    assert controls and all(c.attrs.get("id") in labelled for c in controls), [c.attrs.get("id") for c in controls if c.attrs.get("id") not in labelled]
    need_labels = {page.find("label", for_=f"need-{n.code}").text for n in NEEDS}
    assert need_labels == {n.label_it for n in NEEDS}
    relations = [o.text for o in page.by_id("household-0-relation").find_all("option")]
    assert relations == ["— scegli —", "la persona stessa", "figlio o figlia", "coniuge o partner", "genitore", "altro familiare o convivente"]
    # without JavaScript: three empty rows; the template for more is there for the script
    assert [n.attrs["id"] for n in form.find_all("select") if n.attrs["id"].startswith("household-")] == [f"household-{i}-relation" for i in range(3)]
    assert "Trescore Balneario (BG)" in {o.attrs["value"] for o in page.by_id("comuni-elenco").find_all("option")}
    assert page.by_id("notes-hint").text.endswith("il tuo ente non le conserva; restano visibili solo subito dopo l'invio.")


def test_a_valid_intake_is_matched_stored_and_redirected(logged_in: WebEnv) -> None:
    web = logged_in
    r = web.submit(**{"household-7-relation": "self", "household-7-age": "45"})  # a row added by the script, any index
    assert r.status_code == 303
    match_id = r.headers["location"].removeprefix("/abbinamenti/")
    m = get_match(web.db, alpha(web), match_id)
    anna = users.get_user(web.db, "anna")
    assert m is not None and m.created_by == anna.id and m.intake_ref == "pratica-118" and m.comune_istat == "016218"
    assert m.notes is None and m.intake is None  # alpha does not store notes (nor the structured intake)
    needs = [(n["need"], n["source"]) for n in m.needs]
    assert ("childcare", "stated") in needs and ("elderly_care", "surfaced") in needs
    assert 1 <= len(m.results) <= 12 and m.top_k == 12


def test_the_reference_is_made_up_when_left_empty(logged_in: WebEnv) -> None:
    match_id = logged_in.intake(ref="")
    assert re.fullmatch(r"scheda-\d{8}-\d{4}-[0-9a-f]{4}", get_match(logged_in.db, alpha(logged_in), match_id).intake_ref)


def _errors(page: Node) -> dict[str, str]:
    return {n.attrs["id"].removeprefix("err-"): n.text.lstrip("! ") for n in page.find_all("p", cls="field-error")}


def test_bad_fields_come_back_with_italian_messages_next_to_them(logged_in: WebEnv) -> None:
    web = logged_in
    r = web.submit(comune="Trescre Balneario", isee="tanto", max_distance_km="600",
                   **{"household-0-age": "nove", "household-1-relation": "", "household-2-age": "130"})
    assert r.status_code == 422
    page = parse(r.text)
    errors = _errors(page)
    assert errors["comune"].startswith("Comune: «Trescre Balneario» non è un comune italiano")
    assert errors["isee"].startswith("ISEE: «tanto» non è un importo")
    assert errors["max_distance_km"] == "Distanza massima: deve essere più di 0 e al massimo 500 km."
    assert errors["household-0-age"] == "Persona 1: l'età «nove» non è un numero intero di anni."
    assert errors["household-1-relation"] == "Persona 2: scegli chi è rispetto alla persona seguita."
    assert errors["household-2-relation"].startswith("Persona 3:") and errors["household-2-age"] == "Persona 3: l'età deve essere un numero intero tra 0 e 120."
    for field_id in errors:
        control = page.by_id(field_id)
        assert control.attrs["aria-invalid"] == "true" and f"err-{field_id}" in control.attrs["aria-describedby"]
    summary = page.find(cls="error-summary")
    links = [a.attrs["href"] for a in summary.find_all("a")]
    assert sorted(links) == sorted(f"#{f}" for f in errors)
    assert links[:3] == ["#comune", "#isee", "#max_distance_km"]  # in the order of the page, people after
    assert links[3:5] == ["#household-0-age", "#household-1-relation"]
    assert "Trescore Balneario (BG)" in page.by_id("comune-suggerimenti").text
    # what was typed is all still there, nothing is stored
    assert page.by_id("notes").text == NOTES
    assert page.by_id("isee").attrs["value"] == "tanto"
    assert "checked" in page.by_id("need-childcare").attrs
    assert stored_matches(web) == []


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"comune": ""}, "comune", "Comune: scrivi il comune in cui vive la persona."),
        ({"comune": "999999"}, "comune", "Comune: il codice ISTAT «999999» non esiste"),
        ({"comune": "Samone"}, "comune", "Comune: ci sono più comuni chiamati «Samone»"),
        ({"isee": "-500"}, "isee", "ISEE: «-500» non è un importo"),
        ({"isee": "20.000.000"}, "isee", "ISEE: deve essere un importo tra 0 e 10.000.000 euro."),
        ({"max_distance_km": "0"}, "max_distance_km", "Distanza massima: deve essere più di 0"),
        ({"max_distance_km": "dieci"}, "max_distance_km", "Distanza massima: «dieci» non è un numero di chilometri."),
        ({"stated_needs": ["childcare", "flying"]}, "stated_needs", "Bisogni dichiarati: scegli tra le voci dell'elenco."),
        ({"funding": ["gratis"]}, "funding", "Come può pagare: scegli tra le voci dell'elenco."),
        ({"notes": "x" * 20_001}, "notes", "Note del colloquio: è troppo lungo (al massimo 20000 caratteri)."),
        ({"ref": "r" * 201}, "ref", "Riferimento della pratica: è troppo lungo (al massimo 200 caratteri)."),
        ({"household-0-relation": "cugino"}, "household-0-relation", "Persona 1: scegli una voce dell'elenco."),
        # PostgreSQL text cannot hold U+0000: refused with a message, never a server error
        ({"notes": "La madre\x00 non esce più"}, "notes", "Note del colloquio: contiene un carattere non valido"),
        ({"ref": "pratica\x00-1"}, "ref", "Riferimento della pratica: contiene un carattere non valido"),
    ],
)
def test_each_bad_field_is_named(logged_in: WebEnv, fields: dict, field_id: str, message: str) -> None:
    r = logged_in.submit(**fields)
    assert r.status_code == 422
    assert _errors(parse(r.text))[field_id].startswith(message)
    assert stored_matches(logged_in) == []


def test_an_ambiguous_comune_lists_both_and_the_province_settles_it(logged_in: WebEnv) -> None:
    r = logged_in.submit(comune="Samone")
    assert {"Samone (TO)", "Samone (TN)"} <= {li.text for li in parse(r.text).by_id("comune-suggerimenti").find_all("li")}
    assert logged_in.submit(comune="Samone (TN)").status_code == 303


def test_italian_amounts_are_understood(logged_in: WebEnv) -> None:
    from api.web.forms import parse_euro

    assert [parse_euro(t) for t in ("8000", "8.000", "8.000,50", "8000,5", "€ 12 000", "12.5", "")] == [8000, 8000, 8000.5, 8000.5, 12000, 12.5, None]
    assert [parse_euro(t) for t in ("-1", "1e6", "otto", "8,000,00")] == [None, None, None, None]


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe\x00garbage",
        b"comune=%FF%FE&csrf_token=x",
        b"household-0-age=1&household-0-age=2&" + b"&".join(b"f%d=1" % i for i in range(600)),
    ],
)
def test_odd_bodies_never_cause_a_server_error(logged_in: WebEnv, body: bytes) -> None:
    r = logged_in.client.post("/scheda", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert 400 <= r.status_code < 500
    r = logged_in.client.post("/scheda", files={"notes": ("n.txt", b"x")}, data={"csrf_token": logged_in.csrf()})
    assert 400 <= r.status_code < 500
    assert stored_matches(logged_in) == []


def test_a_tenant_without_a_catalogue_is_told_so(web: WebEnv) -> None:
    tenants.create_tenant(web.db, "gamma")
    users.create_user(web.db, "gamma", "dora", PASSWORD)
    web.login("dora")
    assert "non ha ancora caricato il catalogo" in web.page("/scheda").find(role="alert").text
    r = web.submit()
    assert r.status_code == 409 and "non ha ancora caricato il catalogo" in r.text
    assert stored_matches(web) == []


# --- results -------------------------------------------------------------------------------------


def test_results_show_needs_evidence_services_by_need_and_the_map(logged_in: WebEnv) -> None:
    web = logged_in
    match_id = web.intake()
    page = web.page(f"/abbinamenti/{match_id}")
    m = get_match(web.db, alpha(web), match_id)

    chips = {c.attrs["id"].removeprefix("chip-"): c for c in page.find_all("li", cls="chip")}
    assert list(chips) == [n["need"] for n in m.needs]
    assert chips["childcare"].find(cls="chip-source").text.endswith("dichiarato")  # said in words, not only by colour
    assert chips["elderly_care"].find(cls="chip-source").text.endswith("emerso dal colloquio")
    assert chips["elderly_care"].find("a", cls="chip-evidence").attrs["href"] == "#prova-elderly_care"

    mark = page.by_id("prova-elderly_care")
    assert mark.tag == "mark" and EVIDENCE in mark.text
    assert mark.find("a", cls="mark-tag").attrs["href"] == "#chip-elderly_care"
    assert notes_text(page.find(cls="notes")) == NOTES  # the notes as written, only marked

    ranks_seen = []
    for n in m.needs:
        section = page.by_id(f"bisogno-{n['need']}")
        assert section is not None
        group = section.parent
        expected = sorted(r["rank"] for r in m.results if r["need"] == n["need"])
        got = [int(c.find(cls="rank").text) for c in group.find_all("li", cls="card")]
        assert got == expected
        ranks_seen += got
    assert sorted(ranks_seen) == [r["rank"] for r in m.results]

    first = page.by_id("servizio-1")
    facts = {div.find("dt").text: div.find("dd").text for div in first.find("dl", cls="facts").find_all("div")}
    assert set(facts) >= {"Come", "Qualità", "Requisiti", "Pagamento", "Contatti", "Perché"}
    assert "accreditato" in facts["Qualità"] and "verificato il" in facts["Qualità"]
    assert facts["Perché"] == m.results[0]["explanation"] or facts["Perché"].startswith("Risponde a:")
    assert any(a.attrs["href"].startswith("tel:") for a in first.find_all("a"))

    svg = page.find("svg", cls="map")
    assert svg.attrs["role"] == "img" and svg.find("title").text.startswith("Mappa: Trescore Balneario")
    numbers = sorted(int(t.text) for t in svg.find_all("text") if t.text.isdigit())
    on_map = sorted(int(c.find(cls="rank").text) for c in cards(page) if "a distanza" not in c.find("dl").text.split("Qualità")[0])
    assert numbers == on_map
    assert "http" not in "".join(str(a) for n in svg.iter() for a in n.attrs.values() if a != "http://www.w3.org/2000/svg")


def test_right_after_the_intake_the_notes_are_shown_but_not_after_reopening(logged_in: WebEnv) -> None:
    web = logged_in
    match_id = web.intake()
    assert NOTES[:40] in web.client.get(f"/abbinamenti/{match_id}").text
    web.client.post("/logout", data={"csrf_token": web.csrf()})
    web.login()
    page = web.page(f"/abbinamenti/{match_id}")
    html = web.client.get(f"/abbinamenti/{match_id}").text
    assert "non sono state conservate" in page.by_id("note-avviso").text
    assert EVIDENCE not in html and "lavarsi" not in html and page.find(cls="notes") is None
    chip = page.by_id("chip-elderly_care")
    assert chip.find(cls="chip-evidence").text == "estratto delle note non conservato"
    assert REDACTED in [n["evidence"] for n in get_match(web.db, alpha(web), match_id).needs]
    assert len(web.client.app.state.web.recent) == 0  # logout dropped the notes held in memory


def test_a_tenant_that_stores_notes_shows_them_when_reopened(web_with_notes: WebEnv) -> None:
    web = web_with_notes
    web.login()
    match_id = web.intake()
    assert len(web.client.app.state.web.recent) == 0  # stored: nothing held in memory
    web.client.post("/logout", data={"csrf_token": web.csrf()})
    web.login()
    page = web.page(f"/abbinamenti/{match_id}")
    assert EVIDENCE in page.by_id("prova-elderly_care").text
    assert page.by_id("note-avviso") is None
    assert "ISEE della persona: 12.000 €" in page.text or "nessun limite di ISEE" in page.text  # the stored intake is used


@pytest.mark.parametrize("suffix", ["", "/stampa"])
def test_another_tenants_match_is_not_found(web: WebEnv, suffix: str) -> None:
    web.login("anna")
    match_id = web.intake()
    web.client.post("/logout", data={"csrf_token": web.csrf()})
    web.login("carla")
    r = web.client.get(f"/abbinamenti/{match_id}{suffix}")
    assert r.status_code == 404 and parse(r.text).find("h1").text == "Scheda non trovata"
    assert "Trescore" not in r.text
    for bad in (str(uuid.uuid4()), "not-a-uuid", "x" * 300):
        assert web.client.get(f"/abbinamenti/{bad}{suffix}").status_code == 404


def test_feedback_on_another_tenants_match_is_not_found(web: WebEnv) -> None:
    web.login("anna")
    match_id = web.intake()
    form = feedback_form(web.page(f"/abbinamenti/{match_id}"), 1)
    web.client.post("/logout", data={"csrf_token": web.csrf()})
    web.login("carla")
    r = web.client.post(f"/abbinamenti/{match_id}/riscontro", data={**form, "outcome": "accepted", "csrf_token": web.csrf()})
    assert r.status_code == 404
    assert stored_feedback(web) == []


# --- feedback ----------------------------------------------------------------------------------------


def test_accept_reject_and_contacted_are_stored_and_shown(logged_in: WebEnv) -> None:
    web = logged_in
    match_id = web.intake()
    r, _ = send_feedback(web, match_id, 1, outcome="accepted")
    assert r.status_code == 303 and r.headers["location"].endswith("#servizio-1")
    page = parse(web.client.get(r.headers["location"]).text)
    assert page.find(role="status").text.startswith("Riscontro salvato per «")
    assert page.by_id("servizio-1").find(cls="state").text.endswith("Accettato")

    send_feedback(web, match_id, 2, outcome="rejected", reason="too_far", comment="preferisce più vicino")
    send_feedback(web, match_id, 3, outcome="contacted")
    send_feedback(web, match_id, 1, outcome="contacted")
    m = get_match(web.db, alpha(web), match_id)
    by_rank = {r["service_id"]: r["rank"] for r in m.results}
    assert [(by_rank[f.service_id], f.outcome, f.reason, f.comment) for f in m.feedback] == [
        (1, "accepted", None, None), (2, "rejected", "too_far", "preferisce più vicino"), (3, "contacted", None, None), (1, "contacted", None, None),
    ]
    assert all(f.event_id for f in m.feedback)

    page = web.page(f"/abbinamenti/{match_id}")  # after a reload, from the store
    second = page.by_id("servizio-2")
    assert second.find(cls="state").text.endswith("Scartato")
    assert f"{REASONS['too_far']}" in second.find("details", cls="history").text and "preferisce più vicino" in second.text
    assert page.by_id("servizio-1").find(cls="state").text.endswith("Contattato")
    assert page.by_id("servizio-1").find("summary").text == "Riscontri registrati (2)"


def test_a_double_submit_is_stored_once(logged_in: WebEnv) -> None:
    web = logged_in
    match_id = web.intake()
    r1, data = send_feedback(web, match_id, 1, outcome="accepted")
    r2 = web.client.post(f"/abbinamenti/{match_id}/riscontro", data=data)
    assert r1.status_code == r2.status_code == 303
    assert len(stored_feedback(web)) == 1


def test_reject_needs_a_reason(logged_in: WebEnv) -> None:
    web = logged_in
    match_id = web.intake()
    r, _ = send_feedback(web, match_id, 2, outcome="rejected", comment="da rivedere")
    assert r.status_code == 422
    page = parse(r.text)
    select_ = page.by_id("reason-2")
    assert select_.attrs["aria-invalid"] == "true"
    assert page.by_id("reason-2-err").text == "Motivo: per scartare una proposta scegli il motivo dall'elenco."
    assert page.by_id("comment-2").text == "da rivedere"
    assert page.find(role="alert").text.startswith("Il riscontro non è stato salvato")
    assert stored_feedback(web) == []


@pytest.mark.parametrize(
    ("fields", "status", "fragment"),
    [
        ({"outcome": "loved_it"}, 422, "Esito: scegli uno dei pulsanti"),
        ({"outcome": "rejected", "reason": "because"}, 422, "Motivo: scegli una voce dell'elenco."),
        ({"outcome": "accepted", "comment": "c" * 2001}, 422, "Commento: al massimo 2000 caratteri."),
        ({"outcome": "accepted", "comment": "nul\x00byte"}, 422, "Commento: contiene un carattere non valido"),
        ({"outcome": "accepted", "service_id": "NOT-SUGGESTED"}, 422, "non fa parte dei suggerimenti"),
    ],
)
def test_bad_feedback_is_refused_with_a_message(logged_in: WebEnv, fields: dict, status: int, fragment: str) -> None:
    match_id = logged_in.intake()
    r, _ = send_feedback(logged_in, match_id, 1, **fields)
    assert r.status_code == status and fragment in parse(r.text).text
    assert stored_feedback(logged_in) == []


# --- the referral sheet -----------------------------------------------------------------------------


def test_the_referral_sheet_has_the_services_and_no_notes(logged_in: WebEnv) -> None:
    web = logged_in
    match_id = web.intake()
    m = get_match(web.db, alpha(web), match_id)
    r = web.client.get(f"/abbinamenti/{match_id}/stampa")
    assert r.status_code == 200
    page = parse(r.text)
    for phrase in (EVIDENCE, "stremo", "centro estivo per il figlio", "dalle note", "emerso", REDACTED):
        assert phrase not in r.text
    items = page.find_all("li", cls="referral-item")
    assert len(items) == len(m.results)
    assert "Nessuna proposta è ancora segnata come accettata" in page.text
    assert "Anna Bianchi" in page.find("header", cls="referral-head").text
    assert page.find("button", **{"data-print": ""}) is not None

    send_feedback(web, match_id, 3, outcome="accepted")
    send_feedback(web, match_id, 1, outcome="contacted")
    send_feedback(web, match_id, 2, outcome="rejected", reason="too_far")
    page = web.page(f"/abbinamenti/{match_id}/stampa")
    names = [li.find("h2").text for li in page.find_all("li", cls="referral-item")]
    assert names == [m.results[0]["name"], m.results[2]["name"]]
    assert "Nessuna proposta" not in page.text
    first = page.find("li", cls="referral-item")
    labels = {div.find("dt").text for div in first.find("dl").find_all("div")}
    assert {"Indirizzo", "Telefono"} <= labels
    assert "Cosa portare e cosa chiedere" in first.text and "documento d'identità" in first.text


def test_print_stylesheet_hides_the_screen_parts() -> None:
    from api.web.templating import STATIC_DIR

    css = (STATIC_DIR / "app.css").read_text()
    print_rules = css[css.index("@media print"):]
    for selector in (".site-header", ".screen-only", ".feedback"):
        assert selector in print_rules


# --- history ------------------------------------------------------------------------------------------


def test_history_lists_only_my_matches_and_reopens_them(web: WebEnv) -> None:
    web.login("anna")
    first = web.intake(ref="pratica-1")
    second = web.intake(ref="pratica-2", comune="Lovere", stated_needs=["housing"])
    send_feedback(web, first, 1, outcome="accepted")
    web.client.post("/logout", data={"csrf_token": web.csrf()})
    web.login("bruno")
    web.intake(ref="pratica-di-bruno")
    assert [a.text for a in web.page("/storico").find("tbody").find_all("a")] == ["pratica-di-bruno"]
    web.client.post("/logout", data={"csrf_token": web.csrf()})
    web.login("anna")
    rows = web.page("/storico").find("tbody").find_all("tr")
    assert [r.find("a").text for r in rows] == ["pratica-2", "pratica-1"]
    assert [r.find("a").attrs["href"] for r in rows] == [f"/abbinamenti/{second}", f"/abbinamenti/{first}"]
    assert "Lovere (BG)" in rows[0].text and "casa" in rows[0].text
    assert "1 riscontro" in rows[1].text
    assert web.client.get(rows[1].find("a").attrs["href"]).status_code == 200
    web.client.post("/logout", data={"csrf_token": web.csrf()})
    web.login("carla")
    assert web.page("/storico").find("tbody") is None


# --- headers, schema, privacy ----------------------------------------------------------------------


def test_pages_send_protective_headers(logged_in: WebEnv) -> None:
    match_id = logged_in.intake()
    for path in ("/login", "/scheda", f"/abbinamenti/{match_id}", f"/abbinamenti/{match_id}/stampa", "/storico"):
        r = logged_in.client.get(path, follow_redirects=True)
        assert r.headers["cache-control"] == "no-store"
        assert "script-src 'self'" in r.headers["content-security-policy"] and "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY"
        assert "<script>" not in r.text and " style=" not in r.text and "onclick" not in r.text  # nothing the policy would block
    assert logged_in.client.get("/static/app.css").status_code == 200
    assert logged_in.client.get("/static/app.js").status_code == 200


def test_the_pages_are_not_in_the_api_schema(web: WebEnv) -> None:
    paths = web.client.get("/openapi.json").json()["paths"]
    assert all(p.startswith("/v1/") or p in ("/healthz", "/readyz") for p in paths)


def test_intake_notes_are_never_logged(logged_in: WebEnv, caplog: pytest.LogCaptureFixture) -> None:
    marker = "ZQXMARKER4412"
    caplog.set_level(logging.DEBUG)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            caplog.set_level(logging.DEBUG, logger=name)
    match_id = logged_in.intake(notes=f"La madre {marker} non riesce più a lavarsi da sola.")
    logged_in.client.get(f"/abbinamenti/{match_id}")
    logged_in.submit(notes=f"{marker} ancora", isee="non so")  # an invalid form too
    send_feedback(logged_in, match_id, 1, outcome="rejected", reason="other", comment=f"commento {marker}")
    leaks = [r.name for r in caplog.records if not r.name.startswith("httpx") and marker in (r.getMessage() + str(r.args))]
    assert leaks == []
    assert any(r.name == "welfare_match.access" and "POST /scheda 303" in r.getMessage() for r in caplog.records)


def test_an_age_in_unicode_digits_is_a_form_error_not_a_crash(logged_in: WebEnv) -> None:
    r = logged_in.submit(**{"household-0-age": "²"})
    assert r.status_code == 422
    assert _errors(parse(r.text))["household-0-age"] == "Persona 1: l'età «²» non è un numero intero di anni."
