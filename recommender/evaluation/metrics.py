"""Evaluation metrics, one small pure function each (definitions in docs/evaluation.md)."""

from __future__ import annotations

import math


def prf(tp: int, n_pred: int, n_true: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_true if n_true else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f}


def need_prf(pred: dict[str, set[str]], truth: dict[str, set[str]]) -> dict[str, float]:
    """Micro-averaged precision/recall/F1 of need sets over cases."""
    tp = sum(len(pred.get(c, set()) & t) for c, t in truth.items())
    n_pred = sum(len(pred.get(c, set())) for c in truth)
    n_true = sum(len(t) for t in truth.values())
    return prf(tp, n_pred, n_true)


def dcg(gains: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at_k(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    seen: set[str] = set()
    gains = []
    for sid in ranked[:k]:
        gains.append(0 if sid in seen else grades.get(sid, 0))
        seen.add(sid)
    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    return dcg(gains) / ideal if ideal > 0 else 0.0


def recall_at_k(ranked: list[str], grades: dict[str, int], k: int = 10, min_grade: int = 2) -> float:
    relevant = {s for s, g in grades.items() if g >= min_grade}
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant) / len(relevant)


def need_coverage_at_k(ranked: list[str], grades: dict[str, int], true_needs: list[str], service_needs: dict[str, list[str]], k: int = 5) -> float:
    if not true_needs:
        return 0.0
    covered = set()
    for sid in ranked[:k]:
        if grades.get(sid, 0) >= 2:
            covered.update(service_needs.get(sid, []))
    return len(covered & set(true_needs)) / len(true_needs)


def violations_at_k(ranked: list[str], forbidden: dict[str, str], k: int = 10) -> dict[str, int]:
    out: dict[str, int] = {}
    for sid in ranked[:k]:
        reason = forbidden.get(sid)
        if reason:
            out[reason] = out.get(reason, 0) + 1
    return out


def mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0
