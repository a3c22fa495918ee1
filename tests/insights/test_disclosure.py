"""The k-threshold: merging, primary and secondary suppression, and the independent check,
including adversarial cases (a comune with one intake, a rare need, a co-occurrence pair of
two, differencing between a province and its comuni)."""

from __future__ import annotations

import copy
import itertools
import random

import pytest

from recommender.insights.compute import build_report
from recommender.insights.disclosure import (
    SUPPRESSED,
    DisclosureError,
    apply_k_threshold,
    check_k_anonymous,
    fill_shares,
    merge_small,
    small_mark,
)
from recommender.insights.tables import relations_of
from tests.insights.helpers import CAIRATE, CASAZZA, ENDINE, LOVERE, PADOVA, TRADATE, TRESCORE, counts_of, published_counts, record

K = 10


def territory_row(report, area: str, need: str) -> dict:
    [row] = [r for r in report.tables["territory"] if r["area"] == area and r["need"] == need]
    return row


# --- merge_small ----------------------------------------------------------------------------


def test_units_under_k_are_merged_and_the_group_reaches_k():
    m = merge_small({"a": 30, "b": 12, "c": 4, "d": 7}, 10)
    assert m.published == ["a", "b"] and m.merged == ["c", "d"] and m.group == 11


def test_a_group_under_k_takes_the_smallest_shown_unit():
    # c alone (3) would be a small number: province - a - b. It takes b, the smallest shown.
    m = merge_small({"a": 30, "b": 12, "c": 3}, 10)
    assert m.published == ["a"] and m.merged == ["b", "c"] and m.group == 15


def test_units_that_add_up_to_less_than_k_are_all_merged():
    m = merge_small({"a": 4, "b": 3}, 10)
    assert m.published == [] and m.group == 7
    assert merge_small({}, 10) == merge_small({"x": 0}, 10)


# --- adversarial cases on real tables -------------------------------------------------------


def _crowd(where, n, **kw):
    return [record(where, **kw) for _ in range(n)]


def test_a_comune_with_one_intake_is_never_shown():
    records = _crowd(TRESCORE, 30, stated=("elderly_care",)) + _crowd(CASAZZA, 15, stated=("childcare",)) + [record(ENDINE, stated=("housing",))]
    report = build_report(counts_of(records), K)
    areas = {r["area"] for r in report.tables["territory"]}
    assert ENDINE[0] not in areas
    # Endine alone would be "province - Trescore - Casazza" = 1: the group took Casazza too.
    group = territory_row(report, "altri comuni (BG)", "tutti")
    assert group["intakes"] == 16 and CASAZZA[0] not in areas
    assert report.disclosure["merged"] == [{"group": "altri comuni (BG)", "level": "comune", "units": 2}]
    assert all(not 1 <= v < K for _, v in published_counts(report.to_json()))


def test_a_rare_need_is_published_only_as_below_k():
    records = _crowd(TRESCORE, 40, stated=("elderly_care",)) + [record(TRESCORE, stated=("elderly_care",), hidden=("housing",))]
    report = build_report(counts_of(records), K)
    row = territory_row(report, "tutti", "housing")
    assert row["hidden"] == small_mark(K) and row["detected"] == small_mark(K)
    assert row["hidden_share"] is None and row["hidden_share_ci_low"] is None and row["hidden_share_ci_high"] is None
    # ... and nowhere else either (household, age band, co-occurrence).
    for name in ("household_type", "age_band"):
        assert {r["hidden"] for r in report.tables[name] if r["need"] == "housing"} <= {small_mark(K), SUPPRESSED}
    [pair] = [r for r in report.tables["cooccurrence"] if r["stated_need"] == "elderly_care" and r["hidden_need"] == "housing"]
    assert pair["with_hidden"] == small_mark(K) and pair["share"] is None


def test_a_cooccurrence_pair_of_two_is_suppressed():
    records = _crowd(TRESCORE, 20, stated=("income_support",)) + _crowd(PADOVA, 2, stated=("income_support",), hidden=("mental_health",))
    report = build_report(counts_of(records), K)
    [pair] = [r for r in report.tables["cooccurrence"] if r["stated_need"] == "income_support" and r["hidden_need"] == "mental_health"]
    assert pair["stating"] == 22 and pair["with_hidden"] == small_mark(K) and pair["share"] is None
    zero = [r for r in report.tables["cooccurrence"] if r["stated_need"] == "income_support" and r["hidden_need"] == "housing"]
    assert zero[0]["with_hidden"] == 0 and zero[0]["share"] == 0.0  # zeros single nobody out


def test_a_complement_under_k_is_suppressed():
    # 24 of 25 intakes with the need: publishing 24 would tell about the one without.
    records = _crowd(TRESCORE, 24, stated=("childcare",)) + [record(TRESCORE, stated=("housing",))]
    row = territory_row(build_report(counts_of(records), K), "tutti", "childcare")
    assert row["intakes"] == 25 and row["detected"] == SUPPRESSED and row["hidden_share"] is None


def test_a_province_total_does_not_give_away_its_only_small_comune():
    # Province BG is shown (40 + 20 intakes), Trescore has 2 unmet: masking Trescore alone
    # would leave it as "BG - Casazza". The other comune is suppressed as well.
    records = _crowd(TRESCORE, 38, stated=("elderly_care",)) + _crowd(TRESCORE, 2, stated=("elderly_care",), unmet=("elderly_care",)) \
        + _crowd(CASAZZA, 20, stated=("elderly_care",), unmet=("elderly_care",))
    report = build_report(counts_of(records), K)
    bg = territory_row(report, "BG", "elderly_care")
    trescore, casazza = territory_row(report, TRESCORE[0], "elderly_care"), territory_row(report, CASAZZA[0], "elderly_care")
    assert bg["unmet"] == 22
    assert trescore["unmet"] == small_mark(K) and casazza["unmet"] == SUPPRESSED
    check_k_anonymous(report.to_json(), K)


def test_merged_comuni_cannot_be_recovered_from_the_province_and_the_comuni_shown():
    records = _crowd(TRESCORE, 25, stated=("housing",)) + _crowd(CASAZZA, 4, stated=("housing",)) + _crowd(LOVERE, 3, stated=("housing",)) \
        + _crowd(ENDINE, 5, stated=("housing",)) + _crowd(TRADATE, 12, stated=("housing",)) + _crowd(CAIRATE, 2, stated=("housing",))
    report = build_report(counts_of(records), K)
    rows = [r for r in report.tables["territory"] if r["need"] == "tutti"]
    for province in ("BG", "VA"):
        total = next(r["intakes"] for r in rows if r["area"] == province)
        shown = [r["intakes"] for r in rows if r["parent"] == province and r["level"] == "comune"]
        # every difference between the province and any set of its rows is 0 or >= k
        for n in range(len(shown) + 1):
            for subset in itertools.combinations(shown, n):
                assert not 1 <= total - sum(subset) < K, (province, total, subset)
    # VA: Tradate (12) alone would leave Cairate's 2 as "VA - Tradate": VA shows no comune.
    assert not any(r["parent"] == "VA" for r in rows)
    assert "provincia VA: nessun comune con almeno 10 richieste, pubblicata solo la provincia" in report.disclosure["statements"]


def test_fewer_than_k_intakes_publish_nothing_about_them():
    report = build_report(counts_of(_crowd(TRESCORE, 6, stated=("housing",))), K)
    assert report.provenance["intakes"] == small_mark(K)
    assert all(not rows for name, rows in report.tables.items() if name != "supply")
    assert report.disclosure["statements"][0].startswith("meno di 10 richieste in totale")


def test_household_types_under_k_are_merged_and_add_up_to_the_total():
    records = _crowd(TRESCORE, 20, household="coppia con figli", hidden=("childcare",)) + _crowd(TRESCORE, 15, household="persona sola") \
        + _crowd(TRESCORE, 3, household="altro") + _crowd(TRESCORE, 8, household="non noto")
    report = build_report(counts_of(records), K)
    rows = [r for r in report.tables["household_type"] if r["need"] == "childcare"]
    assert {r["household_type"]: r["intakes"] for r in rows} == {"coppia con figli": 20, "persona sola": 15, "altre tipologie": 11}
    assert sum(r["intakes"] for r in rows) == territory_row(report, "tutti", "childcare")["intakes"]


def test_age_bands_under_k_show_only_below_k():
    records = _crowd(TRESCORE, 20, bands=("35-64",)) + _crowd(TRESCORE, 4, bands=("80+", "35-64"))
    rows = {r["age_band"]: r for r in build_report(counts_of(records), K).tables["age_band"] if r["need"] == "health"}
    assert rows["35-64"]["intakes"] == 24 and rows["80+"]["intakes"] == small_mark(K)
    assert rows["80+"]["hidden"] == SUPPRESSED and rows["80+"]["hidden_share"] is None  # 0 of a hidden count: hidden too


# --- apply_k_threshold as a whole: random tables, brute-force differencing ------------------


def _random_records(seed: int, n: int) -> list:
    rng = random.Random(seed)
    places = [TRESCORE, CASAZZA, ENDINE, LOVERE, TRADATE, CAIRATE, PADOVA]
    needs = ["elderly_care", "caregiver_support", "housing", "income_support", "mobility", "mental_health"]
    out = []
    for _ in range(n):
        detected = rng.sample(needs, rng.choice([1, 1, 2, 3]))
        stated = tuple(d for d in detected if rng.random() < 0.6)
        hidden = tuple(d for d in detected if d not in stated)
        unmet = tuple(d for d in detected if rng.random() < 0.15)
        out.append(record(rng.choices(places, weights=[30, 8, 5, 2, 15, 4, 20])[0], stated, hidden, unmet,
                          household=rng.choice(["persona sola", "coppia con figli", "nucleo con anziani", "altro"]),
                          bands=tuple(sorted(rng.sample(["18-34", "35-64", "65-79", "80+"], rng.choice([1, 2]))))))
    return out


def _derivable_parts(report_json: dict, k: int) -> list[str]:
    """Brute force: for every identity, every part or set of parts that can be computed as
    the total minus the other parts shown must be 0 or >= k; a single hidden part must
    not be computable at all."""
    rel = relations_of(report_json["tables"])
    problems = []
    for parent, parts in rel.sums:
        v = rel.cells.get(parent)
        if not isinstance(v, int) or any(p not in rel.cells for p in parts):
            continue
        hidden = [p for p in parts if not isinstance(rel.cells[p], int)]
        rest = v - sum(rel.cells[p] for p in parts if isinstance(rel.cells[p], int))
        if len(hidden) == 1 or (hidden and 1 <= rest < k):
            problems.append(f"{parent}: hidden {hidden}, rest {rest}")
    return problems


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("k", [5, 10])
def test_random_tables_pass_the_check_and_leak_no_part(seed: int, k: int):
    report = build_report(counts_of(_random_records(seed, 60 + 15 * seed)), k)  # build_report runs the check itself
    data = report.to_json()
    assert all(not 1 <= v < k for _, v in published_counts(data))
    assert _derivable_parts(data, k) == []


# --- check_k_anonymous: it catches what a faulty builder could publish ----------------------


@pytest.fixture(scope="module")
def good() -> dict:
    records = _random_records(3, 200)
    return build_report(counts_of(records), K).to_json()


def _first(data: dict, table: str, pred) -> dict:
    return next(r for r in data["tables"][table] if pred(r))


def test_the_check_accepts_a_built_report(good):
    check_k_anonymous(good, K)


def test_the_check_needs_the_same_k(good):
    with pytest.raises(DisclosureError, match="threshold"):
        check_k_anonymous(good, 20)


def tampered(good: dict, change) -> dict:
    data = copy.deepcopy(good)
    change(data)
    return data


CHANGES = {
    "a count under k": lambda d: _first(d, "territory", lambda r: r["hidden"] == small_mark(K)).update(hidden=3),
    "a share of a hidden count": lambda d: _first(d, "territory", lambda r: r["hidden"] == small_mark(K)).update(hidden_share=0.02),
    "a note field": lambda d: d["provenance"].update(notes="La madre di 84 anni"),
    "an intake id in a row": lambda d: d["tables"]["territory"][0].update(id="BG-C001"),
    "an identifier deep inside": lambda d: d["disclosure"]["merged"].append({"group": "x", "level": "comune", "units": 1, "intake_ref": "p-1"}),
    "free text as a comune name": lambda d: _first(d, "territory", lambda r: r["level"] == "comune").update(name="Sig.ra Rossi, via Roma 3"),
    "an unknown need": lambda d: d["tables"]["household_type"][0].update(need="secret"),
    "an unknown table": lambda d: d["tables"].update(raw=[]),
    "a total intakes under k": lambda d: d["provenance"].update(intakes=7),
    "the population of a group of comuni": lambda d: _first(d, "territory", lambda r: r["area"].startswith("altri comuni")).update(population=12345),
    "a share that is not its counts": lambda d: _first(d, "territory", lambda r: isinstance(r["hidden_share"], float)).update(hidden_share=0.5),
}


@pytest.mark.parametrize("change", list(CHANGES.values()), ids=list(CHANGES))
def test_the_check_refuses(good, change):
    with pytest.raises(DisclosureError):
        check_k_anonymous(tampered(good, change), K)


def test_the_check_catches_a_hidden_part_given_away_by_its_total():
    # Unmasking one of the two hidden comuni of a province lets the other be computed.
    records = _crowd(TRESCORE, 38, stated=("elderly_care",)) + _crowd(TRESCORE, 2, stated=("elderly_care",), unmet=("elderly_care",)) \
        + _crowd(CASAZZA, 20, stated=("elderly_care",), unmet=("elderly_care",))
    data = build_report(counts_of(records), K).to_json()
    row = _first(data, "territory", lambda r: r["area"] == CASAZZA[0] and r["need"] == "elderly_care")
    row["unmet"] = 20
    fill_shares(data["tables"])  # consistent shares: only the identity is wrong
    with pytest.raises(DisclosureError, match="minus the other parts"):
        check_k_anonymous(data, K)


def test_the_check_catches_a_complement_under_k():
    records = _crowd(TRESCORE, 24, stated=("childcare",)) + [record(TRESCORE, stated=("housing",))]
    data = build_report(counts_of(records), K).to_json()
    row = _first(data, "territory", lambda r: r["area"] == "tutti" and r["need"] == "childcare")
    row["detected"] = 24
    fill_shares(data["tables"])
    with pytest.raises(DisclosureError, match="complement"):
        check_k_anonymous(data, K)


def test_the_check_catches_inconsistent_copies_of_one_count():
    records = _crowd(TRESCORE, 30, stated=("income_support",), hidden=("housing",))
    data = build_report(counts_of(records), K).to_json()
    rows = [r for r in data["tables"]["cooccurrence"] if r["stated_need"] == "income_support"]
    rows[0]["stating"] = 31
    fill_shares(data["tables"])
    with pytest.raises(DisclosureError, match="two values"):
        check_k_anonymous(data, K)


def test_apply_k_threshold_refuses_k_below_two():
    with pytest.raises(ValueError):
        apply_k_threshold({}, 1)


# --- differences across tables (found in review) -------------------------------------------


def _revealed(a, b) -> bool:
    """Both published as numbers, and their difference singles out 1..K-1 intakes."""
    return isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool) and 0 < a - b < K


def test_hidden_total_minus_one_cooccurrence_pair_gives_nobody_away():
    records = (
        _crowd(TRESCORE, 12, stated=("elderly_care",), hidden=("caregiver_support",))
        + [record(TRESCORE, hidden=("caregiver_support",))]
        + _crowd(TRESCORE, 17, stated=("childcare",))
    )
    report = build_report(counts_of(records), K)
    total = territory_row(report, "tutti", "caregiver_support")["hidden"]
    for pair in report.tables["cooccurrence"]:
        if pair["hidden_need"] == "caregiver_support":
            assert not _revealed(total, pair["with_hidden"]), (total, pair)
    check_k_anonymous(report.to_json(), K)


def test_all_intakes_minus_an_age_band_gives_nobody_away():
    records = _crowd(TRESCORE, 19, stated=("elderly_care",), bands=("80+",)) + [record(TRESCORE, stated=("elderly_care",), bands=("0-5",))]
    report = build_report(counts_of(records), K)
    for band in report.tables["age_band"]:
        for column in ("intakes", "hidden"):
            total = territory_row(report, "tutti", band["need"])[column]
            assert not _revealed(total, band[column]), (column, total, band)


def test_all_intakes_minus_those_stating_a_need_gives_nobody_away():
    records = _crowd(TRESCORE, 19, stated=("childcare",), hidden=("employment",)) + [record(TRESCORE, stated=("housing",))]
    report = build_report(counts_of(records), K)
    totals = [r["intakes"] for r in report.tables["territory"] if r["area"] == "tutti"]
    for pair in report.tables["cooccurrence"]:
        for total in totals:
            assert not _revealed(total, pair["stating"]), (total, pair)
