"""The catalogue a stored match was made with, for the services' details on its page.

Usually it is the tenant's current catalogue, already parsed in the engine registry. A
match reopened after a new upload refers to an older version: that one is parsed from the
store (versions are immutable) and a few are kept. The comuni offered in the form's list
(those the catalogue can serve) are computed once per catalogue too.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from api.engines import EngineRegistry
from recommender.catalogue import Catalogue, parse_catalogue
from recommender.errors import InputError
from recommender.gazetteer import default_gazetteer
from recommender.geo import haversine_km_many
from recommender.store.catalogues import get_catalogue
from recommender.store.tenants import Tenant

SERVED_RADIUS_KM = 20.0


class MatchCatalogues:
    def __init__(self, capacity: int = 4):
        self.capacity = capacity
        self._parsed: OrderedDict[int, Catalogue | None] = OrderedDict()
        self._comuni: OrderedDict[int, list[str]] = OrderedDict()
        self._lock = threading.Lock()

    def _remember(self, cache: OrderedDict, key: int, value) -> None:
        with self._lock:
            cache[key] = value
            cache.move_to_end(key)
            while len(cache) > self.capacity:
                cache.popitem(last=False)

    def get(self, engines: EngineRegistry, tenant: Tenant, catalogue_id: int) -> Catalogue | None:
        """The parsed catalogue; ``None`` if it no longer validates (the page then shows
        what the match itself stored)."""
        current = engines.get(tenant) if tenant.catalogue_id == catalogue_id else None
        if current is not None and current.catalogue_id == catalogue_id:
            return current.catalogue
        with self._lock:
            if catalogue_id in self._parsed:
                self._parsed.move_to_end(catalogue_id)
                return self._parsed[catalogue_id]
        stored = get_catalogue(engines.db, catalogue_id)
        catalogue = None
        if stored is not None and stored.tenant_id == tenant.id:
            try:
                catalogue = parse_catalogue(stored.csv_text, source=f"catalogue v{stored.version}")
            except InputError:
                catalogue = None
        self._remember(self._parsed, catalogue_id, catalogue)
        return catalogue

    def served_comuni(self, catalogue_id: int, catalogue: Catalogue) -> list[str]:
        """'Name (PV)' of every comune within ``SERVED_RADIUS_KM`` of a service or in a
        service's area, by name: the suggestions of the form's comune field."""
        with self._lock:
            if catalogue_id in self._comuni:
                return self._comuni[catalogue_id]
        gaz = default_gazetteer()
        comuni = list(gaz.by_code.values())
        lats = np.array([c.lat for c in comuni])
        lons = np.array([c.lon for c in comuni])
        near = np.zeros(len(comuni), dtype=bool)
        for s in catalogue.services:
            near |= haversine_km_many(s.lat, s.lon, lats, lons) <= SERVED_RADIUS_KM
        codes = {c.istat_code for c, ok in zip(comuni, near) if ok} | {code for s in catalogue.services for code in s.service_area}
        labels = sorted({f"{c.name} ({c.province_abbr})" for c in comuni if c.istat_code in codes})
        self._remember(self._comuni, catalogue_id, labels)
        return labels
