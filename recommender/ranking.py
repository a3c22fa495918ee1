"""Ranking: hard filters on the whole catalogue, then per-need scoring, then diversification.

Order matters and is the point of this module: quality policy, reachability, case-level
eligibility and person-level fit are applied to every service before any score is
computed, so top-k never hides a filtered-out service and never pads with one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from recommender.catalogue import Catalogue
from recommender.eligibility import Reach, anyone_fits, case_eligible, reach
from recommender.features.lexicon import RESIDENTIAL_REQUEST, RESIDENTIAL_SERVICE
from recommender.features.people import Person
from recommender.features.text import normalize
from recommender.intake import Intake
from recommender.models.bm25 import BM25
from recommender.needs import NEED_ORDER
from recommender.surfacing import NeedScore


@dataclass
class RankingConfig:
    top_k: int = 10
    lexical_weight: float = 0.7
    dense_weight: float = 0.3
    use_distance_decay: bool = True
    distance_scale_km: float = 8.0
    use_quality_signals: bool = True
    diversify: bool = True
    per_need_decay: float = 0.55
    beneficiary_mismatch_factor: float = 0.2
    residential_penalty: float = 0.4
    text_floor: float = 0.35  # share of the score that does not depend on text match
    certified_need_min_score: float = 0.7  # disability need score that unlocks certification-only services


@dataclass(frozen=True)
class Candidate:
    index: int
    need: str
    score: float
    distance_km: float
    also_needs: tuple[str, ...] = ()
    # The score's components as the ranker saw them: logged with each suggestion so that
    # feedback can later be learned from (recommender.models.reranker) without the notes.
    features: dict[str, float] = field(default_factory=dict, compare=False)


# Names of ``Candidate.features``, in the order a learned re-ranker reads them.
FEATURE_NAMES = (
    "score", "need_score", "need_stated", "need_position", "affinity", "lexical", "dense", "text",
    "geo", "quality", "residential", "beneficiary_fit", "log_distance_km", "home_service", "also_needs",
)


@dataclass
class Filters:
    """Why services are out, per service (for the review page and for tests)."""

    quality: np.ndarray
    reach: Reach
    case: np.ndarray
    person: np.ndarray

    @property
    def allowed(self) -> np.ndarray:
        return self.quality & self.reach.reachable & self.case & self.person


_CHILD_WORDS = re.compile(r"\bfigli|bambin|\bbimb|ragazz|\bpiccol")
_PARENT_WORDS = re.compile(r"\b(madre|padre|suocer|genitor|anzian)")
_PARTNER_WORDS = re.compile(r"\b(marito|moglie|compagn|partner|coniuge)")
_AGE_WORDS = re.compile(r"\b(\d{1,2}) ?(anni|aa|enne)\b")


def beneficiaries(need: str, people: list[Person], query: str) -> list[int]:
    """Indices of the people a need most plausibly concerns (empty: anyone)."""
    if not people:
        return []
    idx = range(len(people))
    age = [p.age if p.age is not None else 40 for p in people]
    rule = {
        "childcare": [i for i in idx if age[i] <= 14],
        "elderly_care": [i for i in idx if age[i] >= 60 or people[i].non_self_sufficient],
        "disability": [i for i in idx if people[i].disability],
        "caregiver_support": [i for i in idx if 18 <= age[i] and not people[i].non_self_sufficient and not (people[i].disability and people[i].relation != "self")],
        "employment": [i for i in idx if 16 <= age[i] <= 67 and not people[i].non_self_sufficient],
    }.get(need)
    if rule:
        return rule
    if need in ("health", "mental_health", "social_inclusion", "mobility"):
        text = normalize(query)
        chosen: set[int] = set()
        ages = {int(m.group(1)) for m in _AGE_WORDS.finditer(text)}
        for i in idx:
            p = people[i]
            if p.age is not None and p.age in ages:
                chosen.add(i)
            elif (p.relation == "child" and _CHILD_WORDS.search(text)) or (p.relation == "parent" and _PARENT_WORDS.search(text)) or (p.relation == "partner" and _PARTNER_WORDS.search(text)):
                chosen.add(i)
        if chosen:
            return sorted(chosen)
        if need == "mobility":
            frail = [i for i in idx if age[i] >= 70 or people[i].disability or people[i].non_self_sufficient]
            return frail
    return []


def apply_filters(catalogue: Catalogue, quality_mask: np.ndarray, intake: Intake, fit: np.ndarray) -> Filters:
    return Filters(
        quality=quality_mask,
        reach=reach(catalogue, intake),
        case=case_eligible(catalogue, intake),
        person=anyone_fits(fit, len(catalogue)),
    )


def quality_factor(catalogue: Catalogue, as_of: date) -> np.ndarray:
    """Soft quality signals among services that already pass the policy."""
    out = np.ones(len(catalogue))
    for i, s in enumerate(catalogue.services):
        rating = s.rating if s.rating is not None else 3.8
        f = 0.8 + 0.2 * (rating - 1) / 4
        f *= 1 - 0.04 * min(s.complaints_12m or 0, 5)
        if s.last_verified is not None:
            age_days = max((as_of - s.last_verified).days, 0)
            f *= 1 - 0.08 * min(age_days / 365, 1.5)
        out[i] = f
    return out


def _normalise(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    if not mask.any():
        return np.zeros_like(x)
    lo, hi = x[mask].min(), x[mask].max()
    if hi - lo < 1e-9:
        return np.where(mask, 1.0 if hi > 0 else 0.0, 0.0)
    return np.where(mask, (x - lo) / (hi - lo), 0.0)


class Ranker:
    """Scores eligible services for each surfaced need and builds a diversified list."""

    def __init__(self, config: RankingConfig | None = None):
        self.config = config or RankingConfig()

    def fit(self, catalogue: Catalogue, affinity: np.ndarray, bm25: BM25, service_embeddings: np.ndarray | None) -> Ranker:
        self.catalogue_ = catalogue
        self.affinity_ = affinity
        self.bm25_ = bm25
        self.service_embeddings_ = service_embeddings
        self.residential_ = np.array([bool(RESIDENTIAL_SERVICE.search(normalize(s.text))) for s in catalogue.services])
        self._quality_cache: dict[date, np.ndarray] = {}
        return self

    def _quality_factor(self, as_of: date) -> np.ndarray:
        if as_of not in self._quality_cache:
            self._quality_cache[as_of] = quality_factor(self.catalogue_, as_of)
        return self._quality_cache[as_of]

    def rank(
        self,
        intake: Intake,
        needs: list[NeedScore],
        people: list[Person],
        filters: Filters,
        fit: np.ndarray,
        as_of: date,
        note_embedding: np.ndarray | None = None,
        top_k: int | None = None,
    ) -> list[Candidate]:
        cfg = self.config
        k = top_k or cfg.top_k
        allowed = filters.allowed
        if not any(ns.need == "disability" and ns.score >= cfg.certified_need_min_score for ns in needs):
            # A service that requires an L.104/invalidity certification is about the disabled
            # person; without a clear disability need the engine does not know who it serves.
            allowed = allowed & ~self.catalogue_.requires_cert
        dist = filters.reach.distance_km
        n = len(self.catalogue_)

        geo = np.ones(n)
        if cfg.use_distance_decay:
            geo = np.where(self.catalogue_.on_site, 0.55 + 0.45 * np.exp(-dist / cfg.distance_scale_km), 1.0)
        qual = self._quality_factor(as_of) if cfg.use_quality_signals else np.ones(n)
        wants_residential = bool(RESIDENTIAL_REQUEST.search(normalize(intake.notes)))
        resid = np.where(self.residential_ & (not wants_residential), cfg.residential_penalty, 1.0)

        dense = None
        if note_embedding is not None and self.service_embeddings_ is not None and cfg.dense_weight > 0:
            dense = self.service_embeddings_ @ note_embedding

        per_need: dict[str, np.ndarray] = {}
        parts: dict[str, dict[str, np.ndarray | float]] = {}
        dense_norm = np.zeros(n)
        for ns in needs:
            col = self.affinity_[:, NEED_ORDER[ns.need]]
            cand = allowed & (col > 0)
            if not cand.any():
                continue
            lex = _normalise(self.bm25_.score(ns.query + " " + intake.notes if ns.source == "stated" and not ns.spans else ns.query), cand)
            text = lex
            if dense is not None:
                dense_norm = _normalise(dense, cand)
                text = (cfg.lexical_weight * lex + cfg.dense_weight * dense_norm) / (cfg.lexical_weight + cfg.dense_weight)
            ben = beneficiaries(ns.need, people, ns.query)
            fits_ben = fit[ben].any(axis=0) if ben and fit.shape[0] else np.ones(n, dtype=bool)
            ben_factor = np.where(fits_ben, 1.0, cfg.beneficiary_mismatch_factor)
            score = ns.score * col * (cfg.text_floor + (1 - cfg.text_floor) * text) * geo * qual * resid * ben_factor
            per_need[ns.need] = np.where(cand, score, 0.0)
            parts[ns.need] = {
                "need_score": ns.score, "need_stated": float(ns.source == "stated"), "affinity": col, "lexical": lex,
                "dense": dense_norm, "text": text, "beneficiary_fit": ben_factor,
            }

        if not per_need:
            # With needs but nothing eligible for any of them, an empty list is the honest
            # answer; unrelated services are suggested only when no need is known at all.
            return [] if needs else self._fallback(intake, allowed, dist, geo * qual, k)
        chosen = self._select(per_need, dist, k, [n.need for n in needs])
        order = {need: j for j, need in enumerate(per_need)}
        shared = {"geo": geo, "quality": qual, "residential": resid}
        return [replace(c, features=self._features(c, parts[c.need], shared, order[c.need], len(order))) for c in chosen]

    def _features(self, c: Candidate, part: dict, shared: dict[str, np.ndarray], position: int, n_needs: int) -> dict[str, float]:
        def at(x: np.ndarray | float) -> float:
            return float(x[c.index]) if isinstance(x, np.ndarray) else float(x)

        out = {"score": c.score, "need_position": position / max(n_needs - 1, 1)}
        out.update({name: at(v) for name, v in part.items()})
        out.update({name: at(v) for name, v in shared.items()})
        out["log_distance_km"] = math.log1p(c.distance_km)
        out["home_service"] = float(not self.catalogue_.on_site[c.index])
        out["also_needs"] = float(len(c.also_needs))
        return {name: round(out.get(name, 0.0), 6) for name in FEATURE_NAMES}

    def _select(self, per_need: dict[str, np.ndarray], dist: np.ndarray, k: int, need_order: list[str]) -> list[Candidate]:
        cfg = self.config
        needs = [n for n in need_order if n in per_need]
        scores = np.stack([per_need[n] for n in needs])  # needs x services
        best_need = scores.argmax(axis=0)
        best = scores.max(axis=0)
        chosen: list[Candidate] = []
        taken: set[int] = set()
        counts = dict.fromkeys(needs, 0)

        def also(i: int, need: str) -> tuple[str, ...]:
            return tuple(n for j, n in enumerate(needs) if n != need and scores[j, i] > 0)

        if cfg.diversify:
            # first pass: the best service of each need, so every need is represented
            firsts = []
            for j, need in enumerate(needs):
                row = scores[j].copy()
                row[list(taken)] = 0
                i = int(row.argmax())
                if row[i] > 0:
                    taken.add(i)
                    counts[need] += 1
                    firsts.append(Candidate(i, need, float(row[i]), float(dist[i]), also(i, need)))
            chosen.extend(sorted(firsts, key=lambda c: -c.score))
            while len(chosen) < k:
                adj = scores * np.array([cfg.per_need_decay ** counts[n] for n in needs])[:, None]
                adj[:, list(taken)] = 0
                j, i = np.unravel_index(int(adj.argmax()), adj.shape)
                if adj[j, i] <= 0:
                    break
                taken.add(int(i))
                counts[needs[j]] += 1
                chosen.append(Candidate(int(i), needs[j], float(scores[j, i]), float(dist[i]), also(int(i), needs[j])))
        else:
            for i in np.argsort(-best)[:k]:
                if best[i] <= 0:
                    break
                need = needs[int(best_need[i])]
                chosen.append(Candidate(int(i), need, float(best[i]), float(dist[i]), also(int(i), need)))
        return chosen[:k]

    def _fallback(self, intake: Intake, allowed: np.ndarray, dist: np.ndarray, prior: np.ndarray, k: int) -> list[Candidate]:
        """No need at all (empty notes, nothing stated): nearest well-rated services by text."""
        if not allowed.any():
            return []
        text = _normalise(self.bm25_.score(intake.notes), allowed) if intake.notes.strip() else np.zeros(len(allowed))
        score = np.where(allowed, (0.5 + 0.5 * text) * prior, 0.0)
        out = []
        for i in np.argsort(-score)[:k]:
            if score[i] <= 0:
                break
            main = self.affinity_[i].argmax()
            need = list(NEED_ORDER)[int(main)] if self.affinity_[i].max() > 0 else ""
            out.append(Candidate(int(i), need, float(score[i]), float(dist[i])))
        return out


def round_score(x: float) -> float:
    return float(f"{x:.4f}") if math.isfinite(x) else 0.0
