"""Root pytest configuration: how nbval compares the chapters with their stored outputs."""

from __future__ import annotations

import os

# Progress bars and timings never belong in a stored output.
os.environ.setdefault("TQDM_DISABLE", "1")


def pytest_collectstart(collector) -> None:
    """Leave stderr (warnings, progress bars) out of nbval's comparison."""
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)
