"""Root pytest configuration: how nbval compares the chapters with their stored outputs."""

from __future__ import annotations

import os

# Progress bars and timings never belong in a stored output.
os.environ.setdefault("TQDM_DISABLE", "1")
# One BLAS thread per process: `make test` runs two pytest workers on two cores, and the stored
# chapter outputs were computed with one thread (float32 results can differ in the last digits
# between thread counts). tools/run_notebooks.py sets the same.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


def pytest_collectstart(collector) -> None:
    """Leave stderr (warnings, progress bars) out of nbval's comparison."""
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)
