"""Run an engine over a judged collection and compute every metric, per case and overall."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from recommender.evaluation.collection import Collection
from recommender.evaluation.metrics import mean, ndcg_at_k, need_coverage_at_k, need_prf, recall_at_k, violations_at_k
from recommender.intake import Intake, read_intakes

METRIC_ORDER = (
    "need_precision", "need_recall", "need_f1",
    "surfaced_precision", "surfaced_recall", "surfaced_f1",
    "ndcg@10", "recall@10", "need_coverage@5", "violations@10",
)


@dataclass
class Evaluation:
    name: str
    metrics: dict[str, float]
    violations_by_reason: dict[str, int]
    per_case: list[dict] = field(default_factory=list)


def load_intakes(collection: Collection, prefer_provinces: frozenset[str] | None = None) -> list[Intake]:
    out = []
    for item in read_intakes(collection.intakes_path, prefer_provinces=prefer_provinces):
        if item.error is not None:
            raise item.error
        out.append(item.intake)
    return out


def evaluate_results(name: str, collection: Collection, intakes: list[Intake], results: Iterable[dict], k: int = 10) -> Evaluation:
    """Score engine output lines (contract shape) against the collection's judgments."""
    by_id = {r["id"]: r for r in results}
    stated = {i.id: set(i.stated_needs) for i in intakes}
    intake_of = {i.id: i for i in intakes}
    truth = {cid: set(lab["true_needs"]) for cid, lab in collection.labels.items() if cid in stated}
    truth_surfaced = {cid: set(collection.labels[cid].get("surfaced_needs", [])) for cid in truth}
    pred = {cid: {n["need"] for n in by_id.get(cid, {}).get("needs", [])} for cid in truth}
    pred_surfaced = {cid: pred[cid] - stated[cid] for cid in truth}
    service_needs = {sid: t["true_needs"] for sid, t in collection.service_truth.items()}

    per_case = []
    viol: dict[str, int] = {}
    for cid in truth:
        ordered = sorted(by_id.get(cid, {}).get("results", []), key=lambda r: r["rank"])
        ranked = [r["service_id"] for r in ordered]
        grades = collection.qrels.get(cid, {})
        v = violations_at_k(ranked, collection.forbidden.get(cid, {}), k)
        for reason, count in v.items():
            viol[reason] = viol.get(reason, 0) + count
        intake = intake_of[cid]
        per_case.append({
            "id": cid,
            "comune": intake.comune.name,
            "province": intake.comune.province_abbr,
            "region": intake.comune.region_name,
            "ndcg@10": ndcg_at_k(ranked, grades, k),
            "recall@10": recall_at_k(ranked, grades, k),
            "need_coverage@5": need_coverage_at_k(ranked, grades, collection.labels[cid]["true_needs"], service_needs, 5),
            "violations@10": sum(v.values()),
            "true_needs": sorted(truth[cid]),
            "predicted_needs": sorted(pred[cid]),
            "stated_needs": sorted(stated[cid]),
            "surfaced_true": sorted(truth_surfaced[cid]),
            "surfaced_predicted": sorted(pred_surfaced[cid]),
            "suggested_needs": sorted({r["need"] for r in ordered[:k] if r.get("need")}),
            "ranked": ranked[:k],
            "ranked_needs": [r.get("need", "") for r in ordered[:k]],
            "grades": [grades.get(s, 0) for s in ranked[:k]],
        })
    allp = need_prf(pred, truth)
    surf = need_prf(pred_surfaced, truth_surfaced)
    metrics = {
        "need_precision": allp["precision"], "need_recall": allp["recall"], "need_f1": allp["f1"],
        "surfaced_precision": surf["precision"], "surfaced_recall": surf["recall"], "surfaced_f1": surf["f1"],
        "ndcg@10": mean([c["ndcg@10"] for c in per_case]),
        "recall@10": mean([c["recall@10"] for c in per_case]),
        "need_coverage@5": mean([c["need_coverage@5"] for c in per_case]),
        "violations@10": float(sum(viol.values())),
    }
    return Evaluation(name, metrics, viol, per_case)


def run_engine(match: Callable[[Intake], dict], intakes: list[Intake]) -> list[dict]:
    return [match(i) for i in intakes]


def format_table(evals: list[Evaluation]) -> str:
    names = [e.name for e in evals]
    width = max(12, *(len(n) for n in names))
    lines = [f"{'metric':<22}" + "".join(f"{n:>{width + 2}}" for n in names)]
    for m in METRIC_ORDER:
        row = f"{m:<22}"
        for e in evals:
            v = e.metrics[m]
            row += f"{int(v):>{width + 2}d}" if m == "violations@10" else f"{v:>{width + 2}.3f}"
        lines.append(row)
    for e in evals:
        if e.violations_by_reason:
            lines.append(f"violations of {e.name}: {json.dumps(e.violations_by_reason)}")
    return "\n".join(lines)


def as_of_for(collection: Collection, override: date | None) -> date:
    return override or collection.reference_date or date.today()
