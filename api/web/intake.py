"""``/scheda``: the intake form. A valid form is matched by the tenant's engine (the same
registry as the API), stored with the manager as its author, and answered with a redirect to
the results page (POST/redirect/GET: a reload does not match the intake twice)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from api.engines import CatalogueUnavailable, TenantEngine
from api.routes.matching import new_match
from api.state import AppState, app_state
from api.web.auth import checked_form, require_session
from api.web.forms import (
    FUNDING_LABELS,
    MAX_HOUSEHOLD_ROWS,
    NEED_CHOICES,
    RELATIONS,
    IntakeForm,
    default_form,
    read_intake_form,
    validate_intake,
)
from api.web.state import WebState, web_state
from api.web.templating import SECURITY_HEADERS, render
from recommender.store.matches import save_matches
from recommender.store.web_sessions import WebSession

router = APIRouter(include_in_schema=False)
# Suggestions per intake: enough for a short list under each of the needs usually found.
WEB_TOP_K = 12

NO_CATALOGUE = "Il tuo ente non ha ancora caricato il catalogo dei servizi: chiedi all'amministratore della piattaforma di caricarlo."
BROKEN_CATALOGUE = "Il catalogo dei servizi del tuo ente non si può usare in questo momento: chiedi all'amministratore di caricarlo di nuovo."


def _engine(state: AppState, session: WebSession) -> tuple[TenantEngine | None, str]:
    try:
        engine = state.engines.get(session.tenant)
    except CatalogueUnavailable:
        return None, BROKEN_CATALOGUE
    return engine, "" if engine is not None else NO_CATALOGUE


def _form_page(request: Request, session: WebSession, web: WebState, engine: TenantEngine | None, form: IntakeForm,
               status: int = 200, problem: str = "") -> Response:
    comuni = web.catalogues.served_comuni(engine.catalogue_id, engine.catalogue) if engine is not None else []
    return render(
        request, "intake.html", status=status, session=session, nav="scheda", form=form, problem=problem,
        relations=RELATIONS, funding_labels=FUNDING_LABELS, need_choices=NEED_CHOICES, comuni=comuni,
        max_rows=MAX_HOUSEHOLD_ROWS, store_notes=session.tenant.store_notes, retention_days=session.tenant.retention_days,
    )


@router.get("/scheda")
def intake_form(request: Request, session: WebSession = Depends(require_session), state: AppState = Depends(app_state),
                web: WebState = Depends(web_state)) -> Response:
    engine, problem = _engine(state, session)
    return _form_page(request, session, web, engine, default_form(), problem=problem)


@router.post("/scheda")
def submit_intake(request: Request, form_data: FormData = Depends(checked_form), session: WebSession = Depends(require_session),
                  state: AppState = Depends(app_state), web: WebState = Depends(web_state)) -> Response:
    form = read_intake_form(form_data)
    engine, problem = _engine(state, session)
    if engine is None:
        return _form_page(request, session, web, None, form, status=409 if problem == NO_CATALOGUE else 503, problem=problem)
    valid = validate_intake(form, datetime.now(), prefer_provinces=engine.pipeline.provinces_)
    if valid is None:
        return _form_page(request, session, web, engine, form, status=422)
    model, intake = valid
    as_of = date.today()
    result = engine.pipeline.match(intake, as_of=as_of, top_k=WEB_TOP_K)
    stored = new_match(intake, model, result, as_of, WEB_TOP_K)
    [match_id] = save_matches(state.db, session.tenant, engine.catalogue_id, [stored], created_by=session.user.id)
    if not session.tenant.store_notes:
        out = result.to_json()
        web.recent.put(session.id, match_id, intake.notes, out["needs"], out["results"], stored.intake or {})
    return RedirectResponse(f"/abbinamenti/{match_id}", status_code=303, headers=SECURITY_HEADERS)
