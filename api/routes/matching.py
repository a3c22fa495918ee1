"""Matching and feedback: ``/v1/match``, ``/v1/match/batch``, ``/v1/matches/{id}``."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Path

from api.auth import current_tenant
from api.engines import TenantEngine
from api.errors import ApiError, input_errors
from api.routes.common import engine_or_409, errors
from api.schemas import (
    BatchItem,
    BatchRequest,
    BatchResponse,
    FeedbackOut,
    FeedbackRequest,
    FeedbackResponse,
    MatchDetail,
    MatchRequest,
    MatchResponse,
)
from api.state import AppState, app_state
from recommender.errors import InputError
from recommender.insights.records import profile_of
from recommender.intake import Intake, IntakeModel, parse_intake, resolve_intake
from recommender.pipeline import MatchResult
from recommender.store.catalogues import catalogue_version
from recommender.store.matches import FeedbackEvent, NewMatch, add_feedback, get_match, save_matches
from recommender.store.tenants import Tenant

router = APIRouter(prefix="/v1", tags=["matching"])
MatchId = Path(description="the match_id returned by /v1/match", max_length=64)


def _stored_intake(model: IntakeModel) -> dict:
    return model.model_dump(mode="json", include={"comune", "stated_needs", "household", "isee", "funding", "max_distance_km"})


def new_match(intake: Intake, model: IntakeModel, result: MatchResult, as_of: date, top_k: int) -> NewMatch:
    """What the store keeps of one match (the API's and the review page's alike)."""
    out = result.to_json()
    # The score components are stored with each suggestion (numbers only, nothing of the
    # notes): feedback on the match can then train a re-ranker (`recommender train-ranker`).
    results = [{**r, "features": f} for r, f in zip(out["results"], result.features)] if result.features else out["results"]
    # The coarse profile (household type, age bands) is kept whatever the notes setting:
    # it is all the insights need of the people (docs/privacy.md, data minimisation).
    return NewMatch(intake.id, intake.comune.istat_code, as_of, top_k, out["needs"], results, notes=intake.notes or None, intake=_stored_intake(model),
                    profile=profile_of(intake).to_json())


def _response(match_id: str, engine: TenantEngine, result: MatchResult, as_of: date) -> MatchResponse:
    out = result.to_json()
    return MatchResponse(match_id=match_id, id=out["id"], as_of=as_of, catalogue_version=engine.version, needs=out["needs"], results=out["results"])


@router.post("/match", response_model=MatchResponse, responses=errors(409, 422), summary="Match one intake")
def match_one(body: MatchRequest, tenant: Tenant = Depends(current_tenant), state: AppState = Depends(app_state)) -> MatchResponse:
    """Surface the intake's needs and rank the tenant's services for them. The match is
    stored (needs and results; the notes only if the tenant enabled it) and its
    ``match_id`` is what feedback refers to."""
    engine = engine_or_409(state, tenant)
    intake = resolve_intake(body, prefer_provinces=engine.pipeline.provinces_)
    as_of = body.as_of or date.today()
    result = engine.pipeline.match(intake, as_of=as_of, top_k=body.top_k)
    [match_id] = save_matches(state.db, tenant, engine.catalogue_id, [new_match(intake, body, result, as_of, body.top_k)])
    return _response(match_id, engine, result, as_of)


@router.post("/match/batch", response_model=BatchResponse, responses=errors(409, 422), summary="Match up to 1,000 intakes")
def match_batch(body: BatchRequest, tenant: Tenant = Depends(current_tenant), state: AppState = Depends(app_state)) -> BatchResponse:
    """One item per intake, in order: either ``match`` or ``errors`` (each naming its field,
    e.g. ``body.intakes[3].household[0].age``). A bad intake does not fail the others."""
    if len(body.intakes) > state.settings.max_batch:
        raise ApiError(422, f"at most {state.settings.max_batch} intakes per call", [{"field": "body.intakes", "message": f"has {len(body.intakes)} items, the limit is {state.settings.max_batch}"}])
    engine = engine_or_409(state, tenant)
    as_of = body.as_of or date.today()
    items: list[BatchItem] = []
    valid: list[tuple[int, Intake, IntakeModel]] = []
    for i, raw in enumerate(body.intakes):
        obj = raw.model_dump() if isinstance(raw, IntakeModel) else raw
        ref = obj.get("id") if isinstance(obj, dict) and isinstance(obj.get("id"), str) else None
        try:
            intake = parse_intake(obj, prefer_provinces=engine.pipeline.provinces_)
        except InputError as exc:
            items.append(BatchItem(index=i, id=ref, errors=input_errors(exc, f"body.intakes[{i}]")))
            continue
        valid.append((i, intake, IntakeModel.model_validate(obj)))
        items.append(BatchItem(index=i, id=intake.id))
    results = list(engine.pipeline.match_many((v[1] for v in valid), as_of=as_of, top_k=body.top_k))
    ids = save_matches(state.db, tenant, engine.catalogue_id, [new_match(it, m, r, as_of, body.top_k) for (_, it, m), r in zip(valid, results)])
    for (i, _, _), result, match_id in zip(valid, results, ids):
        items[i].match = _response(match_id, engine, result, as_of)
    return BatchResponse(matched=len(valid), failed=len(items) - len(valid), items=items)


def _feedback_out(f) -> FeedbackOut:
    return FeedbackOut(id=f.id, service_id=f.service_id, rank=f.rank, need=f.need, outcome=f.outcome, reason=f.reason, comment=f.comment, created_at=f.created_at, event_id=f.event_id)


@router.get("/matches/{match_id}", response_model=MatchDetail, responses=errors(404, 422), summary="A stored match with its feedback")
def read_match(match_id: str = MatchId, tenant: Tenant = Depends(current_tenant), state: AppState = Depends(app_state)) -> MatchDetail:
    m = get_match(state.db, tenant, match_id)
    if m is None:
        raise ApiError(404, f"no match '{match_id}'")
    return MatchDetail(
        match_id=m.id, id=m.intake_ref, comune_istat=m.comune_istat, as_of=m.as_of,
        catalogue_version=catalogue_version(state.db, m.catalogue_id), created_at=m.created_at,
        needs=m.needs, results=m.results, notes=m.notes, feedback=[_feedback_out(f) for f in m.feedback],
    )


@router.post("/matches/{match_id}/feedback", status_code=201, response_model=FeedbackResponse, responses=errors(404, 422), summary="Record feedback on suggestions")
def record_feedback(body: FeedbackRequest, match_id: str = MatchId, tenant: Tenant = Depends(current_tenant), state: AppState = Depends(app_state)) -> FeedbackResponse:
    """Per suggested service: ``accepted``, ``rejected``, ``contacted`` or ``service_used``,
    with an optional reason code and comment. Events are appended, never overwritten, and
    are committed before the response is sent. Give each event an ``event_id`` to make
    retries safe: an event_id already stored for this match is not stored again."""
    m = get_match(state.db, tenant, match_id)
    if m is None:
        raise ApiError(404, f"no match '{match_id}'")
    suggested = {r["service_id"] for r in m.results}
    bad = [
        {"field": f"body.items[{i}].service_id", "message": f"service '{item.service_id}' was not suggested in this match"}
        for i, item in enumerate(body.items)
        if item.service_id not in suggested
    ]
    if bad:
        raise ApiError(422, "feedback can only be given on the services this match suggested", bad)
    seen: dict[str, int] = {}
    for i, item in enumerate(body.items):
        if item.event_id is not None and seen.setdefault(item.event_id, i) != i:
            raise ApiError(422, "event_id must be unique within a call", [{"field": f"body.items[{i}].event_id", "message": f"repeats items[{seen[item.event_id]}]"}])
    stored = add_feedback(state.db, m, [FeedbackEvent(i.service_id, i.outcome, i.reason, i.comment, i.event_id) for i in body.items])
    return FeedbackResponse(match_id=m.id, stored=[_feedback_out(f) for f in stored])
