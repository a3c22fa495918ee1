"""Writing a report: insights.json, one CSV per table, gap_map.png and gap_map.html.

``write_report`` checks the report with ``check_k_anonymous`` before it renders or writes
anything and renders every file in memory first, so a failed check or rendering writes
nothing; each file is then replaced atomically (temporary file, then rename), so no file is
ever left half-written.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

from recommender.gazetteer import Gazetteer
from recommender.insights.compute import InsightsReport
from recommender.insights.disclosure import check_k_anonymous
from recommender.insights.gap_map import gap_map_data, render_html, render_png
from recommender.insights.tables import SPECS

REPORT_JSON = "insights.json"
GAP_MAP_PNG = "gap_map.png"
GAP_MAP_HTML = "gap_map.html"


def table_csv(name: str, rows: list[dict]) -> str:
    """One table as CSV: the table's columns in order; suppression marks as they are, empty
    cells for values that are not published."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    columns = SPECS[name].columns
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
    return buf.getvalue()


def render_files(report: InsightsReport, gazetteer: Gazetteer | None = None) -> dict[str, bytes]:
    """Every output file, by name, after the disclosure check."""
    data = report.to_json()
    check_k_anonymous(data, report.k)
    files = {REPORT_JSON: (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")}
    for name, rows in report.tables.items():
        files[f"{name}.csv"] = table_csv(name, rows).encode("utf-8")
    gm = gap_map_data(report, gazetteer)
    files[GAP_MAP_PNG] = render_png(gm)
    files[GAP_MAP_HTML] = render_html(gm, report.provenance).encode("utf-8")
    return files


def write_report(report: InsightsReport, out_dir: Path | str, gazetteer: Gazetteer | None = None) -> list[Path]:
    """Write the report's files into ``out_dir`` (created if needed); returns their paths."""
    files = render_files(report, gazetteer)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
            os.replace(tmp, out / name)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        written.append(out / name)
    return written
