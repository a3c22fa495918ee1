"""A report on the bundled intakes (lexical pipeline, reference date of the collection)."""

from __future__ import annotations

from datetime import date

import pytest

from recommender.gazetteer import default_gazetteer
from recommender.insights.aggregate import InsightsAggregator
from recommender.insights.compute import build_report
from recommender.insights.records import service_needs_of
from recommender.insights.sources import records_from_intakes
from recommender.insights.supply import compute_supply, served_provinces
from recommender.intake import read_intakes
from recommender.paths import FIXTURES_DIR

AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="session")
def fixture_counts(fixture_pipeline, fixture_catalogue):
    intakes = [x.intake for x in read_intakes(FIXTURES_DIR / "intakes.jsonl", prefer_provinces=fixture_catalogue.provinces())]
    answers = service_needs_of([s.service_id for s in fixture_catalogue.services], fixture_pipeline.affinity_)
    return InsightsAggregator().add_all(records_from_intakes(fixture_pipeline, intakes, AS_OF, answers)).counts


@pytest.fixture(scope="session")
def fixture_supply(fixture_pipeline, fixture_catalogue, fixture_counts):
    gaz = default_gazetteer()
    comuni = sorted(c.istat_code for c in gaz.by_code.values() if c.province_abbr in served_provinces(fixture_catalogue))
    wanted = set(comuni) | set(fixture_counts.intakes)
    supply = compute_supply(fixture_catalogue, fixture_pipeline.affinity_, fixture_pipeline.quality_mask(AS_OF), [gaz.by_code[c] for c in sorted(wanted)])
    return supply, comuni


@pytest.fixture(scope="session")
def fixture_report_k5(fixture_counts, fixture_supply):
    """k=5 on 122 intakes: a few comuni are shown, so the map has points."""
    supply, comuni = fixture_supply
    return build_report(fixture_counts, 5, supply, comuni, {"source": "intakes", "as_of": AS_OF.isoformat()})
