"""Evaluation metrics against small examples computed by hand (definitions in the eval-sample README)."""

from __future__ import annotations

import math

import pytest

from recommender.evaluation.metrics import dcg, mean, ndcg_at_k, need_coverage_at_k, need_prf, prf, recall_at_k, violations_at_k

# --- nDCG@10 ---------------------------------------------------------------------------


def test_dcg_by_hand() -> None:
    # (2^3 - 1)/log2(2) + (2^0 - 1)/log2(3) + (2^2 - 1)/log2(4) = 7 + 0 + 1.5
    assert dcg([3, 0, 2]) == pytest.approx(8.5)
    assert dcg([]) == 0.0


def test_ndcg_by_hand_with_a_repeated_service() -> None:
    grades = {"A": 3, "C": 2, "D": 1}
    ranked = ["A", "B", "A", "C", "X"]  # B and X ungraded (0), the second A earns nothing
    dcg_run = 7 + 3 / math.log2(5)  # 8.29203
    idcg = 7 + 3 / math.log2(3) + 1 / math.log2(4)  # 9.39279
    assert ndcg_at_k(ranked, grades) == pytest.approx(dcg_run / idcg)
    assert ndcg_at_k(ranked, grades) == pytest.approx(0.8828, abs=1e-4)


def test_ndcg_perfect_and_worst() -> None:
    grades = {"A": 3, "B": 2, "C": 1}
    assert ndcg_at_k(["A", "B", "C"], grades) == pytest.approx(1.0)
    assert ndcg_at_k(["X", "Y"], grades) == 0.0
    assert ndcg_at_k([], grades) == 0.0
    assert ndcg_at_k(["A"], {}) == 0.0  # no judged service: IDCG = 0


def test_ndcg_swapping_grades_lowers_the_score() -> None:
    grades = {"A": 3, "B": 1}
    assert ndcg_at_k(["B", "A"], grades) < ndcg_at_k(["A", "B"], grades)
    # by hand: DCG = 1 + 7/log2(3) = 5.4165; IDCG = 7 + 1/log2(3) = 7.6309
    assert ndcg_at_k(["B", "A"], grades) == pytest.approx((1 + 7 / math.log2(3)) / (7 + 1 / math.log2(3)))


def test_ndcg_cuts_at_k_and_ideal_uses_the_best_k_grades() -> None:
    grades = {f"S{i}": 1 for i in range(12)} | {"TOP": 3}
    ranked = [f"S{i}" for i in range(10)] + ["TOP"]  # TOP at rank 11 is not seen
    expected = sum(1 / math.log2(i + 2) for i in range(10)) / (7 + sum(1 / math.log2(i + 2) for i in range(1, 10)))
    assert ndcg_at_k(ranked, grades, k=10) == pytest.approx(expected)
    assert ndcg_at_k(["TOP"], grades, k=1) == pytest.approx(1.0)


# --- recall@10 (grade >= 2) -------------------------------------------------------------


def test_recall_by_hand() -> None:
    grades = {"A": 3, "B": 2, "C": 1, "D": 2}
    assert recall_at_k(["A", "C", "X", "B"], grades) == pytest.approx(2 / 3)  # C has grade 1: not relevant
    assert recall_at_k(["A", "A", "A"], grades) == pytest.approx(1 / 3)
    assert recall_at_k([f"X{i}" for i in range(10)] + ["A", "B", "D"], grades) == 0.0  # beyond rank 10
    assert recall_at_k(["C"], grades, min_grade=1) == pytest.approx(1 / 4)


def test_recall_best_possible_with_more_relevant_than_k() -> None:
    grades = {f"S{i:02d}": 2 for i in range(13)}
    assert recall_at_k(sorted(grades), grades) == pytest.approx(10 / 13)  # as C02 in the README


def test_recall_without_relevant_services_is_zero() -> None:
    assert recall_at_k(["A"], {"A": 1}) == 0.0


# --- need coverage@5 ------------------------------------------------------------------


def test_need_coverage_by_hand() -> None:
    service_needs = {"A": ["childcare"], "B": ["employment", "childcare"], "C": ["housing"], "E": ["employment"]}
    true_needs = ["childcare", "employment", "housing"]
    grades = {"A": 3, "B": 1, "C": 2, "E": 2}
    # A (grade 3) covers childcare; B has grade 1 so it covers nothing; C is at rank 6
    assert need_coverage_at_k(["A", "B", "X", "Y", "Z", "C"], grades, true_needs, service_needs, 5) == pytest.approx(1 / 3)
    # E covers employment and C covers housing within the first 5
    assert need_coverage_at_k(["A", "E", "C"], grades, true_needs, service_needs, 5) == pytest.approx(1.0)


def test_need_coverage_uses_the_service_truth_not_engine_labels() -> None:
    # a grade-2 service counts only for the needs service_truth lists, not for other true needs
    assert need_coverage_at_k(["A"], {"A": 2}, ["childcare", "housing"], {"A": ["childcare", "health"]}, 5) == pytest.approx(0.5)


def test_need_coverage_without_true_needs_is_zero() -> None:
    assert need_coverage_at_k(["A"], {"A": 3}, [], {"A": ["childcare"]}) == 0.0


# --- violations@10 --------------------------------------------------------------------


def test_violations_by_reason() -> None:
    forbidden = {"A": "quality_failed", "B": "out_of_range", "C": "ineligible"}
    ranked = ["A", "X", "B", "A"] + [f"Y{i}" for i in range(6)] + ["C"]  # C is at rank 11
    assert violations_at_k(ranked, forbidden) == {"quality_failed": 2, "out_of_range": 1}
    assert violations_at_k(ranked, forbidden, k=20) == {"quality_failed": 2, "out_of_range": 1, "ineligible": 1}
    assert violations_at_k(["X", "Y"], forbidden) == {}


# --- micro precision / recall / F1 -------------------------------------------------------


def test_prf_by_hand() -> None:
    assert prf(2, 3, 4) == pytest.approx({"precision": 2 / 3, "recall": 0.5, "f1": 4 / 7})
    assert prf(0, 0, 5) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert prf(0, 3, 0) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_need_prf_is_micro_averaged_over_cases() -> None:
    pred = {"C1": {"childcare", "employment"}, "C3": {"housing"}, "EXTRA": {"health"}}
    truth = {"C1": {"childcare", "mobility"}, "C2": {"health"}, "C3": {"housing"}}
    # tp = 1 + 0 + 1 = 2; |P| = 2 + 0 + 1 = 3 (EXTRA is not a judged case); |T| = 2 + 1 + 1 = 4
    assert need_prf(pred, truth) == pytest.approx({"precision": 2 / 3, "recall": 0.5, "f1": 4 / 7})


def test_need_prf_micro_differs_from_macro() -> None:
    pred = {"C1": {"a"}, "C2": {"b", "c", "d", "e"}}
    truth = {"C1": {"a"}, "C2": {"b", "x", "y", "z"}}
    micro = need_prf(pred, truth)
    assert micro["precision"] == pytest.approx(2 / 5)  # macro would be (1 + 1/4) / 2 = 0.625
    assert micro["recall"] == pytest.approx(2 / 5)


def test_empty_predictions_give_zero_precision() -> None:
    assert need_prf({}, {"C1": {"a"}}) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert need_prf({}, {}) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_mean() -> None:
    assert mean([1.0, 0.5, 0.0]) == pytest.approx(0.5)
    assert mean([]) == 0.0
