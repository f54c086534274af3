"""Shared fixtures: the devices every parity test runs on, and the book built once per run."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from tests._book import build_book_once

# Property tests draw the same examples on every run (no test fails by chance) and have no
# deadline (timings on a loaded machine are noise). HYPOTHESIS_PROFILE=explore draws at random.
settings.register_profile("nnfp", derandomize=True, deadline=None, database=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "nnfp"))

try:
    import torch
except ImportError:  # pragma: no cover - torch is part of the test extras
    torch = None

HAS_CUDA = torch is not None and torch.cuda.is_available()

#: Devices the torch twin of every parity test runs on; CUDA shows as skipped without a GPU.
DEVICES = [
    "cpu",
    pytest.param(
        "cuda",
        marks=pytest.mark.skipif(not HAS_CUDA, reason="no CUDA device: GPU parity not run"),
    ),
]


@pytest.fixture(params=DEVICES)
def device(request) -> str:
    """The torch device that a parity test compares ``nnlib`` against."""
    return request.param


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The HTML folder of the book, built once per test run (shared by all xdist workers)."""
    base = tmp_path_factory.getbasetemp()
    return build_book_once(base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base)
