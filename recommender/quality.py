"""Quality policy (UNI/PdR 58:2019 spirit): which services a platform lets the engine suggest.

The default policy suggests a service only if it is accredited, its provider signed the
network's ethical charter and it was verified within the last 365 days of the reference
date. Platforms can relax or tighten each rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from recommender.catalogue import Catalogue, Service


@dataclass(frozen=True)
class QualityPolicy:
    require_accredited: bool = True
    require_ethical_charter: bool = True
    max_verification_age_days: int | None = 365
    max_complaints_12m: int | None = None
    min_rating: float | None = None

    def failures(self, service: Service, as_of: date) -> list[str]:
        """Reasons (Italian, for the review page) why the service fails; empty if it passes."""
        out = []
        if self.require_accredited and not service.accredited:
            out.append("non accreditato")
        if self.require_ethical_charter and not service.ethical_charter:
            out.append("carta etica non sottoscritta")
        if self.max_verification_age_days is not None:
            if service.last_verified is None:
                out.append("mai verificato")
            elif (as_of - service.last_verified).days > self.max_verification_age_days:
                out.append(f"verifica scaduta ({service.last_verified:%m/%Y})")
            elif service.last_verified > as_of:
                # A verification dated after the reference date cannot be used to
                # judge the service at that date (replays of past matches stay honest).
                out.append(f"verifica successiva alla data di riferimento ({service.last_verified:%d/%m/%Y})")
        if self.max_complaints_12m is not None and (service.complaints_12m or 0) > self.max_complaints_12m:
            out.append(f"{service.complaints_12m} reclami negli ultimi 12 mesi")
        if self.min_rating is not None and service.rating is not None and service.rating < self.min_rating:
            out.append(f"valutazione {service.rating:.1f} sotto la soglia")
        return out

    def passes(self, service: Service, as_of: date) -> bool:
        return not self.failures(service, as_of)

    def mask(self, catalogue: Catalogue, as_of: date) -> np.ndarray:
        return np.array([self.passes(s, as_of) for s in catalogue.services], dtype=bool)


DEFAULT_POLICY = QualityPolicy()
