"""The gap map: comuni as points sized by demand and coloured by unmet share, as a PNG
and as a self-contained HTML page (inline SVG, no script, no tiles, nothing fetched).

It is drawn from a finished, checked report only (the territory table's pooled rows), so
it can show nothing the report does not publish: comuni merged into "altri comuni (PROV)"
are not drawn (they have no single place) and are listed under the map with the group's
figures; a comune whose unmet count is suppressed is drawn in grey, marked "<k" or "c".
The comuni of the territory without data are drawn as small dots, for orientation.
"""

from __future__ import annotations

import html
import io
import math
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # headless: no display is ever needed

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import Normalize, to_hex  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from recommender.gazetteer import Gazetteer, default_gazetteer  # noqa: E402
from recommender.insights.tables import ALL_NEEDS  # noqa: E402

COLORMAP = "YlOrRd"
SUPPRESSED_COLOUR = "#b8b8b8"
SHARE_STEPS = (0.05, 0.1, 0.2, 0.3, 0.5, 1.0)
MAX_LABELS = 15


@dataclass(frozen=True)
class GapPoint:
    istat: str
    name: str
    province: str
    lat: float
    lon: float
    intakes: int
    detected: int | str
    unmet: int | str
    share: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class GapMap:
    title: str
    points: list[GapPoint]  # comuni shown on their own
    groups: list[dict]  # rows that are not a place: "altri comuni (PROV)", provinces, total
    background: list[tuple[float, float]]  # (lat, lon) of the territory's comuni
    share_max: float
    k: int
    statements: list[str]


def _share_text(share: float | None, low: float | None, high: float | None, unmet: int | str) -> str:
    if share is None:
        return f"non pubblicata ({unmet})"
    return f"{share:.1%} (IC 95% {low:.1%}-{high:.1%})".replace(".", ",")


def gap_map_data(report, gazetteer: Gazetteer | None = None) -> GapMap:
    """What the maps draw, from a report's pooled territory rows."""
    gaz = gazetteer or default_gazetteer()
    rows = [r for r in report.tables.get("territory", []) if r["need"] == ALL_NEEDS]
    points, groups = [], []
    for r in rows:
        comune = gaz.get(r["area"]) if r["level"] == "comune" else None
        if comune is None:
            groups.append(r)
            continue
        points.append(GapPoint(
            comune.istat_code, comune.name, comune.province_abbr, comune.lat, comune.lon, r["intakes"], r["detected"], r["unmet"],
            r["unmet_share"], r["unmet_share_ci_low"], r["unmet_share_ci_high"],
        ))
    codes = {r["area"] for r in report.tables.get("supply", [])}
    if not codes:  # no catalogue: orient with the comuni of the provinces shown
        provinces = {r["province"] for r in rows if r["province"]}
        codes = {c.istat_code for c in gaz.by_code.values() if c.province_abbr in provinces}
    background = [(gaz.by_code[c].lat, gaz.by_code[c].lon) for c in sorted(codes)]
    observed = max((p.share for p in points if p.share is not None), default=0.0)
    share_max = next(s for s in SHARE_STEPS if s >= observed)
    territory = (report.provenance.get("territory") or {}).get("label") or "tutti i territori"
    return GapMap(f"Bisogni non coperti: {territory}", points, groups, background, share_max, report.k, list(report.disclosure.get("statements", [])))


def _colour(share: float | None, share_max: float) -> str:
    if share is None:
        return SUPPRESSED_COLOUR
    return to_hex(matplotlib.colormaps[COLORMAP](Normalize(0, share_max, clip=True)(share)))


def _radius(intakes: int, biggest: int, n_points: int = 1, r_min: float = 3.0) -> float:
    """Area proportional to demand (the eye compares areas, not radii); the largest circle
    shrinks as comuni multiply, so a whole province stays readable."""
    r_max = min(22.0, max(7.0, 22.0 * math.sqrt(30 / max(n_points, 1))))
    return r_min + (r_max - r_min) * math.sqrt(min(intakes, biggest) / biggest) if biggest else r_min


def _size_keys(biggest: int, k: int) -> list[int]:
    """Reference sizes for the legend: the largest demand and a quarter of it, never under
    k (a legend reading "3 richieste" would look like a published small count)."""
    quarter = max(k, int(round(biggest / 4, -1)) or biggest // 4)
    return sorted({max(biggest, k), quarter} if quarter < biggest else {max(biggest, k)}, reverse=True)


def _labelled(points: list[GapPoint]) -> set[str]:
    return {p.istat for p in sorted(points, key=lambda p: (-p.intakes, p.name))[:MAX_LABELS]}


def _unplaced(gm: GapMap) -> list[str]:
    """What the map cannot draw: merged comuni, and provinces with no comune shown."""
    drawn = {p.province for p in gm.points}
    grouped = {g["province"] for g in gm.groups if g["level"] == "comune"}
    out = [f"{g['name']}: {g['intakes']} richieste" for g in gm.groups if g["level"] == "comune"]
    out += [
        f"{g['name']}: {g['intakes']} richieste, nessun comune con almeno {gm.k}"
        for g in gm.groups
        if g["level"] == "provincia" and g["province"] and g["province"] not in drawn | grouped
    ]
    return out


def render_png(gm: GapMap, dpi: int = 130) -> bytes:
    lats = [p[0] for p in gm.background] + [p.lat for p in gm.points]
    lons = [p[1] for p in gm.background] + [p.lon for p in gm.points]
    mean_lat = sum(lats) / len(lats) if lats else 45.0
    # The figure takes the territory's shape, so the map fills it whatever the territory.
    span_x = (max(lons) - min(lons)) * math.cos(math.radians(mean_lat)) if lons else 1.0
    span_y = (max(lats) - min(lats)) if lats else 1.0
    height = min(max(10 * span_y / max(span_x, 1e-3), 3.5), 11.0) + 2.2
    fig = Figure(figsize=(11, height), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    if gm.background:
        ax.scatter([b[1] for b in gm.background], [b[0] for b in gm.background], s=3, c="#d9d9d9", linewidths=0, zorder=1)
    biggest = max((p.intakes for p in gm.points), default=0)
    order = sorted(gm.points, key=lambda p: -p.intakes)  # small circles on top of big ones
    ax.scatter(
        [p.lon for p in order], [p.lat for p in order], s=[(_radius(p.intakes, biggest, len(order)) * 1.3) ** 2 for p in order],
        c=[_colour(p.share, gm.share_max) for p in order], edgecolors="#404040", linewidths=0.6, alpha=0.9, zorder=2,
    )
    labelled = _labelled(gm.points)
    for p in gm.points:
        if p.istat in labelled:
            ax.annotate(p.name, (p.lon, p.lat), xytext=(5, 5), textcoords="offset points", fontsize=7, color="#202020", zorder=3)
    ax.set_aspect(1 / math.cos(math.radians(mean_lat)))
    ax.set_xlabel("longitudine")
    ax.set_ylabel("latitudine")
    ax.set_title(gm.title, fontsize=12)
    mappable = matplotlib.cm.ScalarMappable(norm=Normalize(0, gm.share_max), cmap=COLORMAP)
    bar = fig.colorbar(mappable, ax=ax, fraction=0.03, pad=0.02, shrink=0.85, format=lambda x, _: f"{x:.0%}")
    bar.set_label("bisogni senza servizio idoneo raggiungibile", fontsize=8)
    for n in _size_keys(biggest, gm.k):
        ax.scatter([], [], s=(_radius(n, biggest, len(gm.points)) * 1.3) ** 2, c="white", edgecolors="#404040", label=f"{n} richieste")
    ax.scatter([], [], s=40, c=SUPPRESSED_COLOUR, edgecolors="#404040", label=f"quota non pubblicata (<{gm.k} o c)")
    ax.scatter([], [], s=4, c="#d9d9d9", label="altri comuni del territorio")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=4, fontsize=7, frameon=False, borderaxespad=1.5)
    foot = [f"k = {gm.k}: i comuni con meno di {gm.k} richieste sono riuniti e non disegnati"] + _unplaced(gm)
    fig.text(0.01, 0.005, "\n".join(foot), fontsize=7, color="#404040", va="bottom")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem;color:#1a1a1a;max-width:70rem}
h1{font-size:1.4rem} h2{font-size:1.1rem;margin-top:1.5rem}
svg{width:100%;height:auto;border:1px solid #ccc;background:#fcfcfc}
.bg{fill:#d9d9d9} .pt{stroke:#404040;stroke-width:.8;fill-opacity:.9} .lbl{font-size:10px;fill:#202020}
.legend text{font-size:11px;fill:#202020}
table{border-collapse:collapse;margin-top:1rem;font-size:.9rem} caption{text-align:left;font-weight:600;margin-bottom:.3rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:right} th:first-child,td:first-child{text-align:left}
.note{color:#444;font-size:.9rem}
"""


def render_html(gm: GapMap, provenance: dict | None = None, width: int = 900, height: int = 640) -> str:
    """One HTML file: the map as inline SVG (tooltips in ``<title>``), its legend, the
    disclosure statements and an accessible table of the same figures."""
    esc = html.escape
    pad, legend_w = 30, 190
    pts = [(b[0], b[1]) for b in gm.background] + [(p.lat, p.lon) for p in gm.points]
    lat_min = min((p[0] for p in pts), default=44.0)
    lat_max = max((p[0] for p in pts), default=46.0)
    lon_min = min((p[1] for p in pts), default=8.0)
    lon_max = max((p[1] for p in pts), default=12.0)
    kx = math.cos(math.radians((lat_min + lat_max) / 2))
    span_x, span_y = max((lon_max - lon_min) * kx, 1e-3), max(lat_max - lat_min, 1e-3)
    scale = min((width - legend_w - 2 * pad) / span_x, (height - 2 * pad) / span_y)

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return pad + (lon - lon_min) * kx * scale, pad + (lat_max - lat) * scale

    out = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="map-title map-desc">',
           f'<title id="map-title">{esc(gm.title)}</title>',
           f'<desc id="map-desc">Cerchi: comuni con almeno {gm.k} richieste, area proporzionale alle richieste, colore secondo la quota '
           f'di bisogni senza servizio idoneo raggiungibile; grigio: quota non pubblicata. Punti piccoli: gli altri comuni del territorio.</desc>',
           '<g class="background">']
    for lat, lon in gm.background:
        x, y = xy(lat, lon)
        out.append(f'<circle class="bg" cx="{x:.1f}" cy="{y:.1f}" r="1.4"/>')
    out.append('</g><g class="points">')
    biggest = max((p.intakes for p in gm.points), default=0)
    labelled = _labelled(gm.points)
    for p in sorted(gm.points, key=lambda p: -p.intakes):
        x, y = xy(p.lat, p.lon)
        tip = f"{p.name} ({p.province}): {p.intakes} richieste; bisogni non coperti {_share_text(p.share, p.ci_low, p.ci_high, p.unmet)}"
        out.append(f'<circle class="pt" cx="{x:.1f}" cy="{y:.1f}" r="{_radius(p.intakes, biggest, len(gm.points)):.1f}" fill="{_colour(p.share, gm.share_max)}">'
                   f'<title>{esc(tip)}</title></circle>')
    out.append('</g><g class="labels">')
    for p in gm.points:
        if p.istat in labelled:
            x, y = xy(p.lat, p.lon)
            out.append(f'<text class="lbl" x="{x + 6:.1f}" y="{y - 6:.1f}">{esc(p.name)}</text>')
    lx = width - legend_w + 10
    out.append(f'</g><g class="legend"><text x="{lx}" y="40">Bisogni non coperti</text>')
    steps = 5
    for i in range(steps + 1):
        share = gm.share_max * (steps - i) / steps
        y = 52 + i * 22
        out.append(f'<rect x="{lx}" y="{y}" width="18" height="20" fill="{_colour(share, gm.share_max)}"/>'
                   f'<text x="{lx + 26}" y="{y + 14}">{share:.0%}</text>')
    y = 52 + (steps + 1) * 22 + 10
    out.append(f'<circle cx="{lx + 9}" cy="{y + 8}" r="8" fill="{SUPPRESSED_COLOUR}" stroke="#404040"/>'
               f'<text x="{lx + 26}" y="{y + 12}">non pubblicata (&lt;{gm.k} o c)</text>')
    y += 40
    out.append(f'<text x="{lx}" y="{y}">Richieste</text>')
    for n in _size_keys(biggest, gm.k):
        r = _radius(n, biggest, len(gm.points))
        y += 2 * r + 8
        out.append(f'<circle cx="{lx + 22}" cy="{y - r:.1f}" r="{r:.1f}" fill="none" stroke="#404040"/><text x="{lx + 50}" y="{y - r + 4:.1f}">{n}</text>')
    out.append("</g></svg>")

    prov = provenance or {}
    period = prov.get("period") or {}
    facts = [f"k = {gm.k}", f"richieste: {prov.get('intakes', '')}"]
    if period.get("from") or period.get("to"):
        facts.append(f"periodo: {period.get('from') or '…'} – {period.get('to') or '…'}")
    if prov.get("as_of"):
        facts.append(f"data di riferimento: {prov['as_of']}")
    rows = [
        f"<tr><td>{esc(p.name)} ({esc(p.province)})</td><td>{p.intakes}</td><td>{esc(str(p.detected))}</td><td>{esc(str(p.unmet))}</td>"
        f"<td>{esc(_share_text(p.share, p.ci_low, p.ci_high, p.unmet))}</td></tr>"
        for p in sorted(gm.points, key=lambda p: (p.province, p.name))
    ]
    rows += [
        f"<tr><td>{esc(g['name'])} (non sulla mappa)</td><td>{esc(str(g['intakes']))}</td><td>{esc(str(g['detected']))}</td>"
        f"<td>{esc(str(g['unmet']))}</td><td>{esc(_share_text(g['unmet_share'], g['unmet_share_ci_low'], g['unmet_share_ci_high'], g['unmet']))}</td></tr>"
        for g in gm.groups
    ]
    statements = "".join(f"<li>{esc(s)}</li>" for s in gm.statements)
    return f"""<!doctype html>
<html lang="it">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(gm.title)}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>{esc(gm.title)}</h1>
<p class="note">{esc(" · ".join(facts))}. Quota di bisogni non coperti: coppie (richiesta, bisogno) per cui il motore non ha trovato alcun
servizio idoneo, di qualità verificata e raggiungibile, sul totale dei bisogni rilevati. Passare sopra un cerchio per i valori.</p>
<figure>
{"".join(out)}
<figcaption class="note">Comuni con meno di {gm.k} richieste: riuniti in "altri comuni (provincia)", non disegnati, elencati nella tabella.</figcaption>
</figure>
<h2>Riservatezza</h2>
<ul class="note"><li>Soglia k = {gm.k}: nessun conteggio tra 1 e {gm.k - 1} è pubblicato ('&lt;{gm.k}'); 'c' indica un valore soppresso perché non si possa ricavare per differenza.</li>{statements}</ul>
<table>
<caption>Richieste e bisogni non coperti per comune (dati della mappa)</caption>
<thead><tr><th scope="col">comune</th><th scope="col">richieste</th><th scope="col">bisogni rilevati</th><th scope="col">bisogni non coperti</th><th scope="col">quota (IC 95%)</th></tr></thead>
<tbody>
{"".join(rows)}
</tbody>
</table>
</main>
</body>
</html>
"""
