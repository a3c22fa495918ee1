"""Simulated welfare managers giving feedback on a judged collection's matches.

There is no real feedback yet, so the re-ranker is developed on feedback drawn from the
collection's relevance grades through a click model with the biases real logs have:

- position bias (examination): a manager looks at the suggestion at rank ``r`` with
  probability ``r ** -examination_eta`` and gives feedback only on what was looked at;
- relevance: an examined suggestion of grade ``g`` is taken up (accepted, contacted or
  used) with probability ``accept_by_grade[g]``; grades missing from the qrels count as 0;
- noise: a share ``noise`` of examined outcomes is flipped (misclicks, the person's own
  circumstances the grades cannot know);
- several managers per case (``sessions_per_case``), each an independent draw.

Draws are seeded per (seed, case, session), so a case's simulated feedback does not depend
on which other cases are simulated with it: cross-fitting simulates fold by fold and gets
exactly the events of a simulation of the whole collection.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

import numpy as np
from sklearn.base import BaseEstimator

from recommender.feedback import FeedbackRecord
from recommender.pipeline import MatchResult

DEFAULT_ACCEPT_BY_GRADE: Mapping[int, float] = {0: 0.05, 1: 0.25, 2: 0.6, 3: 0.9}


class FeedbackSimulator(BaseEstimator):
    """Parameters only in ``__init__`` (scikit-learn style, so ``get_params`` can be logged).

    ``accept_by_grade=None`` means ``DEFAULT_ACCEPT_BY_GRADE``. Positives split between
    ``contacted`` (``contacted_share``), ``service_used`` (``service_used_share``) and
    ``accepted`` (the rest). ``depth``: how many suggestions of a match a manager may see.
    """

    def __init__(
        self,
        examination_eta: float = 1.0,
        accept_by_grade: Mapping[int, float] | None = None,
        noise: float = 0.1,
        contacted_share: float = 0.3,
        service_used_share: float = 0.2,
        sessions_per_case: int = 5,
        depth: int = 10,
        seed: int = 0,
    ):
        self.examination_eta = examination_eta
        self.accept_by_grade = accept_by_grade
        self.noise = noise
        self.contacted_share = contacted_share
        self.service_used_share = service_used_share
        self.sessions_per_case = sessions_per_case
        self.depth = depth
        self.seed = seed

    def _check(self) -> dict[int, float]:
        accept = dict(DEFAULT_ACCEPT_BY_GRADE if self.accept_by_grade is None else self.accept_by_grade)
        if any(not 0 <= p <= 1 for p in accept.values()):
            raise ValueError(f"accept_by_grade probabilities must be in [0, 1], got {accept}")
        if not 0 <= self.noise <= 1:
            raise ValueError(f"noise must be in [0, 1], got {self.noise}")
        if self.examination_eta < 0:
            raise ValueError(f"examination_eta must be >= 0, got {self.examination_eta}")
        if self.contacted_share < 0 or self.service_used_share < 0 or self.contacted_share + self.service_used_share > 1:
            raise ValueError("contacted_share and service_used_share must be >= 0 and sum to at most 1")
        if self.sessions_per_case < 1 or self.depth < 1:
            raise ValueError("sessions_per_case and depth must be >= 1")
        return accept

    def examination(self, rank: int | np.ndarray) -> float | np.ndarray:
        """P(a manager looks at the suggestion at ``rank``)."""
        return np.asarray(rank, dtype=float) ** -float(self.examination_eta)

    def simulate(self, match_results: list[MatchResult], qrels: Mapping[str, Mapping[str, int]]) -> list[FeedbackRecord]:
        """Feedback events for the first ``depth`` suggestions of each match, ``match_id``
        ``"{case_id}#{session}"``; the order is case, session, rank. Suggestions without
        score components get no event."""
        accept = self._check()
        outcomes = ("accepted", "contacted", "service_used")
        split = np.array([1 - self.contacted_share - self.service_used_share, self.contacted_share, self.service_used_share])
        out: list[FeedbackRecord] = []
        for res in match_results:
            shown = sorted(zip(res.results, res.features or [{}] * len(res.results)), key=lambda rf: rf[0]["rank"])[: self.depth]
            if not shown:
                continue
            grades = qrels.get(res.intake_id, {})
            p_exam = self.examination([r["rank"] for r, _ in shown])
            p_pos = np.array([accept.get(grades.get(r["service_id"], 0), 0.0) for r, _ in shown])
            for session in range(self.sessions_per_case):
                rng = np.random.default_rng([self.seed, zlib.crc32(res.intake_id.encode("utf-8")), session])
                # every draw is made for every position, so one position's outcome never
                # shifts the random stream of another
                examined = rng.random(len(shown)) < p_exam
                positive = rng.random(len(shown)) < p_pos
                flipped = rng.random(len(shown)) < self.noise
                kind = rng.choice(3, size=len(shown), p=split)
                for j, (r, feats) in enumerate(shown):
                    # without score components (the ranker's no-need fallback) an event
                    # teaches nothing, as in the store's export
                    if not examined[j] or not feats:
                        continue
                    outcome = outcomes[kind[j]] if positive[j] != flipped[j] else "rejected"
                    out.append(FeedbackRecord(
                        f"{res.intake_id}#{session}", res.intake_id, int(r["rank"]), r["service_id"], r["need"], outcome,
                        {k: float(v) for k, v in feats.items()},
                    ))
        return out
