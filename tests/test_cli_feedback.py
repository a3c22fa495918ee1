"""Command line: simulate-feedback -> train-ranker -> match/evaluate --ranker, end to end on
the fixtures; bad input exits 2 naming where the problem is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recommender.cli import main
from recommender.feedback import read_feedback_jsonl
from recommender.paths import FIXTURES_DIR

NAME = "test-reranker"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def mlflow_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    return uri


def test_simulate_train_and_use(tmp_path: Path, capsys: pytest.CaptureFixture[str], mlflow_uri: str) -> None:
    feedback = tmp_path / "feedback.jsonl"
    code, _, err = run(capsys, "simulate-feedback", str(FIXTURES_DIR), "--output", str(feedback), "--sessions", "3", "--seed", "1", "--encoder", "none")
    assert code == 0, err
    records = read_feedback_jsonl(feedback)
    assert {r.match_id.split("#")[1] for r in records} == {"0", "1", "2"}
    assert len({r.intake_ref for r in records}) > 100 and 0 < sum(r.positive for r in records) < len(records)
    assert f"{len(records)} feedback events" in err

    code, out, err = run(capsys, "train-ranker", "--feedback", str(feedback), "--register", NAME, "--blend", "0.6")
    assert code == 0, err
    assert "ROC AUC" in out and "log-loss" in out and "Brier" in out
    assert f"registered model {NAME} version 1" in out and "MLflow run " in out

    import mlflow

    mlflow.set_tracking_uri(mlflow_uri)
    [run_info] = mlflow.search_runs(experiment_names=["welfare-match-reranker"], output_format="list")
    assert run_info.data.params["blend"] == "0.6" and run_info.data.params["depth"] == "30"
    assert run_info.data.metrics["cv_roc_auc"] > 0.5 and "cv_baseline_log_loss" in run_info.data.metrics

    # the registered model re-ranks a match
    intakes = tmp_path / "intakes.jsonl"
    intakes.write_text("".join((FIXTURES_DIR / "intakes.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)[:15]), encoding="utf-8")
    plain, learned = tmp_path / "plain.jsonl", tmp_path / "learned.jsonl"
    base = ["match", "--catalogue", str(FIXTURES_DIR / "catalogue.csv"), "--input", str(intakes), "--as-of", "2026-11-22", "--encoder", "none"]
    assert run(capsys, *base, "--output", str(plain))[0] == 0
    assert run(capsys, *base, "--output", str(learned), "--ranker", f"models:/{NAME}/1")[0] == 0
    plain_ids = [[r["service_id"] for r in json.loads(line)["results"]] for line in plain.read_text(encoding="utf-8").splitlines()]
    learned_ids = [[r["service_id"] for r in json.loads(line)["results"]] for line in learned.read_text(encoding="utf-8").splitlines()]
    assert len(learned_ids) == len(plain_ids) == 15 and learned_ids != plain_ids

    report = tmp_path / "eval.json"
    code, out, err = run(capsys, "evaluate", str(FIXTURES_DIR), "--encoder", "none", "--ranker", f"models:/{NAME}/1", "--json", str(report), "--no-track")
    assert code == 0, err
    assert "ndcg@10" in out
    assert json.loads(report.read_text(encoding="utf-8"))["full"]["metrics"]["ndcg@10"] > 0.5


def test_bad_feedback_file_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], mlflow_uri: str) -> None:
    good = {"match_id": "m", "intake_ref": "c", "rank": 1, "service_id": "S", "need": "childcare", "outcome": "accepted", "features": {"score": 0.5}}
    path = tmp_path / "feedback.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "outcome": "liked"}) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "train-ranker", "--feedback", str(path))
    assert code == 2
    assert "line 2" in err and "'outcome'" in err and "unknown outcome 'liked'" in err
    assert out == ""


def test_too_little_feedback_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], mlflow_uri: str) -> None:
    good = {"match_id": "m", "intake_ref": "c", "rank": 1, "service_id": "S", "need": "childcare", "outcome": "accepted", "features": {"score": 0.5}}
    path = tmp_path / "feedback.jsonl"
    path.write_text("".join(json.dumps({**good, "match_id": f"m{i}", "intake_ref": f"c{i}"}) + "\n" for i in range(8)), encoding="utf-8")
    code, _, err = run(capsys, "train-ranker", "--feedback", str(path))
    assert code == 2 and "at least 20" in err


def test_unknown_ranker_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], mlflow_uri: str) -> None:
    intakes = tmp_path / "intakes.jsonl"
    intakes.write_text((FIXTURES_DIR / "intakes.jsonl").read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, _, err = run(capsys, "match", "--catalogue", str(FIXTURES_DIR / "catalogue.csv"), "--input", str(intakes), "--output", str(out), "--encoder", "none", "--ranker", "models:/nope/1")
    assert code == 2 and "no registered model named 'nope'" in err
    assert not out.exists()


def test_feedback_source_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["train-ranker"])
    assert exit_.value.code == 2
    assert "--feedback" in capsys.readouterr().err


def test_train_from_a_tenants_stored_feedback(tmp_path: Path, capsys: pytest.CaptureFixture[str], mlflow_uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    from recommender.ranking import FEATURE_NAMES
    from recommender.store import tenants
    from recommender.store.catalogues import save_catalogue
    from recommender.store.database import connect, upgrade
    from recommender.store.matches import FeedbackEvent, NewMatch, add_feedback, get_match, save_matches

    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    db = connect(url)
    upgrade(db)
    tenants.create_tenant(db, "alpha")
    save_catalogue(db, tenants.get_tenant(db, "alpha"), "service_id\nX\n", 1)
    alpha = tenants.get_tenant(db, "alpha")
    for m in range(8):
        rows = [
            {"rank": r, "service_id": f"S{r}", "name": "", "need": "childcare", "score": 1 / r, "distance_km": 1.0, "explanation": "",
             "features": {name: (1 / r if name == "score" else (r % 3) / 3) for name in FEATURE_NAMES}}
            for r in range(1, 5)
        ]
        [mid] = save_matches(db, alpha, alpha.catalogue_id, [NewMatch(f"case-{m}", "016128", date(2026, 11, 22), 10, [], rows)])
        match = get_match(db, alpha, mid)
        add_feedback(db, match, [FeedbackEvent(f"S{r}", "accepted" if (r + m) % 3 else "rejected", comment="nota privata") for r in range(1, 5)])
    db.dispose()

    code, out, err = run(capsys, "train-ranker", "--tenant", "alpha", "--register", NAME)
    assert code == 0, err
    assert "32 feedback events, 32 suggestions with feedback; 0 skipped" in err
    assert f"registered model {NAME} version 1" in out
    assert run(capsys, "train-ranker", "--tenant", "nobody")[0] == 2
