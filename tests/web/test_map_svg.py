"""The results page's map: every service a numbered marker where it is (north up, east right,
distances to scale), markers on the same spot kept apart, all inside the frame, described for
screen readers, nothing fetched."""

from __future__ import annotations

import math
import re

from api.web.map_svg import HEIGHT, MARKER_R, WIDTH, MapPoint, render_map
from tests.web.dom import parse

# Trescore Balneario and real places around it (lat, lon)
TRESCORE = (45.7025, 9.8457)
LOVERE = (45.8125, 10.0697)  # north-east, about 21 km
CASAZZA = (45.7497, 9.9083)  # north-east, about 7 km


def markers(svg: str) -> dict[int, tuple[float, float]]:
    doc = parse(svg)
    out = {}
    for g in doc.find_all("g", cls="map-marker"):
        c = g.find("circle")
        out[int(g.find("text").text)] = (float(c.attrs["cx"]), float(c.attrs["cy"]))
    return out


def center(svg: str) -> tuple[float, float]:
    rect = parse(svg).find_all("rect")[1]  # after the background: the comune's square
    return float(rect.attrs["x"]) + 11, float(rect.attrs["y"]) + 11


def test_markers_are_numbered_and_placed_by_direction_and_distance() -> None:
    svg = render_map("Trescore Balneario", *TRESCORE, [MapPoint(1, "Vicino", *CASAZZA, "on_site"), MapPoint(4, "Lontano", *LOVERE, "home")])
    m = markers(svg)
    cx, cy = center(svg)
    assert set(m) == {1, 4}
    for x, y in m.values():  # both are north-east: right of and above the comune
        assert x > cx and y < cy
    d1 = math.hypot(m[1][0] - cx, m[1][1] - cy)
    d4 = math.hypot(m[4][0] - cx, m[4][1] - cy)
    assert 2.5 < d4 / d1 < 3.6  # about 21 km against 7 km


def test_services_in_the_same_spot_do_not_hide_each_other() -> None:
    points = [MapPoint(i, f"Servizio {i}", *TRESCORE, "on_site") for i in range(1, 9)] + [MapPoint(9, "Lovere", *LOVERE, "on_site")]
    m = markers(render_map("Trescore Balneario", *TRESCORE, points))
    spots = list(m.values())
    for i, a in enumerate(spots):
        assert MARKER_R <= a[0] <= WIDTH - MARKER_R and MARKER_R <= a[1] <= HEIGHT - MARKER_R
        for b in spots[i + 1:]:
            assert math.hypot(a[0] - b[0], a[1] - b[1]) >= 2 * MARKER_R


def test_the_map_is_described_and_self_contained() -> None:
    svg = render_map("Sant'Omobono <Terme>", *TRESCORE, [MapPoint(2, "Nido «Il Girotondo» & co", *CASAZZA, "on_site")])
    doc = parse(svg)
    root = doc.find("svg")
    assert root.attrs["role"] == "img"
    assert root.attrs["aria-labelledby"] == "mappa-titolo mappa-titolo-desc"
    assert doc.find("title").text == "Mappa: Sant'Omobono <Terme> e i servizi suggeriti"  # escaped in the markup, read back as text
    desc = doc.find("desc").text
    assert "2: Nido «Il Girotondo» & co." in desc and "km" in desc
    assert "<Terme>" not in svg and "&lt;Terme&gt;" in svg
    assert not re.search(r"(?:href|src)=", svg) and "style=" not in svg  # nothing fetched, nothing a strict CSP blocks


def test_a_lone_comune_still_makes_a_map_with_a_scale() -> None:
    svg = render_map("Trescore Balneario", *TRESCORE, [])
    assert markers(svg) == {}
    assert re.search(r">\d+(,\d+)? km<", svg)
