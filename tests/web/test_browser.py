"""The review page in a real browser: Debian's chromium driven by Playwright, against the real
server (``recommender serve`` in a subprocess, SQLite store), as a welfare manager uses it.

Covered: keyboard-only login (wrong password, then right), the intake form filled and sent
with the keyboard (comune autocomplete, an added household row, stated needs), the results
(chips, marked evidence, services grouped by need, the map), feedback (accepted, rejected
with its reason, contacted) shown after a reload and stored, the referral sheet in print
media (no notes), history and reopening after logout, the server-side end of a session,
CSRF refusals, and an axe-core scan of every page (no serious or critical violation).

The browser is Debian's ``chromium`` (``scripts/ensure-chromium.sh`` installs it; ``make test``
runs it first). Playwright's own browser download is never used. Without chromium the tests
are skipped with the reason, or fail when ``WELFARE_MATCH_REQUIRE_CHROMIUM=1`` (set by
``make test`` once chromium is known to be installed). Screenshots are written to
``test-artifacts/screenshots/`` under stable names.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from recommender.store import tenants, users
from recommender.store.database import connect, upgrade
from recommender.store.matches import get_match
from tests.api.server import REPO_ROOT, Server, running_server
from tests.web.conftest import NOTES, PASSWORD, setup_store

SHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
EVIDENCE = "non riesce più a lavarsi da sola"
SERIOUS = {"serious", "critical"}


def _chromium() -> str:
    path = os.environ.get("WELFARE_MATCH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    reason = None
    if path is None:
        reason = "Debian's chromium is not installed (run scripts/ensure-chromium.sh, i.e. apt-get install chromium); Playwright's browser download is not used"
    else:
        try:
            import axe_playwright_python  # noqa: F401
            import playwright  # noqa: F401
        except ImportError as exc:
            reason = f"the dev extras are not installed ({exc.name}): pip install -c constraints.txt -e '.[dev]'"
    if reason:
        if os.environ.get("WELFARE_MATCH_REQUIRE_CHROMIUM") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def chromium_path() -> str:
    return _chromium()


@pytest.fixture(scope="module")
def server(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'store.sqlite3'}"
    db = connect(url)
    upgrade(db)
    setup_store(db)
    db.dispose()
    with running_server(url) as srv:
        yield srv, url


@pytest.fixture(scope="module")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # as root (CI, containers) chromium refuses to start with its sandbox
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        b = p.chromium.launch(executable_path=chromium_path, args=args)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    srv, _ = server
    context = browser.new_context(base_url=srv.url, viewport={"width": 1280, "height": 900}, locale="it-IT")
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def shot(pg, name: str, full_page: bool = True) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=full_page)
    return path


def assert_accessible(pg, what: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(pg)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"] if v.get("impact") in SERIOUS
    ]
    assert bad == [], f"accessibility problems on {what}:\n" + "\n".join(bad)


def focused(pg) -> dict:
    return pg.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
                   return {id: e.id, tag: e.tagName.toLowerCase(), text: (e.innerText || '').trim(), value: e.value,
                           outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth), shadow: s.boxShadow}; }"""
    )


def tab_to(pg, predicate, limit: int = 120) -> dict:
    """Press Tab until the focused element satisfies ``predicate``; each stop must show its focus."""
    for _ in range(limit):
        pg.keyboard.press("Tab")
        f = focused(pg)
        assert f["tag"] == "body" or (f["outline"] != "none" and f["outlineWidth"] >= 2) or f["shadow"] != "none", f"no visible focus on {f}"
        if predicate(f):
            return f
    raise AssertionError("the element was not reached with the Tab key")


def login_with_keyboard(pg, username: str = "anna", password: str = PASSWORD) -> None:
    pg.goto("/")
    assert pg.url.endswith("/login")
    assert focused(pg)["id"] == "username"  # autofocus
    pg.keyboard.type(username)
    pg.keyboard.press("Tab")
    pg.keyboard.type(password)
    with pg.expect_navigation():
        pg.keyboard.press("Enter")


def fill_intake_with_keyboard(pg) -> None:
    tab_to(pg, lambda f: f["id"] == "comune")
    pg.keyboard.type("Trescore Bal")
    # the script fills the suggestions from /v1/comuni
    pg.wait_for_function("() => [...document.querySelectorAll('#comuni-elenco option')].some(o => o.value === 'Trescore Balneario (BG)')")
    pg.keyboard.type("neario")
    tab_to(pg, lambda f: f["id"] == "ref")
    pg.keyboard.type("pratica-browser-1")
    tab_to(pg, lambda f: f["id"] == "isee")
    pg.keyboard.type("12.000")
    tab_to(pg, lambda f: f["id"] == "notes")
    pg.keyboard.type(NOTES)
    tab_to(pg, lambda f: f["id"] == "household-0-relation")
    pg.keyboard.type("figlio")
    tab_to(pg, lambda f: f["id"] == "household-0-age")
    pg.keyboard.type("9")
    tab_to(pg, lambda f: f["id"] == "household-1-relation")
    pg.keyboard.type("genitore")
    tab_to(pg, lambda f: f["id"] == "household-1-age")
    pg.keyboard.type("84")
    tab_to(pg, lambda f: f["id"] == "household-1-non_self_sufficient")
    pg.keyboard.press("Space")
    # a fourth person, added with the button (JavaScript), focus moves into the new row
    tab_to(pg, lambda f: f["text"] == "+ Aggiungi persona")
    pg.keyboard.press("Enter")
    assert focused(pg)["id"] == "household-3-relation"
    assert pg.locator("[data-person] legend").nth(3).inner_text() == "Persona 4"
    pg.keyboard.type("la persona")
    pg.keyboard.press("Tab")
    pg.keyboard.type("45")
    tab_to(pg, lambda f: f["id"] == "need-childcare")
    pg.keyboard.press("Space")
    assert pg.locator("#household-1-non_self_sufficient").is_checked() and pg.locator("#need-childcare").is_checked()
    assert pg.locator("#household-0-relation").input_value() == "child" and pg.locator("#household-3-relation").input_value() == "self"
    tab_to(pg, lambda f: f["text"] == "Cerca i servizi")


def test_the_managers_whole_visit(page, server) -> None:
    """Login, intake, results, feedback, referral sheet, history, logout: keyboard where a
    manager would use it, with an accessibility scan of each page."""
    srv, db_url = server
    pg = page

    # --- login: wrong password first, then right, keyboard only
    login_with_keyboard(pg, "anna", "not-the-password")
    alert = pg.get_by_role("alert")
    assert alert.inner_text() == "Nome utente o password non corretti."
    assert pg.locator("#username").input_value() == "anna"
    shot(pg, "01-login-error")
    assert_accessible(pg, "the login page")
    assert focused(pg)["id"] == "password"
    pg.keyboard.type(PASSWORD)
    pg.keyboard.press("Enter")
    pg.wait_for_url("**/scheda")

    # --- intake form, sent with Enter on its button
    assert pg.locator("h1").inner_text() == "Nuova scheda di colloquio"
    assert_accessible(pg, "the intake form")
    fill_intake_with_keyboard(pg)
    shot(pg, "02-intake-form")
    pg.keyboard.press("Enter")
    pg.wait_for_url("**/abbinamenti/*")
    match_id = pg.url.rsplit("/", 1)[1]

    # --- results
    chips = pg.locator("li.chip")
    assert chips.count() >= 3
    assert "dichiarato" in pg.locator("#chip-childcare").inner_text().lower()
    assert "emerso dal colloquio" in pg.locator("#chip-elderly_care").inner_text().lower()
    mark = pg.locator("mark#prova-elderly_care")
    assert EVIDENCE in mark.inner_text()
    pg.locator("#chip-elderly_care a.chip-evidence").click()  # the chip leads to its evidence
    assert pg.evaluate("location.hash") == "#prova-elderly_care"
    for code in ("childcare", "elderly_care"):
        assert pg.locator(f"#bisogno-{code}").is_visible()
        assert pg.locator(f"section:has(#bisogno-{code}) li.card").count() >= 1
    svg = pg.locator("svg.map")
    assert svg.is_visible() and svg.locator("title").text_content().startswith("Mappa: Trescore Balneario")
    assert svg.locator("g.map-marker").count() >= 1
    shot(pg, "03-results")
    assert_accessible(pg, "the results page")

    # --- feedback: accepted, rejected without and then with a reason, contacted
    first = pg.locator("#servizio-1")
    first.get_by_role("button", name="Accettato").click()
    pg.wait_for_load_state()
    assert "Riscontro salvato" in pg.get_by_role("status").inner_text()
    assert pg.locator("#servizio-1 .state").inner_text().endswith("Accettato")
    pg.locator("#servizio-2").get_by_role("button", name="Scartato").click()
    pg.wait_for_load_state()
    assert "scegli il motivo" in pg.locator("#reason-2-err").inner_text()
    shot(pg, "04-feedback-error")
    assert_accessible(pg, "the results page with a feedback error")
    pg.locator("#reason-2").select_option("too_far")
    pg.locator("#comment-2").fill("preferisce un servizio più vicino")
    pg.locator("#servizio-2").get_by_role("button", name="Scartato").click()
    pg.wait_for_load_state()
    pg.locator("#servizio-3").get_by_role("button", name="Contattato").click()
    pg.wait_for_load_state()
    pg.reload()
    assert pg.locator("#servizio-1 .state").inner_text().endswith("Accettato")
    assert pg.locator("#servizio-2 .state").inner_text().endswith("Scartato")
    assert pg.locator("#servizio-3 .state").inner_text().endswith("Contattato")
    shot(pg, "05-results-with-feedback")
    db = connect(db_url)
    try:
        m = get_match(db, tenants.get_tenant(db, "alpha"), match_id)
        rank = {r["service_id"]: r["rank"] for r in m.results}
        assert [(rank[f.service_id], f.outcome, f.reason) for f in m.feedback] == [(1, "accepted", None), (2, "rejected", "too_far"), (3, "contacted", None)]
        assert m.created_by == users.get_user(db, "anna").id and m.notes is None
    finally:
        db.dispose()

    # --- the referral sheet, as printed
    pg.goto(f"/abbinamenti/{match_id}/stampa")
    assert pg.get_by_role("button", name="Stampa").is_visible()
    assert_accessible(pg, "the referral sheet")
    pg.emulate_media(media="print")
    body = pg.locator("body").inner_text()
    assert EVIDENCE not in body and "stremo" not in body and "dalle note" not in body
    assert not pg.get_by_role("button", name="Stampa").is_visible() and not pg.locator(".site-header").is_visible()
    names = pg.locator("li.referral-item h2").all_inner_texts()
    assert len(names) == 2  # the accepted and the contacted one; the rejected one is not printed
    assert "Telefono" in pg.locator("li.referral-item").first.inner_text()
    shot(pg, "06-referral-sheet-print")
    pg.pdf(path=str(SHOTS / "06-referral-sheet.pdf"), format="A4")
    pg.emulate_media(media="screen")

    # --- history, logout (the session ends on the server), reopening without the notes
    pg.goto("/storico")
    row = pg.locator("tbody tr").first
    assert "pratica-browser-1" in row.inner_text() and "3 riscontri" in row.inner_text()
    shot(pg, "07-history")
    assert_accessible(pg, "the history")
    cookie = next(c for c in pg.context.cookies() if c["name"] == "wm_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    pg.get_by_role("button", name="Esci").click()
    pg.wait_for_url("**/login?uscito=1")
    pg.context.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path")}])  # a stolen copy of the cookie
    pg.goto("/scheda")
    assert "/login" in pg.url
    login_with_keyboard(pg)
    pg.goto("/storico")
    pg.get_by_role("link", name="pratica-browser-1").click()
    pg.wait_for_url(f"**/abbinamenti/{match_id}")
    assert "non sono state conservate" in pg.locator("#note-avviso").inner_text()
    assert EVIDENCE not in pg.locator("main").inner_text()
    shot(pg, "08-results-reopened")


def test_invalid_form_errors_are_announced_and_accessible(page) -> None:
    pg = page
    login_with_keyboard(pg)
    pg.wait_for_url("**/scheda")
    pg.fill("#comune", "Trescre")
    pg.fill("#isee", "tanto")
    pg.fill("#household-0-age", "nove")
    pg.get_by_role("button", name="Cerca i servizi").click()
    pg.wait_for_load_state()
    summary = pg.locator("#riepilogo-errori")
    assert summary.is_visible() and focused(pg)["id"] == "riepilogo-errori"  # focus moves to the list of problems
    assert "Comune: «Trescre» non è un comune italiano" in summary.inner_text()
    pg.get_by_role("link", name="ISEE: «tanto» non è un importo", exact=False).click()
    assert focused(pg)["id"] == "isee"
    shot(pg, "09-intake-form-errors")
    assert_accessible(pg, "the intake form with errors")


def test_posts_without_the_sessions_token_are_refused(page, server) -> None:
    srv, db_url = server
    pg = page
    login_with_keyboard(pg)
    pg.wait_for_url("**/scheda")
    form = {"comune": "Trescore Balneario", "notes": "prova"}
    for extra in ({}, {"csrf_token": "forged"}):
        r = pg.request.post("/scheda", form={**form, **extra}, max_redirects=0)
        assert r.status == 403 and "Modulo scaduto o non valido" in r.text()
    token = pg.locator("input[name=csrf_token]").first.get_attribute("value")
    r = pg.request.post("/scheda", form={**form, "csrf_token": token}, max_redirects=0)
    assert r.status == 303  # the same request with the page's token goes through
