"""The gap map: a valid PNG and a self-contained HTML page drawn from published rows only."""

from __future__ import annotations

import io
import re

from PIL import Image

from recommender.insights.gap_map import SUPPRESSED_COLOUR, gap_map_data, render_html, render_png


def test_points_are_the_comuni_shown_and_groups_are_not_drawn(fixture_report_k5):
    gm = gap_map_data(fixture_report_k5)
    shown = {r["area"] for r in fixture_report_k5.tables["territory"] if r["level"] == "comune" and r["area"].isdigit()}
    assert {p.istat for p in gm.points} == shown and shown
    assert all(p.intakes >= 5 for p in gm.points)
    assert {g["area"] for g in gm.groups} >= {"tutti", "altri comuni (PD)"}
    assert len(gm.background) > 400  # the comuni of BG, VA, PD for orientation


def test_png_is_a_valid_image(fixture_report_k5):
    data = render_png(gap_map_data(fixture_report_k5))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(data)) as img:
        img.verify()
    with Image.open(io.BytesIO(data)) as img:
        assert img.width > 800 and img.height > 400


def test_html_is_self_contained_and_accessible(fixture_report_k5):
    gm = gap_map_data(fixture_report_k5)
    page = render_html(gm, fixture_report_k5.provenance)
    assert "http" not in page.lower()  # no URL at all: no tiles, no CDN, no xmlns to fetch
    assert "<script" not in page.lower() and " src=" not in page.lower() and "<link" not in page.lower() and "@import" not in page
    assert page.count("<svg") == 1 and 'role="img"' in page and "<desc" in page
    assert "<table>" in page and "<caption>" in page and page.count('scope="col"') == 5
    for p in gm.points:
        assert f"<title>{p.name} ({p.province}): {p.intakes} richieste" in page
    # every comune shown has its row in the table; the groups too, marked as not on the map
    assert "altri comuni (PD) (non sulla mappa)" in page
    assert "k = 5" in page
    # the size legend's reference values are never under k either
    legend = page[page.index(">Richieste</text>"):page.index("</svg>")]
    assert [int(v) for v in re.findall(r">(\d+)</text>", legend)] and all(int(v) >= 5 for v in re.findall(r">(\d+)</text>", legend))


def test_suppressed_shares_are_grey_and_marked(fixture_report_k5):
    gm = gap_map_data(fixture_report_k5)
    page = render_html(gm, fixture_report_k5.provenance)
    grey = [p for p in gm.points if p.share is None]
    coloured = [p for p in gm.points if p.share is not None]
    assert coloured
    for p in grey:
        assert re.search(rf'fill="{SUPPRESSED_COLOUR}"><title>{re.escape(p.name)} \([A-Z]+\): {p.intakes} richieste; bisogni non coperti non pubblicata', page)
    for p in coloured:
        assert f"{p.share:.1%}".replace(".", ",") in page
