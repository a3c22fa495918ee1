"""One evaluated system on one collection: every metric (accuracy and beyond), ready to
print, to compare and to log as an MLflow run (``recommender.tracking``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from recommender.catalogue import Catalogue
from recommender.evaluation.breakdowns import breakdowns
from recommender.evaluation.collection import Collection
from recommender.evaluation.exposure import ExposureSummary, summarise
from recommender.evaluation.report import Evaluation, evaluate_results
from recommender.intake import Intake

# The per-case metrics that paired tests and confidence intervals are computed on.
CASE_METRICS = ("ndcg@10", "recall@10", "need_coverage@5")


@dataclass
class EvaluationRun:
    name: str
    description: str
    evaluation: Evaluation
    exposure: ExposureSummary
    exposure_shares: dict[str, float]
    breakdowns: dict
    params: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # what a variant wants to record (events used...)

    @property
    def per_case(self) -> list[dict]:
        return self.evaluation.per_case

    @property
    def metrics(self) -> dict[str, float]:
        """Accuracy, exposure and need-satisfaction metrics, flat."""
        out = {**self.evaluation.metrics, **self.exposure.metrics()}
        if any(need for c in self.per_case for need in c.get("ranked_needs", [])):
            # A system that does not say which need a suggestion answers (the keyword
            # baseline) has no need satisfaction to report, rather than a misleading 0.
            sat = self.breakdowns["need_satisfaction"]
            out.update({k: sat[k] for k in ("need_satisfaction", "surfaced_need_satisfaction", "cases_all_needs_answered")})
        return out

    def case_values(self, metric: str) -> dict[str, float]:
        return {c["id"]: c[metric] for c in self.per_case}


def collection_info(collection: Collection, catalogue: Catalogue, intakes: list[Intake], as_of: date) -> dict:
    return {
        "name": collection.root.name,
        "path": str(collection.root),
        "fingerprint": collection.fingerprint(),
        "cases": len(intakes),
        "services": len(catalogue),
        "reference_date": as_of.isoformat(),
    }


def evaluate_system(
    name: str,
    results: list[dict],
    collection: Collection,
    catalogue: Catalogue,
    intakes: list[Intake],
    *,
    description: str = "",
    params: Mapping[str, Any] | None = None,
    k: int = 10,
) -> EvaluationRun:
    """Score contract-shaped results (``MatchResult.to_json()``) on every metric."""
    evaluation = evaluate_results(name, collection, intakes, results, k)
    provider_of = {s.service_id: s.provider_id or s.provider_name for s in catalogue.services}
    summary, shares = summarise([c["ranked"] for c in evaluation.per_case], provider_of, k)
    return EvaluationRun(name, description, evaluation, summary, shares, breakdowns(evaluation.per_case), dict(params or {}))


def log_run(run: EvaluationRun, info: Mapping[str, Any], *, parent_run_id: str | None = None, experiment: str | None = None) -> str:
    """Log one evaluated system as an MLflow run; returns its run id."""
    from recommender import tracking

    tags = {"kind": "variant", "variant": run.name, "collection": str(info["name"]), "collection_fingerprint": str(info["fingerprint"])}
    kwargs = {"experiment": experiment} if experiment else {}
    with tracking.start_run(run.name, parent_run_id=parent_run_id, tags=tags, **kwargs) as mlrun:
        run_id = mlrun.info.run_id
        tracking.log_params(run_id, {**run.params, "variant": run.name, "variant_description": run.description, "collection": dict(info)})
        tracking.log_metrics(run_id, run.metrics)
        tracking.log_artifacts(run_id, {
            "metrics.json": {"metrics": run.metrics, "violations_by_reason": run.evaluation.violations_by_reason, **run.extra},
            "per_case.jsonl": run.per_case,
            "breakdowns.json": run.breakdowns,
            "exposure.json": {"summary": run.exposure.__dict__, "shares": run.exposure_shares},
            "collection.json": dict(info),
        })
    return run_id


def log_report(report: Any, info: Mapping[str, Any], table: str, kind: str = "ablations", experiment: str | None = None) -> str:
    """Log an ``ablations.AblationReport``: one parent run (tagged ``kind``, with the
    comparison table and the reference's metrics) and a child run per system."""
    from recommender import tracking

    kwargs = {"experiment": experiment} if experiment else {}
    ref = report.runs[report.reference]
    tags = {"kind": kind, "collection": str(info["name"]), "collection_fingerprint": str(info["fingerprint"])}
    with tracking.start_run(f"{kind} {info['name']}", tags=tags, **kwargs) as parent:
        pid = parent.info.run_id
        tracking.log_params(pid, {**ref.params, "collection": dict(info), "variants": ",".join(report.runs)})
        tracking.log_metrics(pid, ref.metrics)
        for run in report.runs.values():
            log_run(run, info, parent_run_id=pid, **kwargs)
        tracking.log_artifacts(pid, {
            "comparison.md": table + "\n",
            "comparison.json": {"reference": report.reference, "rows": report.comparisons, "skipped": report.skipped},
            "collection.json": dict(info),
        })
    return pid
