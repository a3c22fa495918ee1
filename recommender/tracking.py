"""Experiment tracking with MLflow: where runs go and how an evaluation is logged.

By default runs go to a SQLite tracking store inside the project's data directory
(``data/mlflow/mlflow.db``, artifacts next to it), so ``mlflow ui`` pointed at the same
URI shows them; ``MLFLOW_TRACKING_URI`` overrides, as everywhere in MLflow.

An evaluation run holds:
- params: the pipeline's configuration flattened (``ranking.lexical_weight``, ``encoder``...),
  the variant name and the collection's name and fingerprint;
- metrics: every metric of the evaluation (``ndcg_at_10``...: MLflow refuses ``@``);
- artifacts: ``metrics.json``, ``per_case.jsonl`` (one line per case), ``breakdowns.json``
  (per need and per territory), ``exposure.json`` (per provider) and ``collection.json``.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from recommender.paths import DATA_DIR

EXPERIMENT = "welfare-match-evaluation"
MLFLOW_DIR = DATA_DIR / "mlflow"


def tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` if set, else the project's SQLite store (created on first use)."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        return uri
    MLFLOW_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{MLFLOW_DIR / 'mlflow.db'}"


def _mlflow():
    # Imported lazily: MLflow takes about a second to import, and matching does not need it.
    import logging

    # Progress bars of artifact downloads would clutter a notebook's or a CLI's output.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    import mlflow

    # Alembic's and MLflow's INFO lines about the tracking store's own tables are noise to a user.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    mlflow.set_tracking_uri(tracking_uri())
    return mlflow


def experiment_id(name: str = EXPERIMENT) -> str:
    """The experiment's id, creating it (artifacts under ``data/mlflow/artifacts`` when the
    store is the default local one)."""
    mlflow = _mlflow()
    exp = mlflow.get_experiment_by_name(name)
    if exp is not None:
        return exp.experiment_id
    location = None
    if not os.environ.get("MLFLOW_TRACKING_URI"):
        location = (MLFLOW_DIR / "artifacts").resolve().as_uri()
    elif tracking_uri().startswith("sqlite:///"):
        # A SQLite store elsewhere (tests, a notebook): keep its artifacts next to it.
        location = (Path(tracking_uri().removeprefix("sqlite:///")).parent / "artifacts").resolve().as_uri()
    return mlflow.create_experiment(name, artifact_location=location)


def metric_key(name: str) -> str:
    """A metric name MLflow accepts: ``ndcg@10`` becomes ``ndcg_at_10``."""
    return re.sub(r"[^0-9A-Za-z_\-. /]", "_", name.replace("@", "_at_"))


def flatten_params(params: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested config dicts as dotted keys with string values (MLflow's 6,000-char limit kept)."""
    out: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten_params(value, f"{name}."))
        else:
            text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
            out[name] = text[:6000]
    return out


@contextmanager
def start_run(run_name: str, *, experiment: str = EXPERIMENT, parent_run_id: str | None = None, tags: Mapping[str, str] | None = None) -> Iterator[Any]:
    """An MLflow run in ``experiment``; nested under ``parent_run_id`` when given."""
    mlflow = _mlflow()
    exp_id = experiment_id(experiment)
    all_tags = dict(tags or {})
    if parent_run_id:
        all_tags["mlflow.parentRunId"] = parent_run_id
    client = mlflow.MlflowClient()
    run = client.create_run(exp_id, run_name=run_name, tags=all_tags)
    status = "FAILED"
    try:
        yield run
        status = "FINISHED"
    finally:
        client.set_terminated(run.info.run_id, status=status)


def log_params(run_id: str, params: Mapping[str, Any]) -> None:
    from mlflow.entities import Param

    mlflow = _mlflow()
    flat = flatten_params(params)
    items = [Param(k, v) for k, v in sorted(flat.items())]
    client = mlflow.MlflowClient()
    for i in range(0, len(items), 100):  # the REST API's batch limit
        client.log_batch(run_id, params=items[i : i + 100])


def log_metrics(run_id: str, metrics: Mapping[str, float]) -> None:
    _log_metric_values(run_id, [(name, float(v), 0) for name, v in metrics.items()])


def log_metric_history(run_id: str, name: str, steps: list[tuple[int, float]]) -> None:
    """One metric's value at each step (a training curve)."""
    _log_metric_values(run_id, [(name, float(v), int(step)) for step, v in steps])


def _log_metric_values(run_id: str, values: list[tuple[str, float, int]]) -> None:
    import time

    from mlflow.entities import Metric

    mlflow = _mlflow()
    now = int(time.time() * 1000)
    items = [Metric(metric_key(name), v, now, step) for name, v, step in values]
    client = mlflow.MlflowClient()
    for i in range(0, len(items), 500):  # the REST API's batch limit
        client.log_batch(run_id, metrics=items[i : i + 500])


def log_artifacts(run_id: str, files: Mapping[str, Any]) -> None:
    """Write each value as an artifact: ``.jsonl`` names take a list of dicts, ``.json`` any
    JSON value, ``.md``/``.txt``/``.csv`` a string, and a ``Path`` value is copied."""
    mlflow = _mlflow()
    client = mlflow.MlflowClient()
    with tempfile.TemporaryDirectory() as tmp:
        for name, value in files.items():
            path = Path(tmp) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(value, Path):
                path.write_bytes(value.read_bytes())
            elif name.endswith(".jsonl"):
                path.write_text("".join(json.dumps(row, ensure_ascii=False, default=str) + "\n" for row in value), encoding="utf-8")
            elif name.endswith(".json"):
                path.write_text(json.dumps(value, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
            else:
                path.write_text(str(value), encoding="utf-8")
        client.log_artifacts(run_id, tmp)


def load_artifact(run_id: str, name: str) -> Any:
    """Read back an artifact written by ``log_artifacts`` (parsed when JSON or JSONL)."""
    mlflow = _mlflow()
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=name, dst_path=tmp))
        text = local.read_text(encoding="utf-8")
    if name.endswith(".jsonl"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if name.endswith(".json"):
        return json.loads(text)
    return text


def search_runs(filter_string: str = "", experiment: str = EXPERIMENT):
    """Runs of the experiment as a pandas DataFrame (newest first); empty if none."""
    import pandas as pd

    mlflow = _mlflow()
    exp = mlflow.get_experiment_by_name(experiment)
    if exp is None:
        return pd.DataFrame()
    return mlflow.search_runs([exp.experiment_id], filter_string=filter_string, order_by=["attributes.start_time DESC"])
