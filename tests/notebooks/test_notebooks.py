"""The analysts' notebooks: stored without outputs, and executed end to end on the bundled
fixtures (a fresh MLflow store, so notebook 01 evaluates and logs the runs itself and
notebook 02 reads them back)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from recommender.evaluation.collection import load_collection
from recommender.paths import FIXTURES_DIR, PROJECT_ROOT

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
QUALITY = NOTEBOOKS_DIR / "01_recommendation_quality.ipynb"
ERRORS = NOTEBOOKS_DIR / "02_error_analysis.ipynb"
NOTEBOOKS = (QUALITY, ERRORS)

QUALITY_PNGS = ("01_metrics_by_variant.png", "01_by_need.png", "01_by_province.png", "01_need_detection_f1.png", "01_exposure_lorenz.png")
ERROR_PNGS = ("02_ndcg_histogram.png", "02_missed_spurious_needs.png")
# A subset of the ablations keeps the test well under a minute and a half; the notebooks
# handle whichever variants a run has.
VARIANTS = ("full", "lexical_only", "no_hidden_needs", "bm25_baseline")
N_WORST = 5


def _kernelspec(root: Path) -> Path:
    """A ``python3`` kernelspec running this interpreter (the venv's), in a private Jupyter
    path: nothing is registered globally, and no other python3 kernel can be picked up."""
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (welfare-match tests)",
        "language": "python",
    }), encoding="utf-8")
    return root


def _execute(path: Path, out_dir: Path) -> tuple[nbformat.NotebookNode, float]:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    # The kernel starts in the notebooks' folder, as in Jupyter, and inherits os.environ.
    client = NotebookClient(nb, timeout=600, startup_timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS_DIR)}})
    try:
        client.execute()
    finally:
        nbformat.write(nb, out_dir / path.name)  # kept for a look when something fails
    return nb, time.perf_counter() - start


def _parents_and_children():
    from recommender import tracking

    runs = tracking.search_runs()
    parents = runs[runs["tags.kind"].isin(["ablations", "evaluation"])]
    children = runs[runs["tags.kind"] == "variant"]
    return parents, children


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("notebooks")
    reports = tmp / "reports"
    with pytest.MonkeyPatch.context() as mp:
        for name in ("WELFARE_MATCH_NOTEBOOK_RUN_ID", "WELFARE_MATCH_NOTEBOOK_VARIANT", "WELFARE_MATCH_NOTEBOOK_BASELINE", "WELFARE_MATCH_NOTEBOOK_ENCODER"):
            mp.delenv(name, raising=False)
        mp.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp / 'mlflow.db'}")
        mp.setenv("WELFARE_MATCH_REPORTS_DIR", str(reports))
        mp.setenv("WELFARE_MATCH_NOTEBOOK_COLLECTION", str(FIXTURES_DIR))
        mp.setenv("WELFARE_MATCH_NOTEBOOK_VARIANTS", ",".join(VARIANTS))
        mp.setenv("WELFARE_MATCH_NOTEBOOK_N_WORST", str(N_WORST))
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        mp.setenv("TOKENIZERS_PARALLELISM", "false")
        mp.setenv("JUPYTER_PATH", str(_kernelspec(tmp / "jupyter")))
        mp.setenv("JUPYTER_PLATFORM_DIRS", "1")
        mp.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")

        quality, quality_seconds = _execute(QUALITY, tmp)
        after_quality = _parents_and_children()
        errors, errors_seconds = _execute(ERRORS, tmp)
        after_errors = _parents_and_children()
    print(f"notebook 01: {quality_seconds:.0f}s, notebook 02: {errors_seconds:.0f}s")
    return {"reports": reports, "quality": quality, "errors": errors, "after_quality": after_quality, "after_errors": after_errors}


def _outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]


def _assert_png(path: Path) -> None:
    from PIL import Image

    assert path.is_file(), f"missing {path.name}"
    assert path.stat().st_size > 5_000, f"{path.name} is suspiciously small"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    with Image.open(path) as img:
        img.verify()
    with Image.open(path) as img:
        assert img.format == "PNG" and img.width > 200 and img.height > 200


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a notebook without code"
    for cell in code:
        assert cell.outputs == [], f"cell {cell.get('id')} has outputs: clear them before committing"
        assert cell.execution_count is None, f"cell {cell.get('id')} has an execution count"
    # Parameters come first and from the environment.
    assert "WELFARE_MATCH_NOTEBOOK_COLLECTION" in code[0].source and "WELFARE_MATCH_REPORTS_DIR" in code[0].source
    for banned in ("seaborn", "plotly"):
        assert banned not in "".join(c.source for c in code)


def test_quality_notebook_evaluates_logs_and_saves_figures(executed):
    nb = executed["quality"]
    assert not [o for o in _outputs(nb) if o.output_type == "error"]
    for name in QUALITY_PNGS:
        _assert_png(executed["reports"] / name)
    assert (executed["reports"] / "01_comparison.csv").read_text(encoding="utf-8").count("\n") >= len(VARIANTS)
    # The store was empty: the notebook ran the evaluation and logged one parent run with a
    # child per variant, tagged with the fixtures' fingerprint.
    parents, children = executed["after_quality"]
    fingerprint = load_collection(FIXTURES_DIR).fingerprint()
    assert len(parents) == 1
    parent = parents.iloc[0]
    assert parent["tags.kind"] == "ablations" and parent["tags.collection_fingerprint"] == fingerprint
    assert sorted(children["tags.variant"]) == sorted(VARIANTS)
    assert set(children["tags.mlflow.parentRunId"]) == {parent["run_id"]}
    # Every variant is in the comparison table shown.
    html = "".join(o.get("data", {}).get("text/html", "") for o in _outputs(nb))
    for variant in VARIANTS:
        assert variant in html


def test_error_analysis_notebook_reads_the_same_run(executed):
    nb = executed["errors"]
    assert not [o for o in _outputs(nb) if o.output_type == "error"]
    for name in ERROR_PNGS:
        _assert_png(executed["reports"] / name)
    # It found the run notebook 01 logged instead of evaluating again.
    parents, _ = executed["after_errors"]
    assert list(parents["run_id"]) == list(executed["after_quality"][0]["run_id"])
    text = "".join(o.get("text", "") for o in _outputs(nb))
    assert parents.iloc[0]["run_id"] in text
    # One side-by-side card per worst case, with the notes of the intake.
    html = "".join(o.get("data", {}).get("text/html", "") for o in _outputs(nb))
    assert html.count('<div class="wm-case">') == N_WORST
    assert "wm-notes" in html and "relevant, not in the top 10" in html
