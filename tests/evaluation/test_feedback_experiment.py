"""Cross-fitted feedback experiments: no case's own feedback trains the model that ranks it,
and the output is what ``evaluate_results`` scores."""

from __future__ import annotations

import math

import pytest

from recommender.evaluation.feedback_experiment import assign_folds, cross_fitted_results, event_cv_metrics
from recommender.evaluation.feedback_simulation import FeedbackSimulator
from recommender.evaluation.report import as_of_for, evaluate_results, load_intakes
from recommender.models.reranker import FeedbackReranker
from tests.helpers import NEED_KEYS, RESULT_KEYS


@pytest.fixture(scope="module")
def setup(fixture_pipeline, fixture_collection, fixture_catalogue):
    intakes = load_intakes(fixture_collection, fixture_catalogue.provinces())[:40]
    return fixture_pipeline, fixture_collection, intakes, as_of_for(fixture_collection, None)


def test_folds_are_deterministic_disjoint_and_complete() -> None:
    ids = [f"C{i:02d}" for i in range(23)]
    folds = assign_folds(ids, 5, seed=3)
    assert folds == assign_folds(list(reversed(ids)), 5, seed=3)  # input order does not matter
    assert sorted(i for f in folds for i in f) == sorted(ids)
    assert sorted(len(f) for f in folds) == [4, 4, 5, 5, 5]
    assert folds != assign_folds(ids, 5, seed=4)
    with pytest.raises(ValueError):
        assign_folds(ids[:3], 5)


def test_no_case_is_ranked_by_a_model_trained_on_its_own_feedback(setup, monkeypatch: pytest.MonkeyPatch) -> None:
    pipe, coll, intakes, as_of = setup
    trained_on: dict[int, set[str]] = {}  # model id -> cases whose feedback trained it
    ranked_by: dict[str, list[int | None]] = {}  # case -> model that was set when it was matched
    models: list[FeedbackReranker] = []  # kept alive, so that no two models share an id()
    fit = FeedbackReranker.fit

    def spy_fit(self, records, y=None):
        models.append(self)
        trained_on[id(self)] = {r.intake_ref for r in records}
        return fit(self, records)

    match = type(pipe).match

    def spy_match(self, intake, *args, **kwargs):
        ranked_by.setdefault(intake.id, []).append(id(self.reranker) if self.reranker is not None else None)
        return match(self, intake, *args, **kwargs)

    monkeypatch.setattr(FeedbackReranker, "fit", spy_fit)
    monkeypatch.setattr(type(pipe), "match", spy_match)
    out = cross_fitted_results(pipe, coll, intakes, as_of, folds=5)

    assert len(trained_on) == 5
    all_ids = {i.id for i in intakes}
    for case, models in ranked_by.items():
        learned = [m for m in models if m is not None]
        assert len(learned) == 1, f"{case} ranked by {len(learned)} learned models"
        assert case not in trained_on[learned[0]]
        # the model learned from every other fold: nothing is held out but the case's own fold
        fold = next(f for f in out.folds if case in f)
        assert trained_on[learned[0]] <= all_ids - set(fold)
        assert len(trained_on[learned[0]]) >= len(all_ids - set(fold)) - 2  # (a case may have no list at all)
    assert set(ranked_by) == all_ids
    assert pipe.reranker is None  # restored


def test_results_are_shaped_for_evaluation(setup) -> None:
    pipe, coll, intakes, as_of = setup
    out = cross_fitted_results(pipe, coll, intakes, as_of, top_k=10, folds=4, simulator=FeedbackSimulator(sessions_per_case=3))
    assert [r["id"] for r in out.results] == [i.id for i in intakes]
    assert len(out.events_per_fold) == 4 and all(n >= 20 for n in out.events_per_fold)
    for line in out.results:
        assert all(set(n) == NEED_KEYS for n in line["needs"])
        assert all(set(r) == RESULT_KEYS for r in line["results"]) and len(line["results"]) <= 10
        assert [r["rank"] for r in line["results"]] == list(range(1, len(line["results"]) + 1))
    learned = evaluate_results("learned", coll, intakes, out.results)
    plain = evaluate_results("plain", coll, intakes, [r.to_json() for r in pipe.match_many(intakes, as_of=as_of, top_k=10)])
    assert [c["id"] for c in learned.per_case] == [c["id"] for c in plain.per_case]
    assert learned.metrics["violations@10"] == 0  # re-ranking never lets a filtered service in
    assert learned.metrics["need_f1"] == plain.metrics["need_f1"]  # needs are the pipeline's
    assert 0.5 < learned.metrics["ndcg@10"] <= 1


def test_deterministic_and_restores_the_pipelines_reranker(setup) -> None:
    pipe, coll, intakes, as_of = setup
    sentinel = FeedbackReranker(blend=0.0)
    pipe.reranker = sentinel
    try:
        a = cross_fitted_results(pipe, coll, intakes[:20], as_of, folds=2, seed=1)
        assert pipe.reranker is sentinel
        b = cross_fitted_results(pipe, coll, intakes[:20], as_of, folds=2, seed=1)
        assert a.results == b.results and a.events_per_fold == b.events_per_fold
        with pytest.raises(ValueError):
            cross_fitted_results(pipe, coll, intakes[:20], as_of, folds=2, reranker_params={"blend": 3.0})
        assert pipe.reranker is sentinel
    finally:
        pipe.reranker = None


def test_event_cv_metrics(setup) -> None:
    pipe, coll, intakes, as_of = setup
    records = FeedbackSimulator().simulate(list(pipe.match_many(intakes, as_of=as_of, top_k=10)), coll.qrels)
    m = event_cv_metrics(records, folds=5)
    assert m["events"] == len(records) and 0 < m["positive_rate"] < 1
    for name in ("log_loss", "brier", "roc_auc"):
        assert math.isfinite(m[name]) and math.isfinite(m[f"baseline_{name}"])
    assert m["roc_auc"] > 0.5 and m["brier"] < 0.25  # top-10 feedback is hard to predict: most of it is relevant
    assert m == event_cv_metrics(records, folds=5)
    with pytest.raises(ValueError, match="folds"):
        event_cv_metrics(records[:3], folds=5)
