"""Tenants and API keys in the store (SQLite and PostgreSQL): validation, privacy settings,
keys that authenticate only while valid, and secrets that are never stored in the clear."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from recommender.errors import InputError
from recommender.store import tenants
from recommender.store.schema import api_keys


def test_create_and_get_tenant_defaults_to_not_storing_notes(db) -> None:
    t = tenants.create_tenant(db, "comune-bergamo")
    assert (t.name, t.store_notes, t.retention_days, t.catalogue_id) == ("comune-bergamo", False, 30, None)
    assert tenants.get_tenant(db, "comune-bergamo") == t
    assert tenants.get_tenant(db, "nobody") is None


@pytest.mark.parametrize("name", ["", "a", "Alpha", "-alpha", "with space", "àlpha", "x" * 64, "a/b"])
def test_invalid_tenant_name_is_refused_naming_the_field(db, name: str) -> None:
    with pytest.raises(InputError) as exc:
        tenants.create_tenant(db, name)
    assert exc.value.issues[0].column == "name"
    assert "field 'name'" in str(exc.value)
    assert tenants.list_tenants(db) == []


@pytest.mark.parametrize("days", [0, -1, 3651])
def test_retention_out_of_range_is_refused_naming_the_field(db, days: int) -> None:
    with pytest.raises(InputError) as exc:
        tenants.create_tenant(db, "alpha", retention_days=days)
    assert exc.value.issues[0].column == "retention_days"
    assert tenants.get_tenant(db, "alpha") is None


def test_duplicate_tenant_name_is_refused(db) -> None:
    first = tenants.create_tenant(db, "alpha")
    with pytest.raises(InputError) as exc:
        tenants.create_tenant(db, "alpha", store_notes=True)
    assert exc.value.issues[0].column == "name" and "already exists" in str(exc.value)
    assert tenants.list_tenants(db) == [first]


def test_list_tenants_is_sorted_by_name(db) -> None:
    for name in ("gamma", "alpha", "beta"):
        tenants.create_tenant(db, name)
    assert [t.name for t in tenants.list_tenants(db)] == ["alpha", "beta", "gamma"]


def test_update_tenant_privacy_settings(db) -> None:
    tenants.create_tenant(db, "alpha")
    t = tenants.update_tenant(db, "alpha", store_notes=True)
    assert (t.store_notes, t.retention_days) == (True, 30)
    t = tenants.update_tenant(db, "alpha", retention_days=90)
    assert (t.store_notes, t.retention_days) == (True, 90)  # an omitted setting is left alone
    t = tenants.update_tenant(db, "alpha", store_notes=False)
    assert (t.store_notes, t.retention_days) == (False, 90)
    assert tenants.get_tenant(db, "alpha") == t


def test_update_tenant_refuses_bad_retention_and_unknown_tenant(db) -> None:
    tenants.create_tenant(db, "alpha", retention_days=10)
    with pytest.raises(InputError) as exc:
        tenants.update_tenant(db, "alpha", store_notes=True, retention_days=0)
    assert exc.value.issues[0].column == "retention_days"
    assert tenants.get_tenant(db, "alpha").store_notes is False  # nothing half-applied
    with pytest.raises(InputError) as exc:
        tenants.update_tenant(db, "nobody", store_notes=True)
    assert exc.value.issues[0].column == "tenant" and "'nobody'" in str(exc.value)


# --- API keys -------------------------------------------------------------------------------


def test_a_key_authenticates_to_its_own_tenant(db) -> None:
    alpha = tenants.create_tenant(db, "alpha", store_notes=True)
    beta = tenants.create_tenant(db, "beta")
    alpha_id, alpha_key = tenants.create_key(db, "alpha", label="prod")
    _, beta_key = tenants.create_key(db, "beta")
    assert alpha_key.startswith(f"wm_{alpha_id}_")
    assert tenants.authenticate(db, alpha_key) == alpha
    assert tenants.authenticate(db, beta_key) == beta


def test_create_key_for_unknown_tenant_is_refused(db) -> None:
    with pytest.raises(InputError) as exc:
        tenants.create_key(db, "nobody")
    assert "'nobody'" in str(exc.value)


def _tamper(key: str) -> str:
    last = key[-1]
    return key[:-1] + ("A" if last != "A" else "B")


def test_tampered_unknown_or_malformed_keys_do_not_authenticate(db) -> None:
    tenants.create_tenant(db, "alpha")
    key_id, key = tenants.create_key(db, "alpha")
    secret = key.split("_", 2)[2]
    other_id, other_key = tenants.create_key(db, "alpha")
    bad = [
        _tamper(key),  # same id, wrong secret
        f"wm_{'0' * 12 if key_id != '0' * 12 else '1' * 12}_{secret}",  # unknown id
        f"wm_{other_id}_{secret}",  # a real id with another key's secret
        key + "x",
        key[:-1],
        key.upper(),
        " " + key,
        "wm_" + key_id,
        secret,
        "",
        None,
    ]
    for candidate in bad:
        assert tenants.authenticate(db, candidate) is None, candidate
    assert tenants.authenticate(db, key) is not None and tenants.authenticate(db, other_key) is not None


def test_a_revoked_key_no_longer_authenticates(db) -> None:
    tenants.create_tenant(db, "alpha")
    key_id, key = tenants.create_key(db, "alpha")
    other_id, other_key = tenants.create_key(db, "alpha")
    revoked = tenants.revoke_key(db, key_id)
    assert revoked.id == key_id and revoked.tenant_name == "alpha"
    assert revoked.revoked_at is not None and revoked.revoked_at.utcoffset().total_seconds() == 0
    assert tenants.authenticate(db, key) is None
    assert tenants.authenticate(db, other_key) is not None
    # Revoking again is harmless and keeps the first revocation time.
    assert tenants.revoke_key(db, key_id).revoked_at == revoked.revoked_at
    states = {k.id: k.revoked_at is not None for k in tenants.list_keys(db)}
    assert states == {key_id: True, other_id: False}


def test_revoke_of_unknown_key_id_is_refused(db) -> None:
    with pytest.raises(InputError) as exc:
        tenants.revoke_key(db, "0123456789ab")
    assert exc.value.issues[0].column == "key_id" and "0123456789ab" in str(exc.value)


def test_only_the_sha256_of_the_secret_is_stored(db) -> None:
    tenants.create_tenant(db, "alpha")
    key_id, key = tenants.create_key(db, "alpha", label="prod")
    secret = key.split("_", 2)[2]
    with db.connect() as conn:
        rows = conn.execute(select(api_keys)).mappings().all()
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == key_id
    assert row["secret_sha256"] == hashlib.sha256(secret.encode("ascii")).hexdigest()
    for value in row.values():
        text = str(value)
        assert secret not in text and key not in text


def test_list_keys_shows_ids_labels_and_states_never_secrets(db) -> None:
    tenants.create_tenant(db, "alpha")
    tenants.create_tenant(db, "beta")
    a_id, a_key = tenants.create_key(db, "alpha", label="prod")
    b_id, b_key = tenants.create_key(db, "beta", label="ci")
    listed = tenants.list_keys(db)
    assert {(k.id, k.tenant_name, k.label, k.revoked_at) for k in listed} == {(a_id, "alpha", "prod", None), (b_id, "beta", "ci", None)}
    assert all(k.created_at.utcoffset().total_seconds() == 0 for k in listed)
    assert [k.id for k in tenants.list_keys(db, "beta")] == [b_id]
    assert tenants.list_keys(db, "nobody") == []
    dumped = repr(listed)
    assert a_key.split("_", 2)[2] not in dumped and b_key.split("_", 2)[2] not in dumped


def test_revoke_keys_labelled_only_touches_that_label_of_that_tenant(db) -> None:
    tenants.create_tenant(db, "alpha")
    tenants.create_tenant(db, "beta")
    _, demo1 = tenants.create_key(db, "alpha", label="demo")
    _, demo2 = tenants.create_key(db, "alpha", label="demo")
    _, prod = tenants.create_key(db, "alpha", label="prod")
    _, beta_demo = tenants.create_key(db, "beta", label="demo")
    assert tenants.revoke_keys_labelled(db, "alpha", "demo") == 2
    assert tenants.authenticate(db, demo1) is None and tenants.authenticate(db, demo2) is None
    assert tenants.authenticate(db, prod).name == "alpha"
    assert tenants.authenticate(db, beta_demo).name == "beta"
    assert tenants.revoke_keys_labelled(db, "alpha", "demo") == 0  # already revoked
    with pytest.raises(InputError):
        tenants.revoke_keys_labelled(db, "nobody", "demo")

