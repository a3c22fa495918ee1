"""Per-need and per-territory breakdowns and need satisfaction, on hand-made case rows."""

from __future__ import annotations

import pytest

from recommender.evaluation.breakdowns import breakdowns, by_group, need_detection_by_need, need_satisfaction


def row(cid: str, province: str, ndcg: float, true: list[str], pred: list[str], suggested: list[str], stated: list[str] = ()) -> dict:
    return {
        "id": cid, "province": province, "comune": province.lower(), "ndcg@10": ndcg, "recall@10": ndcg, "need_coverage@5": ndcg,
        "true_needs": true, "predicted_needs": pred, "stated_needs": list(stated),
        "surfaced_predicted": [n for n in pred if n not in stated], "suggested_needs": suggested,
    }


ROWS = [
    row("c1", "BG", 1.0, ["childcare"], ["childcare"], ["childcare"], stated=["childcare"]),
    row("c2", "BG", 0.5, ["childcare", "elderly_care"], ["childcare", "elderly_care"], ["childcare"], stated=["childcare"]),
    row("c3", "PD", 0.0, ["income_support"], ["housing"], []),
]


def test_by_group_averages_per_value_and_counts_list_values_in_each_group() -> None:
    prov = by_group(ROWS, "province")
    assert prov["BG"]["cases"] == 2 and prov["BG"]["ndcg@10"] == pytest.approx(0.75)
    lo, hi = prov["BG"]["ndcg@10_ci"]
    assert lo <= 0.75 <= hi
    need = by_group(ROWS, "true_needs")
    assert need["childcare"]["cases"] == 2 and need["elderly_care"]["cases"] == 1


def test_need_detection_per_need() -> None:
    det = need_detection_by_need(ROWS)
    assert det["childcare"]["f1"] == 1.0 and det["childcare"]["support"] == 2
    assert det["housing"]["precision"] == 0.0 and det["income_support"]["recall"] == 0.0


def test_need_satisfaction_counts_found_needs_without_an_answer() -> None:
    sat = need_satisfaction(ROWS)
    # found pairs: c1 childcare (yes), c2 childcare (yes), c2 elderly (no), c3 housing (no)
    assert sat["need_satisfaction"] == pytest.approx(2 / 4)
    # surfaced pairs: c2 elderly (no), c3 housing (no)
    assert sat["surfaced_need_satisfaction"] == 0.0
    assert sat["cases_all_needs_answered"] == pytest.approx(1 / 3)
    assert sat["per_need"]["elderly_care"] == {"answered": 0, "found": 1, "share": 0.0}


def test_breakdowns_bundle_is_json_ready() -> None:
    import json

    out = breakdowns(ROWS)
    assert set(out) == {"by_need", "by_province", "by_comune", "need_detection", "need_satisfaction"}
    json.dumps(out)
