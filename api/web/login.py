"""``/`` ``/login`` ``/logout``: how a welfare manager gets in and out."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.state import AppState, app_state
from api.web.auth import (
    FAILURE_DELAY_S,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    LoginCsrf,
    checked_form,
    clear_session_cookie,
    optional_session,
    read_form,
    require_session,
    safe_next,
    set_session_cookie,
)
from api.web.state import WebState, web_state
from api.web.templating import SECURITY_HEADERS, render
from recommender.store.users import authenticate, normalize_username
from recommender.store.web_sessions import WebSession, create_session, end_session

router = APIRouter(include_in_schema=False)
BAD_LOGIN = "Nome utente o password non corretti."


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


@router.get("/")
def home(session: WebSession | None = Depends(optional_session)) -> Response:
    return _redirect("/scheda" if session else "/login")


def _login_page(request: Request, web: WebState, status: int = 200, error: str = "", username: str = "", next_path: str = "/", notice: str = "") -> Response:
    form_token, cookie = web.login_csrf.issue()
    response = render(request, "login.html", status=status, error=error, notice=notice, username=username, next_path=next_path, login_token=form_token)
    LoginCsrf.set_cookie(response, request, cookie)
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/", uscito: str = "", session: WebSession | None = Depends(optional_session),
               web: WebState = Depends(web_state)) -> Response:
    if session is not None:
        return _redirect(safe_next(next) if safe_next(next) != "/" else "/scheda")
    notice = "Sei uscito. Per continuare, accedi di nuovo." if uscito else ""
    return _login_page(request, web, next_path=safe_next(next), notice=notice)


@router.post("/login")
async def login(request: Request, web: WebState = Depends(web_state), state: AppState = Depends(app_state)) -> Response:
    form = await read_form(request)
    username = form.get("username") if isinstance(form.get("username"), str) else ""
    password = form.get("password") if isinstance(form.get("password"), str) else ""
    next_path = safe_next(form.get("next") if isinstance(form.get("next"), str) else "/")
    if not web.login_csrf.check(form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _login_page(request, web, 403, "Il modulo di accesso era scaduto: inserisci di nuovo nome utente e password.", username[:64], next_path)
    if not username.strip() or not password:
        missing = "il nome utente" if not username.strip() else "la password"
        return _login_page(request, web, 422, f"Scrivi {missing}.", username[:64], next_path)
    client = request.client.host if request.client else "-"
    key = normalize_username(username)[:64]
    wait = web.throttle.blocked_for(client, key)
    if wait > 0:
        minutes = max(1, round(wait / 60))
        return _login_page(request, web, 429, f"Troppi tentativi non riusciti. Riprova tra {minutes} minut{'o' if minutes == 1 else 'i'}.", username[:64], next_path)
    # scrypt takes tens of milliseconds: off the event loop
    user = await run_in_threadpool(authenticate, state.db, username, password)
    if user is None:
        web.throttle.failed(client, key)
        await asyncio.sleep(FAILURE_DELAY_S)
        return _login_page(request, web, 401, BAD_LOGIN, username[:64], next_path)
    web.throttle.succeeded(client, key)
    token, _ = await run_in_threadpool(create_session, state.db, user)
    response = _redirect(next_path if next_path != "/" else "/scheda")
    set_session_cookie(response, request, token)
    LoginCsrf.clear_cookie(response, request)
    return response


@router.post("/logout")
def logout(request: Request, _form=Depends(checked_form), session: WebSession = Depends(require_session),
           state: AppState = Depends(app_state), web: WebState = Depends(web_state)) -> Response:
    end_session(state.db, request.cookies.get(SESSION_COOKIE))
    web.recent.forget_session(session.id)
    response = _redirect("/login?uscito=1")
    clear_session_cookie(response, request)
    return response
