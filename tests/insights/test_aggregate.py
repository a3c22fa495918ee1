"""Streaming counters: what they count, the territory filter, and memory that does not
grow with the number of intakes."""

from __future__ import annotations

import sys

from recommender.insights.aggregate import InsightsAggregator
from recommender.insights.territory import parse_territory
from tests.insights.helpers import PADOVA, TRADATE, TRESCORE, record


def test_counts_by_comune_household_age_and_cooccurrence():
    agg = InsightsAggregator()
    agg.add(record(TRESCORE, stated=("elderly_care",), hidden=("caregiver_support", "mobility"), unmet=("mobility",),
                   household="nucleo con anziani", bands=("35-64", "80+")))
    agg.add(record(TRESCORE, stated=("elderly_care",), household="persona sola", bands=("80+",)))
    agg.add(record(PADOVA, hidden=("housing",), household="persona sola", bands=("18-34",)))
    c = agg.counts
    assert c.total == 3 and c.intakes == {TRESCORE[0]: 2, PADOVA[0]: 1}
    assert c.detected[TRESCORE[0], "elderly_care"] == 2 and c.detected[TRESCORE[0], "mobility"] == 1
    assert c.hidden[TRESCORE[0], "caregiver_support"] == 1 and c.hidden[TRESCORE[0], "elderly_care"] == 0
    assert c.unmet[TRESCORE[0], "mobility"] == 1
    assert c.household == {"nucleo con anziani": 1, "persona sola": 2}
    assert c.household_hidden["persona sola", "housing"] == 1
    assert c.age == {"35-64": 1, "80+": 2, "18-34": 1}  # an intake counts in every band of its household
    assert c.age_hidden["80+", "caregiver_support"] == 1 and c.age_hidden["35-64", "mobility"] == 1
    assert c.stated == {"elderly_care": 2}
    assert c.cooccurrence == {("elderly_care", "caregiver_support"): 1, ("elderly_care", "mobility"): 1}


def test_records_outside_the_territory_are_skipped_and_counted():
    agg = InsightsAggregator(parse_territory("BG"))
    assert agg.add(record(TRESCORE)) and not agg.add(record(TRADATE)) and not agg.add(record(PADOVA))
    assert agg.counts.total == 1 and agg.counts.outside == 2
    region = InsightsAggregator(parse_territory("Lombardia")).add_all([record(TRESCORE), record(TRADATE), record(PADOVA)])
    assert region.counts.total == 2


def _size(agg: InsightsAggregator) -> int:
    c = agg.counts
    return sum(sys.getsizeof(x) for x in (c.intakes, c.detected, c.hidden, c.unmet, c.household, c.household_hidden, c.age, c.age_hidden, c.stated, c.cooccurrence))


def test_memory_depends_on_the_cells_not_on_the_number_of_intakes():
    batch = [record(w, stated=("elderly_care",), hidden=("mobility",), unmet=("mobility",)) for w in (TRESCORE, TRADATE, PADOVA)]
    agg = InsightsAggregator()
    for _ in range(10):
        agg.add_all(batch)
    small = _size(agg)
    for _ in range(3000):
        agg.add_all(batch)
    assert agg.counts.total == 9030 and _size(agg) == small
