"""MLflow tracking: where runs go, what a logged evaluation holds, and reading it back."""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender import tracking
from recommender.catalogue import Catalogue
from recommender.evaluation.ablations import comparison_table, run_ablations
from recommender.evaluation.collection import Collection
from recommender.evaluation.experiment import collection_info, log_report
from recommender.evaluation.report import as_of_for, load_intakes
from recommender.pipeline import PipelineConfig


def test_default_store_is_sqlite_inside_the_data_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    monkeypatch.setattr(tracking, "MLFLOW_DIR", tmp_path / "mlflow")
    assert tracking.tracking_uri() == f"sqlite:///{tmp_path / 'mlflow' / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://tracking.example:5000")
    assert tracking.tracking_uri() == "http://tracking.example:5000"


def test_metric_keys_and_params_are_what_mlflow_accepts() -> None:
    assert tracking.metric_key("ndcg@10") == "ndcg_at_10"
    assert tracking.metric_key("need coverage@5") == "need coverage_at_5"
    flat = tracking.flatten_params({"ranking": {"top_k": 10, "diversify": True}, "encoder": None, "x": "a" * 7000})
    assert flat == {"ranking.top_k": "10", "ranking.diversify": "true", "encoder": "null", "x": "a" * 6000}


def test_logged_ablations_read_back(fixture_catalogue: Catalogue, fixture_collection: Collection, tmp_path: Path) -> None:
    intakes = load_intakes(fixture_collection, fixture_catalogue.provinces())[:30]
    as_of = as_of_for(fixture_collection, None)
    report = run_ablations(fixture_collection, fixture_catalogue, intakes, as_of, config=PipelineConfig(encoder=None), variants=["no_hidden_needs", "bm25_baseline"])
    info = collection_info(fixture_collection, fixture_catalogue, intakes, as_of)
    parent_id = log_report(report, info, comparison_table(report), "ablations")

    runs = tracking.search_runs()
    parent = runs[runs["run_id"] == parent_id].iloc[0]
    assert parent["tags.kind"] == "ablations" and parent["tags.collection_fingerprint"] == fixture_collection.fingerprint()
    assert parent["params.ranking.lexical_weight"] == "0.7" and parent["params.collection.cases"] == "30"
    children = runs[runs["tags.mlflow.parentRunId"] == parent_id]
    assert sorted(children["tags.variant"]) == ["bm25_baseline", "full", "no_hidden_needs"]
    assert (children["status"] == "FINISHED").all()

    full_id = children[children["tags.variant"] == "full"].iloc[0]["run_id"]
    per_case = tracking.load_artifact(full_id, "per_case.jsonl")
    assert [c["id"] for c in per_case] == [c["id"] for c in report.runs["full"].per_case]
    assert tracking.load_artifact(full_id, "breakdowns.json")["need_satisfaction"]["need_satisfaction"] == report.runs["full"].metrics["need_satisfaction"]
    assert tracking.load_artifact(full_id, "exposure.json")["summary"]["gini"] == pytest.approx(report.runs["full"].metrics["exposure_gini"])
    comparison = tracking.load_artifact(parent_id, "comparison.json")
    assert comparison["reference"] == "full" and len(comparison["rows"]) == 2 * 3
    assert "| no_hidden_needs |" in tracking.load_artifact(parent_id, "comparison.md")


def test_a_failed_run_is_marked_failed() -> None:
    with pytest.raises(RuntimeError):
        with tracking.start_run("boom") as run:
            raise RuntimeError("stop")
    runs = tracking.search_runs()
    assert runs[runs["run_id"] == run.info.run_id].iloc[0]["status"] == "FAILED"
