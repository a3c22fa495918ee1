"""Where the engine works and where it does not: metrics per need and per territory, and
whether every need it found got an answer.

All functions take the per-case rows of ``report.evaluate_results`` (plain dicts), so a
notebook can call them on runs read back from MLflow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from recommender.evaluation.metrics import prf
from recommender.evaluation.significance import bootstrap_ci

RANKING_METRICS = ("ndcg@10", "recall@10", "need_coverage@5")


def _summary(rows: list[dict], metrics: Iterable[str]) -> dict:
    out: dict = {"cases": len(rows)}
    for m in metrics:
        values = [r[m] for r in rows]
        low, high = bootstrap_ci(values, n_resamples=2000)
        out[m] = sum(values) / len(values)
        out[f"{m}_ci"] = [low, high]
    return out


def by_group(per_case: list[dict], key: str, metrics: Iterable[str] = RANKING_METRICS) -> dict[str, dict]:
    """Mean ranking metrics (with 95% bootstrap intervals) per value of ``key`` (for a list
    value, e.g. ``true_needs``, a case counts in each of its groups)."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in per_case:
        value = row.get(key)
        for g in value if isinstance(value, list) else [value]:
            groups[str(g)].append(row)
    return {g: _summary(rows, metrics) for g, rows in sorted(groups.items())}


def need_detection_by_need(per_case: list[dict]) -> dict[str, dict[str, float]]:
    """Precision/recall/F1 of need detection, per need code (support = cases with it)."""
    codes = sorted({n for r in per_case for n in r["true_needs"]} | {n for r in per_case for n in r["predicted_needs"]})
    out = {}
    for code in codes:
        tp = sum(1 for r in per_case if code in r["true_needs"] and code in r["predicted_needs"])
        pred = sum(1 for r in per_case if code in r["predicted_needs"])
        true = sum(1 for r in per_case if code in r["true_needs"])
        out[code] = {**prf(tp, pred, true), "support": true}
    return out


def need_satisfaction(per_case: list[dict]) -> dict:
    """For the needs the engine itself found, how often at least one suggestion answers
    each: overall, for surfaced (hidden) needs only, per need, and the share of cases where
    every found need got one."""
    pairs = surfaced_pairs = answered = surfaced_answered = cases_all = 0
    per_need: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in per_case:
        found = r["predicted_needs"]
        got = set(r.get("suggested_needs", []))
        surfaced = set(r.get("surfaced_predicted", []))
        for need in found:
            ok = need in got
            pairs += 1
            answered += ok
            per_need[need][0] += ok
            per_need[need][1] += 1
            if need in surfaced:
                surfaced_pairs += 1
                surfaced_answered += ok
        cases_all += all(n in got for n in found)
    return {
        "need_satisfaction": answered / pairs if pairs else 0.0,
        "surfaced_need_satisfaction": surfaced_answered / surfaced_pairs if surfaced_pairs else 0.0,
        "cases_all_needs_answered": cases_all / len(per_case) if per_case else 0.0,
        "per_need": {n: {"answered": a, "found": t, "share": a / t} for n, (a, t) in sorted(per_need.items())},
    }


def breakdowns(per_case: list[dict]) -> dict:
    """Everything above in one JSON-ready dict (the ``breakdowns.json`` artifact)."""
    return {
        "by_need": by_group(per_case, "true_needs"),
        "by_province": by_group(per_case, "province"),
        "by_comune": by_group(per_case, "comune"),
        "need_detection": need_detection_by_need(per_case),
        "need_satisfaction": need_satisfaction(per_case),
    }
