"""Merge the per-territory fixture files into data/fixtures/ and grade them.

Run: .venv/bin/python evaluation/build_fixture_collection.py SRC_DIR
SRC_DIR (evaluation/fixture_sources) holds catalogue_XX.csv, service_truth_XX.csv, intakes_XX.jsonl, labels_XX.jsonl.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date
from pathlib import Path

from recommender.catalogue import CATALOGUE_COLUMNS, OPTIONAL_CATALOGUE_COLUMNS, parse_catalogue
from recommender.paths import FIXTURES_DIR

REFERENCE_DATE = date(2026, 11, 22)


def main(src: Path, dst: Path = FIXTURES_DIR) -> None:
    from recommender.evaluation.judging import judge

    territories = sorted(p.stem.split("_")[-1] for p in src.glob("catalogue_*.csv"))
    rows, truth_rows, intakes, labels = [], [], [], []
    for t in territories:
        with open(src / f"catalogue_{t}.csv", encoding="utf-8", newline="") as fh:
            rows.extend(csv.DictReader(fh))
        with open(src / f"service_truth_{t}.csv", encoding="utf-8", newline="") as fh:
            truth_rows.extend(csv.DictReader(fh))
    for path in sorted(src.glob("intakes_*.jsonl")):
        intakes.extend(json.loads(line) for line in open(path, encoding="utf-8") if line.strip())
        labels.extend(json.loads(line) for line in open(path.with_name(path.name.replace("intakes_", "labels_")), encoding="utf-8") if line.strip())

    buf = io.StringIO()
    # the optional contact columns too, when the sources have them (the review page shows them)
    optional = [c for c in OPTIONAL_CATALOGUE_COLUMNS if rows and c in rows[0]]
    w = csv.DictWriter(buf, fieldnames=[*CATALOGUE_COLUMNS, *optional], lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    catalogue = parse_catalogue(buf.getvalue(), source="fixtures")
    dst.mkdir(parents=True, exist_ok=True)
    (dst / "catalogue.csv").write_text(buf.getvalue(), encoding="utf-8")
    with open(dst / "service_truth.csv", "w", encoding="utf-8", newline="") as fh:
        tw = csv.DictWriter(fh, fieldnames=["service_id", "true_needs", "subtype", "quality_pass"], lineterminator="\n")
        tw.writeheader()
        tw.writerows(truth_rows)
    with open(dst / "intakes.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(i, ensure_ascii=False) + "\n" for i in intakes)
    with open(dst / "labels.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(lab, ensure_ascii=False) + "\n" for lab in labels)

    truth = {r["service_id"]: {"true_needs": r["true_needs"].split(";"), "subtype": r["subtype"]} for r in truth_rows}
    qrels, forbidden = judge(catalogue, intakes, {lab["id"]: lab for lab in labels}, truth, REFERENCE_DATE)
    with open(dst / "qrels.tsv", "w", encoding="utf-8") as fh:
        fh.write("case_id\tservice_id\tgrade\n")
        for case, grades in qrels.items():
            for sid, g in sorted(grades.items(), key=lambda kv: (-kv[1], kv[0])):
                fh.write(f"{case}\t{sid}\t{g}\n")
    with open(dst / "forbidden.tsv", "w", encoding="utf-8") as fh:
        fh.write("case_id\tservice_id\treason\n")
        for case, reasons in forbidden.items():
            for sid, r in sorted(reasons.items()):
                fh.write(f"{case}\t{sid}\t{r}\n")
    (dst / "collection.json").write_text(json.dumps({"reference_date": REFERENCE_DATE.isoformat(), "territories": territories}, indent=2) + "\n", encoding="utf-8")
    print(f"{len(catalogue)} services, {len(intakes)} intakes, {sum(len(g) for g in qrels.values())} graded pairs, {sum(len(f) for f in forbidden.values())} forbidden pairs")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else FIXTURES_DIR)
