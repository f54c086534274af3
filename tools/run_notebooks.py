"""Execute chapter notebooks with papermill (``make notebooks`` and the test suite use this).

    python tools/run_notebooks.py chapters/*.ipynb              # refresh stored outputs in place
    python tools/run_notebooks.py chapters/01_perceptrons.ipynb -p MAX_EPOCHS 5 -o /tmp/out.ipynb

A cell tagged ``raises-exception`` is expected to raise (it shows one of nnlib's error messages);
any other error fails the run, and so does a tagged cell that does not raise. Papermill's
bookkeeping (timings, error markers) is stripped, so re-running leaves small, honest diffs, and
the stored outputs are tidied for the reader (``tidy_outputs``): consecutive prints of a cell are
merged into one output, an error shows only ``ErrorType: message``, and no output keeps an
absolute path of the machine that ran it. Run in place, a notebook's code is first formatted
with ``ruff format`` (the project's line length), so what the book shows fits its code boxes.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

RAISES = "raises-exception"
ERROR_MARKER = "papermill-error-cell-tag"
ROOT = Path(__file__).resolve().parents[1]

#: An absolute POSIX path (two or more components) not inside a URL or a longer word.
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~<-])/(?:[\w.+@-]+/)+([\w.+@-]+)")
#: ANSI colour codes, as IPython writes them into tracebacks.
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


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
    """Drop papermill's and nbclient's run bookkeeping from a notebook; tidy its outputs."""
    nb.cells = [c for c in nb.cells if ERROR_MARKER not in _tags(c)]
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    return tidy_outputs(nb)


def strip_paths(text: str) -> str:
    """Replace every absolute path in ``text`` by its last component (a file name)."""
    return ABSOLUTE_PATH.sub(lambda match: match.group(1), text)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else value


def tidy_outputs(nb):
    """Make the stored outputs read well and carry nothing of the machine that ran them.

    * consecutive stream outputs of a cell with the same name (stdout, stderr) become one;
    * an error output keeps ``ErrorType: message`` as its whole traceback;
    * absolute paths in any text become file names (a warning's ``/home/.../x.py:3`` -> ``x.py:3``).
    """
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                output["text"] = strip_paths(_text(output["text"]))
                previous = outputs[-1] if outputs else None
                if (
                    previous is not None
                    and previous.get("output_type") == "stream"
                    and (previous.get("name") == output.get("name"))
                ):
                    previous["text"] += output["text"]
                    continue
            elif kind == "error":
                output["ename"] = ANSI.sub("", output.get("ename", ""))
                output["evalue"] = strip_paths(ANSI.sub("", output.get("evalue", "")))
                output["traceback"] = [f"{output['ename']}: {output['evalue']}"]
            elif kind in ("execute_result", "display_data"):
                for mime, value in output.get("data", {}).items():
                    if mime.startswith("text/"):
                        output["data"][mime] = strip_paths(_text(value))
            outputs.append(output)
        cell["outputs"] = outputs
    return nb


def format_code(path: Path) -> None:
    """Format the notebook's code cells with ruff (the line length of pyproject.toml)."""
    command = [sys.executable, "-m", "ruff", "format", "--quiet", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise NotebookRunError(f"ruff format {path.name} failed:\n{result.stderr}")


def execute(
    path: Path,
    output: Path | None = None,
    parameters: dict | None = None,
    timeout: int = 900,
    kernel_name: str = "python3",
    format_source: bool = True,
):
    """Run the notebook at ``path`` in its folder; write it to ``output`` (default: in place).

    Run in place (no ``output``), the notebook's code is formatted with ruff first
    (``format_source=False`` skips that).

    Returns the executed notebook. Raises NotebookRunError if an untagged cell raised or a
    tagged one did not.
    """
    path = Path(path).resolve()
    output = Path(output).resolve() if output else path
    if format_source and output == path:
        format_code(path)
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
    parser.add_argument(
        "--no-format", action="store_true", help="do not ruff-format the code of in-place runs"
    )
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
            execute(
                notebook, args.output, parameters, args.timeout, format_source=not args.no_format
            )
        except NotebookRunError as error:
            print(error, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
