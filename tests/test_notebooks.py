"""Every chapter notebook follows the book's conventions and runs with small parameters (papermill).

nbval (``pytest --nbval``, configured in pyproject.toml) separately re-runs each chapter with its
default parameters and compares every output with the stored one.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import nbformat
import pytest

from nnlib.curriculum import CHAPTERS

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import run_notebooks  # noqa: E402
import sync_repo_links  # noqa: E402

NOTEBOOKS = {n: ROOT / "chapters" / f"{stem}.ipynb" for n, (stem, _) in sorted(CHAPTERS.items())}


def _read(number: int):
    return nbformat.read(NOTEBOOKS[number], as_version=4)


def _parameters(nb) -> dict[str, object]:
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "exactly one cell must be tagged 'parameters'"
    values = {}
    for node in ast.parse(cells[0].source).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, (
            f"the parameters cell holds only assignments (line {node.lineno})"
        )
        values[node.targets[0].id] = ast.literal_eval(node.value)  # literals only
    return values


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_chapter_conventions(number: int) -> None:
    nb = _read(number)
    title = nb.cells[0]
    assert title.cell_type == "markdown"
    assert title.source.startswith(f"# {number}.") or title.source.startswith(
        f"# Chapter {number}"
    ), "the first cell is the chapter title"
    assert "colab.research.google.com" in title.source, "Open-in-Colab badge in the first cell"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].source == sync_repo_links.setup_source(), "run tools/sync_repo_links.py"
    parameters = _parameters(nb)
    assert {"SEED", "DEVICE"} <= set(parameters), "parameters include SEED and DEVICE"
    assert parameters["DEVICE"] == "auto"
    small = nb.metadata["nnfp"]["test_parameters"]
    assert set(small) <= set(parameters), "test parameters must be declared in the parameters cell"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in code:
        assert cell.execution_count is not None, "notebooks are committed executed (make notebooks)"
    run_notebooks.check_errors(nb, NOTEBOOKS[number].name)


@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_chapter_has_figures(number: int) -> None:
    nb = _read(number)
    images = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "image/png" in o.get("data", {})
    ]
    assert images, "every chapter plots something"


def test_repository_links_are_in_sync() -> None:
    assert sync_repo_links.main(["--check"]) == 0, "run python tools/sync_repo_links.py"


@pytest.mark.slow
@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_chapter_runs_with_small_parameters(number: int, tmp_path: Path) -> None:
    nb = _read(number)
    small = dict(nb.metadata["nnfp"]["test_parameters"])
    out = tmp_path / NOTEBOOKS[number].name
    run_notebooks.execute(NOTEBOOKS[number], out, parameters=small, timeout=600)
    executed = nbformat.read(out, as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected, "papermill injected the small parameters"
    assert all(c.execution_count for c in executed.cells if c.cell_type == "code")


def test_run_notebooks_rejects_untagged_errors() -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1 / 0")
    cell.outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="x")]
    nb.cells = [cell]
    with pytest.raises(run_notebooks.NotebookRunError, match="ZeroDivisionError"):
        run_notebooks.check_errors(nb, "demo")
    cell.metadata["tags"] = ["raises-exception"]
    run_notebooks.check_errors(nb, "demo")
    cell.outputs = []
    with pytest.raises(run_notebooks.NotebookRunError, match="did not raise"):
        run_notebooks.check_errors(nb, "demo")
