"""Aggregate insights for a tenant's administrators: ``GET /v1/insights``.

The same report as ``recommender insights --tenant``: hidden-need prevalence, co-occurrence,
unmet needs and supply over the tenant's stored matches, with every count under k
suppressed or merged and the disclosure check run before the answer leaves the server.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BeforeValidator

from api.auth import admin_tenant
from api.errors import ApiError
from api.routes.common import engine_or_409, errors
from api.schemas import InsightsResponse, iso_date
from api.state import AppState, app_state
from recommender.errors import InputError
from recommender.gazetteer import default_gazetteer
from recommender.insights.aggregate import InsightsAggregator
from recommender.insights.compute import build_report
from recommender.insights.disclosure import DEFAULT_K
from recommender.insights.records import service_needs_of
from recommender.insights.sources import records_from_store
from recommender.insights.supply import compute_supply, served_provinces
from recommender.insights.territory import parse_territory
from recommender.store.catalogues import get_catalogue
from recommender.store.insights_export import iter_match_facts
from recommender.store.tenants import Tenant

router = APIRouter(prefix="/v1", tags=["insights"])
QueryDate = Annotated[date | None, BeforeValidator(iso_date)]


@router.get(
    "/insights",
    response_model=InsightsResponse,
    response_model_by_alias=True,
    responses=errors(403, 409, 422),
    summary="Aggregate insights on the tenant's matches (administrator keys)",
)
def read_insights(
    territory: Annotated[str | None, Query(max_length=100, description="a province (BG), a region (Lombardia) or a comune (name or ISTAT code); default: everything")] = None,
    date_from: Annotated[QueryDate, Query(alias="from", description="first day of the matches, YYYY-MM-DD (UTC)")] = None,
    date_to: Annotated[QueryDate, Query(alias="to", description="last day of the matches, included, YYYY-MM-DD (UTC)")] = None,
    k: Annotated[int, Query(ge=DEFAULT_K, le=1000, description=f"publication threshold, at least {DEFAULT_K}: no count between 1 and k-1 is shown")] = DEFAULT_K,
    supply: Annotated[bool, Query(description="also list the supply of every comune of the territory, per need")] = False,
    tenant: Tenant = Depends(admin_tenant),
    state: AppState = Depends(app_state),
) -> dict:
    """Hidden-need prevalence (by territory, household type and age band, with Wilson 95%
    intervals), co-occurrence of hidden and stated needs, unmet needs and supply per
    10,000 inhabitants by comune, over the tenant's matches made between ``from`` and
    ``to``. Every count between 1 and k-1 is shown only as ``"<k"``; comuni with fewer than
    k intakes are merged into "altri comuni (PROV)"; counts that would let a small one be
    computed by difference are ``"c"``. Needs an administrator key: any other key is 403."""
    if date_from and date_to and date_from > date_to:
        raise ApiError(422, "the period ends before it starts", [{"field": "query.to", "message": f"{date_to} is before from={date_from}"}])
    try:
        area = parse_territory(territory, field="territory")
    except InputError as exc:
        raise ApiError(422, f"invalid request: query.territory: {exc.issues[0].reason}", [{"field": "query.territory", "message": exc.issues[0].reason}]) from None
    engine = engine_or_409(state, tenant)
    answers: dict[int, dict] = {}

    def answers_for(catalogue_id: int) -> dict:
        # The needs each service answers, for the catalogue version a match used: the
        # current engine's, or an older version fitted once for this request.
        if catalogue_id not in answers:
            pipeline = engine.pipeline
            if catalogue_id != engine.catalogue_id:
                stored = get_catalogue(state.db, catalogue_id)
                try:
                    pipeline = state.engines.build(tenant.id, stored).pipeline if stored is not None else None
                except InputError:
                    pipeline = None  # a version that no longer validates: only each suggestion's own need counts
            answers[catalogue_id] = {} if pipeline is None else service_needs_of([s.service_id for s in pipeline.catalogue_.services], pipeline.affinity_)
        return answers[catalogue_id]

    agg = InsightsAggregator(area).add_all(records_from_store(iter_match_facts(state.db, tenant, date_from, date_to), answers_for))
    counts = agg.counts
    as_of = date_to or date.today()
    gaz = default_gazetteer()
    if area.kind == "all":
        provinces = served_provinces(engine.catalogue, gaz)
        listed = [c for c in gaz.by_code.values() if c.province_abbr in provinces]
    else:
        listed = area.comuni(gaz)
    wanted = {c.istat_code: c for c in (listed if supply else [])} | {code: gaz.by_code[code] for code in counts.intakes}
    table = compute_supply(engine.catalogue, engine.pipeline.affinity_, engine.pipeline.quality_mask(as_of), wanted.values())
    provenance = {
        "source": "store",
        "tenant": tenant.name,
        "catalogue": {"name": f"catalogo del tenant, versione {engine.version}", "services": len(engine.catalogue), "version": engine.version},
        "period": {"from": date_from.isoformat() if date_from else None, "to": date_to.isoformat() if date_to else None},
        "as_of": as_of.isoformat(),
        "territory": area.to_json(),
        "engine": {"encoder": state.settings.encoder or "none", "top_k": None},
    }
    # build_report runs check_k_anonymous: nothing unchecked can be returned.
    report = build_report(counts, k, table, sorted(c.istat_code for c in listed) if supply else [], provenance, gaz)
    return report.to_json()
