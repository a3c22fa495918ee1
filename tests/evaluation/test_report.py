"""Evaluation report: the engine against the BM25 baseline on the bundled fixtures (regression guard)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from recommender.baseline import BM25Baseline
from recommender.catalogue import Catalogue
from recommender.errors import InputError
from recommender.evaluation.collection import Collection, load_collection, reference_date_of
from recommender.evaluation.report import METRIC_ORDER, Evaluation, as_of_for, evaluate_results, format_table, load_intakes
from recommender.intake import Intake
from recommender.pipeline import MatchPipeline
from tests.helpers import REFERENCE_DATE, make_intake


@pytest.fixture(scope="module")
def fixture_intakes(fixture_catalogue: Catalogue, fixture_collection: Collection) -> list[Intake]:
    return load_intakes(fixture_collection, fixture_catalogue.provinces())


@pytest.fixture(scope="module")
def evaluations(fixture_pipeline: MatchPipeline, fixture_catalogue: Catalogue, fixture_collection: Collection, fixture_intakes: list[Intake]) -> dict[str, Evaluation]:
    as_of = as_of_for(fixture_collection, None)
    engine = [r.to_json() for r in fixture_pipeline.match_many(fixture_intakes, as_of=as_of)]
    base = BM25Baseline(fixture_pipeline.config.policy).fit(fixture_catalogue)
    baseline = [base.match(i, as_of).to_json() for i in fixture_intakes]
    return {
        "engine": evaluate_results("engine", fixture_collection, fixture_intakes, engine),
        "bm25_baseline": evaluate_results("bm25_baseline", fixture_collection, fixture_intakes, baseline),
    }


# --- regression guard ---------------------------------------------------------------------


def test_engine_makes_no_forbidden_suggestion(evaluations: dict[str, Evaluation]) -> None:
    engine = evaluations["engine"]
    assert engine.violations_by_reason == {}
    assert engine.metrics["violations@10"] == 0


def test_engine_need_detection_micro_f1_above_0_6(evaluations: dict[str, Evaluation]) -> None:
    assert evaluations["engine"].metrics["need_f1"] > 0.6


def test_engine_ndcg_beats_the_bm25_baseline(evaluations: dict[str, Evaluation]) -> None:
    assert evaluations["engine"].metrics["ndcg@10"] > evaluations["bm25_baseline"].metrics["ndcg@10"]


def test_baseline_only_reports_stated_needs(evaluations: dict[str, Evaluation]) -> None:
    base = evaluations["bm25_baseline"].metrics
    assert base["surfaced_precision"] == 0.0 and base["surfaced_recall"] == 0.0
    assert base["need_precision"] == pytest.approx(1.0)  # stated needs are always true needs


def test_every_metric_is_reported_in_range(evaluations: dict[str, Evaluation]) -> None:
    for ev in evaluations.values():
        assert set(ev.metrics) == set(METRIC_ORDER)
        for name, value in ev.metrics.items():
            assert value >= 0 and (name == "violations@10" or value <= 1), (ev.name, name, value)
        assert len(ev.per_case) == 122


# --- evaluate_results on a tiny collection --------------------------------------------------


def tiny_collection(tmp_path: Path) -> Collection:
    return Collection(
        root=tmp_path,
        labels={"C1": {"id": "C1", "true_needs": ["childcare", "employment"], "surfaced_needs": ["employment"]}},
        qrels={"C1": {"A": 3, "B": 2}},
        forbidden={"C1": {"Z": "out_of_range"}},
        service_truth={"A": {"true_needs": ["childcare"]}, "B": {"true_needs": ["employment"]}, "Z": {"true_needs": ["childcare"]}},
        reference_date=REFERENCE_DATE,
    )


def test_evaluate_results_by_hand(tmp_path: Path) -> None:
    coll = tiny_collection(tmp_path)
    intake = make_intake(id="C1", stated_needs=["childcare"])
    out = {"id": "C1", "needs": [{"need": "childcare"}, {"need": "employment"}, {"need": "housing"}],
           "results": [{"rank": 2, "service_id": "Z"}, {"rank": 1, "service_id": "A"}]}
    ev = evaluate_results("x", coll, [intake], [out])
    m = ev.metrics
    assert m["need_precision"] == pytest.approx(2 / 3) and m["need_recall"] == pytest.approx(1.0)
    assert m["surfaced_precision"] == pytest.approx(1 / 2) and m["surfaced_recall"] == pytest.approx(1.0)
    # ranked by rank: A (3), Z (0): DCG = 7; IDCG = 7 + 3/log2(3)
    assert m["ndcg@10"] == pytest.approx(7 / (7 + 3 / 1.5849625007))
    assert m["recall@10"] == pytest.approx(0.5)
    assert m["need_coverage@5"] == pytest.approx(0.5)
    assert m["violations@10"] == 1 and ev.violations_by_reason == {"out_of_range": 1}
    assert ev.per_case[0]["ranked"] == ["A", "Z"] and ev.per_case[0]["grades"] == [3, 0]


def test_missing_output_line_scores_zero(tmp_path: Path) -> None:
    ev = evaluate_results("x", tiny_collection(tmp_path), [make_intake(id="C1")], [])
    assert ev.metrics["ndcg@10"] == 0 and ev.metrics["need_recall"] == 0


def test_format_table_shows_both_columns() -> None:
    metrics = dict.fromkeys(METRIC_ORDER, 0.5) | {"violations@10": 2.0}
    table = format_table([Evaluation("engine", metrics, {"ineligible": 2}), Evaluation("bm25_baseline", dict.fromkeys(METRIC_ORDER, 0.0), {})])
    lines = table.splitlines()
    assert lines[0].split() == ["metric", "engine", "bm25_baseline"]
    assert [line.split()[0] for line in lines[1:11]] == list(METRIC_ORDER)
    assert lines[1].split()[1:] == ["0.500", "0.000"]
    assert lines[10].split()[1:] == ["2", "0"]
    assert lines[-1] == 'violations of engine: {"ineligible": 2}'


# --- collections on disk ------------------------------------------------------------------


def test_load_collection_requires_the_engine_inputs_and_labels(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        load_collection(tmp_path)
    assert {i.reason for i in err.value.issues} == {"missing file catalogue.csv", "missing file intakes.jsonl", "missing file labels.jsonl"}


def test_malformed_labels_name_the_line(tmp_path: Path) -> None:
    for name in ("catalogue.csv", "intakes.jsonl"):
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "labels.jsonl").write_text('{"id": "C1", "true_needs": ["health"]}\n{"id": \n', encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        load_collection(tmp_path)


def test_reference_date_from_collection_json_or_readme(tmp_path: Path) -> None:
    assert reference_date_of(tmp_path) is None
    (tmp_path / "README.md").write_text("**Reference date: 2026-11-22.** Quality checks assume it.", encoding="utf-8")
    assert reference_date_of(tmp_path) == date(2026, 11, 22)
    (tmp_path / "collection.json").write_text(json.dumps({"reference_date": "2025-01-31"}), encoding="utf-8")
    assert reference_date_of(tmp_path) == date(2025, 1, 31)


def test_as_of_prefers_the_override(fixture_collection: Collection) -> None:
    assert as_of_for(fixture_collection, None) == REFERENCE_DATE
    assert as_of_for(fixture_collection, date(2027, 1, 1)) == date(2027, 1, 1)
