"""Builders for insights tests: records with chosen needs in real comuni, and a scan of
written outputs for any published count under k."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

from recommender.insights.aggregate import InsightsAggregator
from recommender.insights.records import InsightRecord
from recommender.insights.tables import SPECS
from recommender.insights.territory import EVERYWHERE, Territory

DAY = date(2026, 11, 22)
# Real comuni of two provinces (ISTAT code, province, region)
TRESCORE = ("016218", "BG", "Lombardia")
CASAZZA = ("016058", "BG", "Lombardia")
ENDINE = ("016093", "BG", "Lombardia")
LOVERE = ("016128", "BG", "Lombardia")
TRADATE = ("012127", "VA", "Lombardia")
CAIRATE = ("012029", "VA", "Lombardia")
PADOVA = ("028060", "PD", "Veneto")


def record(where=TRESCORE, stated=(), hidden=(), unmet=(), household="persona sola", bands=("35-64",), unresolved=()) -> InsightRecord:
    code, province, region = where
    return InsightRecord(DAY, code, province, region, household, tuple(bands), tuple(stated), tuple(hidden), tuple(unmet), tuple(unresolved))


def counts_of(records, territory: Territory = EVERYWHERE):
    return InsightsAggregator(territory).add_all(records).counts


def published_counts(report_json: dict) -> list[tuple[str, int]]:
    """Every count an output publishes, with where it is."""
    out = []
    for name, rows in report_json["tables"].items():
        for i, row in enumerate(rows):
            for col in SPECS[name].counts:
                v = row[col]
                if isinstance(v, int) and not isinstance(v, bool):
                    out.append((f"{name}[{i}].{col}", v))
    for key in ("intakes", "unresolved_needs"):
        v = report_json["provenance"].get(key)
        if isinstance(v, int):
            out.append((f"provenance.{key}", v))
    return out


def small_counts_in_dir(out_dir: Path, k: int) -> list[str]:
    """Counts in 1..k-1 in the written JSON and CSVs, and in the HTML table and tooltips."""
    bad = [f"insights.json {w}={v}" for w, v in published_counts(json.loads((out_dir / "insights.json").read_text(encoding="utf-8"))) if 1 <= v < k]
    for name, spec in SPECS.items():
        path = out_dir / f"{name}.csv"
        for i, row in enumerate(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))):
            for col in spec.counts:
                if row[col].isdigit() and 1 <= int(row[col]) < k:
                    bad.append(f"{path.name} row {i} {col}={row[col]}")
    html = (out_dir / "gap_map.html").read_text(encoding="utf-8")
    for m in re.finditer(r"(\d+) richieste", html):
        if 1 <= int(m.group(1)) < k:
            bad.append(f"gap_map.html '{m.group(0)}'")
    for cells in re.findall(r"<tr><td>[^<]*</td>((?:<td>[^<]*</td>)+)</tr>", html):
        for v in re.findall(r"<td>(\d+)</td>", cells):
            if 1 <= int(v) < k:
                bad.append(f"gap_map.html table cell {v}")
    return bad
