"""A small map of the person's comune and the suggested services, drawn as inline SVG.

No tiles and nothing fetched: the points are projected on a local equirectangular plane
(x scaled by cos(latitude), good to well under 1% over the tens of kilometres shown) and
drawn with a scale bar. Each service is a numbered marker whose number is the suggestion's
rank, as in the list beside the map; markers on the same spot are fanned out around it so
that each number stays readable. ``<title>`` and ``<desc>`` describe the map to a screen
reader (the list beside it holds the same facts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT, PAD = 640, 400, 36
MARKER_R = 13
KM_PER_DEG_LAT = 111.32


@dataclass(frozen=True)
class MapPoint:
    number: int  # the suggestion's rank
    name: str
    lat: float
    lon: float
    kind: str  # delivery mode: on_site, home, remote


def _nice_length(km: float) -> float:
    """A round length (1, 2, 5 x 10^n km) near a fifth of the map's width."""
    if km <= 0:
        return 1.0
    exp = math.floor(math.log10(km))
    for step in (5, 2, 1):
        if step * 10**exp <= km:
            return step * 10**exp
    return 10**exp


def _km_label(value: float) -> str:
    return f"{value:g}".replace(".", ",") + " km"


def _label_spot(cx: float, cy: float, name: str, markers: list[tuple[float, float]]) -> tuple[float, float, str]:
    """Where to write the comune's name: around its square (above, below, right, left, then
    the corners), inside the frame, covering the fewest markers (ties: the first in order)."""
    w = 8.5 * len(name) + 10
    options = [
        (cx, cy - 20, "middle"), (cx, cy + 34, "middle"), (cx + 16, cy + 6, "start"), (cx - 16, cy + 6, "end"),
        (cx + 14, cy - 16, "start"), (cx - 14, cy - 16, "end"), (cx + 14, cy + 30, "start"), (cx - 14, cy + 30, "end"),
    ]

    def box(lx: float, ly: float, anchor: str) -> tuple[float, float, float, float]:
        left = lx - w / 2 if anchor == "middle" else lx if anchor == "start" else lx - w
        return left, ly - 16, left + w, ly + 6

    def cost(option: tuple[float, float, str]) -> float:
        x0, y0, x1, y1 = box(*option)
        outside = (x0 < 0) + (x1 > WIDTH) + (y0 < 0) + (y1 > HEIGHT)
        covered = sum(1 for mx, my in markers if x0 - MARKER_R < mx < x1 + MARKER_R and y0 - MARKER_R < my < y1 + MARKER_R)
        return outside * 100 + covered

    return min(options, key=cost)


def render_map(center_name: str, center_lat: float, center_lon: float, points: list[MapPoint], title_id: str = "mappa-titolo") -> Markup:
    kx = KM_PER_DEG_LAT * math.cos(math.radians(center_lat))

    def to_km(lat: float, lon: float) -> tuple[float, float]:
        return (lon - center_lon) * kx, (lat - center_lat) * KM_PER_DEG_LAT

    coords = [to_km(p.lat, p.lon) for p in points]
    xs = [0.0] + [c[0] for c in coords]
    ys = [0.0] + [c[1] for c in coords]
    # at least 4 km across, so a single nearby service is not drawn at the edge
    span_x = max(max(xs) - min(xs), 4.0)
    span_y = max(max(ys) - min(ys), 4.0)
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    scale = min((WIDTH - 2 * PAD) / span_x, (HEIGHT - 2 * PAD) / span_y)

    def to_px(x_km: float, y_km: float) -> tuple[float, float]:
        return WIDTH / 2 + (x_km - mid_x) * scale, HEIGHT / 2 - (y_km - mid_y) * scale

    cx, cy = to_px(0.0, 0.0)
    placed: list[tuple[float, float]] = [(cx, cy)]
    markers = []
    def inside(x: float, y: float) -> tuple[float, float]:
        return min(max(x, MARKER_R + 2), WIDTH - MARKER_R - 2), min(max(y, MARKER_R + 2), HEIGHT - MARKER_R - 2)

    for p, (x_km, y_km) in zip(points, coords):
        x0, y0 = to_px(x_km, y_km)
        x, y = inside(x0, y0)
        # fan out markers that would overlap one already drawn (services at the same comune
        # centroid): along a spiral around the true spot, inside the frame
        k = 0
        while any(math.hypot(x - px, y - py) < 2 * MARKER_R + 2 for px, py in placed) and k < 80:
            k += 1
            angle = k * 2.399963  # golden angle: an even spiral
            radius = (2 * MARKER_R + 4) * math.sqrt(k) * 0.75
            x, y = inside(x0 + radius * math.cos(angle), y0 + radius * math.sin(angle))
        placed.append((x, y))
        markers.append((p, x, y))

    bar_km = _nice_length(span_x / 5)
    bar_px = bar_km * scale
    desc = (
        f"Il comune della persona, {center_name}, è il quadrato al centro del riquadro. "
        + " ".join(f"{p.number}: {p.name}." for p in points)
        + f" La barra in basso a sinistra misura {_km_label(bar_km)}."
    )
    out = [
        f'<svg class="map" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{title_id} {title_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">Mappa: {escape(center_name)} e i servizi suggeriti</title>',
        f'<desc id="{title_id}-desc">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#f4f7fa" stroke="#5b6b7a"/>',
    ]
    # lines from the comune to each service: who is near, who is far
    for _, x, y in markers:
        out.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="#8a9aab" stroke-width="1" stroke-dasharray="4 3"/>')
    out.append(f'<rect x="{cx - 11:.1f}" y="{cy - 11:.1f}" width="22" height="22" fill="#b3261e" stroke="#ffffff" stroke-width="2"/>')
    for p, x, y in markers:
        fill = {"on_site": "#0b4f8a", "home": "#1d6b3a", "remote": "#5a3d8a"}.get(p.kind, "#0b4f8a")
        out.append(
            f'<g class="map-marker"><circle cx="{x:.1f}" cy="{y:.1f}" r="{MARKER_R}" fill="{fill}" stroke="#ffffff" stroke-width="2"/>'
            f'<text x="{x:.1f}" y="{y + 5:.1f}" text-anchor="middle" font-size="14" font-weight="700" fill="#ffffff">{p.number}</text></g>'
        )
    # the comune's name last (on top), on a white box where it covers the fewest markers
    lx, ly, anchor = _label_spot(cx, cy, center_name, [(x, y) for _, x, y in markers])
    text_w = 8.5 * len(center_name) + 10
    box_x = lx - (text_w / 2 if anchor == "middle" else 0 if anchor == "start" else text_w)
    out.append(f'<rect x="{box_x:.1f}" y="{ly - 16:.1f}" width="{text_w:.1f}" height="22" rx="4" fill="#ffffff" fill-opacity="0.9" stroke="#b3261e"/>')
    out.append(f'<text x="{lx + (5 if anchor == "start" else -5 if anchor == "end" else 0):.1f}" y="{ly:.1f}" text-anchor="{anchor}" font-size="15" font-weight="700" fill="#1a1a1a">{escape(center_name)}</text>')
    bx, by = PAD / 2, HEIGHT - PAD / 2
    out.append(f'<line x1="{bx:.1f}" y1="{by:.1f}" x2="{bx + bar_px:.1f}" y2="{by:.1f}" stroke="#1a1a1a" stroke-width="3"/>')
    out.append(f'<text x="{bx:.1f}" y="{by - 6:.1f}" font-size="13" fill="#1a1a1a">{_km_label(bar_km)}</text>')
    out.append("</svg>")
    return Markup("".join(out))
