"""A judged test collection on disk (the format of ``shared/eval-sample``).

Files: catalogue.csv and intakes.jsonl (engine input); labels.jsonl, qrels.tsv,
forbidden.tsv and service_truth.csv (judgments, never shown to the engine).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from recommender.errors import InputError, Issue

_REF_DATE = re.compile(r"reference[ _]date[^0-9]{0,20}(\d{4}-\d{2}-\d{2})", re.IGNORECASE)


@dataclass
class Collection:
    root: Path
    labels: dict[str, dict]
    qrels: dict[str, dict[str, int]]
    forbidden: dict[str, dict[str, str]]
    service_truth: dict[str, dict]
    reference_date: date | None

    @property
    def catalogue_path(self) -> Path:
        return self.root / "catalogue.csv"

    @property
    def intakes_path(self) -> Path:
        return self.root / "intakes.jsonl"

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for name in ("catalogue.csv", "intakes.jsonl", "labels.jsonl", "qrels.tsv", "forbidden.tsv"):
            p = self.root / name
            if p.exists():
                h.update(name.encode())
                h.update(p.read_bytes())
        return h.hexdigest()[:16]


def _read_tsv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def reference_date_of(root: Path) -> date | None:
    meta = root / "collection.json"
    if meta.exists():
        d = json.loads(meta.read_text(encoding="utf-8")).get("reference_date")
        if d:
            return date.fromisoformat(d)
    readme = root / "README.md"
    if readme.exists():
        m = _REF_DATE.search(readme.read_text(encoding="utf-8"))
        if m:
            return date.fromisoformat(m.group(1))
    return None


def load_collection(root: Path | str) -> Collection:
    root = Path(root)
    missing = [n for n in ("catalogue.csv", "intakes.jsonl", "labels.jsonl") if not (root / n).exists()]
    if missing:
        raise InputError([Issue(f"missing file {n}") for n in missing], source=str(root))
    labels = {}
    with open(root / "labels.jsonl", encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(Issue(f"malformed JSON: {exc.msg}", line=n), source=str(root / "labels.jsonl")) from exc
                labels[obj["id"]] = obj
    qrels: dict[str, dict[str, int]] = {}
    for r in _read_tsv(root / "qrels.tsv"):
        qrels.setdefault(r["case_id"], {})[r["service_id"]] = int(r["grade"])
    forbidden: dict[str, dict[str, str]] = {}
    for r in _read_tsv(root / "forbidden.tsv"):
        forbidden.setdefault(r["case_id"], {})[r["service_id"]] = r["reason"]
    truth = {}
    if (root / "service_truth.csv").exists():
        with open(root / "service_truth.csv", encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                truth[r["service_id"]] = {
                    "true_needs": [x for x in r["true_needs"].split(";") if x],
                    "subtype": r.get("subtype", ""),
                    "quality_pass": r.get("quality_pass", "").lower() == "true",
                }
    return Collection(root, labels, qrels, forbidden, truth, reference_date_of(root))
