"""Does learning from feedback rank better? Cross-fitted experiments on a judged collection.

Ranking: the collection's cases are split into folds; the re-ranker that ranks a fold's
cases is trained only on feedback simulated on the *other* folds' cases (from the unlearned
pipeline's lists, as a platform would log them before any re-ranker exists). No case's own
feedback ever trains the model that ranks it, so ``evaluate_results`` on the returned lines
compares with the unlearned pipeline case by case, without leakage.

Prediction: ``event_cv_metrics`` scores P(positive outcome) on held-out feedback events
(grouped by match) against the pipeline's own score calibrated on the same training folds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import GroupKFold

from recommender.evaluation.collection import Collection
from recommender.evaluation.feedback_simulation import FeedbackSimulator
from recommender.feedback import FeedbackRecord
from recommender.intake import Intake
from recommender.models.reranker import FeedbackReranker
from recommender.pipeline import MatchPipeline


@dataclass
class CrossFitted:
    results: list[dict]  # ``MatchResult.to_json()`` per intake, in the intakes' order
    events_per_fold: list[int]  # feedback events that trained each fold's model
    folds: list[list[str]] = field(default_factory=list)  # case ids ranked by each fold's model


def assign_folds(case_ids: Sequence[str], folds: int, seed: int = 0) -> list[list[str]]:
    """Deterministic folds of (nearly) equal size: a seeded permutation of the sorted ids."""
    if folds < 2:
        raise ValueError(f"folds must be >= 2, got {folds}")
    ids = sorted(set(case_ids))
    if len(ids) < folds:
        raise ValueError(f"{len(ids)} case(s) cannot be split into {folds} folds")
    order = np.random.default_rng(seed).permutation(len(ids))
    return [sorted(ids[i] for i in order[f::folds]) for f in range(folds)]


def cross_fitted_results(
    pipeline: MatchPipeline,
    collection: Collection,
    intakes: list[Intake],
    as_of: date,
    top_k: int = 10,
    folds: int = 5,
    simulator: FeedbackSimulator | None = None,
    reranker_params: Mapping[str, Any] | None = None,
    seed: int = 0,
) -> CrossFitted:
    """Each fold's intakes matched by a re-ranker trained on the other folds' feedback."""
    simulator = simulator if simulator is not None else FeedbackSimulator(seed=seed)
    fold_ids = assign_folds([i.id for i in intakes], folds, seed)
    original = pipeline.reranker
    out: dict[str, dict] = {}
    events: list[int] = []
    try:
        pipeline.reranker = None
        logged = {r.intake_id: r for r in pipeline.match_many(intakes, as_of=as_of, top_k=simulator.depth)}
        for ids in fold_ids:
            held_out = set(ids)
            train = [logged[i.id] for i in intakes if i.id not in held_out]
            records = simulator.simulate(train, collection.qrels)
            model = FeedbackReranker(**{"random_state": seed, **(reranker_params or {})}).fit(records)
            events.append(len(records))
            pipeline.reranker = model
            for res in pipeline.match_many([i for i in intakes if i.id in held_out], as_of=as_of, top_k=top_k):
                out[res.intake_id] = res.to_json()
    finally:
        pipeline.reranker = original
    return CrossFitted([out[i.id] for i in intakes], events, fold_ids)


def event_cv_metrics(records: Sequence[FeedbackRecord], folds: int = 5, reranker_params: Mapping[str, Any] | None = None, seed: int = 0) -> dict[str, float]:
    """Log-loss, Brier score and ROC AUC of P(positive) on held-out events, grouped by
    intake (``intake_ref``, else the match) so that no intake's events are on both sides,
    even when several managers saw it; ``baseline_*`` are the same for the pipeline's score
    (Platt-calibrated on the training folds; AUC on the raw score)."""
    records = list(records)
    y = np.array([r.positive for r in records], dtype=int)
    groups = np.array([r.intake_ref or r.match_id for r in records])
    n_groups = len(set(groups.tolist()))
    if n_groups < folds:
        raise ValueError(f"{n_groups} intake(s) with feedback cannot be split into {folds} folds")
    score = np.array([r.features.get("score", 0.0) for r in records], dtype=float)
    p_model = np.zeros(len(records))
    p_base = np.zeros(len(records))
    for train, test in GroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(score, y, groups):
        model = FeedbackReranker(**{"random_state": seed, **(reranker_params or {})}).fit([records[i] for i in train])
        p_model[test] = model.predict_proba([records[i].features for i in test], [records[i].rank for i in test])
        if len(set(y[train].tolist())) < 2:
            raise ValueError("a training fold has a single kind of outcome")
        platt = LogisticRegression().fit(score[train, None], y[train])
        p_base[test] = platt.predict_proba(score[test, None])[:, 1]
    out = {"events": float(len(records)), "positive_rate": float(y.mean())}
    for name, p, raw in (("", p_model, p_model), ("baseline_", p_base, score)):
        out[f"{name}log_loss"] = float(log_loss(y, np.clip(p, 1e-6, 1 - 1e-6), labels=[0, 1]))
        out[f"{name}brier"] = float(brier_score_loss(y, p))
        out[f"{name}roc_auc"] = float(roc_auc_score(y, raw)) if len(set(y.tolist())) == 2 else float("nan")
    return out
