"""``nnlib.cuda``: the ``torch.cuda`` calls that device-agnostic torch code makes.

Torch programs choose their device with ``"cuda" if torch.cuda.is_available() else "cpu"``,
seed with ``torch.cuda.manual_seed(...)`` and wait for the GPU with
``torch.cuda.synchronize()`` before reading a clock. nnlib answers from :mod:`nnlib.backend`:
it reports the GPUs CuPy can compute on (none where CuPy or a GPU is missing).
"""

from __future__ import annotations

from typing import Any

from nnlib import backend
from nnlib.random import seed_cuda

__all__ = [
    "current_device",
    "device_count",
    "get_device_name",
    "is_available",
    "manual_seed",
    "manual_seed_all",
    "synchronize",
]


def is_available() -> bool:
    """True if nnlib can compute on a CUDA GPU (CuPy is installed and finds one)."""
    return device_count() > 0


def device_count() -> int:
    """The number of CUDA devices nnlib can use."""
    return sum(d.type == "cuda" for d in backend.available_devices())


def current_device() -> int:
    """The index of the GPU new arrays go to by default (0)."""
    return 0


def get_device_name(device: Any = None) -> str:
    """The GPU's name, e.g. ``"NVIDIA A100-SXM4-40GB"``."""
    index = backend.check_device("cuda" if device is None else device).index or 0
    if isinstance(backend._cuda, backend._PretendBackend):
        return "pretend GPU (NumPy arrays with CuPy's rules)"
    properties = backend._cuda.xp.cuda.runtime.getDeviceProperties(index)
    name = properties["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def manual_seed(seed: int) -> None:
    """Seed the GPUs' generators (``nnlib.manual_seed`` seeds every device)."""
    seed_cuda(seed)


def manual_seed_all(seed: int) -> None:
    """Seed every GPU's generator."""
    seed_cuda(seed)


def synchronize(device: Any = None) -> None:
    """Wait until the GPU has finished its queued work; time GPU code only after this."""
    backend.synchronize(device)
