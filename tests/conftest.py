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

#: ``NNLIB_PRETEND_GPU=1`` runs the whole suite with nnlib's tensors on the pretend GPU
#: (nnlib.pretend_gpu: NumPy arrays that keep CuPy's rules), against torch on the CPU.
PRETEND_GPU = os.environ.get("NNLIB_PRETEND_GPU", "") not in ("", "0")
if PRETEND_GPU:
    import nnlib

    nnlib.set_default_device("cuda")

#: Devices the torch twin of every parity test runs on; CUDA shows as skipped without a GPU.
DEVICES = [
    "cpu",
    pytest.param(
        "cuda",
        marks=pytest.mark.skipif(not HAS_CUDA, reason="no CUDA device: GPU parity not run"),
    ),
]


@pytest.fixture(params=DEVICES)
def device(request):
    """The torch device that a parity test compares ``nnlib`` against.

    With ``cuda``, nnlib's default device is the GPU too during the test (when nnlib can use
    one), so nnlib-on-cuda is compared with torch-on-cuda.
    """
    from nnlib import backend

    if request.param == "cuda" and any(d.type == "cuda" for d in backend.available_devices()):
        saved = backend.get_default_device()
        backend.set_default_device("cuda")
        yield request.param
        backend.set_default_device(saved)
    else:
        yield request.param


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The HTML folder of the book, built once per test run (shared by all xdist workers)."""
    base = tmp_path_factory.getbasetemp()
    return build_book_once(base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base)


@pytest.fixture
def cpu_default():
    """nnlib's default device is the CPU during the test, in every mode.

    For tests of CPU behaviour (memory shared with NumPy arrays, CPU reprs): they test the
    same thing when the suite runs on the pretend GPU.
    """
    from nnlib import backend

    saved = backend.get_default_device()
    backend.set_default_device("cpu")
    yield
    backend.set_default_device(saved)


@pytest.fixture
def without_gpu(monkeypatch):
    """nnlib sees no GPU during the test (CuPy missing), whatever the machine has."""
    from nnlib import backend

    monkeypatch.setattr(backend, "_cuda", None)
    monkeypatch.setattr(backend, "_cuda_searched", True)
    monkeypatch.setattr(
        backend,
        "_why_no_cuda",
        "CuPy is not installed (pip install cupy-cuda12x on a machine with a GPU)",
    )
    monkeypatch.setattr(backend, "_default_device", backend.CPU)
