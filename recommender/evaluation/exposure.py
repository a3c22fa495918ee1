"""Who gets the attention: provider exposure and catalogue coverage of a ranking.

A suggestion at rank r draws attention 1 / log2(r + 1) (the DCG discount: what a welfare
manager reads first counts most). A provider's exposure is the sum over every case of the
attention its services draw; its share is that sum over the total. The Gini coefficient
of the shares across *every* provider of the catalogue (those never suggested included)
says how concentrated the engine's attention is: 0 when all providers get the same, near 1
when one provider gets everything. Coverage is the share of services (and providers) that
appear in at least one top-k list.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np


def rank_weight(rank: int) -> float:
    return 1.0 / math.log2(rank + 1)


def provider_exposure(ranked_lists: Iterable[list[str]], provider_of: Mapping[str, str], k: int = 10) -> dict[str, float]:
    """Exposure share per provider (summing to 1), over every provider in ``provider_of``."""
    exposure = dict.fromkeys(sorted(set(provider_of.values())), 0.0)
    for ranked in ranked_lists:
        for rank, service_id in enumerate(ranked[:k], start=1):
            provider = provider_of.get(service_id)
            if provider is not None:
                exposure[provider] += rank_weight(rank)
    total = sum(exposure.values())
    return {p: (v / total if total else 0.0) for p, v in exposure.items()}


def gini(values: Iterable[float]) -> float:
    """Gini coefficient of non-negative values (0: all equal; (n-1)/n: one holds all)."""
    x = np.sort(np.asarray(list(values), dtype=float))
    if len(x) == 0 or x.sum() <= 0:
        return 0.0
    if (x < 0).any():
        raise ValueError("the Gini coefficient needs non-negative values")
    n = len(x)
    cum = np.cumsum(x)
    return float((n + 1 - 2 * (cum / cum[-1]).sum()) / n)


def lorenz_curve(values: Iterable[float]) -> tuple[list[float], list[float]]:
    """Points of the Lorenz curve: cumulative share of providers (poorest first) against
    cumulative share of exposure, both from 0 to 1."""
    x = np.sort(np.asarray(list(values), dtype=float))
    if len(x) == 0 or x.sum() <= 0:
        return [0.0, 1.0], [0.0, 1.0]
    pop = np.arange(len(x) + 1) / len(x)
    share = np.concatenate([[0.0], np.cumsum(x) / x.sum()])
    return pop.tolist(), share.tolist()


@dataclass(frozen=True)
class ExposureSummary:
    gini: float
    top10_provider_share: float  # share of exposure held by the 10 most exposed providers
    providers_exposed: int
    providers_total: int
    service_coverage: float  # share of the catalogue's services in at least one top-k
    provider_coverage: float

    def metrics(self) -> dict[str, float]:
        return {
            "exposure_gini": self.gini,
            "exposure_top10_provider_share": self.top10_provider_share,
            "catalogue_coverage": self.service_coverage,
            "provider_coverage": self.provider_coverage,
        }


def summarise(ranked_lists: list[list[str]], provider_of: Mapping[str, str], k: int = 10) -> tuple[ExposureSummary, dict[str, float]]:
    shares = provider_exposure(ranked_lists, provider_of, k)
    shown = {s for ranked in ranked_lists for s in ranked[:k] if s in provider_of}
    exposed = sum(1 for v in shares.values() if v > 0)
    summary = ExposureSummary(
        gini=gini(shares.values()),
        top10_provider_share=float(sum(sorted(shares.values(), reverse=True)[:10])),
        providers_exposed=exposed,
        providers_total=len(shares),
        service_coverage=len(shown) / len(provider_of) if provider_of else 0.0,
        provider_coverage=exposed / len(shares) if shares else 0.0,
    )
    return summary, shares
