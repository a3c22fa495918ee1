"""Server settings, read from the environment once at start-up.

| variable | default | meaning |
|---|---|---|
| ``DATABASE_URL`` | SQLite file under ``data/store/`` | where tenants, matches and feedback live |
| ``WELFARE_MATCH_ENCODER`` | ``default`` | sentence encoder (name or path; ``none`` disables it) |
| ``WELFARE_MATCH_MAX_BODY_BYTES`` | 8 MiB | JSON bodies above this get 413 |
| ``WELFARE_MATCH_MAX_CATALOGUE_BYTES`` | 64 MiB | catalogue uploads above this get 413 |
| ``WELFARE_MATCH_MAX_BATCH`` | 1000 | intakes per ``/v1/match/batch`` call |
| ``WELFARE_MATCH_ENGINE_CACHE`` | 32 | fitted tenant catalogues kept in memory |
| ``WELFARE_MATCH_RANKER`` | none | learned re-ranker (``models:/NAME/VERSION``, ``NAME`` or a path; MLflow store from ``MLFLOW_TRACKING_URI``) |
| ``WELFARE_MATCH_SECRET_KEY`` | random at each start | signs the review page's login-form token (set it when several processes serve the app) |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from recommender.errors import InputError, Issue
from recommender.store.database import database_url


def _int_env(name: str, default: int, lo: int = 1) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(Issue(f"'{raw}' is not a whole number", column=name)) from None
    if value < lo:
        raise InputError(Issue(f"must be at least {lo}", column=name))
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=database_url)
    encoder: str | None = "default"
    max_body_bytes: int = 8 * 1024 * 1024
    max_catalogue_bytes: int = 64 * 1024 * 1024
    max_batch: int = 1000
    engine_cache: int = 32
    migrate_on_start: bool = True
    ranker: str | None = None
    secret_key: str | None = None

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        encoder = os.environ.get("WELFARE_MATCH_ENCODER", "default")
        values = {
            "database_url": database_url(),
            "encoder": None if encoder == "none" else encoder,
            "max_body_bytes": _int_env("WELFARE_MATCH_MAX_BODY_BYTES", cls.max_body_bytes, lo=1024),
            "max_catalogue_bytes": _int_env("WELFARE_MATCH_MAX_CATALOGUE_BYTES", cls.max_catalogue_bytes, lo=1024),
            "max_batch": _int_env("WELFARE_MATCH_MAX_BATCH", cls.max_batch),
            "engine_cache": _int_env("WELFARE_MATCH_ENGINE_CACHE", cls.engine_cache),
            "ranker": os.environ.get("WELFARE_MATCH_RANKER") or None,
            "secret_key": os.environ.get("WELFARE_MATCH_SECRET_KEY") or None,
        }
        values.update(overrides)
        return cls(**values)
