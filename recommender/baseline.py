"""BM25-over-descriptions baseline with the engine's own filters.

This is what keyword systems in the field do: match the words of the notes plus the
Italian labels of the stated needs (what the intake form shows, e.g. "assistenza
anziani") against service names and descriptions, with the same Italian lemmatiser. It gets exactly the same
quality, reach and eligibility filters as the engine, so a comparison measures ranking
and need surfacing, not filtering. Its needs are the stated ones only.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from recommender.catalogue import Catalogue
from recommender.eligibility import person_fit
from recommender.explain import explain
from recommender.features.people import people_of
from recommender.intake import Intake
from recommender.models.bm25 import BM25
from recommender.needs import NEED_BY_CODE
from recommender.pipeline import MatchResult
from recommender.quality import DEFAULT_POLICY, QualityPolicy
from recommender.ranking import apply_filters, round_score
from recommender.surfacing import NeedScore


class BM25Baseline:
    def __init__(self, policy: QualityPolicy = DEFAULT_POLICY, top_k: int = 10):
        self.policy = policy
        self.top_k = top_k

    def fit(self, catalogue: Catalogue) -> BM25Baseline:
        self.catalogue_ = catalogue
        self.bm25_ = BM25().fit([s.text for s in catalogue.services])
        self._masks: dict[date, np.ndarray] = {}
        return self

    def match(self, intake: Intake, as_of: date | None = None, top_k: int | None = None) -> MatchResult:
        as_of = as_of or date.today()
        if as_of not in self._masks:
            self._masks[as_of] = self.policy.mask(self.catalogue_, as_of)
        people = people_of(intake)
        fit = person_fit(self.catalogue_, people)
        filters = apply_filters(self.catalogue_, self._masks[as_of], intake, fit)
        query = " ".join([intake.notes] + [NEED_BY_CODE[n].label_it for n in intake.stated_needs])
        scores = np.where(filters.allowed, self.bm25_.score(query), -1.0)
        dist = filters.reach.distance_km
        results = []
        for rank, i in enumerate([i for i in np.argsort(-scores) if scores[i] > 0][: top_k or self.top_k], start=1):
            svc = self.catalogue_.services[i]
            results.append({
                "rank": rank, "service_id": svc.service_id, "name": svc.name, "need": "",
                "score": round_score(float(scores[i])), "distance_km": round(float(dist[i]), 2),
                "explanation": explain(svc, "", (), float(dist[i]), intake),
            })
        needs = [NeedScore(n, "stated", 1.0, "richiesta esplicita (stated_needs)") for n in intake.stated_needs]
        return MatchResult(intake.id, needs, results)
