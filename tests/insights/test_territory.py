"""--territory values: province, region, comune; bad ones name the field."""

from __future__ import annotations

import pytest

from recommender.errors import InputError
from recommender.insights.territory import EVERYWHERE, parse_territory


@pytest.mark.parametrize(("value", "kind", "code"), [
    ("BG", "province", "BG"), ("pd", "province", "PD"), ("Lombardia", "region", "Lombardia"), ("veneto", "region", "Veneto"),
    ("016086", "comune", "016086"), ("Costa Volpino", "comune", "016086"), ("trescore balneario", "comune", "016218"),
])
def test_territories(value, kind, code):
    t = parse_territory(value)
    assert (t.kind, t.code) == (kind, code)


def test_nothing_means_everywhere():
    assert parse_territory(None) is EVERYWHERE and parse_territory("  ") is EVERYWHERE


@pytest.mark.parametrize("value", ["XX", "Atlantide", "999999"])
def test_unknown_territories_name_the_field(value):
    with pytest.raises(InputError) as exc:
        parse_territory(value, field="--territory")
    assert exc.value.issues[0].column == "--territory"


def test_comuni_of_a_province():
    comuni = parse_territory("PD").comuni()
    assert len(comuni) > 100 and {c.province_abbr for c in comuni} == {"PD"}
