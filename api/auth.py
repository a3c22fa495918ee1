"""API-key authentication: every ``/v1`` route runs as the tenant its key belongs to.

A key is sent as ``X-API-Key: wm_...`` or ``Authorization: Bearer wm_...``. Anything else
(no key, malformed, unknown, revoked) is 401; there is no way to name another tenant, so
its data is simply not found (404). Only an administrator key (``recommender key create
TENANT --admin``) may read the tenant's aggregate insights; any other valid key gets 403
there.
"""

from __future__ import annotations

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.errors import ApiError
from api.state import AppState, app_state
from recommender.store.tenants import KeyOwner, Tenant, authenticate_key

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key of the platform (tenant): wm_<id>_<secret>")
_bearer = HTTPBearer(auto_error=False, description="the same API key as a bearer token")
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="welfare-match"'}


def _key_owner(request: Request, api_key: str | None, bearer: HTTPAuthorizationCredentials | None, state: AppState) -> KeyOwner:
    token = api_key or (bearer.credentials if bearer else None)
    if not token:
        raise ApiError(401, "missing API key: send it as 'X-API-Key: <key>' or 'Authorization: Bearer <key>'", headers=_CHALLENGE)
    owner = authenticate_key(state.db, token.strip())
    if owner is None:
        raise ApiError(401, "invalid or revoked API key", headers=_CHALLENGE)
    request.state.tenant_name = owner.tenant.name
    return owner


def current_tenant(
    request: Request,
    api_key: str | None = Security(_api_key),
    bearer: HTTPAuthorizationCredentials | None = Security(_bearer),
    state: AppState = Depends(app_state),
) -> Tenant:
    return _key_owner(request, api_key, bearer, state).tenant


def admin_tenant(
    request: Request,
    api_key: str | None = Security(_api_key),
    bearer: HTTPAuthorizationCredentials | None = Security(_bearer),
    state: AppState = Depends(app_state),
) -> Tenant:
    """The tenant of an administrator key; any other valid key is 403 (it is known, and
    may use the other routes, but not this one)."""
    owner = _key_owner(request, api_key, bearer, state)
    if not owner.admin:
        raise ApiError(403, "this route needs an administrator key of the tenant (recommender key create TENANT --admin)")
    return owner.tenant
