"""Responses every authenticated route can give (declared so the OpenAPI schema is true)."""

from __future__ import annotations

from api.engines import TenantEngine
from api.errors import ApiError
from api.schemas import ErrorResponse
from api.state import AppState
from recommender.store.tenants import Tenant


def errors(*codes: int) -> dict:
    text = {
        400: "malformed request",
        401: "missing, invalid or revoked API key",
        403: "the API key may not use this route (it needs an administrator key)",
        404: "not found (or belongs to another tenant)",
        409: "the tenant has no catalogue yet",
        413: "request body too large",
        415: "unsupported content type",
        422: "invalid input; each error names its field",
        503: "the database is unavailable",
    }
    return {c: {"model": ErrorResponse, "description": text[c]} for c in (400, 401, 413, 503, *codes)}


def engine_or_409(state: AppState, tenant: Tenant) -> TenantEngine:
    engine = state.engines.get(tenant)
    if engine is None:
        raise ApiError(409, "this tenant has no catalogue yet: upload one with PUT /v1/catalogue")
    return engine
