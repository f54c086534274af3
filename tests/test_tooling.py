"""The repository's promises about itself: tested version floors, formatted chapters."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import sync_repo_links  # noqa: E402

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def _floor(requirement: str) -> tuple[str, str]:
    match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([\d.]+)(,.*)?", requirement)
    assert match, f"a dependency of nnlib needs a floor (>=): {requirement}"
    return match.group(1).lower(), match.group(2)


def _same_version(a: str, b: str) -> bool:
    def padded(version: str) -> list[int]:
        parts = [int(p) for p in version.split(".")]
        return parts + [0] * (3 - len(parts))

    return padded(a) == padded(b)


def test_declared_floors_are_the_tested_versions() -> None:
    """Each dependency's floor is what .venv-floors installs (make test runs the tests there)."""
    floors = _pins(ROOT / ".ci" / "floors.txt")
    declared = dict(_floor(r) for r in PYPROJECT["project"]["dependencies"])
    assert set(declared) == set(floors), "one floor per dependency in .ci/floors.txt"
    for name, version in declared.items():
        assert _same_version(version, floors[name]), (
            f"{name}: declared >={version}, tested {floors}"
        )


def test_torch_floor_is_the_version_ci_tests() -> None:
    pinned = _pins(ROOT / ".ci" / "constraints.txt")["torch"]
    for extra in ("torch", "test", "book"):
        torch = [r for r in PYPROJECT["project"]["optional-dependencies"][extra] if "torch" in r]
        assert len(torch) == 1 and _same_version(_floor(torch[0])[1], pinned), (extra, torch)


def test_make_runs_the_floors_and_checks_chapter_formatting() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "floors.txt" in makefile and "test-floors" in makefile
    formatted = re.search(r"^FORMATTED\s*:?=(.*)$", makefile, re.M)
    assert formatted and "chapters" in formatted.group(1).split(), "ruff format covers chapters"
    format_checks = [line for line in makefile.splitlines() if "ruff format --check" in line]
    assert len(format_checks) == 2 and all("$(FORMATTED)" in line for line in format_checks)


def test_setup_cell_is_already_formatted() -> None:
    """``ruff format`` of the chapters never rewrites the generated setup cell."""
    source = sync_repo_links.setup_source() + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", "setup.py", "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == source


def test_property_tests_are_derandomized_by_default() -> None:
    from hypothesis import settings

    assert settings.default.derandomize, "tests/conftest.py loads the derandomized profile"
    assert settings.default.deadline is None


def test_make_test_runs_the_suite_on_the_pretend_gpu() -> None:
    makefile = (ROOT / "Makefile").read_text()
    target = re.search(r"^test-pretend-gpu:.*?(?=^\S|\Z)", makefile, re.M | re.S)
    assert (
        target
        and "NNLIB_PRETEND_GPU=1" in target.group(0)
        and "$(PRETEND_TESTS)" in target.group(0)
    )
    tests = re.search(r"^PRETEND_TESTS\s*:?=(.*?)(?<!\\)$", makefile, re.M | re.S).group(1)
    assert "test_notebooks.py" not in tests, "the chapters' small runs on the pretend GPU"
    test_recipe = re.search(r"^test: .*?(?=^\S|\Z)", makefile, re.M | re.S).group(0)
    assert "test-pretend-gpu" in test_recipe


@pytest.mark.slow
def test_gpu_benchmark_runs_on_the_pretend_gpu() -> None:
    """benchmarks/bench_gpu.py is meant for a GPU machine; here it checks its own code path."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_gpu.py"), "--pretend", "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "LSTM fwd+bwd" in run.stdout and "faster on the GPU" in run.stdout
