"""The matching pipeline: a composition of replaceable stages.

    intake -> people -> need surfacing -> filters (quality, reach, eligibility)
           -> per-need scoring -> diversified top-k -> explanations

Each stage is an object with its own typed config, so a notebook can swap one (another
encoder, no dense channel, no diversification) and compare with ``recommender evaluate``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Protocol

import numpy as np

from recommender.catalogue import Catalogue
from recommender.eligibility import person_fit
from recommender.explain import explain
from recommender.features.people import Person, people_of
from recommender.intake import Intake
from recommender.models.bm25 import BM25
from recommender.models.encoder import Encoder
from recommender.quality import DEFAULT_POLICY, QualityPolicy
from recommender.ranking import Candidate, Ranker, RankingConfig, apply_filters, round_score
from recommender.service_needs import ServiceNeedConfig, ServiceProfile, infer_profiles
from recommender.surfacing import NeedScore, NeedSurfacer, SurfacingConfig


@dataclass
class PipelineConfig:
    encoder: str | None = "default"  # None: no dense channel at all
    policy: QualityPolicy = field(default_factory=lambda: DEFAULT_POLICY)
    surfacing: SurfacingConfig = field(default_factory=SurfacingConfig)
    ranking: RankingConfig = field(default_factory=RankingConfig)
    service_needs: ServiceNeedConfig = field(default_factory=ServiceNeedConfig)

    def to_dict(self) -> dict:
        """Plain parameters, for experiment tracking."""
        return asdict(self)


class Reranker(Protocol):
    """A stage after scoring: reorders the ``depth`` best eligible candidates (all already
    filtered) and keeps ``k``. ``recommender.models.reranker`` learns one from feedback."""

    depth: int

    def rerank(self, candidates: list[Candidate], k: int) -> list[Candidate]: ...


@dataclass(frozen=True)
class MatchResult:
    intake_id: str
    needs: list[NeedScore]
    results: list[dict]
    # Per result, the ranker's score components (``ranking.FEATURE_NAMES``): stored with a
    # match so that feedback on it can train a re-ranker; not part of the public output.
    features: list[dict[str, float]] = field(default_factory=list, compare=False)

    def to_json(self) -> dict:
        return {
            "id": self.intake_id,
            "needs": [{"need": n.need, "source": n.source, "score": round(n.score, 3), "evidence": n.evidence} for n in self.needs],
            "results": self.results,
        }


class MatchPipeline:
    """Fit on a catalogue, then match intakes. Learned attributes end in ``_``."""

    def __init__(self, config: PipelineConfig | None = None, encoder: Encoder | None = None, reranker: Reranker | None = None):
        self.config = config or PipelineConfig()
        self.encoder = encoder
        self.reranker = reranker

    def fit(self, catalogue: Catalogue) -> MatchPipeline:
        cfg = self.config
        if self.encoder is None and cfg.encoder:
            self.encoder = Encoder(cfg.encoder)
        enc = self.encoder if cfg.encoder else None
        self.catalogue_ = catalogue
        texts = [s.text for s in catalogue.services]
        self.service_embeddings_ = enc.encode_corpus(texts, "services") if enc is not None else None
        self.surfacer_ = NeedSurfacer(cfg.surfacing, enc).fit()
        dense_needs = None
        if enc is not None and self.surfacer_.prototypes_ is not None:
            sims = self.service_embeddings_ @ self.surfacer_.prototypes_.T
            z = (sims - sims.mean(axis=1, keepdims=True)) / (sims.std(axis=1, keepdims=True) + 1e-6)
            dense_needs = np.clip(z / 2.5, 0, 1)
        self.profiles_: list[ServiceProfile]
        self.profiles_, self.affinity_ = infer_profiles(catalogue, cfg.service_needs, dense_needs)
        self.bm25_ = BM25().fit(texts)
        self.ranker_ = Ranker(cfg.ranking).fit(catalogue, self.affinity_, self.bm25_, self.service_embeddings_)
        self.provinces_ = catalogue.provinces()
        self._quality_masks: OrderedDict[date, np.ndarray] = OrderedDict()
        return self

    def quality_mask(self, as_of: date) -> np.ndarray:
        # Bounded: API callers choose as_of freely, and one mask per date ever seen would grow
        # without limit in a long-running server.
        mask = self._quality_masks.get(as_of)
        if mask is None:
            mask = self.config.policy.mask(self.catalogue_, as_of)
            self._quality_masks[as_of] = mask
            while len(self._quality_masks) > 32:
                self._quality_masks.popitem(last=False)
        return mask

    def embed_notes(self, intakes: list[Intake]) -> list[np.ndarray | None]:
        enc = self.encoder if self.config.encoder else None
        if enc is None:
            return [None] * len(intakes)
        with_notes = [i for i, it in enumerate(intakes) if it.notes.strip()]
        out: list[np.ndarray | None] = [None] * len(intakes)
        if with_notes:
            embs = enc.encode([intakes[i].notes for i in with_notes])
            for i, e in zip(with_notes, embs):
                out[i] = e
        return out

    def match(self, intake: Intake, as_of: date | None = None, top_k: int | None = None, note_embedding: np.ndarray | None = None, _embedded: bool = False) -> MatchResult:
        as_of = as_of or date.today()
        if not _embedded:
            note_embedding = self.embed_notes([intake])[0]
        people: list[Person] = people_of(intake)
        needs = self.surfacer_.surface(intake, people, note_embedding)
        fit = person_fit(self.catalogue_, people)
        filters = apply_filters(self.catalogue_, self.quality_mask(as_of), intake, fit)
        k = top_k or self.config.ranking.top_k
        if self.reranker is None:
            cands = self.ranker_.rank(intake, needs, people, filters, fit, as_of, note_embedding, k)
        else:
            cands = self.ranker_.rank(intake, needs, people, filters, fit, as_of, note_embedding, max(k, self.reranker.depth))
            cands = self.reranker.rerank(cands, k)
        evidence = {n.need: n.evidence for n in needs if n.source == "surfaced"}
        results = [self._result(r, c, intake, evidence.get(c.need, "")) for r, c in enumerate(cands, start=1)]
        return MatchResult(intake.id, needs, results, [c.features for c in cands])

    def match_many(self, intakes: Iterable[Intake], as_of: date | None = None, top_k: int | None = None, batch_size: int = 64) -> Iterable[MatchResult]:
        """Match a stream of intakes, encoding notes in batches (throughput path)."""
        batch: list[Intake] = []
        for it in intakes:
            batch.append(it)
            if len(batch) >= batch_size:
                yield from self._match_batch(batch, as_of, top_k)
                batch = []
        if batch:
            yield from self._match_batch(batch, as_of, top_k)

    def _match_batch(self, batch: list[Intake], as_of: date | None, top_k: int | None) -> list[MatchResult]:
        embs = self.embed_notes(batch)
        return [self.match(it, as_of, top_k, e, _embedded=True) for it, e in zip(batch, embs)]

    def _result(self, rank: int, c: Candidate, intake: Intake, evidence: str) -> dict:
        svc = self.catalogue_.services[c.index]
        return {
            "rank": rank,
            "service_id": svc.service_id,
            "name": svc.name,
            "need": c.need,
            "score": round_score(c.score),
            "distance_km": round(c.distance_km, 2),
            "explanation": explain(svc, c.need, c.also_needs, c.distance_km, intake, evidence),
        }
