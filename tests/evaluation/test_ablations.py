"""Ablations on the bundled fixtures: each variant changes one stage, and the comparison
with the full pipeline is paired, case by case."""

from __future__ import annotations

import pytest

from recommender.catalogue import Catalogue
from recommender.evaluation.ablations import REFERENCE, AblationReport, comparison_table, run_ablations
from recommender.evaluation.collection import Collection
from recommender.evaluation.experiment import CASE_METRICS
from recommender.evaluation.report import as_of_for, load_intakes
from recommender.pipeline import PipelineConfig

VARIANTS = ["lexical_only", "dense_only", "no_hidden_needs", "no_distance_decay", "no_diversification", "bm25_baseline", "tuned_encoder"]


@pytest.fixture(scope="module")
def report(fixture_catalogue: Catalogue, fixture_collection: Collection) -> AblationReport:
    intakes = load_intakes(fixture_collection, fixture_catalogue.provinces())
    return run_ablations(fixture_collection, fixture_catalogue, intakes, as_of_for(fixture_collection, None), config=PipelineConfig(encoder=None), variants=VARIANTS)


def test_reference_is_always_run_first(report: AblationReport) -> None:
    assert next(iter(report.runs)) == REFERENCE == report.reference


def test_variants_without_what_they_need_are_skipped_with_a_reason(report: AblationReport) -> None:
    assert "encoder" in report.skipped["dense_only"]
    assert "train-encoder" in report.skipped["tuned_encoder"]
    assert "dense_only" not in report.runs


def test_removing_hidden_need_surfacing_loses_the_hidden_needs(report: AblationReport) -> None:
    full, ablated = report.runs[REFERENCE].metrics, report.runs["no_hidden_needs"].metrics
    assert ablated["surfaced_recall"] == 0.0 < full["surfaced_recall"]
    assert ablated["ndcg@10"] < full["ndcg@10"]
    row = next(r for r in report.comparisons if r["variant"] == "no_hidden_needs" and r["metric"] == "ndcg@10")
    assert row["delta"] < 0 and row["ci_high"] < 0 and row["p_holm"] < 0.01


def test_the_engine_beats_keyword_matching_significantly(report: AblationReport) -> None:
    row = next(r for r in report.comparisons if r["variant"] == "bm25_baseline" and r["metric"] == "ndcg@10")
    assert row["value"] < row["reference"] and row["p_randomization"] < 0.001 and row["n"] == 122


def test_lexical_only_without_an_encoder_is_the_reference_itself(report: AblationReport) -> None:
    # with encoder=None the reference has no dense channel either: the two runs coincide
    row = next(r for r in report.comparisons if r["variant"] == "lexical_only" and r["metric"] == "ndcg@10")
    assert row["delta"] == 0 and row["p_randomization"] == 1.0


def test_every_variant_is_compared_on_every_case_metric_with_holm_adjustment(report: AblationReport) -> None:
    variants = [v for v in report.runs if v != REFERENCE]
    assert {(r["variant"], r["metric"]) for r in report.comparisons} == {(v, m) for v in variants for m in CASE_METRICS}
    for r in report.comparisons:
        assert r["p_holm"] >= r["p_randomization"] and 0 < r["p_holm"] <= 1


def test_violations_stay_zero_in_every_variant(report: AblationReport) -> None:
    assert all(run.metrics["violations@10"] == 0 for run in report.runs.values())


def test_beyond_accuracy_metrics_are_reported(report: AblationReport) -> None:
    m = report.runs[REFERENCE].metrics
    assert 0 < m["exposure_gini"] < 1 and 0 < m["catalogue_coverage"] <= 1
    assert 0 < m["need_satisfaction"] <= 1 and 0 <= m["surfaced_need_satisfaction"] <= 1
    assert set(report.runs[REFERENCE].breakdowns["by_province"]) == {"BG", "PD", "VA"}


def test_comparison_table_lists_every_run_and_skip(report: AblationReport) -> None:
    table = comparison_table(report)
    for name in report.runs:
        assert f"| {name}" in table
    assert "dense_only: skipped" in table and "Holm" in table


def test_unknown_variant_is_refused(fixture_catalogue: Catalogue, fixture_collection: Collection) -> None:
    with pytest.raises(ValueError, match="unknown variant"):
        run_ablations(fixture_collection, fixture_catalogue, [], as_of_for(fixture_collection, None), config=PipelineConfig(encoder=None), variants=["nope"])


def test_learned_reranker_variant_is_cross_fitted_and_compared(fixture_catalogue: Catalogue, fixture_collection: Collection) -> None:
    intakes = load_intakes(fixture_collection, fixture_catalogue.provinces())
    report = run_ablations(
        fixture_collection, fixture_catalogue, intakes, as_of_for(fixture_collection, None), config=PipelineConfig(encoder=None), variants=["learned_reranker"]
    )
    run = report.runs["learned_reranker"]
    events = run.extra["events_per_fold"]
    assert len(events) == 5 and all(n > 100 for n in events)  # every fold trained on the others' feedback
    assert [c["id"] for c in run.per_case] == [c["id"] for c in report.runs[REFERENCE].per_case]
    assert run.metrics["violations@10"] == 0  # re-ranking never lets a filtered-out service in
    assert {r["variant"] for r in report.comparisons} == {"learned_reranker"}
