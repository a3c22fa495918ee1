"""Simulated managers: position bias, grade-driven take-up, noise, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.evaluation.feedback_simulation import FeedbackSimulator
from recommender.evaluation.report import as_of_for, load_intakes
from recommender.feedback import POSITIVE_OUTCOMES
from recommender.needs import NEED_ORDER
from recommender.pipeline import MatchResult

NEED = next(iter(NEED_ORDER))


def synthetic(n_cases: int = 60, depth: int = 10) -> tuple[list[MatchResult], dict[str, dict[str, int]]]:
    """Lists whose grade cycles 3, 2, 1, 0 down the ranks, so rank and grade are unrelated."""
    results, qrels = [], {}
    for c in range(n_cases):
        cid = f"C{c:03d}"
        rows = [{"rank": r, "service_id": f"S{r}", "name": "", "need": NEED, "score": 1 / r, "distance_km": 1.0, "explanation": ""} for r in range(1, depth + 1)]
        feats = [{"score": 1 / r, "quality": 0.9} for r in range(1, depth + 1)]
        results.append(MatchResult(cid, [], rows, feats))
        qrels[cid] = {f"S{r}": (3 - (r + c) % 4) for r in range(1, depth + 1)}
    return results, qrels


def test_examination_falls_with_rank() -> None:
    results, qrels = synthetic()
    records = FeedbackSimulator(sessions_per_case=20, noise=0.0).simulate(results, qrels)
    per_rank = np.bincount([r.rank for r in records], minlength=11)[1:] / (len(results) * 20)
    assert per_rank[0] == pytest.approx(1.0)  # rank 1 is always looked at (1 ** -eta)
    assert per_rank[1] == pytest.approx(0.5, abs=0.05)
    assert per_rank[9] == pytest.approx(0.1, abs=0.03)
    assert all(per_rank[i] > per_rank[i + 3] for i in range(7))
    flat = FeedbackSimulator(sessions_per_case=5, examination_eta=0.0).simulate(results, qrels)
    assert len(flat) == len(results) * 5 * 10  # eta 0: no position bias, everything seen


def test_higher_grades_are_taken_up_more() -> None:
    results, qrels = synthetic()
    records = FeedbackSimulator(sessions_per_case=20, examination_eta=0.0, noise=0.0).simulate(results, qrels)
    rate = {}
    for g in range(4):
        events = [r for r in records if qrels[r.intake_ref][r.service_id] == g]
        rate[g] = np.mean([r.positive for r in events])
    assert rate[0] < rate[1] < rate[2] < rate[3]
    assert rate[0] == pytest.approx(0.05, abs=0.03) and rate[3] == pytest.approx(0.9, abs=0.04)


def test_noise_flips_outcomes() -> None:
    results, qrels = synthetic()
    sim = FeedbackSimulator(sessions_per_case=20, examination_eta=0.0, noise=0.5)
    records = sim.simulate(results, qrels)
    # half flipped: take-up no longer depends on the grade
    assert np.mean([r.positive for r in records]) == pytest.approx(0.5, abs=0.03)


def test_positive_kinds_follow_the_shares() -> None:
    results, qrels = synthetic()
    records = FeedbackSimulator(sessions_per_case=20, examination_eta=0.0, noise=0.0, contacted_share=0.3, service_used_share=0.2).simulate(results, qrels)
    pos = [r.outcome for r in records if r.positive]
    assert {o for o in pos} == POSITIVE_OUTCOMES
    assert pos.count("contacted") / len(pos) == pytest.approx(0.3, abs=0.03)
    assert pos.count("service_used") / len(pos) == pytest.approx(0.2, abs=0.03)
    assert {r.outcome for r in records if not r.positive} == {"rejected"}


def test_records_carry_the_suggestion() -> None:
    results, qrels = synthetic(n_cases=2)
    records = FeedbackSimulator(sessions_per_case=3, depth=4).simulate(results, qrels)
    assert {r.match_id for r in records} <= {f"C00{c}#{s}" for c in range(2) for s in range(3)}
    assert max(r.rank for r in records) <= 4
    for r in records:
        assert r.service_id == f"S{r.rank}" and r.need == NEED and r.intake_ref == r.match_id.split("#")[0]
        assert r.features == {"score": 1 / r.rank, "quality": 0.9}


def test_same_seed_same_feedback_and_cases_are_independent() -> None:
    results, qrels = synthetic(n_cases=20)
    a = FeedbackSimulator(seed=7).simulate(results, qrels)
    assert a == FeedbackSimulator(seed=7).simulate(results, qrels)
    assert a != FeedbackSimulator(seed=8).simulate(results, qrels)
    # a case's feedback does not depend on which other cases are simulated with it
    alone = FeedbackSimulator(seed=7).simulate(results[5:6], qrels)
    assert alone == [r for r in a if r.intake_ref == results[5].intake_id]


def test_suggestions_without_components_get_no_feedback() -> None:
    results, qrels = synthetic(n_cases=3)
    fallback = MatchResult("C000", [], results[0].results, [{}] * len(results[0].results))
    records = FeedbackSimulator(examination_eta=0.0).simulate([fallback, *results[1:]], qrels)
    assert records and "C000" not in {r.intake_ref for r in records}


def test_ungraded_services_count_as_grade_zero() -> None:
    results, _ = synthetic(n_cases=30)
    records = FeedbackSimulator(sessions_per_case=10, examination_eta=0.0, noise=0.0).simulate(results, {})
    assert np.mean([r.positive for r in records]) == pytest.approx(0.05, abs=0.02)


def test_on_the_fixtures(fixture_pipeline, fixture_collection, fixture_catalogue) -> None:
    intakes = load_intakes(fixture_collection, fixture_catalogue.provinces())[:30]
    results = list(fixture_pipeline.match_many(intakes, as_of=as_of_for(fixture_collection, None), top_k=10))
    records = FeedbackSimulator().simulate(results, fixture_collection.qrels)
    assert records and all(r.features and r.rank <= 10 for r in records)
    graded = [r for r in records if fixture_collection.qrels[r.intake_ref].get(r.service_id, 0) >= 2]
    ungraded = [r for r in records if fixture_collection.qrels[r.intake_ref].get(r.service_id, 0) == 0]
    assert np.mean([r.positive for r in graded]) > np.mean([r.positive for r in ungraded]) + 0.3


def test_bad_parameters_are_refused() -> None:
    results, qrels = synthetic(n_cases=1)
    with pytest.raises(ValueError, match="noise"):
        FeedbackSimulator(noise=1.5).simulate(results, qrels)
    with pytest.raises(ValueError, match="share"):
        FeedbackSimulator(contacted_share=0.8, service_used_share=0.5).simulate(results, qrels)
