"""Hard filters: reachability, case-level eligibility (ISEE, funding) and person-level fit.

Everything here is vectorised over the catalogue so that filtering happens before top-k
on the whole catalogue, not on a shortlist.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommender.catalogue import FUNDING_SOURCES, Catalogue, funding_bits
from recommender.features.people import Person
from recommender.geo import haversine_km_many
from recommender.intake import Intake

_FREE_BIT = 1 << FUNDING_SOURCES.index("free")


@dataclass
class Reach:
    distance_km: np.ndarray  # distance from the intake's comune to each service
    reachable: np.ndarray  # bool


def reach(catalogue: Catalogue, intake: Intake) -> Reach:
    """On-site services within max_distance_km; home/remote services covering the comune."""
    dist = haversine_km_many(intake.comune.lat, intake.comune.lon, catalogue.lats, catalogue.lons)
    reachable = catalogue.on_site & (dist <= intake.max_distance_km)
    covered = catalogue.area_index.get(intake.comune.istat_code)
    if covered is not None:
        reachable[covered] = True
    return Reach(dist, reachable)


def case_eligible(catalogue: Catalogue, intake: Intake) -> np.ndarray:
    """ISEE ceiling and funding compatibility; unknown ISEE or funding never excludes."""
    ok = np.ones(len(catalogue), dtype=bool)
    if intake.isee is not None:
        ok &= intake.isee <= catalogue.isee_max
    if intake.funding is not None:
        person_bits = funding_bits(intake.funding)
        ok &= ((catalogue.funding_mask & _FREE_BIT) != 0) | ((catalogue.funding_mask & person_bits) != 0)
    return ok


def person_fit(catalogue: Catalogue, people: list[Person]) -> np.ndarray:
    """Matrix (people x services): does the person fit the service's age band and certification?"""
    if not people:
        return np.ones((0, len(catalogue)), dtype=bool)
    ages = np.array([np.nan if p.age is None else p.age for p in people])[:, None]
    age_ok = np.isnan(ages) | ((ages >= catalogue.age_min[None, :]) & (ages <= catalogue.age_max[None, :]))
    certified = np.array([p.certified for p in people])[:, None]
    cert_ok = ~catalogue.requires_cert[None, :] | certified
    return age_ok & cert_ok


def anyone_fits(fit: np.ndarray, n_services: int) -> np.ndarray:
    """Services some known person fits; with nobody known, age bands cannot exclude."""
    if fit.shape[0] == 0:
        return np.ones(n_services, dtype=bool)
    return fit.any(axis=0)
