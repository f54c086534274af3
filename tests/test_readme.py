"""The README's promises hold: two set-up commands, and a ten-line example that trains."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_gives_the_two_commands() -> None:
    block = re.search(r"```bash\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make book", "make test"]


def test_ten_line_example_runs_learns_and_is_seeded() -> None:
    example = re.search(r"## `nnlib` in ten lines\n\n```python\n(.*?)```", README, re.S).group(1)
    code_lines = [line for line in example.splitlines() if line.strip()]
    assert len(code_lines) <= 12
    assert "manual_seed(" in example, "the example seeds nnlib: its loss is the same on every run"
    losses = []
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-c", example], capture_output=True, text=True, timeout=120, cwd=ROOT
        )
        assert result.returncode == 0, result.stderr
        losses.append(float(re.search(r"training loss ([\d.]+)", result.stdout).group(1)))
    assert losses[0] == losses[1], f"the example is not reproducible: {losses}"
    assert losses[0] < 0.2, f"the example should learn the moons: loss {losses[0]}"


def test_how_to_use_names_the_repository_of_config() -> None:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = config["repository"]["url"].rstrip("/")
    page = (ROOT / "chapters" / "how_to_use.md").read_text()
    assert "<repository URL>" not in page
    assert f"git clone {url}\n" in page
    assert f'pip install "nnlib @ git+{url}@{config["repository"]["branch"]}"' in page
