"""A deployment can serve matches re-ranked by a learned model from the MLflow registry
(``WELFARE_MATCH_RANKER``); a model that does not exist stops the start-up."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from api.app import create_app
from api.settings import Settings
from recommender.catalogue import Catalogue
from recommender.errors import InputError
from recommender.evaluation.collection import Collection
from recommender.evaluation.feedback_simulation import FeedbackSimulator
from recommender.evaluation.report import load_intakes
from recommender.intake import Intake
from recommender.models.reranker import FeedbackReranker, log_reranker
from recommender.paths import FIXTURES_DIR
from recommender.pipeline import MatchPipeline, PipelineConfig
from recommender.tracking import start_run
from tests.api.conftest import AS_OF, make_env


@pytest.fixture(scope="module")
def registered(fixture_catalogue: Catalogue, fixture_collection: Collection) -> tuple[str, FeedbackReranker, list[Intake]]:
    intakes = load_intakes(fixture_collection, fixture_catalogue.provinces())
    pipe = MatchPipeline(PipelineConfig(encoder=None)).fit(fixture_catalogue)
    results = list(pipe.match_many(intakes, as_of=date.fromisoformat(AS_OF), top_k=10))
    model = FeedbackReranker().fit(FeedbackSimulator(sessions_per_case=2).simulate(results, fixture_collection.qrels))
    return "welfare-match-reranker-api-test", model, intakes


def test_api_matches_are_reranked_by_the_registered_model(
    registered: tuple[str, FeedbackReranker, list[Intake]], fixture_catalogue: Catalogue, db_url: str, small_catalogue_path: Path
) -> None:
    name, model, intakes = registered
    with start_run("reranker") as run:
        log_reranker(model, run.info.run_id, name)
    expected_pipe = MatchPipeline(PipelineConfig(encoder=None), reranker=model).fit(fixture_catalogue)
    plain_pipe = MatchPipeline(PipelineConfig(encoder=None)).fit(fixture_catalogue)
    as_of = date.fromisoformat(AS_OF)
    # intakes whose order the model changes: the API must follow the model, not the plain pipeline
    changed = [
        i for i in intakes
        if [r["service_id"] for r in expected_pipe.match(i, as_of, 10).results] != [r["service_id"] for r in plain_pipe.match(i, as_of, 10).results]
    ]
    assert changed, "the learned model changes no ranking on the fixtures"
    raw = {obj["id"]: obj for obj in map(json.loads, (FIXTURES_DIR / "intakes.jsonl").read_text(encoding="utf-8").splitlines()) if obj}
    for env in make_env(db_url, small_catalogue_path, ranker=f"models:/{name}/1"):
        for intake in changed[:5]:
            r = env.client.post("/v1/match", json={**raw[intake.id], "top_k": 10, "as_of": AS_OF}, headers=env.h())
            assert r.status_code == 200, r.text
            assert [x["service_id"] for x in r.json()["results"]] == [x["service_id"] for x in expected_pipe.match(intake, as_of, 10).results]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_unknown_ranker_stops_the_start_up(db_url: str) -> None:
    with pytest.raises(InputError, match="no-such-model"):
        create_app(Settings(database_url=db_url, encoder=None, ranker="models:/no-such-model/3"), warm=False)
