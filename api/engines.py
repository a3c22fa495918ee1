"""Fitted matching pipelines, one per tenant catalogue version, shared by all requests.

A request takes a reference to its tenant's ``TenantEngine`` and works on it to the end;
an upload fits the new catalogue beside the old one and swaps the reference only when the
new one is ready, so matches running during an upload finish on the old catalogue.
Catalogue ids grow with every upload, which lets every worker process tell a stale engine
from a newer one without coordination.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from sqlalchemy import Engine

from recommender.catalogue import Catalogue, parse_catalogue
from recommender.errors import InputError
from recommender.features.text import normalize
from recommender.models.encoder import Encoder
from recommender.pipeline import MatchPipeline, PipelineConfig, Reranker
from recommender.store.catalogues import StoredCatalogue, get_catalogue
from recommender.store.tenants import Tenant, list_tenants


class CatalogueUnavailable(RuntimeError):
    def __init__(self, version: int, cause: InputError):
        self.version = version
        super().__init__(f"stored catalogue v{version} no longer validates ({len(cause.issues)} problem(s)); upload it again")


@dataclass(frozen=True)
class TenantEngine:
    tenant_id: str
    catalogue_id: int
    version: int
    pipeline: MatchPipeline
    fitted_in_s: float
    # accent- and case-folded "name description provider" per service, for ?q= searches
    search_texts: tuple[str, ...] = ()

    @property
    def catalogue(self) -> Catalogue:
        return self.pipeline.catalogue_


@dataclass
class RegistryStatus:
    encoder_loaded: bool = False
    warming: bool = False
    warm_error: str | None = None
    loaded: int = 0
    errors: dict[str, str] = field(default_factory=dict)


class EngineRegistry:
    """Per-tenant pipelines (LRU, ``capacity`` entries) around one shared encoder."""

    def __init__(self, db: Engine, encoder: str | None = "default", capacity: int = 32, reranker: Reranker | None = None):
        self.db = db
        self.encoder_name = encoder
        self.reranker = reranker  # one learned re-ranker for every tenant (WELFARE_MATCH_RANKER), or none
        self.capacity = capacity
        self.status = RegistryStatus(encoder_loaded=encoder is None)
        self._encoder: Encoder | None = None
        self._engines: OrderedDict[str, TenantEngine] = OrderedDict()
        self._lock = threading.Lock()
        self._tenant_locks: dict[str, threading.Lock] = {}

    def encoder(self) -> Encoder | None:
        if self.encoder_name is None:
            return None
        with self._lock:
            if self._encoder is None:
                # memo_size=0: intake notes are not kept in memory after the request
                self._encoder = Encoder(self.encoder_name, memo_size=0)
                self.status.encoder_loaded = True
        return self._encoder

    def fit(self, catalogue: Catalogue) -> MatchPipeline:
        config = PipelineConfig(encoder=self.encoder_name)
        return MatchPipeline(config, encoder=self.encoder(), reranker=self.reranker).fit(catalogue)

    def build(self, tenant_id: str, stored: StoredCatalogue) -> TenantEngine:
        """Parse and fit a stored catalogue version."""
        t = time.perf_counter()
        catalogue = parse_catalogue(stored.csv_text, source=f"catalogue v{stored.version}")
        return self.with_pipeline(tenant_id, stored, self.fit(catalogue), time.perf_counter() - t)

    @staticmethod
    def with_pipeline(tenant_id: str, stored: StoredCatalogue, pipeline: MatchPipeline, fitted_in_s: float = 0.0) -> TenantEngine:
        texts = tuple(normalize(f"{s.name} {s.description} {s.provider_name}") for s in pipeline.catalogue_.services)
        return TenantEngine(tenant_id, stored.id, stored.version, pipeline, fitted_in_s, texts)

    def install(self, engine: TenantEngine) -> TenantEngine:
        """Make ``engine`` current unless a newer catalogue is installed already."""
        with self._lock:
            current = self._engines.get(engine.tenant_id)
            if current is not None and current.catalogue_id > engine.catalogue_id:
                return current
            self._engines[engine.tenant_id] = engine
            self._engines.move_to_end(engine.tenant_id)
            while len(self._engines) > self.capacity:
                self._engines.popitem(last=False)
            self.status.loaded = len(self._engines)
        return engine

    def _tenant_lock(self, tenant_id: str) -> threading.Lock:
        with self._lock:
            return self._tenant_locks.setdefault(tenant_id, threading.Lock())

    def get(self, tenant: Tenant) -> TenantEngine | None:
        """The tenant's current engine, fitting it from the store if needed; ``None`` if the
        tenant has not uploaded a catalogue yet."""
        if tenant.catalogue_id is None:
            return None
        with self._lock:
            current = self._engines.get(tenant.id)
            if current is not None:
                self._engines.move_to_end(tenant.id)
        if current is not None and current.catalogue_id >= tenant.catalogue_id:
            return current
        with self._tenant_lock(tenant.id):
            with self._lock:
                current = self._engines.get(tenant.id)
            if current is not None and current.catalogue_id >= tenant.catalogue_id:
                return current
            stored = get_catalogue(self.db, tenant.catalogue_id)
            if stored is None:  # pointer without a row cannot happen with FKs; be safe
                return current
            try:
                return self.install(self.build(tenant.id, stored))
            except InputError as exc:
                # A stored catalogue that no longer validates (say, a comune merged away by a
                # gazetteer update) is the server's problem, not the caller's input.
                raise CatalogueUnavailable(stored.version, exc) from exc

    def warm(self) -> None:
        """Load the encoder and every tenant's current catalogue (server start-up)."""
        self.status.warming = True
        try:
            self.encoder()
            for tenant in list_tenants(self.db)[: self.capacity]:
                try:
                    self.get(tenant)
                except Exception as exc:  # one broken tenant must not keep the others down
                    self.status.errors[tenant.name] = type(exc).__name__
        except Exception as exc:
            self.status.warm_error = f"{type(exc).__name__}: {exc}"
        finally:
            self.status.warming = False
