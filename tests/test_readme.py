"""The README's promises hold: two set-up commands, and a ten-line example that trains."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_gives_the_two_commands() -> None:
    block = re.search(r"```bash\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make book", "make test"]


def test_ten_line_example_runs_and_learns() -> None:
    example = re.search(r"## `nnlib` in ten lines\n\n```python\n(.*?)```", README, re.S).group(1)
    assert len(example.strip().splitlines()) <= 12
    result = subprocess.run(
        [sys.executable, "-c", example], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    loss = float(re.search(r"training loss ([\d.]+)", result.stdout).group(1))
    assert loss < 0.2, f"the example should learn the moons: loss {loss}"
