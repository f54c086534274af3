"""Execute chapter notebooks with papermill (``make notebooks`` and the test suite use this).

    python tools/run_notebooks.py chapters/*.ipynb              # refresh stored outputs in place
    python tools/run_notebooks.py chapters/01_perceptrons.ipynb -p MAX_EPOCHS 5 -o /tmp/out.ipynb

A cell tagged ``raises-exception`` is expected to raise (it shows one of nnlib's error messages);
any other error fails the run, and so does a tagged cell that does not raise. Papermill's
bookkeeping (timings, error markers) is stripped, so re-running leaves small, honest diffs.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from pathlib import Path

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

RAISES = "raises-exception"
ERROR_MARKER = "papermill-error-cell-tag"


class NotebookRunError(RuntimeError):
    """A chapter raised where it should not, or did not raise where a cell is tagged to."""


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def check_errors(nb, name: str) -> None:
    """Raise NotebookRunError unless exactly the cells tagged ``raises-exception`` raised."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        tagged = RAISES in _tags(cell)
        if errors and not tagged:
            error = errors[0]
            raise NotebookRunError(
                f"{name}: cell {index} raised {error['ename']}: {error['evalue']}\n"
                + "\n".join(error.get("traceback", [])[-3:])
            )
        if tagged and not errors:
            raise NotebookRunError(f"{name}: cell {index} is tagged {RAISES!r} but did not raise")


def clean(nb):
    """Drop papermill's and nbclient's run bookkeeping from a notebook."""
    nb.cells = [c for c in nb.cells if ERROR_MARKER not in _tags(c)]
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    return nb


def execute(
    path: Path,
    output: Path | None = None,
    parameters: dict | None = None,
    timeout: int = 900,
    kernel_name: str = "python3",
):
    """Run the notebook at ``path`` in its folder; write it to ``output`` (default: in place).

    Returns the executed notebook. Raises NotebookRunError if an untagged cell raised or a
    tagged one did not.
    """
    path = Path(path).resolve()
    output = Path(output).resolve() if output else path
    os.environ.setdefault("TQDM_DISABLE", "1")
    # the same single BLAS thread as the test suite (conftest.py), so outputs agree exactly
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    # figures must render inline (as PNG outputs), whatever backend the caller uses
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    try:
        papermill.execute_notebook(
            str(path),
            str(output),
            parameters=parameters or {},
            kernel_name=kernel_name,
            cwd=str(path.parent),
            progress_bar=False,
            execution_timeout=timeout,
            request_save_on_cell_execute=False,
        )
    except PapermillExecutionError:
        pass  # checked below: only cells tagged to raise may raise
    nb = nbformat.read(output, as_version=4)
    try:
        check_errors(nb, path.name)
    finally:
        nbformat.write(clean(nb), output)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("-o", "--output", type=Path, help="output path (one notebook only)")
    parser.add_argument(
        "-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE")
    )
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = parser.parse_args(argv)
    if args.output and len(args.notebooks) > 1:
        parser.error("--output takes one notebook")
    parameters = {}
    for name, value in args.parameter:
        try:
            parameters[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            parameters[name] = value
    for notebook in args.notebooks:
        print(f"running {notebook} ...", flush=True)
        try:
            execute(notebook, args.output, parameters, args.timeout)
        except NotebookRunError as error:
            print(error, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
