"""notebooks/03_hidden_needs.ipynb: stored without outputs, executed on the bundled fixtures,
its figures written, and nothing it shows below the threshold."""

from __future__ import annotations

import re

import nbformat
import pytest

from recommender.paths import FIXTURES_DIR
from tests.notebooks.test_notebooks import NOTEBOOKS_DIR, _assert_png, _execute, _kernelspec, _outputs

NOTEBOOK = NOTEBOOKS_DIR / "03_hidden_needs.ipynb"
PNGS = ("03_hidden_prevalence.png", "03_cooccurrence.png", "03_unmet_by_area.png", "03_gap_map.png")
K = 10


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, f"cell {cell.get('id')}: clear the outputs before committing"
    assert all(v in code[0].source for v in ("WELFARE_MATCH_NOTEBOOK_COLLECTION", "WELFARE_MATCH_REPORTS_DIR", "WELFARE_MATCH_NOTEBOOK_K"))
    # It works on the protected report only: the exact counts are dropped once it is built.
    assert "del counts" in "".join(c.source for c in code)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("notebook03")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WELFARE_MATCH_REPORTS_DIR", str(tmp / "reports"))
        mp.setenv("WELFARE_MATCH_NOTEBOOK_COLLECTION", str(FIXTURES_DIR))
        mp.setenv("WELFARE_MATCH_NOTEBOOK_K", str(K))
        mp.setenv("WELFARE_MATCH_NOTEBOOK_ENCODER", "none")
        mp.delenv("WELFARE_MATCH_NOTEBOOK_TERRITORY", raising=False)
        for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("TOKENIZERS_PARALLELISM", "false"),
                            ("JUPYTER_PLATFORM_DIRS", "1"), ("PYDEVD_DISABLE_FILE_VALIDATION", "1")):
            mp.setenv(name, value)
        mp.setenv("JUPYTER_PATH", str(_kernelspec(tmp / "jupyter")))
        nb, seconds = _execute(NOTEBOOK, tmp)
    print(f"notebook 03: {seconds:.0f}s")
    return nb, tmp / "reports"


def test_notebook_runs_and_writes_its_figures(executed):
    nb, reports = executed
    assert not [o for o in _outputs(nb) if o.output_type == "error"]
    for name in PNGS:
        _assert_png(reports / name)
    page = (reports / "03_gap_map.html").read_text(encoding="utf-8")
    assert "http" not in page and "<script" not in page and "<svg" in page


def test_notebook_states_what_is_suppressed_and_shows_no_count_under_k(executed):
    nb, _ = executed
    text = "".join(o.get("text", "") for o in _outputs(nb))
    html = "".join(o.get("data", {}).get("text/html", "") for o in _outputs(nb))
    markdown = "".join(o.get("data", {}).get("text/markdown", "") for o in _outputs(nb))
    assert "122 intakes read, 122 in the territory" in text and "k = 10" in text
    assert "altri comuni (PD)" in markdown and "altre tipologie" in markdown and "Soppressione secondaria" in markdown
    assert "mostrati come &lt;10" in html and "&lt;10" in html.replace("mostrati come &lt;10", "")
    # The household and age tables show intake counts of k or more, or the mark.
    for count in re.findall(r"<th>intakes</th>((?:\s*<td>[^<]*</td>)+)", html):
        for cell in re.findall(r"<td>([^<]*)</td>", count):
            assert cell.strip() in ("&lt;10", "c") or int(cell) >= K, cell
