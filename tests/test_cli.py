"""Command line: `recommender match` and `evaluate`, exit code 2 for bad input, atomic output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from recommender.cli import main
from tests.helpers import LOVERE, RESULT_KEYS, SMALL_SERVICES, TRESCORE, catalogue_csv, write_jsonl

AS_OF = "2026-11-22"
GOOD_INTAKES: list[dict[str, Any]] = [
    {"id": "A", "comune": TRESCORE, "notes": "Sig.ra 32 aa, figlia di 1 anno: cerca un asilo nido.", "household": [{"relation": "self", "age": 32}, {"relation": "child", "age": 1}]},
    {"id": "B", "comune": "casazza", "notes": "", "stated_needs": ["employment"]},
    {"id": "C", "comune": "Lovere", "notes": "La madre, 86 anni, non è più autosufficiente.", "isee": 14000, "funding": ["municipal_voucher"], "max_distance_km": 10},
]
FIXTURES = Path(__file__).resolve().parent.parent / "data" / "fixtures"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def match_args(catalogue: Path, intakes: Path, output: Path, *extra: str) -> list[str]:
    return ["match", "--catalogue", str(catalogue), "--input", str(intakes), "--output", str(output), "--as-of", AS_OF, "--encoder", "none", *extra]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def intakes(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "intakes.jsonl", GOOD_INTAKES)


# --- match ----------------------------------------------------------------------------------


def test_match_writes_one_line_per_intake(capsys: pytest.CaptureFixture[str], small_catalogue_path: Path, intakes: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "results.jsonl"
    code, stdout, stderr = run(capsys, *match_args(small_catalogue_path, intakes, out))
    assert code == 0, stderr
    lines = read_jsonl(out)
    assert [line["id"] for line in lines] == ["A", "B", "C"]
    for line in lines:
        assert set(line) == {"id", "needs", "results"}
        assert all(set(r) == RESULT_KEYS for r in line["results"])
    assert lines[0]["results"][0]["service_id"] == "NIDO-TRESCORE"
    assert [r["service_id"] for r in lines[1]["results"]] == ["LAVORO"]
    assert "3 intakes matched" in stderr and "as of 2026-11-22" in stderr
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]


def test_ambiguous_comune_is_settled_by_the_catalogue_provinces(capsys: pytest.CaptureFixture[str], small_catalogue_path: Path, tmp_path: Path) -> None:
    intakes = write_jsonl(tmp_path / "castro.jsonl", [{"id": "K", "comune": "Castro", "notes": "Cerca lavoro."}])
    out = tmp_path / "results.jsonl"
    code, _, stderr = run(capsys, *match_args(small_catalogue_path, intakes, out))
    assert code == 0, stderr  # Castro (BG), not Castro (LE): the catalogue serves Bergamo
    assert read_jsonl(out)[0]["id"] == "K"


def test_match_top_k(capsys: pytest.CaptureFixture[str], small_catalogue_path: Path, intakes: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    assert run(capsys, *match_args(small_catalogue_path, intakes, out, "--top-k", "1"))[0] == 0
    assert all(len(line["results"]) <= 1 for line in read_jsonl(out))


def test_match_as_of_changes_the_quality_outcome(capsys: pytest.CaptureFixture[str], small_catalogue_path: Path, intakes: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    args = match_args(small_catalogue_path, intakes, out)
    args[args.index("--as-of") + 1] = "2030-01-01"  # every verification has expired
    assert run(capsys, *args)[0] == 0
    assert all(line["results"] == [] for line in read_jsonl(out))


def test_match_on_the_bundled_fixtures(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    code, _, stderr = run(capsys, *match_args(FIXTURES / "catalogue.csv", FIXTURES / "intakes.jsonl", out))
    assert code == 0, stderr
    assert len(read_jsonl(out)) == 122


BAD_LINES: list[tuple[str, dict[str, Any] | str, str]] = [
    ("malformed_json", '{"id": "X", "comune": "016218", "notes": "ciao"', "malformed JSON"),
    ("unknown_comune", {"id": "X", "comune": "Trescore Balneari"}, "unknown comune 'Trescore Balneari'; did you mean: Trescore Balneario"),
    ("unknown_need", {"id": "X", "comune": TRESCORE, "stated_needs": ["babysitting"]}, "field 'stated_needs': unknown need code(s) 'babysitting'"),
    ("negative_age", {"id": "X", "comune": TRESCORE, "household": [{"relation": "self", "age": -4}]}, "field 'household[0].age'"),
    ("isee_as_text", {"id": "X", "comune": TRESCORE, "isee": "7.800"}, "field 'isee'"),
    ("not_an_object", '["X", "016218"]', "expected a JSON object"),
]


def write_with_bad_line(path: Path, bad: dict[str, Any] | str) -> Path:
    """Good intake on line 1, the bad one on line 2, another good one on line 3."""
    bad_text = bad if isinstance(bad, str) else json.dumps(bad, ensure_ascii=False)
    lines = [json.dumps(GOOD_INTAKES[0]), bad_text, json.dumps(GOOD_INTAKES[1])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("case", "bad", "message"), BAD_LINES, ids=[b[0] for b in BAD_LINES])
def test_bad_intake_line_exits_2_names_the_line_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], small_catalogue_path: Path, tmp_path: Path, case: str, bad: dict[str, Any] | str, message: str
) -> None:
    intakes = write_with_bad_line(tmp_path / f"{case}.jsonl", bad)
    out = tmp_path / "results.jsonl"
    code, stdout, stderr = run(capsys, *match_args(small_catalogue_path, intakes, out))
    assert code == 2
    assert stderr.startswith("error: ")
    assert str(intakes) in stderr and "line 2" in stderr
    assert message in stderr
    assert "line 1" not in stderr and "line 3" not in stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [intakes]  # no temporary file left either


def test_bad_input_does_not_clobber_an_existing_output(capsys: pytest.CaptureFixture[str], small_catalogue_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    out.write_text("previous results\n", encoding="utf-8")
    intakes = write_with_bad_line(tmp_path / "bad.jsonl", {"id": "X", "comune": "Atlantide"})
    assert run(capsys, *match_args(small_catalogue_path, intakes, out))[0] == 2
    assert out.read_text(encoding="utf-8") == "previous results\n"


def test_every_bad_line_is_listed(capsys: pytest.CaptureFixture[str], small_catalogue_path: Path, tmp_path: Path) -> None:
    intakes = tmp_path / "intakes.jsonl"
    intakes.write_text('{"id": "X"\n{"id": "Y", "comune": "016218"}\n{"id": "Z", "comune": "016218", "isee": "molto"}\n', encoding="utf-8")
    code, _, stderr = run(capsys, *match_args(small_catalogue_path, intakes, tmp_path / "out.jsonl"))
    assert code == 2
    assert "2 problems" in stderr and "line 1" in stderr and "line 3, field 'isee'" in stderr


def test_skip_invalid_keeps_going_and_reports_skipped_lines(capsys: pytest.CaptureFixture[str], small_catalogue_path: Path, tmp_path: Path) -> None:
    intakes = write_with_bad_line(tmp_path / "mixed.jsonl", {"id": "X", "comune": TRESCORE, "household": [{"relation": "self", "age": -4}]})
    out = tmp_path / "results.jsonl"
    code, _, stderr = run(capsys, *match_args(small_catalogue_path, intakes, out, "--skip-invalid"))
    assert code == 0
    assert [line["id"] for line in read_jsonl(out)] == ["A", "B"]
    assert "skipped 1 invalid line(s)" in stderr
    assert "line 2, field 'household[0].age'" in stderr


@pytest.mark.parametrize(
    ("rows_or_text", "message"),
    [
        ("", "the catalogue is empty"),
        (catalogue_csv([]), "no services"),
        (catalogue_csv([*SMALL_SERVICES[:3], {**SMALL_SERVICES[3], "comune_istat": "999999"}]), "line 5, field 'comune_istat': unknown ISTAT code '999999'"),
        (catalogue_csv([SMALL_SERVICES[0], {**SMALL_SERVICES[1], "lat": "45.7"}, {**SMALL_SERVICES[2], "accredited": "forse"}]),
         "line 3, field 'lon'"),
    ],
    ids=["empty", "header_only", "unknown_istat", "two_bad_rows"],
)
def test_bad_catalogue_exits_2_and_writes_nothing(capsys: pytest.CaptureFixture[str], intakes: Path, tmp_path: Path, rows_or_text: str, message: str) -> None:
    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text(rows_or_text, encoding="utf-8")
    out = tmp_path / "results.jsonl"
    code, _, stderr = run(capsys, *match_args(catalogue, intakes, out))
    assert code == 2
    assert str(catalogue) in stderr and message in stderr
    assert not out.exists()


def test_catalogue_errors_list_every_bad_row(capsys: pytest.CaptureFixture[str], intakes: Path, tmp_path: Path) -> None:
    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text(catalogue_csv([SMALL_SERVICES[0], {**SMALL_SERVICES[1], "needs": "cura"}, {**SMALL_SERVICES[2], "accredited": "forse"}]), encoding="utf-8")
    code, _, stderr = run(capsys, *match_args(catalogue, intakes, tmp_path / "out.jsonl"))
    assert code == 2
    assert "line 3, field 'needs'" in stderr and "line 4, field 'accredited'" in stderr


@pytest.mark.parametrize("missing", ["catalogue", "input"])
def test_missing_files_exit_2(capsys: pytest.CaptureFixture[str], small_catalogue_path: Path, intakes: Path, tmp_path: Path, missing: str) -> None:
    catalogue = tmp_path / "nope.csv" if missing == "catalogue" else small_catalogue_path
    source = tmp_path / "nope.jsonl" if missing == "input" else intakes
    code, _, stderr = run(capsys, *match_args(catalogue, source, tmp_path / "out.jsonl"))
    assert code == 2 and "nope" in stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_non_utf8_intakes_exit_2(capsys: pytest.CaptureFixture[str], small_catalogue_path: Path, tmp_path: Path) -> None:
    intakes = tmp_path / "latin1.jsonl"
    intakes.write_bytes(json.dumps(GOOD_INTAKES[0]).encode() + b"\n" + '{"id": "X", "comune": "016218", "notes": "caffè"}\n'.encode("latin-1"))
    code, _, stderr = run(capsys, *match_args(small_catalogue_path, intakes, tmp_path / "out.jsonl"))
    assert code == 2 and "line 2" in stderr


@pytest.mark.parametrize("arg", [["--top-k", "0"], ["--top-k", "dieci"], ["--as-of", "22/11/2026"]])
def test_bad_options_exit_2(capsys: pytest.CaptureFixture[str], small_catalogue_path: Path, intakes: Path, tmp_path: Path, arg: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(match_args(small_catalogue_path, intakes, tmp_path / "out.jsonl", *arg))
    assert exit_info.value.code == 2
    assert not (tmp_path / "out.jsonl").exists()


# --- evaluate ----------------------------------------------------------------------------------


def test_evaluate_prints_engine_and_baseline_columns_and_logs_to_mlflow(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from recommender.tracking import load_artifact, search_runs

    report = tmp_path / "metrics.json"
    code, stdout, stderr = run(capsys, "evaluate", str(FIXTURES), "--encoder", "none", "--json", str(report))
    assert code == 0, stderr
    assert "reference date 2026-11-22" in stderr and "122 intakes" in stderr
    header = next(line for line in stdout.splitlines() if line.startswith("metric"))
    assert header.split() == ["metric", "full", "bm25_baseline"]
    for metric in ("need_f1", "ndcg@10", "recall@10", "need_coverage@5", "violations@10"):
        row = next(line for line in stdout.splitlines() if line.startswith(metric + " "))
        assert len(row.split()) == 3
    assert "| bm25_baseline |" in stdout  # the comparison table with its paired tests
    data = json.loads(report.read_text(encoding="utf-8"))
    assert {"full", "bm25_baseline", "comparisons"} <= set(data)
    assert len(data["full"]["per_case"]) == 122

    runs = search_runs()
    parent = runs[runs["tags.kind"] == "evaluation"]
    assert len(parent) == 1 and parent.iloc[0]["run_id"] in stderr
    children = runs[runs["tags.mlflow.parentRunId"] == parent.iloc[0]["run_id"]]
    assert sorted(children["tags.variant"]) == ["bm25_baseline", "full"]
    full = children[children["tags.variant"] == "full"].iloc[0]
    assert full["metrics.ndcg_at_10"] == pytest.approx(data["full"]["metrics"]["ndcg@10"])
    assert full["params.encoder"] == "null" and full["tags.collection"] == "fixtures"
    assert len(load_artifact(full["run_id"], "per_case.jsonl")) == 122


def test_evaluate_no_track_logs_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    from recommender.tracking import search_runs

    code, stdout, stderr = run(capsys, "evaluate", str(FIXTURES), "--encoder", "none", "--variants", "full,no_hidden_needs", "--no-track")
    assert code == 0, stderr
    assert "| no_hidden_needs |" in stdout and "MLflow run" not in stderr
    assert search_runs().empty


def test_evaluate_unknown_variant_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, stderr = run(capsys, "evaluate", str(FIXTURES), "--encoder", "none", "--variants", "full,no_such_thing")
    assert code == 2 and "no_such_thing" in stderr and "lexical_only" in stderr


def test_evaluate_missing_collection_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, stderr = run(capsys, "evaluate", str(tmp_path), "--encoder", "none")
    assert code == 2 and "missing file catalogue.csv" in stderr


# --- the installed entry point ---------------------------------------------------------------


def test_recommender_entry_point_smoke(small_catalogue_path: Path, intakes: Path, tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("recommender")
    assert exe.exists(), "the `recommender` console script is installed with the package"
    out = tmp_path / "results.jsonl"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    ok = subprocess.run([str(exe), *match_args(small_catalogue_path, intakes, out)], capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert len(read_jsonl(out)) == len(GOOD_INTAKES)
    bad = write_with_bad_line(tmp_path / "bad.jsonl", {"id": "X", "comune": LOVERE, "isee": "tanti"})
    failed = subprocess.run([str(exe), *match_args(small_catalogue_path, bad, tmp_path / "other.jsonl")], capture_output=True, text=True, env=env, timeout=120)
    assert failed.returncode == 2
    assert "line 2, field 'isee'" in failed.stderr
    assert not (tmp_path / "other.jsonl").exists()
