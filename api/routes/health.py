"""Liveness (``/healthz``) and readiness (``/readyz``) for the orchestrator."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.schemas import Health, Readiness
from api.state import AppState, app_state

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="The process is alive")
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness, "description": "not ready yet, or the database is unreachable"}}, summary="Ready to match")
def readyz(state: AppState = Depends(app_state)) -> JSONResponse:
    """Ready when the database answers, the encoder is loaded and the tenants' catalogues
    are fitted (the server fits them in the background right after start)."""
    problems: list[str] = []
    try:
        with state.db.connect() as conn:
            conn.execute(text("SELECT 1"))
        database = True
    except Exception as exc:
        database = False
        problems.append(f"database unreachable ({type(exc).__name__})")
    status = state.engines.status
    if status.warming:
        problems.append("loading the encoder and the catalogues")
    if status.warm_error:
        problems.append(f"start-up failed: {status.warm_error}")
    problems += [f"catalogue of tenant '{t}' failed to load ({e})" for t, e in status.errors.items()]
    if not status.encoder_loaded and not status.warming:
        problems.append("encoder not loaded")
    ok = database and status.encoder_loaded and not status.warming and not status.warm_error
    body = Readiness(
        status="ready" if ok else ("starting" if status.warming else "unavailable"),
        database=database, encoder=status.encoder_loaded, catalogues_loaded=status.loaded, problems=problems,
    )
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
