"""Tenants' catalogues: every accepted upload is kept as a numbered version.

The tenant's ``catalogue_id`` points at the current version; replacing it is one
transaction (insert the version, move the pointer), so a reader sees the old catalogue or
the new one, never a mix. Matches keep the id of the version they were computed on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select, update

from recommender.store.schema import catalogues, tenants
from recommender.store.tenants import Tenant, now, utc


@dataclass(frozen=True)
class StoredCatalogue:
    id: int
    tenant_id: str
    version: int
    csv_text: str
    sha256: str
    n_services: int
    uploaded_at: datetime


def _stored(row) -> StoredCatalogue:
    return StoredCatalogue(row.id, row.tenant_id, row.version, row.csv_text, row.sha256, row.n_services, utc(row.uploaded_at))


def save_catalogue(engine: Engine, tenant: Tenant, csv_text: str, n_services: int) -> StoredCatalogue:
    """Store a validated catalogue as the tenant's new current version."""
    digest = hashlib.sha256(csv_text.encode("utf-8")).hexdigest()
    with engine.begin() as conn:
        # Lock the tenant row so two concurrent uploads get distinct versions.
        conn.execute(select(tenants.c.id).where(tenants.c.id == tenant.id).with_for_update())
        version = (conn.execute(select(func.max(catalogues.c.version)).where(catalogues.c.tenant_id == tenant.id)).scalar() or 0) + 1
        cid = conn.execute(
            catalogues.insert().values(tenant_id=tenant.id, version=version, csv_text=csv_text, sha256=digest, n_services=n_services, uploaded_at=now())
        ).inserted_primary_key[0]
        conn.execute(update(tenants).where(tenants.c.id == tenant.id).values(catalogue_id=cid))
        row = conn.execute(select(catalogues).where(catalogues.c.id == cid)).one()
    return _stored(row)


def get_catalogue(engine: Engine, catalogue_id: int) -> StoredCatalogue | None:
    with engine.connect() as conn:
        row = conn.execute(select(catalogues).where(catalogues.c.id == catalogue_id)).first()
    return _stored(row) if row else None


def catalogue_version(engine: Engine, catalogue_id: int) -> int | None:
    with engine.connect() as conn:
        return conn.execute(select(catalogues.c.version).where(catalogues.c.id == catalogue_id)).scalar()
