"""Shared fixtures: the devices every parity test runs on."""

from __future__ import annotations

import pytest

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
