"""``nnlib.cuda``: the few ``torch.cuda`` calls that device-agnostic torch code makes.

Torch programs choose their device with ``"cuda" if torch.cuda.is_available() else "cpu"``
and seed with ``torch.cuda.manual_seed(...)``. nnlib answers from :mod:`nnlib.backend`: it
reports a GPU only where the backend can compute on one (today it cannot, so programs fall
back to the CPU), and seeding a GPU that is not there does nothing.
"""

from __future__ import annotations

from nnlib.backend import available_devices

__all__ = ["device_count", "is_available", "manual_seed", "manual_seed_all", "synchronize"]


def is_available() -> bool:
    """True if nnlib can compute on a CUDA GPU (False with the NumPy backend)."""
    return any(d.type == "cuda" for d in available_devices())


def device_count() -> int:
    """The number of CUDA devices nnlib can use."""
    return sum(d.type == "cuda" for d in available_devices())


def manual_seed(seed: int) -> None:
    """Seed the GPU's generator: nothing to do without a GPU (``nnlib.manual_seed`` seeds all)."""


def manual_seed_all(seed: int) -> None:
    """Seed every GPU's generator: nothing to do without a GPU."""


def synchronize(device: object = None) -> None:
    """Wait for GPU work to finish: NumPy computes synchronously, so return at once."""
