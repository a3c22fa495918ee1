"""Tenants (one per platform) and their API keys.

A key reads ``wm_<key id>_<secret>``. Only the SHA-256 of the secret is stored: the secret
has 256 bits of entropy, so a slow password hash would add latency to every request and
no protection. The key id is public (it appears in listings and in ``key revoke``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select, update

from recommender.errors import InputError, Issue
from recommender.store.schema import api_keys, tenants

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,62}$")
_KEY_RE = re.compile(r"^wm_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class Tenant:
    id: str
    name: str
    store_notes: bool
    retention_days: int
    catalogue_id: int | None


@dataclass(frozen=True)
class ApiKey:
    id: str
    tenant_name: str
    label: str
    created_at: datetime
    revoked_at: datetime | None
    admin: bool = False  # may also read the tenant's aggregate insights


@dataclass(frozen=True)
class KeyOwner:
    """Who a valid key acts for, and whether it is an administrator key."""

    tenant: Tenant
    key_id: str
    admin: bool


def now() -> datetime:
    return datetime.now(UTC)


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without their zone; they were written in UTC.
    PostgreSQL hands them back in the session's zone (``PGTZ``, the server's ``timezone``)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC) if value is not None else None


def _tenant(row) -> Tenant:
    return Tenant(row.id, row.name, bool(row.store_notes), int(row.retention_days), row.catalogue_id)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def create_tenant(engine: Engine, name: str, store_notes: bool = False, retention_days: int = 30) -> Tenant:
    if not _NAME_RE.match(name):
        raise InputError(Issue("use 2-63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit", column="name"))
    if retention_days < 1 or retention_days > 3650:
        raise InputError(Issue("must be between 1 and 3650 days", column="retention_days"))
    with engine.begin() as conn:
        if conn.execute(select(tenants.c.id).where(tenants.c.name == name)).first():
            raise InputError(Issue(f"a tenant named '{name}' already exists", column="name"))
        tid = uuid.uuid4().hex
        conn.execute(tenants.insert().values(id=tid, name=name, store_notes=store_notes, retention_days=retention_days, catalogue_id=None, created_at=now()))
    return Tenant(tid, name, store_notes, retention_days, None)


def get_tenant(engine: Engine, name: str) -> Tenant | None:
    with engine.connect() as conn:
        row = conn.execute(select(tenants).where(tenants.c.name == name)).first()
    return _tenant(row) if row else None


def require_tenant(engine: Engine, name: str) -> Tenant:
    tenant = get_tenant(engine, name)
    if tenant is None:
        raise InputError(Issue(f"no tenant named '{name}'", column="tenant"))
    return tenant


def list_tenants(engine: Engine) -> list[Tenant]:
    with engine.connect() as conn:
        return [_tenant(r) for r in conn.execute(select(tenants).order_by(tenants.c.name))]


def update_tenant(engine: Engine, name: str, store_notes: bool | None = None, retention_days: int | None = None) -> Tenant:
    tenant = require_tenant(engine, name)
    values: dict = {}
    if store_notes is not None:
        values["store_notes"] = store_notes
    if retention_days is not None:
        if retention_days < 1 or retention_days > 3650:
            raise InputError(Issue("must be between 1 and 3650 days", column="retention_days"))
        values["retention_days"] = retention_days
    if values:
        with engine.begin() as conn:
            conn.execute(update(tenants).where(tenants.c.id == tenant.id).values(**values))
    return require_tenant(engine, name)


def create_key(engine: Engine, tenant_name: str, label: str = "", admin: bool = False) -> tuple[str, str]:
    """Create a key; return ``(key_id, plaintext key)``. The plaintext is never stored.
    An ``admin`` key can also read the tenant's aggregate insights."""
    tenant = require_tenant(engine, tenant_name)
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    values = {"id": key_id, "tenant_id": tenant.id, "secret_sha256": _hash(secret), "label": label[:100], "created_at": now(), "revoked_at": None}
    if admin:  # only when set: an ordinary key writes exactly the columns it always wrote
        values["admin"] = True
    with engine.begin() as conn:
        conn.execute(api_keys.insert().values(**values))
    return key_id, f"wm_{key_id}_{secret}"


def revoke_key(engine: Engine, key_id: str) -> ApiKey:
    with engine.begin() as conn:
        row = conn.execute(select(api_keys.c.id, api_keys.c.revoked_at).where(api_keys.c.id == key_id)).first()
        if row is None:
            raise InputError(Issue(f"no API key with id '{key_id}'", column="key_id"))
        if row.revoked_at is None:
            conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(revoked_at=now()))
    return next(k for k in list_keys(engine) if k.id == key_id)


def revoke_keys_labelled(engine: Engine, tenant_name: str, label: str) -> int:
    tenant = require_tenant(engine, tenant_name)
    with engine.begin() as conn:
        res = conn.execute(
            update(api_keys)
            .where(api_keys.c.tenant_id == tenant.id, api_keys.c.label == label, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=now())
        )
    return res.rowcount or 0


def list_keys(engine: Engine, tenant_name: str | None = None) -> list[ApiKey]:
    q = select(api_keys, tenants.c.name).join(tenants, tenants.c.id == api_keys.c.tenant_id).order_by(api_keys.c.created_at)
    if tenant_name is not None:
        q = q.where(tenants.c.name == tenant_name)
    with engine.connect() as conn:
        return [ApiKey(r.id, r.name, r.label, utc(r.created_at), utc(r.revoked_at), bool(r.admin)) for r in conn.execute(q)]


def authenticate(engine: Engine, key: str) -> Tenant | None:
    """The tenant a valid, unrevoked key belongs to; ``None`` for anything else."""
    owner = authenticate_key(engine, key)
    return owner.tenant if owner is not None else None


def authenticate_key(engine: Engine, key: str) -> KeyOwner | None:
    """The tenant of a valid, unrevoked key and the key's role; ``None`` for anything else."""
    m = _KEY_RE.match(key or "")
    if not m:
        return None
    key_id, secret = m.groups()
    q = (
        select(api_keys.c.secret_sha256, api_keys.c.revoked_at, api_keys.c.admin, tenants)
        .join(tenants, tenants.c.id == api_keys.c.tenant_id)
        .where(api_keys.c.id == key_id)
    )
    with engine.connect() as conn:
        row = conn.execute(q).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.secret_sha256, _hash(secret)):
        return None
    return KeyOwner(_tenant(row), key_id, bool(row.admin))
