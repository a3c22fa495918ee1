"""``/abbinamenti/{id}``: a match's needs and services, the feedback on them, and the
citizen's referral sheet (``/stampa``). Only the tenant's own matches exist here: another
tenant's match id is a 404, exactly like an id that was never issued."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData

from api.engines import CatalogueUnavailable
from api.state import AppState, app_state
from api.web import presenters
from api.web.auth import WebError, checked_form, require_session
from api.web.state import WebState, web_state
from api.web.templating import SECURITY_HEADERS, render
from recommender.feedback import OUTCOMES, REASONS
from recommender.gazetteer import default_gazetteer
from recommender.store.matches import FeedbackEvent, StoredMatch, add_feedback, get_match
from recommender.store.web_sessions import WebSession

router = APIRouter(include_in_schema=False)
_EVENT_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
MAX_COMMENT = 2000


@dataclass
class FeedbackProblem:
    service_id: str
    field: str  # "reason", "comment" or "outcome"
    message: str
    reason: str = ""
    comment: str = ""


def _match_or_404(state: AppState, session: WebSession, match_id: str) -> StoredMatch:
    match = get_match(state.db, session.tenant, match_id) if len(match_id) <= 64 else None
    if match is None:
        raise WebError(404, "Scheda non trovata", "Questa scheda non esiste o non appartiene al tuo ente. Apri lo storico per ritrovare le tue schede.")
    return match


@dataclass
class MatchView:
    match: StoredMatch
    notes: str | None
    notes_source: str  # "stored", "session", "none" (the tenant keeps no notes), "empty"
    intake: dict | None
    needs: list[presenters.NeedChip]
    segments: list[presenters.Segment]
    cards: list[presenters.ServiceCard]
    groups: list[presenters.NeedGroup]
    comune_name: str
    map_svg: Markup | None
    catalogue_missing: bool


def build_view(state: AppState, web: WebState, session: WebSession, match: StoredMatch) -> MatchView:
    recent = web.recent.get(session.id, match.id) if match.notes is None else None
    if match.notes is not None:
        notes, source, needs, results, intake = match.notes, "stored", match.needs, match.results, match.intake
    elif recent is not None:
        notes, source, needs, results, intake = recent.notes, "session", recent.needs, recent.results, recent.intake
    else:
        notes, source, needs, results, intake = None, "none", match.needs, match.results, match.intake
    if notes is not None and not notes.strip():
        source = "empty"
    try:
        catalogue = web.catalogues.get(state.engines, session.tenant, match.catalogue_id)
    except CatalogueUnavailable:
        catalogue = None
    comune = default_gazetteer().get(match.comune_istat)
    chips = presenters.chips(needs, notes)
    cards = presenters.cards(match, results, catalogue, comune, intake)
    return MatchView(
        match=match, notes=notes, notes_source=source, intake=intake, needs=chips,
        segments=presenters.mark_evidence(notes, chips) if notes else [],
        cards=cards, groups=presenters.groups(chips, cards),
        comune_name=f"{comune.name} ({comune.province_abbr})" if comune else match.comune_istat,
        map_svg=presenters.service_map(comune, cards), catalogue_missing=catalogue is None,
    )


def _results_page(request: Request, session: WebSession, web: WebState, view: MatchView, status: int = 200,
                  problem: FeedbackProblem | None = None, saved: str = "") -> Response:
    saved_card = next((c for c in view.cards if c.service_id == saved), None)
    return render(
        request, "results.html", status=status, session=session, nav="", view=view, problem=problem, saved_card=saved_card,
        reasons=REASONS, new_event_id=lambda: uuid.uuid4().hex, max_comment=MAX_COMMENT,
    )


@router.get("/abbinamenti/{match_id}")
def results(request: Request, match_id: str, salvato: str = "", session: WebSession = Depends(require_session),
            state: AppState = Depends(app_state), web: WebState = Depends(web_state)) -> Response:
    match = _match_or_404(state, session, match_id)
    return _results_page(request, session, web, build_view(state, web, session, match), saved=salvato[:200])


def _read_feedback(form: FormData, match: StoredMatch) -> tuple[FeedbackEvent | None, FeedbackProblem | None]:
    def text(name: str, limit: int) -> str:
        value = form.get(name)
        return value[:limit] if isinstance(value, str) else ""

    service_id = text("service_id", 200)
    outcome = text("outcome", 40)
    reason = text("reason", 40)
    comment = text("comment", MAX_COMMENT + 1).strip()
    event_id = text("event_id", 100)
    if service_id not in {r["service_id"] for r in match.results}:
        raise WebError(422, "Servizio non valido", "Il servizio indicato non fa parte dei suggerimenti di questa scheda. Ricarica la pagina e riprova.")
    problem = None
    if outcome not in OUTCOMES:
        problem = FeedbackProblem(service_id, "outcome", "Esito: scegli uno dei pulsanti «Accettato», «Contattato» o «Scartato».", reason, comment)
    elif reason and reason not in REASONS:
        problem = FeedbackProblem(service_id, "reason", "Motivo: scegli una voce dell'elenco.", "", comment)
    elif outcome == "rejected" and not reason:
        problem = FeedbackProblem(service_id, "reason", "Motivo: per scartare una proposta scegli il motivo dall'elenco.", reason, comment)
    elif len(comment) > MAX_COMMENT:
        problem = FeedbackProblem(service_id, "comment", f"Commento: al massimo {MAX_COMMENT} caratteri.", reason, comment[:MAX_COMMENT])
    elif "\x00" in comment:  # PostgreSQL text cannot hold it
        problem = FeedbackProblem(service_id, "comment", "Commento: contiene un carattere non valido (un carattere nullo); cancellalo e riprova.", reason, comment.replace("\x00", ""))
    if problem:
        return None, problem
    # a double click or a resubmitted page sends the same event id: stored once
    eid = event_id if _EVENT_ID_RE.match(event_id) else None
    return FeedbackEvent(service_id, outcome, reason or None, comment or None, eid), None


@router.post("/abbinamenti/{match_id}/riscontro")
def record_feedback(request: Request, match_id: str, form: FormData = Depends(checked_form), session: WebSession = Depends(require_session),
                    state: AppState = Depends(app_state), web: WebState = Depends(web_state)) -> Response:
    match = _match_or_404(state, session, match_id)
    event, problem = _read_feedback(form, match)
    if problem is not None:
        return _results_page(request, session, web, build_view(state, web, session, match), status=422, problem=problem)
    assert event is not None
    add_feedback(state.db, match, [event])
    rank = next(r["rank"] for r in match.results if r["service_id"] == event.service_id)
    return RedirectResponse(f"/abbinamenti/{match.id}?salvato={event.service_id}#servizio-{rank}", status_code=303, headers=SECURITY_HEADERS)


@router.get("/abbinamenti/{match_id}/stampa")
def referral_sheet(request: Request, match_id: str, session: WebSession = Depends(require_session),
                   state: AppState = Depends(app_state), web: WebState = Depends(web_state)) -> Response:
    match = _match_or_404(state, session, match_id)
    view = build_view(state, web, session, match)
    chosen, accepted = presenters.referral_cards(view.cards)
    return render(
        request, "print.html", session=session, view=view, chosen=chosen, accepted=accepted,
        bring={c.service_id: presenters.what_to_bring(c, view.intake) for c in chosen}, today=datetime.now(),
    )
