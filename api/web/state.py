"""What the review page holds for the application's lifetime, beside ``api.state.AppState``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Request

from api.web.auth import LoginCsrf, LoginThrottle
from api.web.catalogues import MatchCatalogues
from api.web.recent import RecentIntakes


@dataclass
class WebState:
    login_csrf: LoginCsrf
    throttle: LoginThrottle
    recent: RecentIntakes
    catalogues: MatchCatalogues

    @classmethod
    def create(cls, secret_key: str | None) -> WebState:
        # Without a configured key, a random one per process: a login form rendered before
        # a restart is then refused once (and shown again), which is harmless.
        secret = secret_key.encode("utf-8") if secret_key else secrets.token_bytes(32)
        return cls(LoginCsrf(secret), LoginThrottle(), RecentIntakes(), MatchCatalogues())


def web_state(request: Request) -> WebState:
    return request.app.state.web
