"""The feedback re-ranker: learns a planted preference, keeps per-need diversification,
refuses data it cannot learn from, pickles, and loads from the MLflow registry."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from recommender.errors import InputError
from recommender.evaluation.report import as_of_for, load_intakes
from recommender.feedback import FeedbackRecord
from recommender.models.reranker import FeedbackReranker, load_reranker, log_reranker
from recommender.pipeline import MatchPipeline
from recommender.ranking import FEATURE_NAMES, Candidate


def features(**values: float) -> dict[str, float]:
    return {name: values.get(name, 0.5) for name in FEATURE_NAMES}


def planted(n: int = 600, seed: int = 0) -> list[FeedbackRecord]:
    """Managers take up high-``quality`` suggestions; everything else is noise."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        feats = {name: float(rng.uniform()) for name in FEATURE_NAMES}
        p = 1 / (1 + np.exp(-10 * (feats["quality"] - 0.5)))
        outcome = "accepted" if rng.uniform() < p else "rejected"
        out.append(FeedbackRecord(f"m{i // 5}", f"c{i // 25}", i % 5 + 1, f"S{i}", "childcare", outcome, feats))
    return out


@pytest.fixture(scope="module")
def model() -> FeedbackReranker:
    return FeedbackReranker(blend=0.5).fit(planted())


def cand(i: int, need: str = "childcare", score: float = 0.5, **feats: float) -> Candidate:
    return Candidate(i, need, score, 1.0, (), features(score=score, **feats))


def test_learns_the_planted_preference(model: FeedbackReranker) -> None:
    p = model.predict_proba([features(quality=0.9), features(quality=0.5), features(quality=0.1)])
    assert p[0] > 0.8 > p[1] > 0.2 > p[2]
    # the pipeline puts the poor services first; the learned model moves the good ones up
    cands = [cand(0, score=0.60, quality=0.1), cand(1, score=0.58, quality=0.2), cand(2, score=0.55, quality=0.9), cand(3, score=0.50, quality=0.95)]
    out = model.rerank(cands, k=4)
    assert [c.index for c in out] == [3, 2, 0, 1] or [c.index for c in out][:2] == [2, 3]
    assert {c.index for c in out[:2]} == {2, 3}
    assert [c.score for c in out] == sorted((c.score for c in out), reverse=True)
    assert out[0].features == cands[out[0].index].features  # components kept: feedback on them stays learnable


def test_blend_weighs_the_pipeline_score() -> None:
    records = planted()
    cands = [cand(0, score=1.0, quality=0.3), cand(1, score=0.3, quality=0.9)]
    assert [c.index for c in FeedbackReranker(blend=0.0).fit(records).rerank(cands, 2)] == [0, 1]
    assert [c.index for c in FeedbackReranker(blend=1.0).fit(records).rerank(cands, 2)] == [1, 0]


def test_keeps_per_need_diversification(model: FeedbackReranker) -> None:
    # every childcare service is better than the one elderly-care service...
    cands = [cand(i, "childcare", score=0.9, quality=0.9) for i in range(5)] + [cand(9, "elderly_care", score=0.2, quality=0.2)]
    out = model.rerank(cands, k=3)
    # ...but each need gets its best in first, and a need's later suggestions decay
    assert [c.need for c in out].count("elderly_care") == 1
    assert out[1].need == "elderly_care" and out[0].need == "childcare"
    assert len(model.rerank(cands, k=10)) == len(cands)
    assert model.rerank([], k=5) == []


def test_decay_interleaves_needs(model: FeedbackReranker) -> None:
    cands = [cand(i, "childcare", score=1.0, quality=0.6) for i in range(4)] + [cand(10 + i, "elderly_care", score=0.8, quality=0.6) for i in range(4)]
    needs = [c.need for c in model.rerank(cands, k=6)]
    assert needs.count("childcare") == 3 and needs.count("elderly_care") == 3
    no_decay = FeedbackReranker(blend=0.5, per_need_decay=1.0).fit(planted())
    assert [c.need for c in no_decay.rerank(cands, k=5)] == ["childcare", "elderly_care", "childcare", "childcare", "childcare"]


def test_candidates_without_components_keep_their_order(model: FeedbackReranker) -> None:
    cands = [Candidate(i, "", 1.0 - i / 10, 1.0) for i in range(5)]
    assert model.rerank(cands, 3) == cands[:3]


def test_refuses_what_it_cannot_learn_from() -> None:
    records = planted()
    with pytest.raises(ValueError, match="at least 20"):
        FeedbackReranker().fit(records[:10])
    with pytest.raises(ValueError, match="positive"):
        FeedbackReranker().fit([FeedbackRecord(r.match_id, r.intake_ref, r.rank, r.service_id, r.need, "rejected", r.features) for r in records[:100]])
    with pytest.raises(ValueError, match="blend"):
        FeedbackReranker(blend=1.5).fit(records)


def test_unfitted_model_is_refused() -> None:
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        FeedbackReranker().rerank([cand(0)], 1)


def test_estimator_conventions() -> None:
    r = FeedbackReranker(depth=12, blend=0.3)
    assert r.get_params()["depth"] == 12 and r.get_params()["blend"] == 0.3
    assert not [a for a in vars(r) if a.endswith("_")]  # nothing learned before fit
    fitted = FeedbackReranker().fit(planted())
    assert fitted.n_events_ == 600 and 0 < fitted.positive_rate_ < 1


def test_rank_is_neutralised_at_inference() -> None:
    # managers here trust the top of the list: rank is all the model can learn
    rng = np.random.default_rng(1)
    records = [
        FeedbackRecord(f"m{i}", "c", int(rank), f"S{i}", "childcare", "accepted" if rng.uniform() < 0.9 / rank else "rejected", features(quality=float(rng.uniform())))
        for i, rank in enumerate(rng.integers(1, 11, size=600))
    ]
    m = FeedbackReranker().fit(records)
    shown_first, shown_tenth = m.predict_proba([features()] * 2, [1, 10])
    assert shown_first > 0.6 and shown_tenth < 0.2
    assert m.predict_proba([features()])[0] == pytest.approx(shown_first)  # scored as if at rank 1


def test_pickles(model: FeedbackReranker) -> None:
    again = pickle.loads(pickle.dumps(model))
    cands = [cand(i, score=0.5 + i / 20, quality=i / 10) for i in range(8)]
    assert again.rerank(cands, 5) == model.rerank(cands, 5)
    assert np.allclose(again.scores(cands), model.scores(cands))


def test_blend_zero_reproduces_the_pipeline(fixture_pipeline: MatchPipeline, fixture_collection, fixture_catalogue) -> None:
    intakes = load_intakes(fixture_collection, fixture_catalogue.provinces())[:25]
    as_of = as_of_for(fixture_collection, None)
    plain = [[r["service_id"] for r in res.results] for res in fixture_pipeline.match_many(intakes, as_of=as_of, top_k=10)]
    learned = MatchPipeline(fixture_pipeline.config, reranker=FeedbackReranker(blend=0.0).fit(planted())).fit(fixture_catalogue)
    assert [[r["service_id"] for r in res.results] for res in learned.match_many(intakes, as_of=as_of, top_k=10)] == plain


# --- MLflow -------------------------------------------------------------------------------------


def test_log_register_and_load(model: FeedbackReranker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    from recommender.tracking import start_run

    with start_run("test", experiment="welfare-match-reranker") as run:
        info = log_reranker(model, run.info.run_id, registered_model_name="test-reranker")
    assert info.registered_model_version == 1
    cands = [cand(i, score=0.5 + i / 20, quality=i / 10) for i in range(8)]
    for ref in ("models:/test-reranker/1", "test-reranker/1", "test-reranker"):
        loaded = load_reranker(ref)
        assert isinstance(loaded, FeedbackReranker)
        assert loaded.rerank(cands, 5) == model.rerank(cands, 5)

    with pytest.raises(InputError, match="no registered model named 'nope'"):
        load_reranker("nope")
    with pytest.raises(InputError, match="no version '7'"):
        load_reranker("models:/test-reranker/7")
    with pytest.raises(InputError, match="not a saved MLflow model"):
        load_reranker(str(tmp_path))
