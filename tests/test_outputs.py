"""The chapters' stored outputs read well and say nothing about the machine that ran them.

No absolute path, no IPython traceback (an error shows ``ErrorType: message``), no ANSI colour
codes, and no print split over several outputs. ``tools/run_notebooks.py`` (``make notebooks``)
writes outputs this way; these tests fail on a chapter executed any other way.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import run_notebooks  # noqa: E402

NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))

#: Where machine paths start: home and work folders, temporary folders, installed packages.
MACHINE_PATH = re.compile(
    r"(?<![\w.:/~<-])/(?:home|root|work|tmp|var|usr|opt|mnt|srv|private|Users|content|builds)/"
    r"|[A-Za-z]:\\\\|site-packages|dist-packages"
)
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^-{20,}|\n\s*-*> ?\d+ ", re.M)


def _texts(output) -> list[str]:
    """Every text an output carries (stream text, text/* data, error fields)."""
    kind = output.get("output_type")
    if kind == "stream":
        return [run_notebooks._text(output.get("text", ""))]
    if kind == "error":
        return [output.get("ename", ""), output.get("evalue", ""), *output.get("traceback", [])]
    data = output.get("data", {})
    return [run_notebooks._text(v) for k, v in data.items() if k.startswith("text/")]


def problems(nb) -> list[str]:
    """What is wrong with a notebook's stored outputs, one line per problem."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        previous = None
        for output in cell.get("outputs", []):
            where = f"cell {index} ({output.get('output_type')})"
            for text in _texts(output):
                if match := MACHINE_PATH.search(text):
                    found.append(f"{where}: a machine path ({text[match.start() :][:60]!r})")
                if "\x1b[" in text:
                    found.append(f"{where}: ANSI colour codes")
                if TRACEBACK.search(text):
                    found.append(f"{where}: a traceback")
            if output.get("output_type") == "error":
                expected = [f"{output.get('ename')}: {output.get('evalue')}"]
                if output.get("traceback") != expected:
                    found.append(f"{where}: the error shows more than 'ErrorType: message'")
            if (
                previous is not None
                and output.get("output_type") == previous.get("output_type") == "stream"
                and output.get("name") == previous.get("name")
            ):
                found.append(f"{where}: {output.get('name')} split over several outputs")
            previous = output
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_outputs_are_clean(path: Path) -> None:
    found = problems(nbformat.read(path, as_version=4))
    assert not found, f"{path.name} (re-run: python tools/run_notebooks.py {path.name}):\n" + (
        "\n".join(found[:20])
    )


def _messy_notebook():
    nb = nbformat.v4.new_notebook()
    loop = nbformat.v4.new_code_cell("for i in range(3): print(i)")
    loop.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=f"{i}\n") for i in range(3)
    ] + [
        nbformat.v4.new_output(
            "stream",
            name="stderr",
            text="/home/someone/.venv/lib/python3.11/site-packages/x/y.py:3: UserWarning: hm\n",
        ),
        nbformat.v4.new_output("stream", name="stdout", text="done\n"),
    ]
    error = nbformat.v4.new_code_cell("fit(X, 2 * y)", metadata={"tags": ["raises-exception"]})
    error.outputs = [
        nbformat.v4.new_output(
            "error",
            ename="ValueError",
            evalue="Perceptron.fit: labels must be 0 or 1; found [2]",
            traceback=[
                "\x1b[31m---------------------------------------------------------------\x1b[39m",
                "\x1b[31mValueError\x1b[39m  Traceback (most recent call last)",
                "File \x1b[32m/work/main/nnlib/perceptron.py:120\x1b[39m, in fit\n----> 120 raise",
                "\x1b[31mValueError\x1b[39m: Perceptron.fit: labels must be 0 or 1; found [2]",
            ],
        )
    ]
    result = nbformat.v4.new_code_cell("path")
    result.outputs = [
        nbformat.v4.new_output(
            "execute_result", data={"text/plain": "'/tmp/abc/data.npz'"}, execution_count=1
        )
    ]
    nb.cells = [loop, error, result]
    return nb


def test_the_checks_find_each_problem() -> None:
    found = "\n".join(problems(_messy_notebook()))
    assert "stdout split" in found
    assert "machine path" in found
    assert "ANSI" in found and "traceback" in found
    assert "more than 'ErrorType: message'" in found


def test_run_notebooks_tidies_what_the_checks_find() -> None:
    nb = run_notebooks.tidy_outputs(_messy_notebook())
    assert problems(nb) == []
    loop, error, result = (cell.outputs for cell in nb.cells)
    assert [(o.name, o.text) for o in loop] == [
        ("stdout", "0\n1\n2\n"),
        ("stderr", "y.py:3: UserWarning: hm\n"),
        ("stdout", "done\n"),
    ]
    assert error[0].traceback == ["ValueError: Perceptron.fit: labels must be 0 or 1; found [2]"]
    assert result[0].data["text/plain"] == "'data.npz'"


def test_urls_and_relative_paths_are_kept() -> None:
    text = "see https://example.org/a/b/c.html and nnlib/perceptron.py, 3/4/5, a /b"
    assert run_notebooks.strip_paths(text) == text
