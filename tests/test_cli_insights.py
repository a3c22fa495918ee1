"""`recommender insights` end to end on the bundled fixtures (no count under k in any output),
its three sources agreeing, its bad input (exit 2, nothing written), and `match --workers`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recommender.cli import main
from recommender.paths import FIXTURES_DIR
from tests.helpers import write_jsonl
from tests.insights.helpers import small_counts_in_dir

INTAKES = str(FIXTURES_DIR / "intakes.jsonl")
CATALOGUE = str(FIXTURES_DIR / "catalogue.csv")
AS_OF = "2026-11-22"
COMMON = ("--as-of", AS_OF, "--encoder", "none")
FILES = {"insights.json", "territory.csv", "household_type.csv", "age_band.csv", "cooccurrence.csv", "supply.csv", "gap_map.png", "gap_map.html"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def report(out: Path) -> dict:
    return json.loads((out / "insights.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fixtures_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("insights") / "out"
    assert main(["insights", "--intakes", INTAKES, "--catalogue", CATALOGUE, "--output", str(out), *COMMON]) == 0
    return out


def test_the_fixtures_give_every_output_and_no_count_under_k(fixtures_report: Path):
    assert {p.name for p in fixtures_report.iterdir()} == FILES
    assert small_counts_in_dir(fixtures_report, 10) == []
    data = report(fixtures_report)
    assert data["provenance"]["intakes"] == 122 and data["provenance"]["k"] == 10 and data["provenance"]["source"] == "intakes"
    assert data["provenance"]["catalogue"] == {"name": "catalogue.csv", "services": 320, "version": None}
    # The suppression is stated, with its reasons.
    d = data["disclosure"]
    assert d["k"] == 10 and d["cells"]["below_k"] > 0 and d["rules"]
    assert {"group": "altri comuni (PD)", "level": "comune", "units": 13} in d["merged"]
    text = json.dumps(data, ensure_ascii=False)
    for intake in map(json.loads, Path(INTAKES).read_text(encoding="utf-8").splitlines()):
        assert intake["id"] not in text  # no identifier...
        assert not intake["notes"] or intake["notes"][:40] not in text  # ... and no notes


def test_the_output_lists_the_supply_of_the_bundled_territories(fixtures_report: Path):
    supply = report(fixtures_report)["tables"]["supply"]
    assert {r["province"] for r in supply} == {"BG", "VA", "PD"}
    trescore = {r["need"]: r for r in supply if r["area"] == "016218"}
    assert trescore["elderly_care"]["services"] > 0 and trescore["elderly_care"]["population"] > 5000
    assert trescore["elderly_care"]["supply_per_10k"] == round(trescore["elderly_care"]["services"] / trescore["elderly_care"]["population"] * 1e4, 2)


def test_results_file_and_workers_give_the_same_tables(fixtures_report: Path, tmp_path: Path, capsys):
    results = tmp_path / "results.jsonl"
    code, _, err = run(capsys, "match", "--catalogue", CATALOGUE, "--input", INTAKES, "--output", str(results), "--top-k", "12", "--workers", "2", *COMMON)
    assert code == 0, err
    assert "2 worker processes" in err
    single = tmp_path / "single.jsonl"
    assert main(["match", "--catalogue", CATALOGUE, "--input", INTAKES, "--output", str(single), "--top-k", "12", *COMMON]) == 0
    assert results.read_text(encoding="utf-8") == single.read_text(encoding="utf-8")  # same lines, same order

    code, _, err = run(capsys, "insights", "--intakes", INTAKES, "--catalogue", CATALOGUE, "--results", str(results), "--top-k", "12", "--output", str(tmp_path / "r"), *COMMON)
    assert code == 0, err
    code, _, err = run(capsys, "insights", "--intakes", INTAKES, "--catalogue", CATALOGUE, "--workers", "2", "--output", str(tmp_path / "w"), *COMMON)
    assert code == 0, err
    expected = report(fixtures_report)["tables"]
    assert report(tmp_path / "r")["tables"] == expected and report(tmp_path / "w")["tables"] == expected
    assert report(tmp_path / "r")["provenance"]["source"] == "results"


def test_territory_and_k(tmp_path: Path, capsys):
    code, _, err = run(capsys, "insights", "--intakes", INTAKES, "--catalogue", CATALOGUE, "--territory", "PD", "--k", "5", "--output", str(tmp_path / "pd"), *COMMON)
    assert code == 0, err
    data = report(tmp_path / "pd")
    assert data["provenance"]["territory"] == {"kind": "province", "code": "PD", "label": "provincia PD"}
    assert data["provenance"]["intakes"] == 40
    assert {r["province"] for r in data["tables"]["territory"] if r["province"]} == {"PD"}
    assert small_counts_in_dir(tmp_path / "pd", 5) == []
    assert "disclosure:" in err and "k=5" in err


BAD = {
    "no catalogue": (("--intakes", INTAKES), "--catalogue"),
    "period with intakes": (("--intakes", INTAKES, "--catalogue", CATALOGUE, "--from", "2026-01-01"), "--from"),
    "unknown territory": (("--intakes", INTAKES, "--catalogue", CATALOGUE, "--territory", "XX"), "--territory"),
    "missing intakes": (("--intakes", "no-such-file.jsonl", "--catalogue", CATALOGUE), "no-such-file.jsonl"),
    "catalogue with results for a tenant": (("--tenant", "alpha", "--catalogue", CATALOGUE), "--catalogue"),
}


@pytest.mark.parametrize(("argv", "names"), list(BAD.values()), ids=list(BAD))
def test_bad_arguments_exit_2_naming_the_option(argv, names, tmp_path: Path, capsys):
    code, out, err = run(capsys, "insights", *argv, "--output", str(tmp_path / "out"), *COMMON)
    assert code == 2 and err.startswith("error: ") and names in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv", [("--k", "3"), ("--k", "ten"), ("--workers", "0"), ("--to", "2026-02-30")])
def test_bad_option_values_exit_2(argv, tmp_path: Path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["insights", "--intakes", INTAKES, "--catalogue", CATALOGUE, "--output", str(tmp_path / "out"), *argv])
    assert exc.value.code == 2
    assert argv[0] in capsys.readouterr().err


def test_a_bad_intake_line_is_named_and_nothing_is_written(tmp_path: Path, capsys):
    lines = Path(INTAKES).read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([lines[0], '{"id": "x", "comune": "Atlantide"}', lines[1], "{not json"]) + "\n", encoding="utf-8")
    code, _, err = run(capsys, "insights", "--intakes", str(bad), "--catalogue", CATALOGUE, "--output", str(tmp_path / "out"), *COMMON)
    assert code == 2 and "line 2, field 'comune'" in err and "line 4" in err
    assert not (tmp_path / "out").exists()
    code, _, err = run(capsys, "insights", "--intakes", str(bad), "--catalogue", CATALOGUE, "--skip-invalid", "--output", str(tmp_path / "out"), *COMMON)
    assert code == 0 and "skipped: line 2" in err


def test_results_that_do_not_belong_to_the_intakes_are_refused(tmp_path: Path, capsys):
    lines = [json.loads(x) for x in Path(INTAKES).read_text(encoding="utf-8").splitlines()[:3]]
    intakes = write_jsonl(tmp_path / "i.jsonl", lines)
    results = write_jsonl(tmp_path / "r.jsonl", [{"id": x["id"], "needs": [], "results": []} for x in reversed(lines)])
    code, _, err = run(capsys, "insights", "--intakes", str(intakes), "--catalogue", CATALOGUE, "--results", str(results), "--output", str(tmp_path / "o"), *COMMON)
    assert code == 2 and "line 1, field 'id'" in err
    results = write_jsonl(tmp_path / "r2.jsonl", [{"id": lines[0]["id"], "needs": [{"need": "nope", "source": "stated"}], "results": []}])
    code, _, err = run(capsys, "insights", "--intakes", str(intakes), "--catalogue", CATALOGUE, "--results", str(results), "--output", str(tmp_path / "o"), *COMMON)
    assert code == 2 and "field 'needs[0]'" in err
    assert not (tmp_path / "o").exists()


# --- the tenant's stored matches ------------------------------------------------------------


@pytest.fixture
def store_with_matches(db_url: str, monkeypatch: pytest.MonkeyPatch, fixture_pipeline):
    """Tenant alpha with the bundled catalogue and the 122 intakes matched through the API's
    save path (top_k 12, the coarse profile stored); tenant beta with 15 of them."""
    from datetime import date

    from api.routes.matching import new_match
    from recommender.intake import IntakeModel, parse_intake
    from recommender.store import tenants
    from recommender.store.catalogues import save_catalogue
    from recommender.store.database import connect
    from recommender.store.matches import save_matches

    monkeypatch.setenv("DATABASE_URL", db_url)
    db = connect(db_url)
    raws = [json.loads(x) for x in Path(INTAKES).read_text(encoding="utf-8").splitlines()]
    as_of = date.fromisoformat(AS_OF)
    for name, chosen in (("alpha", raws), ("beta", raws[:15])):
        t = tenants.create_tenant(db, name)
        cat = save_catalogue(db, t, Path(CATALOGUE).read_text(encoding="utf-8"), 320)
        t = tenants.get_tenant(db, name)
        items = []
        for raw in chosen:
            intake = parse_intake(raw, prefer_provinces=fixture_pipeline.provinces_)
            items.append(new_match(intake, IntakeModel.model_validate(raw), fixture_pipeline.match(intake, as_of=as_of, top_k=12), as_of, 12))
        save_matches(db, t, cat.id, items)
    yield db
    db.dispose()


def test_tenant_source_gives_the_same_tables_as_the_intakes(store_with_matches, fixtures_report: Path, tmp_path: Path, capsys):
    code, _, err = run(capsys, "insights", "--tenant", "alpha", "--output", str(tmp_path / "t"), *COMMON)
    assert code == 0, err
    data = report(tmp_path / "t")
    assert data["provenance"]["source"] == "store" and data["provenance"]["tenant"] == "alpha" and data["provenance"]["intakes"] == 122
    assert data["tables"] == report(fixtures_report)["tables"]  # beta's 15 matches are not there
    assert small_counts_in_dir(tmp_path / "t", 10) == []


def test_tenant_period_outside_the_matches_publishes_nothing(store_with_matches, tmp_path: Path, capsys):
    code, _, err = run(capsys, "insights", "--tenant", "beta", "--from", "2099-01-01", "--to", "2099-12-31", "--output", str(tmp_path / "t"), *COMMON)
    assert code == 0, err
    data = report(tmp_path / "t")
    assert data["provenance"]["intakes"] == 0 and data["provenance"]["period"] == {"from": "2099-01-01", "to": "2099-12-31"}
    assert data["tables"]["territory"] == [] and data["disclosure"]["statements"]


def test_tenant_with_fewer_than_k_matches_in_the_window(store_with_matches, tmp_path: Path, capsys):
    code, _, err = run(capsys, "insights", "--tenant", "beta", "--k", "20", "--output", str(tmp_path / "t"), *COMMON)
    assert code == 0, err
    data = report(tmp_path / "t")
    assert data["provenance"]["intakes"] == "<20" and data["tables"]["territory"] == []


def test_unknown_tenant_and_reversed_period_exit_2(store_with_matches, tmp_path: Path, capsys):
    code, _, err = run(capsys, "insights", "--tenant", "nobody", "--output", str(tmp_path / "t"))
    assert code == 2 and "no tenant named 'nobody'" in err
    code, _, err = run(capsys, "insights", "--tenant", "alpha", "--from", "2026-12-01", "--to", "2026-11-01", "--output", str(tmp_path / "t"))
    assert code == 2 and "--to" in err
    assert not (tmp_path / "t").exists()


def test_admin_keys_from_the_command_line(store_with_matches, capsys):
    code, out, err = run(capsys, "key", "create", "alpha", "--admin", "--label", "ufficio di piano")
    assert code == 0 and out.startswith("wm_") and "administrator" in err
    code, out, _ = run(capsys, "key", "list", "alpha")
    assert code == 0 and "active, admin\talpha" not in out and ", admin" in out


def test_match_shows_a_progress_bar_with_intakes_per_second(tmp_path: Path, capsys):
    code, _, err = run(capsys, "match", "--catalogue", CATALOGUE, "--input", INTAKES, "--output", str(tmp_path / "r.jsonl"), "--progress", *COMMON)
    assert code == 0 and "122/122" in err and "intakes/s" in err
    code, _, err = run(capsys, "match", "--catalogue", CATALOGUE, "--input", INTAKES, "--output", str(tmp_path / "r.jsonl"), "--no-progress", *COMMON)
    assert code == 0 and "122/122" not in err


def test_results_shorter_than_the_intakes_are_refused(tmp_path: Path, capsys):
    lines = [json.loads(x) for x in Path(INTAKES).read_text(encoding="utf-8").splitlines()[:3]]
    intakes = write_jsonl(tmp_path / "i.jsonl", lines)
    results = write_jsonl(tmp_path / "r.jsonl", [{"id": x["id"], "needs": [], "results": []} for x in lines[:2]])
    code, _, err = run(capsys, "insights", "--intakes", str(intakes), "--catalogue", CATALOGUE, "--results", str(results), "--output", str(tmp_path / "o"), *COMMON)
    assert code == 2 and "ends before the intakes do" in err and lines[2]["id"] in err
