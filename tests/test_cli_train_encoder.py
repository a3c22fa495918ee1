"""`recommender train-encoder` is a tracked experiment: a real (tiny) fine-tuning run on a
few Italian pairs is logged to MLflow with its parameters and loss curve."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from recommender.cli import main
from recommender.paths import FIXTURES_DIR
from recommender.tracking import search_runs

SERVICES = ["BG-S001", "BG-S017", "BG-S019"]


def micro_collection(root: Path) -> Path:
    """Three services and two intakes of the bundled fixtures: a few pairs, one step."""
    root.mkdir()
    with open(FIXTURES_DIR / "catalogue.csv", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if r["service_id"] in SERVICES]
        fields = reader.fieldnames
    with open(root / "catalogue.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    with open(FIXTURES_DIR / "service_truth.csv", encoding="utf-8", newline="") as fh:
        truth = [r for r in csv.DictReader(fh) if r["service_id"] in SERVICES]
    with open(root / "service_truth.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(truth[0]))
        w.writeheader()
        w.writerows(truth)
    intakes = [
        {"id": "M1", "comune": "Trescore Balneario", "notes": "Mio padre ha 84 anni e il Parkinson, serve aiuto a casa la mattina."},
        {"id": "M2", "comune": "Trescore Balneario", "notes": "Cerco un nido per mia figlia di un anno, rientro al lavoro a gennaio."},
    ]
    (root / "intakes.jsonl").write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in intakes), encoding="utf-8")
    (root / "labels.jsonl").write_text("".join(json.dumps({"id": i["id"], "true_needs": [], "surfaced_needs": []}) + "\n" for i in intakes), encoding="utf-8")
    (root / "qrels.tsv").write_text("case_id\tservice_id\tgrade\nM1\tBG-S017\t3\nM2\tBG-S001\t3\n", encoding="utf-8")
    return root


def test_train_encoder_logs_a_tracked_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tuned"
    code = main(["train-encoder", str(micro_collection(tmp_path / "coll")), "--output", str(out), "--epochs", "1"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert (out / "modules.json").exists() and (out / "welfare_match_tuning.json").exists()

    runs = search_runs(experiment="welfare-match-encoder")
    assert len(runs) == 1
    run = runs.iloc[0]
    assert run["status"] == "FINISHED" and run["run_id"] in err
    assert run["params.pairs"] == "5" and run["params.epochs"] == "1" and run["params.output"] == str(out)
    assert run["tags.kind"] == "train-encoder" and run["tags.collection"] == "coll"
    assert run["metrics.loss"] > 0 and run["metrics.train_seconds"] > 0
    assert "--variants full,tuned_encoder" in err


def test_train_encoder_on_a_missing_collection_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train-encoder", str(tmp_path), "--output", str(tmp_path / "x")]) == 2
    assert "missing file" in capsys.readouterr().err
    assert search_runs(experiment="welfare-match-encoder").empty
