"""The welfare manager's review page: server-rendered Italian pages on the same app as the
API (login, intake form, results with feedback, referral sheet, history).

``install(app, settings)`` adds the pages (kept out of the OpenAPI schema: they are not
API), the static CSS and JavaScript under ``/static``, and the handlers that turn the
pages' errors into Italian pages and a missing session into a redirect to the login.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from api.settings import Settings
from api.web import history, intake, login, results
from api.web.auth import LoginRequired, WebError, login_url, optional_session
from api.web.state import WebState
from api.web.templating import SECURITY_HEADERS, STATIC_DIR, render


def install(app: FastAPI, settings: Settings) -> None:
    app.state.web = WebState.create(settings.secret_key)
    for module in (login, intake, results, history):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> Response:
        # the page's header shows who is logged in (a store query: off the event loop)
        session = await run_in_threadpool(optional_session, request, request.app.state.welfare)
        return render(request, "error.html", status=exc.status, session=session, title=exc.title, message=exc.message)

    @app.exception_handler(LoginRequired)
    async def _login_required(_: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(login_url(exc.next_path), status_code=303, headers=SECURITY_HEADERS)
