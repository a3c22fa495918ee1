"""Streaming counters over insight records: memory grows with the number of comuni and
needs seen, never with the number of intakes.

Everything the tables need is a count by (comune, need), (household type, need), (age band,
need) or (stated need, hidden need); provinces and the territory's total are sums of the
comuni, computed when the tables are built.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from recommender.insights.records import InsightRecord
from recommender.insights.territory import EVERYWHERE, Territory


@dataclass
class Counts:
    """Exact counts (never published as they are: see ``disclosure``)."""

    intakes: Counter = field(default_factory=Counter)  # comune -> intakes
    detected: Counter = field(default_factory=Counter)  # (comune, need) -> intakes where the need was found
    hidden: Counter = field(default_factory=Counter)  # (comune, need) -> ... surfaced without being stated
    unmet: Counter = field(default_factory=Counter)  # (comune, need) -> ... with no eligible service in reach
    household: Counter = field(default_factory=Counter)  # type -> intakes
    household_hidden: Counter = field(default_factory=Counter)  # (type, need)
    age: Counter = field(default_factory=Counter)  # band -> intakes with someone in it
    age_hidden: Counter = field(default_factory=Counter)  # (band, need)
    stated: Counter = field(default_factory=Counter)  # need -> intakes stating it
    cooccurrence: Counter = field(default_factory=Counter)  # (stated, hidden) -> intakes
    province: dict[str, str] = field(default_factory=dict)  # comune -> province (for the tables)
    total: int = 0
    outside: int = 0  # records outside the territory, skipped
    unresolved: int = 0  # (intake, need) pairs whose unmet status could not be told


class InsightsAggregator:
    """Feed records one at a time with ``add``; read ``counts`` at the end."""

    def __init__(self, territory: Territory = EVERYWHERE):
        self.territory = territory
        self.counts = Counts()

    def add(self, record: InsightRecord) -> bool:
        """Count one record; ``False`` (and nothing counted) if it is outside the territory."""
        c = self.counts
        if not self.territory.contains(record.comune_istat, record.province, record.region):
            c.outside += 1
            return False
        where = record.comune_istat
        c.total += 1
        c.intakes[where] += 1
        c.province[where] = record.province
        for need in record.detected:
            c.detected[where, need] += 1
        for need in record.hidden:
            c.hidden[where, need] += 1
            c.household_hidden[record.household_type, need] += 1
            for band in record.age_bands:
                c.age_hidden[band, need] += 1
        for need in record.unmet:
            c.unmet[where, need] += 1
        c.unresolved += len(record.unresolved)
        c.household[record.household_type] += 1
        for band in record.age_bands:
            c.age[band] += 1
        for s in record.stated:
            c.stated[s] += 1
            for h in record.hidden:
                c.cooccurrence[s, h] += 1
        return True

    def add_all(self, records) -> InsightsAggregator:
        for r in records:
            self.add(r)
        return self
