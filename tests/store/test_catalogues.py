"""Tenants' catalogues in the store (SQLite and PostgreSQL): every upload is a new version,
numbered per tenant, and the tenant's pointer moves to the newest."""

from __future__ import annotations

import hashlib

from recommender.store import tenants
from recommender.store.catalogues import catalogue_version, get_catalogue, save_catalogue

CSV_V1 = "service_id,name\nNIDO,Asilo nido\n"
CSV_V2 = "service_id,name\nNIDO,Asilo nido\nSAD,Assistenza domiciliare\n"
CSV_V3 = "service_id,name\nSAD,Assistenza domiciliare àèìòù «»\n"


def test_versions_are_numbered_per_tenant_and_the_pointer_moves_to_the_newest(db) -> None:
    alpha = tenants.create_tenant(db, "alpha")
    beta = tenants.create_tenant(db, "beta")
    a1 = save_catalogue(db, alpha, CSV_V1, 1)
    b1 = save_catalogue(db, beta, CSV_V3, 1)
    a2 = save_catalogue(db, tenants.get_tenant(db, "alpha"), CSV_V2, 2)
    a3 = save_catalogue(db, alpha, CSV_V3, 1)  # a stale Tenant object still gets the next version
    b2 = save_catalogue(db, beta, CSV_V1, 1)
    assert [a1.version, a2.version, a3.version] == [1, 2, 3]
    assert [b1.version, b2.version] == [1, 2]
    assert len({a1.id, a2.id, a3.id, b1.id, b2.id}) == 5
    assert tenants.get_tenant(db, "alpha").catalogue_id == a3.id
    assert tenants.get_tenant(db, "beta").catalogue_id == b2.id
    assert [catalogue_version(db, c.id) for c in (a1, a2, a3, b1, b2)] == [1, 2, 3, 1, 2]


def test_get_catalogue_returns_the_stored_text_and_its_metadata(db) -> None:
    alpha = tenants.create_tenant(db, "alpha")
    saved = save_catalogue(db, alpha, CSV_V3, 1)
    got = get_catalogue(db, saved.id)
    assert got == saved
    assert got.csv_text == CSV_V3
    assert got.tenant_id == alpha.id
    assert got.n_services == 1
    assert got.sha256 == hashlib.sha256(CSV_V3.encode("utf-8")).hexdigest()
    assert got.uploaded_at.utcoffset().total_seconds() == 0


def test_older_versions_stay_readable(db) -> None:
    alpha = tenants.create_tenant(db, "alpha")
    v1 = save_catalogue(db, alpha, CSV_V1, 1)
    save_catalogue(db, alpha, CSV_V2, 2)
    assert get_catalogue(db, v1.id).csv_text == CSV_V1


def test_unknown_catalogue_id(db) -> None:
    assert get_catalogue(db, 12345) is None
    assert catalogue_version(db, 12345) is None
