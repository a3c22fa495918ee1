"""Supply: how many quality-checked services answer each need within reach of a comune.

A service counts for (comune, need) when it passes the quality policy at the reference
date, answers the need (the pipeline's service-need affinity > 0: declared, completed or
inferred needs) and is within reach of the comune by the same rule the ranker applies to an
intake there (``eligibility.reach``): on-site within the default distance limit (20 km) of
the comune's centroid, or delivered at home / remotely with the comune in its service area.
Case- and person-level eligibility (ISEE, funding, age bands) are left out: they depend on
who asks, and supply is about the territory. Per 10,000 inhabitants uses the 2011 census
population of the gazetteer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from recommender.catalogue import Catalogue
from recommender.eligibility import reach
from recommender.gazetteer import Comune, Gazetteer, default_gazetteer
from recommender.intake import DEFAULT_MAX_DISTANCE_KM, Intake
from recommender.needs import NEED_CODES


@dataclass(frozen=True)
class Supply:
    """Services within reach of each comune, per need (``services[istat][j]`` for need j)."""

    services: dict[str, tuple[int, ...]]
    population: dict[str, int | None]

    def count(self, comune_istat: str, need: str) -> int | None:
        row = self.services.get(comune_istat)
        return None if row is None else row[NEED_CODES.index(need)]

    def per_10k(self, comune_istat: str, need: str) -> float | None:
        n, pop = self.count(comune_istat, need), self.population.get(comune_istat)
        if n is None or not pop:
            return None
        return round(n / pop * 10_000, 2)


def _at(comune: Comune, max_distance_km: float) -> Intake:
    # Reach depends only on where the person is and how far they go: a probe intake there.
    return Intake(
        id="", comune=comune, notes="", stated_needs=(), household=(), household_given=False,
        isee=None, funding=None, max_distance_km=max_distance_km,
    )


def compute_supply(
    catalogue: Catalogue,
    affinity: np.ndarray,
    quality_mask: np.ndarray,
    comuni: Iterable[Comune],
    max_distance_km: float = DEFAULT_MAX_DISTANCE_KM,
) -> Supply:
    """Supply for each of ``comuni``: ``affinity`` and ``quality_mask`` come from the fitted
    pipeline (``affinity_``, ``quality_mask(as_of)``)."""
    answers = affinity > 0
    services: dict[str, tuple[int, ...]] = {}
    population: dict[str, int | None] = {}
    for comune in comuni:
        ok = reach(catalogue, _at(comune, max_distance_km)).reachable & quality_mask
        services[comune.istat_code] = tuple(int(x) for x in answers[ok].sum(axis=0))
        population[comune.istat_code] = comune.population
    return Supply(services, population)


def served_provinces(catalogue: Catalogue, gazetteer: Gazetteer | None = None) -> frozenset[str]:
    """The provinces a catalogue serves: where its on-site services are, and where the
    comuni of its home and remote services' areas are (a remote service run from Milano for
    comuni of Padova serves Padova). It depends on the catalogue only, never on the intakes,
    so listing these comuni tells nothing about who asked."""
    gaz = gazetteer or default_gazetteer()
    out: set[str] = set()
    for s in catalogue.services:
        codes = {s.comune_istat} if s.delivery == "on_site" else (s.service_area or {s.comune_istat})
        out |= {c.province_abbr for code in codes if (c := gaz.get(code)) is not None}
    return frozenset(out)
