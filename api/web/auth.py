"""Who is using the review page, and that a form really comes from it.

- **Session**: after login the browser holds a random token in the ``wm_session`` cookie
  (HttpOnly, SameSite=Lax, Path=/, Secure over https); the store keeps its SHA-256 and the
  session's times (``recommender/store/web_sessions.py``), so logout, an idle timeout or a
  disabled account end it at once.
- **CSRF**: every form that changes something carries the session's synchronizer token in
  a hidden field, checked before anything is done. The login form, which has no session
  yet, carries a random nonce that must equal the one in the ``wm_login_csrf`` cookie,
  whose value is signed with the server's key (a signed double-submit cookie).
- **Guessing**: a failed login waits ``FAILURE_DELAY_S``; after ``MAX_FAILURES`` failures
  for one username from one address within ``WINDOW_S``, further attempts are refused
  without checking the password until the window has passed.

SameSite=Lax rather than Strict: with Strict, following a link to the page from the
platform's portal or an e-mail would show the login form to a manager who is logged in.
Lax still keeps the cookie off cross-site POSTs, and every POST is checked for its token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from api.state import AppState, app_state
from recommender.store.web_sessions import IDLE, WebSession, get_session

SESSION_COOKIE = "wm_session"
LOGIN_CSRF_COOKIE = "wm_login_csrf"
CSRF_FIELD = "csrf_token"
MAX_FAILURES = 5
WINDOW_S = 15 * 60
FAILURE_DELAY_S = 0.5


class WebError(Exception):
    """An error shown to the manager as an Italian page with this status."""

    def __init__(self, status: int, title: str, message: str):
        super().__init__(title)
        self.status, self.title, self.message = status, title, message


class LoginRequired(Exception):
    """No live session: the page answers with a redirect to the login form."""

    def __init__(self, next_path: str):
        super().__init__(next_path)
        self.next_path = next_path


def login_url(next_path: str | None = None) -> str:
    return "/login" + (f"?next={quote(next_path, safe='/')}" if next_path and safe_next(next_path) != "/" else "")


def safe_next(value: str | None) -> str:
    """A local path to go back to after login; anything else (another site) is ``/``."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value and len(value) <= 300:
        return value
    return "/"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=int(IDLE.total_seconds()), path="/", httponly=True, samesite="lax", secure=_secure(request))


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))


def optional_session(request: Request, state: AppState = Depends(app_state)) -> WebSession | None:
    session = get_session(state.db, request.cookies.get(SESSION_COOKIE))
    if session is not None:
        request.state.tenant_name = session.tenant.name  # for the access log, like the API
    return session


def require_session(request: Request, session: WebSession | None = Depends(optional_session)) -> WebSession:
    if session is None:
        path = request.url.path if request.method == "GET" else "/"
        raise LoginRequired(path + (f"?{request.url.query}" if request.url.query and request.method == "GET" else ""))
    return session


async def checked_form(request: Request, session: WebSession = Depends(require_session)) -> FormData:
    """The POSTed form of a logged-in manager, once its CSRF token matches the session's."""
    form = await read_form(request)
    sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
        raise csrf_refused()
    return form


async def read_form(request: Request) -> FormData:
    try:
        return await request.form(max_files=0, max_fields=400)
    except Exception as exc:  # malformed multipart, too many fields: the client's problem
        raise WebError(400, "Modulo non leggibile", "Il modulo inviato non è leggibile. Ricarica la pagina e riprova.") from exc


def csrf_refused() -> WebError:
    return WebError(
        403, "Modulo scaduto o non valido",
        "Per sicurezza il modulo non è stato accettato: forse la pagina era aperta da molto tempo o la sessione è cambiata. "
        "Ricarica la pagina e ripeti l'operazione.",
    )


# --- the login form's token (no session yet) -------------------------------------------------


class LoginCsrf:
    """Signed double-submit token for the login form."""

    def __init__(self, secret: bytes):
        self._secret = secret

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._secret, nonce.encode(), hashlib.sha256).hexdigest()

    def issue(self) -> tuple[str, str]:
        """``(form value, cookie value)``."""
        nonce = secrets.token_urlsafe(24)
        return nonce, f"{nonce}.{self._sign(nonce)}"

    def check(self, form_value: object, cookie_value: str | None) -> bool:
        if not isinstance(form_value, str) or not cookie_value or "." not in cookie_value:
            return False
        nonce, _, signature = cookie_value.rpartition(".")
        return hmac.compare_digest(signature, self._sign(nonce)) and hmac.compare_digest(nonce.encode(), form_value.encode())

    @staticmethod
    def set_cookie(response: Response, request: Request, value: str) -> None:
        response.set_cookie(LOGIN_CSRF_COOKIE, value, max_age=2 * 3600, path="/login", httponly=True, samesite="lax", secure=_secure(request))

    @staticmethod
    def clear_cookie(response: Response, request: Request) -> None:
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login", httponly=True, samesite="lax", secure=_secure(request))


# --- guessing ------------------------------------------------------------------------------


class LoginThrottle:
    """Failed logins per (client address, username), in this process's memory."""

    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = WINDOW_S):
        self.max_failures, self.window_s = max_failures, window_s
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], at: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= at - self.window_s:
            times.popleft()
        return times

    def blocked_for(self, client: str, username: str) -> float:
        """Seconds until this client may try this username again (0: now)."""
        at = time.monotonic()
        with self._lock:
            times = self._recent((client, username), at)
            if len(times) < self.max_failures:
                return 0.0
            return times[0] + self.window_s - at

    def failed(self, client: str, username: str) -> None:
        at = time.monotonic()
        with self._lock:
            self._recent((client, username), at).append(at)
            if len(self._failures) > 10_000:  # bound the memory an attacker can make us use
                for key in [k for k, v in self._failures.items() if not v or v[-1] <= at - self.window_s]:
                    del self._failures[key]

    def succeeded(self, client: str, username: str) -> None:
        with self._lock:
            self._failures.pop((client, username), None)
