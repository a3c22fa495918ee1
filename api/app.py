"""The FastAPI application factory.

``create_app(settings)`` wires the store, the engine registry, the middleware and the
routes. On start it upgrades the schema (Alembic) and fits every tenant's catalogue in a
background thread; ``/readyz`` says when that is done.
"""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI

from api import web
from api.engines import EngineRegistry
from api.errors import install_handlers
from api.middleware import AccessLog, BodyLimit
from api.routes import catalogue, health, insights, matching, reference
from api.settings import Settings
from api.state import AppState
from recommender.store.database import connect, upgrade

DESCRIPTION = """
Needs-to-service matching for Italian welfare platforms.

Every `/v1` route except `/v1/needs` and `/v1/comuni` needs the platform's API key, as
`X-API-Key: wm_...` or `Authorization: Bearer wm_...`. Each platform (tenant) sees only its
own catalogue, matches and feedback. Errors always read `{"detail": ..., "errors": [{"field", "message"}]}`.
"""


def create_app(settings: Settings | None = None, warm: bool = True) -> FastAPI:
    settings = settings or Settings.from_env()
    db = connect(settings.database_url)
    if settings.migrate_on_start:
        upgrade(db)
    reranker = None
    if settings.ranker:
        from recommender.models.reranker import load_reranker

        reranker = load_reranker(settings.ranker)  # an unknown model stops the start-up, with its reason
    registry = EngineRegistry(db, settings.encoder, settings.engine_cache, reranker)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if warm:
            registry.status.warming = True  # before the thread runs: /readyz must not say ready first
            threading.Thread(target=registry.warm, name="warm-engines", daemon=True).start()
        yield
        db.dispose()

    app = FastAPI(title="welfare-match", version="1.0.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.welfare = AppState(settings, db, registry)
    install_handlers(app)
    for module in (matching, catalogue, insights, reference, health):
        app.include_router(module.router)
    web.install(app, settings)  # the welfare managers' review page (HTML, outside the OpenAPI schema)
    app.add_middleware(BodyLimit, default_limit=settings.max_body_bytes, limits={("PUT", "/v1/catalogue"): settings.max_catalogue_bytes})
    app.add_middleware(AccessLog)
    # outside Starlette's ServerErrorMiddleware, which re-raises after the 500 is sent
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: ContainErrors(build())
    return app


class ContainErrors:
    """Starlette answers an unhandled exception with the app's 500 handler (which logs the
    type and the stack) and then re-raises it to the server, which would log it again *with
    its message*, and a message can quote an intake. The 500 is sent by then: stop it here."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":  # lifespan failures must reach the server's log
            await self.app(scope, receive, send)
            return
        with suppress(Exception):
            await self.app(scope, receive, send)
