"""One book build per test run, shared by tests/test_book.py and tests/test_browser.py.

``make test`` runs pytest with xdist (``--dist loadfile``), so the two files may run on different
workers. The first worker that needs the book builds it into a folder that every worker of the run
shares (named after xdist's run id), under a file lock; the others wait and reuse it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
_RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex


class BookBuildError(RuntimeError):
    """The book did not build cleanly (warnings are errors)."""


def build_book_once(base: Path) -> Path:
    """Build the book (warnings as errors) once per test run; return its HTML folder.

    ``base`` is a folder that all workers of the run share (pytest's base temp's parent).
    """
    out = base / f"book-{_RUN_ID[:16]}"
    out.mkdir(parents=True, exist_ok=True)
    html = out / "_build" / "html"
    done, failed = out / "built", out / "failed"
    with FileLock(str(out / "build.lock")):
        if failed.exists():
            raise BookBuildError(failed.read_text())
        if not done.exists():
            jupyter_book = Path(sys.executable).with_name("jupyter-book")
            command = [str(jupyter_book), "build", str(ROOT), "--path-output", str(out)]
            command += ["--warningiserror", "--keep-going"]
            result = subprocess.run(command, capture_output=True, text=True, timeout=900)
            if result.returncode != 0:
                log = result.stdout + result.stderr
                cause = [line for line in log.splitlines() if "Warning, treated as error" in line]
                at = log.find(cause[0]) if cause else max(0, len(log) - 6000)
                message = "the book does not build cleanly:\n" + log[at : at + 6000]
                failed.write_text(message)
                raise BookBuildError(message)
            done.write_text("ok\n")
    return html
