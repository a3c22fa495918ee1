"""Writing a report: the files, the CSVs as the JSON, and the check before anything is written."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest

from recommender.insights.disclosure import DisclosureError
from recommender.insights.report import table_csv, write_report
from recommender.insights.tables import SPECS
from tests.insights.helpers import small_counts_in_dir

FILES = {"insights.json", "territory.csv", "household_type.csv", "age_band.csv", "cooccurrence.csv", "supply.csv", "gap_map.png", "gap_map.html"}


def test_write_report_writes_every_file_and_no_count_under_k(fixture_report_k5, tmp_path):
    paths = write_report(fixture_report_k5, tmp_path / "out")
    assert {p.name for p in paths} == FILES == {p.name for p in (tmp_path / "out").iterdir()}
    assert small_counts_in_dir(tmp_path / "out", 5) == []
    data = json.loads((tmp_path / "out" / "insights.json").read_text(encoding="utf-8"))
    assert data["schema"] == "welfare-match/insights/1" and data["provenance"]["k"] == 5
    assert data["tables"] == fixture_report_k5.tables


def test_csv_rows_are_the_json_rows(fixture_report_k5):
    for name, rows in fixture_report_k5.tables.items():
        parsed = list(csv.DictReader(io.StringIO(table_csv(name, rows))))
        assert len(parsed) == len(rows)
        assert list(parsed[0]) == list(SPECS[name].columns) if parsed else True
        for got, row in zip(parsed, rows):
            assert got == {c: "" if row[c] is None else str(row[c]) for c in SPECS[name].columns}


def test_a_report_that_fails_the_check_writes_nothing(fixture_report_k5, tmp_path):
    tables = json.loads(json.dumps(fixture_report_k5.tables))
    row = next(r for r in tables["territory"] if r["hidden"] == "<5")
    row["hidden"] = 2
    bad = dataclasses.replace(fixture_report_k5, tables=tables)
    with pytest.raises(DisclosureError):
        write_report(bad, tmp_path / "out")
    assert not (tmp_path / "out").exists()
