"""The random number generators behind every random op in ``nnlib``: one per device.

Random ops (``rand``, ``randn``, weight initialisation, dropout, shuffling) take an optional
``generator=`` (a ``numpy.random.Generator``) and fall back to :func:`default_generator` of the
device they draw on: NumPy's generator for the CPU, the GPU's own generator (CuPy's) for
``cuda``. :func:`manual_seed` reseeds them all, like ``torch.manual_seed``, so a whole program
is reproducible.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlib.backend import CPU, Device, check_device, device_generator, move

__all__ = ["default_generator", "generator_for", "manual_seed", "normal", "seed_cuda"]

_generator: np.random.Generator = np.random.default_rng()
#: The GPUs' generators, made on first use from the last seed.
_device_generators: dict[Device, Any] = {}
_cuda_seed: int | None = None


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed every device's generator with ``seed``; return the CPU's.

    Parameters
    ----------
    seed : int
        Any non-negative integer.
    """
    global _generator
    _generator = np.random.default_rng(_check_seed(seed))
    seed_cuda(seed)
    return _generator


def seed_cuda(seed: int) -> None:
    """Reseed the GPUs' generators only (``nnlib.cuda.manual_seed``)."""
    global _cuda_seed
    _cuda_seed = _check_seed(seed)
    _device_generators.clear()


def default_generator(device: Any = None) -> Any:
    """The generator random ops on ``device`` use when no ``generator=`` is given.

    The CPU's is a ``numpy.random.Generator``; a GPU's is CuPy's generator, which has the
    methods ``random``, ``standard_normal``, ``integers`` and ``uniform`` used here.
    """
    if device is None or device == "cpu":
        return _generator
    device = check_device(device)
    if device.type == "cpu":
        return _generator
    if device not in _device_generators:
        _device_generators[device] = device_generator(device, _cuda_seed)
    return _device_generators[device]


class _DrawThenMove:
    """A NumPy generator whose draws are copied to a device (``generator=`` with a GPU)."""

    def __init__(self, generator: np.random.Generator, device: Device) -> None:
        self._generator = generator
        self._device = device

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._generator, name)
        return lambda *args, **kwargs: move(np.asarray(method(*args, **kwargs)), self._device)


def generator_for(device: Any, generator: np.random.Generator | None = None) -> Any:
    """The generator that draws arrays on ``device``.

    Without ``generator`` it is the device's :func:`default_generator`. A NumPy ``generator``
    given for a GPU draws on the CPU and its numbers are copied over, so the same generator
    gives the same numbers on every device.
    """
    device = CPU if device is None else check_device(device)
    if generator is None:
        return default_generator(device)
    if device.type == "cpu" or not isinstance(generator, np.random.Generator):
        return generator
    return _DrawThenMove(generator, device)


def normal(generator: Any, mean: float, std: float, shape: tuple) -> Any:
    """Samples of N(mean, std**2) from any generator of :func:`generator_for`.

    NumPy's generators have ``normal``; CuPy's has only ``standard_normal``, which gives the
    same distribution scaled and shifted.
    """
    if hasattr(generator, "normal"):
        return generator.normal(mean, std, shape)
    return mean + std * generator.standard_normal(shape)
