"""A chapter runs where ``nnlib`` is not installed, the way it runs on a fresh Colab runtime.

A new virtual environment sees this environment's third-party packages (numpy, torch, papermill,
the kernel) but not ``nnlib``. The chapter's setup cell must install ``nnlib`` itself; the
``NNLIB_SOURCE`` environment variable points it at this checkout instead of the public repository.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nnlib.curriculum import CHAPTERS

ROOT = Path(__file__).resolve().parents[1]


def _fresh_env(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=300)
    python = path / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # A plain path in a .pth file is added to sys.path, but the .pth files found *there* are not
    # processed, so this environment's editable install of nnlib stays invisible.
    Path(purelib, "borrowed_packages.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return python


@pytest.mark.slow
def test_first_chapter_installs_nnlib_and_runs(tmp_path: Path) -> None:
    python = _fresh_env(tmp_path / "venv")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(NNLIB_SOURCE=f"nnlib @ {ROOT.as_uri()}", TQDM_DISABLE="1")
    check = [str(python), "-c", "import importlib.util as u; print(u.find_spec('nnlib'))"]
    before = subprocess.run(check, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert before.stdout.strip() == "None", "nnlib must not be importable before the setup cell"

    stem = CHAPTERS[1][0]
    notebook = tmp_path / f"{stem}.ipynb"
    shutil.copy(ROOT / "chapters" / f"{stem}.ipynb", notebook)
    small = nbformat.read(notebook, as_version=4).metadata["nnfp"]["test_parameters"]
    # tools/run_notebooks.py runs papermill and allows only cells tagged raises-exception to raise
    command = [str(python), str(ROOT / "tools" / "run_notebooks.py"), str(notebook)]
    command += ["-o", str(tmp_path / "out.ipynb")]
    for name, value in small.items():
        command += ["-p", name, repr(value)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    after = subprocess.run(check, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert str(tmp_path / "venv") in after.stdout, "the setup cell installed nnlib into the venv"
