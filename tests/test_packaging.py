"""The project's set-up files agree with each other."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


#: Extras for particular hardware: pinned for CI, but not part of the conda environment that
#: every reader gets (environment.yml says how to add them).
HARDWARE_EXTRAS = {"gpu"}


def _pyproject_requirements(hardware: bool = True) -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for name, extra in project["optional-dependencies"].items():
        if hardware or name not in HARDWARE_EXTRAS:
            requirements.extend(extra)
    return {_name(r): r.replace(" ", "") for r in requirements}


def _environment_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    requirements: list[str] = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            requirements.extend(r for r in dep["pip"] if not r.startswith("-e"))
        elif not dep.startswith(("python", "pip")) or dep.startswith("python-"):
            requirements.append(dep)
    return {_name(r): r.replace(" ", "") for r in requirements}


def test_environment_yml_matches_pyproject() -> None:
    assert _environment_requirements() == _pyproject_requirements(hardware=False)
    text = (ROOT / "environment.yml").read_text()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for name in HARDWARE_EXTRAS:  # named in a comment, for readers with that hardware
        assert all(r in text for r in project["optional-dependencies"][name])


def test_python_version_agrees() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert project["requires-python"] == ">=3.11"
    assert "python>=3.11" in env["dependencies"]


def test_constraints_pin_every_requirement_exactly() -> None:
    pins = {}
    for line in (ROOT / ".ci" / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[_name(name)] = version
    missing = sorted(set(_pyproject_requirements()) - set(pins))
    assert not missing, f"requirements without an exact pin in .ci/constraints.txt: {missing}"
    assert pins["torch"] == "2.13.0", "CI must use the CPU build of torch 2.13.0 on disk"


def test_user_ranges_are_loose() -> None:
    for requirement in _pyproject_requirements().values():
        assert "==" not in requirement, f"pin exact versions in .ci/constraints.txt: {requirement}"


def test_nnlib_works_without_torch() -> None:
    """torch is an optional extra: nnlib imports and trains without it."""
    import subprocess

    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import nnlib\n"
        "from nnlib import nn\n"
        "out = nn.Linear(3, 2)(nnlib.randn(4, 3)).sum()\n"
        "out.backward()\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
