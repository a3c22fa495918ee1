"""The tenant's catalogue: upload (``PUT /v1/catalogue``) and browse (``/v1/services``)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BeforeValidator

from api.auth import current_tenant
from api.engines import TenantEngine
from api.errors import ApiError
from api.routes.common import engine_or_409, errors
from api.schemas import CatalogueOut, Delivery, QualityOut, ServiceOut, ServicePage, iso_date
from api.state import AppState, app_state
from recommender.catalogue import Service, parse_catalogue
from recommender.errors import InputError
from recommender.features.text import normalize
from recommender.gazetteer import default_gazetteer
from recommender.needs import NEED_BY_CODE
from recommender.store.catalogues import get_catalogue, save_catalogue
from recommender.store.tenants import Tenant

router = APIRouter(prefix="/v1", tags=["catalogue"])
QueryAsOf = Annotated[
    date | None,
    BeforeValidator(iso_date),
    Query(description="date at which the quality policy is judged, YYYY-MM-DD (default: today)"),
]
CSV_TYPES = ("text/csv", "text/plain", "application/csv", "application/octet-stream")


def _catalogue_out(engine: TenantEngine, stored) -> CatalogueOut:
    inferred = sum(1 for p in engine.pipeline.profiles_ if p.inferred)
    return CatalogueOut(version=stored.version, n_services=stored.n_services, needs_inferred=inferred, sha256=stored.sha256, uploaded_at=stored.uploaded_at)


@router.put(
    "/catalogue",
    response_model=CatalogueOut,
    responses=errors(415, 422),
    summary="Replace the tenant's catalogue (CSV)",
    openapi_extra={"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def upload_catalogue(request: Request, tenant: Tenant = Depends(current_tenant), state: AppState = Depends(app_state)) -> CatalogueOut:
    """The CSV of the catalogue contract (docs/contract.md), validated in full. Either
    every row is accepted and the new catalogue replaces the old one atomically (matches
    already running finish on the old one), or nothing changes and the 422 lists every bad
    row with its line, column and reason."""
    ctype = request.headers.get("content-type", "text/csv").split(";")[0].strip().lower()
    if ctype not in CSV_TYPES:
        raise ApiError(415, f"send the catalogue as text/csv, not {ctype}")
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(422, "the catalogue was not changed: it is not UTF-8 text", [{"field": "body", "message": f"not UTF-8 (byte {exc.start})"}]) from None
    try:
        catalogue = await run_in_threadpool(parse_catalogue, text, "upload")
    except InputError as exc:
        found = [{"field": "body", "line": i.line, "column": i.column or None, "message": i.reason} for i in exc.issues]
        raise ApiError(422, f"the catalogue was not changed: {len(found)} problem(s)", found) from None
    stored = await run_in_threadpool(_fit_and_store, state, tenant, text, catalogue)
    return _catalogue_out(stored[0], stored[1])


def _fit_and_store(state: AppState, tenant: Tenant, text: str, catalogue):
    # Fit first, store second, swap last: a failure at any step leaves the old catalogue on.
    pipeline = state.engines.fit(catalogue)
    stored = save_catalogue(state.db, tenant, text.removeprefix("\ufeff"), len(catalogue))
    engine = state.engines.with_pipeline(tenant.id, stored, pipeline)
    state.engines.install(engine)
    return engine, stored


@router.get("/catalogue", response_model=CatalogueOut, responses=errors(409), summary="The tenant's current catalogue version")
def current_catalogue(tenant: Tenant = Depends(current_tenant), state: AppState = Depends(app_state)) -> CatalogueOut:
    engine = engine_or_409(state, tenant)
    stored = get_catalogue(state.db, engine.catalogue_id)
    return _catalogue_out(engine, stored)


def _service_out(engine: TenantEngine, i: int, today: date) -> ServiceOut:
    s: Service = engine.catalogue.services[i]
    profile = engine.pipeline.profiles_[i]
    comune = default_gazetteer().get(s.comune_istat)
    failures = engine.pipeline.config.policy.failures(s, today)
    return ServiceOut(
        service_id=s.service_id, name=s.name, description=s.description, provider_id=s.provider_id,
        provider_name=s.provider_name, comune_istat=s.comune_istat, comune=comune.name if comune else "",
        province=comune.province_abbr if comune else "", lat=s.lat, lon=s.lon, delivery=s.delivery,
        service_area_istat=sorted(s.service_area), needs=list(profile.needs), needs_inferred=profile.inferred,
        age_min=s.age_min, age_max=s.age_max, isee_max=s.isee_max,
        requires_disability_certification=s.requires_disability_certification, funding=sorted(s.funding),
        price_eur=s.price_eur, accredited=s.accredited, ethical_charter=s.ethical_charter,
        last_verified=s.last_verified, rating=s.rating, complaints_12m=s.complaints_12m,
        quality=QualityOut(passes=not failures, failures=failures),
    )


def _decode_cursor(cursor: str) -> str:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
        after = data["after"]
        if not isinstance(after, str):
            raise TypeError
        return after
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise ApiError(422, "invalid cursor", [{"field": "query.cursor", "message": "not a cursor returned by this endpoint"}]) from None


def _encode_cursor(after: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode().rstrip("=")


@router.get("/services", response_model=ServicePage, responses=errors(409, 422), summary="Browse the tenant's catalogue")
def list_services(
    comune: Annotated[str | None, Query(max_length=100, description="services in or covering this comune (name or ISTAT code)")] = None,
    need: Annotated[str | None, Query(max_length=40, description="need code (see /v1/needs)")] = None,
    q: Annotated[str | None, Query(max_length=200, description="words in name, description or provider (accents and case ignored)")] = None,
    delivery: Delivery | None = None,
    quality: Annotated[Literal["passes", "fails"] | None, Query(description="meets (or fails) the quality policy at as_of")] = None,
    as_of: QueryAsOf = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    tenant: Tenant = Depends(current_tenant),
    state: AppState = Depends(app_state),
) -> ServicePage:
    engine = engine_or_409(state, tenant)
    cat = engine.catalogue
    today = as_of or date.today()
    keep = list(range(len(cat)))
    if comune is not None:
        try:
            c = default_gazetteer().resolve(comune, prefer_provinces=engine.pipeline.provinces_)
        except InputError as exc:
            raise ApiError(422, str(exc.issues[0].reason), [{"field": "query.comune", "message": exc.issues[0].reason}]) from None
        # a comune no home/remote service covers has no entry in the index
        covering = {int(i) for i in cat.area_index.get(c.istat_code, ())}
        keep = [i for i in keep if (cat.services[i].delivery == "on_site" and cat.services[i].comune_istat == c.istat_code) or i in covering]
    if need is not None:
        if need not in NEED_BY_CODE:
            raise ApiError(422, f"unknown need code '{need}'", [{"field": "query.need", "message": f"unknown need code '{need}'; valid codes: {', '.join(NEED_BY_CODE)}"}])
        keep = [i for i in keep if need in engine.pipeline.profiles_[i].needs]
    if delivery is not None:
        keep = [i for i in keep if cat.services[i].delivery == delivery]
    if q is not None and (words := normalize(q).split()):
        keep = [i for i in keep if all(f" {w}" in f" {engine.search_texts[i]}" for w in words)]
    if quality is not None:
        policy = engine.pipeline.config.policy
        keep = [i for i in keep if policy.passes(cat.services[i], today) == (quality == "passes")]
    keep.sort(key=lambda i: cat.services[i].service_id)
    total = len(keep)
    if cursor is not None:
        after = _decode_cursor(cursor)
        keep = [i for i in keep if cat.services[i].service_id > after]
    page = keep[:limit]
    next_cursor = _encode_cursor(cat.services[page[-1]].service_id) if len(keep) > limit else None
    return ServicePage(total=total, items=[_service_out(engine, i, today) for i in page], next_cursor=next_cursor)


@router.get("/services/{service_id}", response_model=ServiceOut, responses=errors(404, 422), summary="One service of the tenant's catalogue")
def read_service(service_id: str, as_of: QueryAsOf = None, tenant: Tenant = Depends(current_tenant), state: AppState = Depends(app_state)) -> ServiceOut:
    engine = state.engines.get(tenant)
    i = engine.catalogue.index.get(service_id) if engine is not None else None
    if i is None:
        raise ApiError(404, f"no service '{service_id}' in this tenant's catalogue")
    return _service_out(engine, i, as_of or date.today())
